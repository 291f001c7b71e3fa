"""Changes that cannot lock the admin out: a guest fix that could cut the path schedules its own
revert; apply cancels it only after verifying access; an apply that dies leaves the guest to revert.

Real engine, real CLI process; the emulator holds the fix's RunCommand after it ran (control API
holds), the test kills apply there and moves the emulator clock instead of waiting.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tcremedy.emulator.testing import start_emulator

pytestmark = pytest.mark.engine
TCREMEDY = str(Path(sys.executable).parent / "tcremedy")
ENV = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "PULUMI_CONFIG_PASSPHRASE": "test-only"}


@pytest.mark.usefixtures("no_orphans")  # the killed run's engine and providers end with it
def test_apply_killed_after_the_fix_leaves_the_guest_to_revert_by_itself(tmp_path: Path) -> None:
    with start_emulator(scenario="guest-port-changed", transition_seconds=0.05) as emu:
        (iid,) = emu.instance_ids()
        hold = emu.hold("RunCommand", when="after", skip=1)  # 1st: plan's probe; 2nd: the fix
        proc = subprocess.Popen(
            [TCREMEDY, "apply", "--yes", "--endpoint", emu.endpoint],
            cwd=tmp_path,
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            emu.wait_held(hold)
            guest = emu.control("GET", f"instances/{iid}")["guest"]
            assert guest["RdpPort"] == 3389  # the fix ran in the guest...
            assert [t["Task"] for t in guest["ScheduledReverts"]] == ["tcremedy-revert-align-rdp-port"]
            os.killpg(proc.pid, signal.SIGKILL)  # ...and apply dies before it could verify anything
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
            emu.release(hold, "drop")
        emu.control("POST", "clock", {"advance": 9 * 60})
        assert emu.control("GET", f"instances/{iid}")["guest"]["RdpPort"] == 3389
        emu.control("POST", "clock", {"advance": 61})  # the policy's revert_minutes (10) have passed
        guest = emu.control("GET", f"instances/{iid}")["guest"]
        assert (guest["RdpPort"], guest["TdsPort"], guest["ScheduledReverts"]) == (3390, 3390, [])


def test_verified_apply_cancels_the_revert(tmp_path: Path) -> None:
    with start_emulator(scenario="guest-port-changed", transition_seconds=0.05) as emu:
        (iid,) = emu.instance_ids()
        run = subprocess.run(
            [
                TCREMEDY,
                "apply",
                "--yes",
                "--verify-connect",
                "--connect-timeout",
                "2",
                "--endpoint",
                emu.endpoint,
            ],
            cwd=tmp_path,
            env=ENV,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert f"kept  {iid}: access verified, scheduled revert of align-rdp-port cancelled" in run.stdout
        emu.control("POST", "clock", {"advance": 3600})
        guest = emu.control("GET", f"instances/{iid}")["guest"]
        assert (guest["RdpPort"], guest["ScheduledReverts"]) == (3389, [])


def test_failed_connect_keeps_the_revert(tmp_path: Path) -> None:
    with start_emulator(scenario="guest-port-changed", transition_seconds=0.05) as emu:
        (iid,) = emu.instance_ids()
        emu.control("POST", "operator", {"ip": "192.0.2.77"})  # outside every admin range: dropped
        run = subprocess.run(
            [
                TCREMEDY,
                "apply",
                "--yes",
                "--verify-connect",
                "--connect-timeout",
                "0.3",
                "--endpoint",
                emu.endpoint,
            ],
            cwd=tmp_path,
            env=ENV,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert run.returncode == 1, run.stdout + run.stderr
        assert f"REVERT PENDING  {iid}: access not verified" in run.stdout and "timeout" in run.stdout
        emu.control("POST", "clock", {"advance": 601})
        assert emu.control("GET", f"instances/{iid}")["guest"]["RdpPort"] == 3390
