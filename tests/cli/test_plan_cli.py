"""`tcremedy plan` through the CLI: exit codes, JSON errors, state round trip, plan file, SARIF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tcremedy.emulator.testing import RunningEmulator
from tcremedy.main import app
from tcremedy.planfile import read_planfile

POLICY = Path(__file__).resolve().parents[2] / "policies" / "windows-rdp.yaml"

pytestmark = pytest.mark.usefixtures("no_credentials")


def plan(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["plan", "--policy", str(POLICY), *args])
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (
        result.exception
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.emulator(scenario="sg-missing-rdp")
def test_exit_codes_follow_terraform(emulator: RunningEmulator) -> None:
    assert plan("--endpoint", emulator.endpoint)[0] == 0  # drift, but no --detailed-exitcode
    code, out, err = plan("--endpoint", emulator.endpoint, "--detailed-exitcode")
    assert code == 2
    assert "SG_BLOCKS_RDP  1 instance, critical" in out and "fix sg_allow_rdp, automatic" in out
    assert "local emulator's credentials" in err


@pytest.mark.emulator(scenario="guest-port-changed")
def test_saved_state_reproduces_the_json_report_byte_for_byte(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    saved = tmp_path / "state.json"
    code, live, _ = plan("--endpoint", emulator.endpoint, "--json", "--save-state", str(saved))
    assert code == 0 and json.loads(live)["instances"][0]["root_cause"]["code"] == "GUEST_RDP_PORT_CHANGED"
    emulator.control("POST", "reset")  # the cloud is gone/changed: the file alone must suffice
    code, offline, _ = plan("--from-state", str(saved), "--json")
    assert code == 0 and offline == live


@pytest.mark.emulator(scenario="sg-missing-rdp")
def test_out_writes_a_plan_file_for_apply(emulator: RunningEmulator, tmp_path: Path) -> None:
    out, sarif, state = tmp_path / "plan.json", tmp_path / "report.sarif", tmp_path / "state.json"
    code, _, _ = plan(
        "--endpoint",
        emulator.endpoint,
        "--out",
        str(out),
        "--sarif",
        str(sarif),
        "--save-state",
        str(state),
        "--quiet",
    )
    assert code == 0
    planned = read_planfile(out)
    (iid,) = planned.affected_instances
    assert [f.fix for f in planned.fixes if f.auto] == ["sg_allow_rdp", "sg_allow_rdp"]  # one per admin CIDR
    assert {f.parameters["cidr_block"] for f in planned.fixes} == {"203.0.113.0/24", "198.51.100.10/32"}
    assert (
        planned.diagnoses[0].root_cause is not None
        and planned.diagnoses[0].root_cause.code == "SG_BLOCKS_RDP"
    )
    from tcremedy.cloud.state import LiveState

    assert planned.state_fingerprint == LiveState.from_json(state.read_text()).fingerprint((iid,))
    assert planned.policy().rdp.port == 3389 and planned.endpoint == emulator.endpoint
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["SG_BLOCKS_RDP"]


def test_bad_policy_names_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(POLICY.read_text().replace("port: 3389", "port: many"))
    result = CliRunner().invoke(app, ["plan", "--policy", str(bad), "--endpoint", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {bad}:") and "rdp.port" in result.stderr
    assert "Traceback" not in result.output
    line = next(n for n, text in enumerate(bad.read_text().splitlines(), 1) if "port: many" in text)
    assert f"{bad}:{line}:" in result.stderr
    as_json = CliRunner().invoke(app, ["plan", "--json", "--policy", str(bad)])
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["error"]["message"].startswith(f"{bad}:{line}:")


def test_missing_credentials_for_tencent_cloud_is_an_error() -> None:
    code, out, err = plan("--endpoint", "https://cvm.tencentcloudapi.com", "--no-guest-probe")
    assert code == 1 and out == ""
    assert err.startswith("error: no Tencent Cloud credentials found") and "Traceback" not in err


def test_option_errors_exit_1_and_follow_the_json_view() -> None:
    result = CliRunner().invoke(app, ["plan", "--json", "--concurrency", "many"])
    assert result.exit_code == 1
    assert "--concurrency" in json.loads(result.stdout)["error"]["message"]
    result = CliRunner().invoke(app, ["plan", "--no-such-flag"])
    assert result.exit_code == 1 and "No such option" in result.stderr


def test_unreadable_state_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    code, _, err = plan("--from-state", str(missing))
    assert code == 1 and err == f"error: {missing}: state file not found\n"
    broken = tmp_path / "broken.json"
    broken.write_text('{"region": 1}')
    code, _, err = plan("--from-state", str(broken))
    assert code == 1 and "not a tcremedy live-state file" in err


@pytest.mark.emulator(scenario="healthy")
def test_rejected_credentials_are_reported_without_the_secret(
    emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", "AKIDnotknown")
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "very-secret-value")
    code, out, err = plan("--endpoint", emulator.endpoint, "--json")
    assert code == 1
    assert "AuthFailure.SecretIdNotFound" in json.loads(out)["error"]["message"]
    assert "very-secret-value" not in out + err
    assert "local emulator" not in err  # configured credentials are used as given


@pytest.mark.emulator(scenario="healthy")
def test_instance_option_narrows_the_plan(emulator: RunningEmulator) -> None:
    (iid,) = emulator.instance_ids()
    code, out, _ = plan(
        "--endpoint", emulator.endpoint, "--json", "--instance", iid, "--instance", "ins-00000000"
    )
    doc = json.loads(out)
    assert code == 0 and [i["instance_id"] for i in doc["instances"]] == [iid]
    assert [g["resource_id"] for g in doc["gaps"]] == ["ins-00000000"]  # asked for, not found: said so
