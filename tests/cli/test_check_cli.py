"""`tcremedy check`: the pipeline gate (0 compliant, 2 not, 1 error) and its JUnit output."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tcremedy.emulator.testing import RunningEmulator
from tcremedy.main import app

POLICY = Path(__file__).resolve().parents[2] / "policies" / "windows-rdp.yaml"

pytestmark = pytest.mark.usefixtures("no_credentials")


def check(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["check", "--policy", str(POLICY), *args])


@pytest.mark.emulator(scenario="healthy")
def test_compliant_fleet_passes_the_gate(emulator: RunningEmulator, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    result = check("--endpoint", emulator.endpoint, "--junit", str(junit))
    assert result.exit_code == 0, result.output
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "1" and suite.get("failures") == "0"


@pytest.mark.emulator(scenario="credssp-mismatch")
def test_drift_fails_the_gate_with_junit_and_json(emulator: RunningEmulator, tmp_path: Path) -> None:
    junit, state = tmp_path / "junit.xml", tmp_path / "state.json"
    result = check(
        "--endpoint", emulator.endpoint, "--junit", str(junit), "--json", "--save-state", str(state)
    )
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["compliant"] is False and doc["summary"]["root_causes"] == {"CREDSSP_MISMATCH": 1}
    failure = ET.parse(junit).getroot().find("testsuite/testcase/failure")
    assert failure is not None and failure.get("type") == "CREDSSP_MISMATCH"
    offline = check("--from-state", str(state), "--json")
    assert offline.exit_code == 2 and offline.stdout == result.stdout


def test_errors_exit_1_not_2(tmp_path: Path) -> None:
    result = check("--from-state", str(tmp_path / "missing.json"), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["type"] == "TcremedyError"
    assert check("--junit").exit_code == 1  # option without its value
