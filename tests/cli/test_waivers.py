"""Waivers through the entry point: an accepted exception is reported as waived (JSON, SARIF
suppressions, JUnit skipped), does not fail `check` and gets no fix; an expired one fails the gate
with a message naming it. Day of judgement: the state's collection date (replays exactly)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from tcremedy.emulator.testing import RunningEmulator
from tcremedy.main import app

REPO = Path(__file__).resolve().parents[2]
POLICY = REPO / "policies" / "windows-rdp.yaml"
SCHEMA = json.loads(
    (REPO / "tests" / "report" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)

pytestmark = pytest.mark.usefixtures("no_credentials")


def policy_with(tmp_path: Path, sg_instance: str, credssp_name: str, expires: str) -> Path:
    path = tmp_path / f"policy-{expires}.yaml"
    path.write_text(
        POLICY.read_text(encoding="utf-8")
        + f"""
waivers:
  - instance_ids: [{sg_instance}]
    codes: [SG_BLOCKS_RDP]
    reason: jump host reached over the VPN only (OPS-1234)
    expires: "{expires}"
  - names: ["{credssp_name[:-1]}*"]
    codes: [CREDSSP_MISMATCH]
    reason: legacy clients until the 2026 refresh
    expires: "{expires}"
""",
        encoding="utf-8",
    )
    return path


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner(env={"COLUMNS": "400"}).invoke(app, list(args))  # long tmp paths stay whole


@pytest.mark.emulator(scenario="demo-fleet", fleet_size=14)
def test_waived_findings_are_reported_not_failing_and_never_fixed(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    causes = {cause: iid for iid, cause in emulator.world.meta["instances"].items() if cause}
    sg, credssp = causes["SG_BLOCKS_RDP"], causes["CREDSSP_MISMATCH"]
    state, sarif, junit = tmp_path / "state.json", tmp_path / "out.sarif", tmp_path / "junit.xml"
    baseline = run(
        "plan", "--policy", str(POLICY), "--endpoint", emulator.endpoint, "--save-state", str(state), "--json"
    )
    names = {i["instance_id"]: i["name"] for i in json.loads(baseline.stdout)["instances"]}
    policy = policy_with(tmp_path, sg, names[credssp], "2099-12-31")

    result = run(
        "check",
        "--policy",
        str(policy),
        "--from-state",
        str(state),
        "--json",
        "--sarif",
        str(sarif),
        "--junit",
        str(junit),
    )
    assert result.exit_code == 2  # the other seven causes still fail the gate
    doc = json.loads(result.stdout)
    by_id = {i["instance_id"]: i for i in doc["instances"]}
    for iid, code in ((sg, "SG_BLOCKS_RDP"), (credssp, "CREDSSP_MISMATCH")):
        assert by_id[iid]["compliant"] is True and by_id[iid]["findings"] == []
        assert [w["code"] for w in by_id[iid]["waived"]] == [code]
        assert by_id[iid]["fixes"] == []  # apply plans from this diagnosis: nothing to act on
    assert by_id[sg]["waived"][0]["waiver"] == {
        "index": 0,
        "reason": "jump host reached over the VPN only (OPS-1234)",
        "expires": "2099-12-31",
    }
    assert doc["summary"]["waived"] == 2 and doc["expired_waivers"] == []
    assert "SG_BLOCKS_RDP" not in doc["summary"]["root_causes"]

    sarif_doc = json.loads(sarif.read_text(encoding="utf-8"))
    jsonschema.validate(sarif_doc, SCHEMA)
    suppressed = [r for r in sarif_doc["runs"][0]["results"] if r.get("suppressions")]
    assert sorted(r["ruleId"] for r in suppressed) == ["CREDSSP_MISMATCH", "SG_BLOCKS_RDP"]
    assert suppressed[0]["suppressions"][0]["status"] == "accepted"

    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("skipped") == "2"
    skipped = [c for c in suite.findall("testcase") if c.find("skipped") is not None]
    assert sorted(c.get("name", "").split()[0] for c in skipped) == sorted([sg, credssp])

    human = run("check", "--policy", str(policy), "--from-state", str(state), "--show-compliant")
    text = " ".join(human.stdout.split())
    assert "Waived (2 findings; accepted by the policy, not failing)" in text
    assert '"jump host reached over the VPN only (OPS-1234)" until 2099-12-31 (waivers[0])' in text

    plan = run("plan", "--policy", str(policy), "--from-state", str(state), "--json")
    assert not [
        f for f in json.loads(plan.stdout)["instances"] for fix in f["fixes"] if fix["fix"] == "sg_allow_rdp"
    ]


@pytest.mark.emulator(scenario="demo-fleet", fleet_size=14)
def test_an_expired_waiver_fails_the_gate_naming_it(emulator: RunningEmulator, tmp_path: Path) -> None:
    causes = {cause: iid for iid, cause in emulator.world.meta["instances"].items() if cause}
    state = tmp_path / "state.json"
    baseline = run(
        "check",
        "--policy",
        str(POLICY),
        "--endpoint",
        emulator.endpoint,
        "--save-state",
        str(state),
        "--json",
    )
    names = {i["instance_id"]: i["name"] for i in json.loads(baseline.stdout)["instances"]}
    policy = policy_with(tmp_path, causes["SG_BLOCKS_RDP"], names[causes["CREDSSP_MISMATCH"]], "2020-01-31")

    result = run("check", "--policy", str(policy), "--from-state", str(state))
    assert result.exit_code == 2
    reason = "jump host reached over the VPN only (OPS-1234)"
    named = f'{policy}: waivers[0] ("{reason}", expires 2020-01-31) has expired'
    assert named in " ".join(result.stdout.split())
    as_json = json.loads(run("check", "--policy", str(policy), "--from-state", str(state), "--json").stdout)
    assert len(as_json["expired_waivers"]) == 2 and as_json["summary"]["waived"] == 0
    assert as_json["summary"]["root_causes"]["SG_BLOCKS_RDP"] == 1  # the finding counts again, with its fix


def test_a_waiver_must_select_instances_and_expire(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    for waiver, field, expected in (
        (
            '{codes: [SG_BLOCKS_RDP], reason: x, expires: "2099-01-01"}',
            "waivers[0]",
            "instance_ids, tags and/or names",
        ),
        ("{names: [web-*], codes: [SG_BLOCKS_RDP], reason: x}", "waivers[0].expires", "expected a value"),
        (
            '{names: [web-*], codes: [SG_BLOCKS_RDP], reason: x, expires: "next week"}',
            "waivers[0].expires",
            "ISO date",
        ),
    ):
        bad.write_text(POLICY.read_text(encoding="utf-8") + f"\nwaivers:\n  - {waiver}\n", encoding="utf-8")
        result = run("check", "--policy", str(bad), "--from-state", str(tmp_path / "unused.json"))
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert result.stderr.startswith(f"error: {bad}:") and f"{field}:" in result.stderr, result.stderr
        assert expected in result.stderr
