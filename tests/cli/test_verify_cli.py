"""Acceptance: for every shipped scenario, `tcremedy verify --json` gives what a person connecting
from an admin address would see, and ties it to the diagnosed cause.

The emulator's guests listen on real loopback sockets; whether a connection gets through is decided
by the emulator's own packet-level judge, not by tcremedy's diagnosis.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import tcremedy.emulator
from tcremedy.emulator.testing import RunningEmulator
from tcremedy.main import app

POLICY = Path(__file__).resolve().parents[2] / "policies" / "windows-rdp.yaml"
SCENARIO_DIR = Path(tcremedy.emulator.__file__).parent / "scenarios"
SCENARIOS = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
TIMEOUT = "0.3"  # seconds a dropped connection is waited for

# What the admin sees, per diagnosed root cause (None = healthy).
SEEN = {
    None: "connected",
    "INSTANCE_ISOLATED": "timeout",
    "INSTANCE_NOT_RUNNING": "timeout",
    "NO_PUBLIC_IP": "no-address",
    "BANDWIDTH_ZERO": "timeout",
    "SG_BLOCKS_RDP": "timeout",
    "ACL_BLOCKS_RDP": "timeout",
    "GUEST_FIREWALL_BLOCKS_RDP": "timeout",
    "GUEST_SECURITY_SOFTWARE": "timeout",
    "GUEST_RDP_DISABLED": "refused",
    "GUEST_TERMSERVICE_STOPPED": "refused",
    "GUEST_RDP_NOT_LISTENING": "refused",
    "GUEST_RDP_PORT_CHANGED": "refused",
    # the negotiation succeeds; what fails comes later (logon, CredSSP, load)
    "BANDWIDTH_SATURATED": "connected",
    "CPU_SATURATED": "connected",
    "MEMORY_SATURATED": "connected",
    "CREDSSP_MISMATCH": "connected",
    "GUEST_CREDSSP_UNPATCHED": "connected",
    "GUEST_NLA_MISMATCH": "connected",
    "PASSWORD_RESET_FAILED": "connected",
    "BANDWIDTH_BELOW_POLICY": "connected",
    "GUEST_UNREACHABLE": "connected",
}
TIED = {"BANDWIDTH_BELOW_POLICY", "GUEST_UNREACHABLE"}  # causes that explain no outcome


def run_verify(emu: RunningEmulator, *extra: str, policy: Path = POLICY) -> tuple[int, dict]:
    args = ["verify", "--json", "--endpoint", emu.endpoint, "--policy", str(policy), "--timeout", TIMEOUT]
    result = CliRunner().invoke(app, [*args, *extra])
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_verify_sees_what_an_admin_sees(
    scenario: str, emulator_factory: Callable[..., RunningEmulator], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TCCLI_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    emu = emulator_factory(scenario=scenario, fleet_size=40)
    expected = emu.control("GET", "scenario")["instances"]
    named = yaml.safe_load((SCENARIO_DIR / f"{scenario}.yaml").read_text()).get("expect") or {}
    policy = POLICY.parent / named["policy"] if named.get("policy") else POLICY  # the scenario's own
    code, doc = run_verify(emu, "--detailed-exitcode", policy=policy)
    assert doc["format"] == "tcremedy.verify/v1" and "error" not in doc, doc.get("error")
    assert doc["instances"]
    for inst in doc["instances"]:
        cause = expected[inst["instance_id"]]
        assert inst["outcome"] == SEEN[cause], (inst, cause)
        assert inst["port"] == 3389
        if inst["outcome"] == "connected":  # the guests require NLA unless the scenario turns it off
            assert inst["protocol"] == ("tls" if cause == "GUEST_NLA_MISMATCH" else "credssp"), inst
        if cause is not None and cause not in TIED:
            assert inst["root_cause"]["code"] == cause, inst
    all_connected = all(i["outcome"] == "connected" for i in doc["instances"])
    assert code == (0 if all_connected else 2)


def test_human_output_and_nla_off(emulator_factory: Callable[..., RunningEmulator]) -> None:
    emu = emulator_factory(scenario="healthy")
    (iid,) = emu.instance_ids()
    emu.control("POST", f"instances/{iid}/guest", {"UserAuthentication": 0})
    _, doc = run_verify(emu)
    assert (doc["instances"][0]["outcome"], doc["instances"][0]["protocol"]) == ("connected", "tls")
    result = CliRunner().invoke(
        app, ["verify", "--endpoint", emu.endpoint, "--policy", str(POLICY), "--timeout", TIMEOUT]
    )
    assert result.exit_code == 0
    assert f"{iid}" in result.stdout and "connected" in result.stdout and "TLS" in result.stdout


def test_operator_outside_the_admin_ranges_times_out(
    emulator_factory: Callable[..., RunningEmulator],
) -> None:
    emu = emulator_factory(scenario="healthy")
    emu.control("POST", "operator", {"ip": "192.0.2.77"})
    code, doc = run_verify(emu, "--detailed-exitcode")
    assert doc["instances"][0]["outcome"] == "timeout" and doc["instances"][0]["root_cause"] is None
    assert code == 2


def test_option_errors_are_verify_json_and_exit_1() -> None:
    result = CliRunner().invoke(app, ["verify", "--json", "--timeout", "soon"])
    doc = json.loads(result.stdout)
    assert (
        result.exit_code == 1
        and doc["format"] == "tcremedy.verify/v1"
        and "--timeout" in doc["error"]["message"]
    )
