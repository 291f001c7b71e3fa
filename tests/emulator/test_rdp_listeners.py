"""The guests' RDP listeners: they follow the guest's port, answer per its settings, and leave nothing
behind when the emulator stops."""

from __future__ import annotations

import threading
import urllib.error

import pytest

from tcremedy.emulator.testing import start_emulator
from tcremedy.verify.probe import Outcome, probe


def listener_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "tcremedy-rdp-listeners"]


def test_listeners_follow_the_guest_port_and_close_with_the_emulator() -> None:
    before = len(listener_threads())
    with start_emulator(scenario="healthy", transition_seconds=0.05) as emu:
        (iid,) = emu.instance_ids()
        with emu.world.lock:
            address = emu.world.region(emu.region).cvm.instances[iid].public_ips[0]
        assert address.startswith("127.") and not address.startswith("127.0.")
        assert emu.control("GET", "rdp")["listening"] == {iid: [3389]}
        assert probe(address, 3389, 2).outcome is Outcome.CONNECTED
        emu.control("POST", f"instances/{iid}/guest", {"TermServiceState": "Stopped"})
        assert probe(address, 3389, 2).outcome is Outcome.REFUSED  # bound, but nothing answers: reset
        emu.control("POST", f"instances/{iid}/guest", {"TermServiceState": "Running", "RdpPort": 3390})
        assert emu.control("GET", "rdp")["listening"] == {iid: [3390]}
        assert probe(address, 3389, 2).outcome is Outcome.REFUSED  # the port moved: nothing there
        assert probe(address, 3390, 0.3).outcome is Outcome.TIMEOUT  # the security group admits 3389 only
        assert len(listener_threads()) == before + 1
    assert len(listener_threads()) == before
    assert probe(address, 3390, 2).outcome is Outcome.REFUSED  # the socket is gone


def test_operator_address_is_validated() -> None:
    with start_emulator(scenario="healthy") as emu:
        assert emu.control("GET", "operator") == {"ip": "203.0.113.1"}
        with pytest.raises(urllib.error.HTTPError) as err:
            emu.control("POST", "operator", {"ip": "not-an-ip"})
        assert err.value.code == 400
        assert emu.control("POST", "operator", {"ip": None}) == {"ip": "203.0.113.1"}
