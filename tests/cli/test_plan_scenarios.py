"""Acceptance: for every shipped emulator scenario (except generated fleets), `tcremedy plan
--json --detailed-exitcode` against the emulator names the scenario's expected root cause.

Scenarios are discovered from the files, so a new scenario is covered without touching this test.
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

POLICIES = Path(__file__).resolve().parents[2] / "policies"
POLICY = POLICIES / "windows-rdp.yaml"  # a scenario's ``expect.policy`` names another one under policies/
SCENARIO_DIR = Path(tcremedy.emulator.__file__).parent / "scenarios"
SCENARIOS = sorted(p for p in SCENARIO_DIR.glob("*.yaml") if "generator" not in yaml.safe_load(p.read_text()))


def test_scenarios_are_found() -> None:
    assert len(SCENARIOS) >= 10


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_plan_names_the_scenario_root_cause(
    scenario: Path,
    emulator_factory: Callable[..., RunningEmulator],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    for name in ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TCCLI_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    expect = yaml.safe_load(scenario.read_text()).get("expect") or {}
    expected, unknown = expect.get("root_cause"), set(expect.get("unknown") or ())
    policy = POLICIES / expect["policy"] if expect.get("policy") else POLICY
    emu = emulator_factory(scenario=str(scenario))
    result = CliRunner().invoke(
        app,
        [
            "plan",
            "--json",
            "--detailed-exitcode",
            "--endpoint",
            emu.endpoint,
            "--policy",
            str(policy),
            "--save-state",
            str(tmp_path / "state.json"),
        ],
    )
    doc = json.loads(result.stdout)
    assert "error" not in doc, doc.get("error")
    assert doc["format"] == "tcremedy.plan/v1"
    assert doc["instances"], "the default policy selects the scenario's Windows instance"
    causes = {i["instance_id"]: (i["root_cause"] or {}).get("code") for i in doc["instances"]}
    assert set(causes.values()) == {expected}, causes
    for inst in doc["instances"]:  # checks that could not be made are reported, never passed silently
        assert {f["code"] for f in inst["findings"] if f["status"] == "unknown"} >= unknown
    compliant = expected is None and not unknown
    assert [i["compliant"] for i in doc["instances"]] == [compliant] * len(doc["instances"])
    assert result.exit_code == (0 if compliant else 2)
    # The same diagnosis as a person reads it: the cause as a heading, no JSON, no empty values.
    human = CliRunner().invoke(
        app, ["plan", "--policy", str(policy), "--from-state", str(tmp_path / "state.json")]
    ).stdout
    if expected:
        assert f"\n{expected}  " in human
    for raw in ("{", "[]", "None", "…"):
        assert raw not in human, f"{raw!r} in the terminal report:\n{human}"
