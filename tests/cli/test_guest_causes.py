"""Guest causes past the listener: security software, the CredSSP update, NLA, and saturation that
names its culprit; NLA is fixed through the guest-fix mechanism and proven by connecting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tcremedy.emulator.testing import RunningEmulator, start_emulator
from tcremedy.main import app

POLICY = Path(__file__).resolve().parents[2] / "policies" / "windows-rdp.yaml"
TCREMEDY = str(Path(sys.executable).parent / "tcremedy")


def plan(emu: RunningEmulator) -> dict:
    result = CliRunner().invoke(app, ["plan", "--json", "--endpoint", emu.endpoint, "--policy", str(POLICY)])
    (inst,) = json.loads(result.stdout)["instances"]
    return inst


def test_cpu_saturation_names_the_process(emulator_factory: Callable[..., RunningEmulator]) -> None:
    inst = plan(emulator_factory(scenario="cpu-saturated"))
    cause = inst["root_cause"]
    assert cause["code"] == "CPU_SATURATED"
    assert cause["evidence"]["top_processes"][0] == {"Name": "sqlservr", "Id": 2412, "CpuSeconds": 81234.5}
    assert "sqlservr" in cause["message"]
    (fix,) = inst["fixes"]
    assert "sqlservr" in fix["description"] and "sqlservr" in fix["manual"]


def test_security_software_is_the_root_cause_only_when_nothing_earlier_fails(
    emulator_factory: Callable[..., RunningEmulator],
) -> None:
    emu = emulator_factory(scenario="guest-security-software")
    inst = plan(emu)
    assert inst["root_cause"]["code"] == "GUEST_SECURITY_SOFTWARE"
    assert inst["root_cause"]["evidence"]["services"] == [{"Name": "SepMasterService", "State": "Running"}]
    (fix,) = inst["fixes"]
    assert not fix["auto"] and "SepMasterService" in fix["manual"]
    iid = inst["instance_id"]
    emu.control("POST", f"instances/{iid}/guest", {"fDenyTSConnections": 1})
    inst = plan(emu)  # an earlier cause on the path: the software only contributes
    assert inst["root_cause"]["code"] == "GUEST_RDP_DISABLED"
    assert "GUEST_SECURITY_SOFTWARE" in {f["code"] for f in inst["findings"]}


def test_unpatched_credssp_server_gets_the_update_as_the_manual_step(
    emulator_factory: Callable[..., RunningEmulator],
) -> None:
    inst = plan(emulator_factory(scenario="guest-credssp-unpatched"))
    assert inst["root_cause"]["code"] == "GUEST_CREDSSP_UNPATCHED" and not inst["compliant"]
    (fix,) = inst["fixes"]
    assert not fix["auto"] and "KB4093492" in fix["manual"] and "CVE-2018-0886" in fix["manual"]


@pytest.mark.engine
def test_nla_is_fixed_in_the_guest_and_proven_by_connecting(tmp_path: Path) -> None:
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "PULUMI_CONFIG_PASSPHRASE": "test-only"}
    with start_emulator(scenario="guest-nla-mismatch", transition_seconds=0.05) as emu:
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
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "guest_set_nla" in run.stdout and "closed" in run.stdout
        assert "connected" in run.stdout and "CredSSP (NLA)" in run.stdout
        (iid,) = emu.instance_ids()
        assert emu.control("GET", f"instances/{iid}")["guest"]["UserAuthentication"] == 1
