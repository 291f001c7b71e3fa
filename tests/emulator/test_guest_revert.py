"""The guest's scheduled reverts run on the emulator clock (Task Scheduler one-shot tasks)."""

from __future__ import annotations

import base64

import pytest
from tencentcloud.tat.v20201028 import models as tm
from tencentcloud.tat.v20201028 import tat_client

from tcremedy.emulator.testing import RunningEmulator
from tcremedy.guest.fixes import encoded_script


def run(emu: RunningEmulator, iid: str, content: str) -> None:
    tat = emu.client(tat_client.TatClient)
    req = tm.RunCommandRequest()
    req.from_json_string(f'{{"Content": "{content}", "CommandType": "POWERSHELL", "InstanceIds": ["{iid}"]}}')
    tat.RunCommand(req)


@pytest.mark.emulator(scenario="guest-port-changed")
def test_a_fix_reverts_itself_when_nobody_cancels(emulator: RunningEmulator) -> None:
    (iid,) = emulator.instance_ids()
    run(emulator, iid, encoded_script("align-rdp-port", 3389, 10))
    guest = emulator.control("GET", f"instances/{iid}")["guest"]
    assert guest["RdpPort"] == 3389 and [t["Task"] for t in guest["ScheduledReverts"]] == [
        "tcremedy-revert-align-rdp-port"
    ]
    emulator.control("POST", "clock", {"advance": 599})
    assert emulator.control("GET", f"instances/{iid}")["guest"]["RdpPort"] == 3389
    emulator.control("POST", "clock", {"advance": 2})
    guest = emulator.control("GET", f"instances/{iid}")["guest"]
    assert (guest["RdpPort"], guest["TdsPort"], guest["ScheduledReverts"]) == (3390, 3390, [])


@pytest.mark.emulator(scenario="guest-nla-mismatch")
def test_cancel_revert_keeps_the_fix(emulator: RunningEmulator) -> None:
    (iid,) = emulator.instance_ids()
    run(emulator, iid, encoded_script("nla-on", None, 10))
    run(emulator, iid, base64.b64encode(b"# tcremedy-guest-fix cancel-revert v1\n").decode())
    emulator.control("POST", "clock", {"advance": 3600})
    guest = emulator.control("GET", f"instances/{iid}")["guest"]
    assert (guest["UserAuthentication"], guest["ScheduledReverts"]) == (1, [])
