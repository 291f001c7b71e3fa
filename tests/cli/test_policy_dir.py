"""Several policies through the entry point: `--policy DIR` loads every *.yaml, each policy judges
the instances it selects; an instance two policies select is an error naming both, unless one of
them is marked `override: true`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tcremedy.emulator.testing import RunningEmulator
from tcremedy.main import app

REPO = Path(__file__).resolve().parents[2]
POLICY = REPO / "policies" / "windows-rdp.yaml"

pytestmark = pytest.mark.usefixtures("no_credentials")


def write_policy(folder: Path, name: str, selector: str, cidr: str, override: bool = False) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(
        f"""apiVersion: tcremedy/v1
kind: RdpPolicy
name: {name}
override: {str(override).lower()}
selector: {selector}
rdp:
  admin_cidrs: [{cidr}]
""",
        encoding="utf-8",
    )
    return path


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner(env={"COLUMNS": "400"}).invoke(app, list(args))


@pytest.mark.emulator(scenario="demo-fleet", fleet_size=14)
def test_a_policy_directory_judges_each_instance_by_its_own_policy(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    sg = next(iid for iid, cause in emulator.world.meta["instances"].items() if cause == "SG_BLOCKS_RDP")
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
    windows = [i["instance_id"] for i in json.loads(baseline.stdout)["instances"]]
    sg_name = next(i["name"] for i in json.loads(baseline.stdout)["instances"] if i["instance_id"] == sg)
    policies = tmp_path / "policies"
    policies.mkdir()
    write_policy(policies, "team-a", f"{{instance_ids: [{sg}]}}", "203.0.113.0/24")
    others = ", ".join(i for i in windows if i != sg)
    write_policy(policies, "team-b", f"{{instance_ids: [{others}]}}", "198.51.100.10/32")
    (policies / "notes.txt").write_text("not a policy", encoding="utf-8")

    sarif = tmp_path / "out.sarif"
    result = run(
        "check", "--policy", str(policies), "--from-state", str(state), "--json", "--sarif", str(sarif)
    )
    assert result.exit_code == 2, result.output
    located = {
        r["ruleId"]: r["locations"][0]["physicalLocation"]
        for r in json.loads(sarif.read_text())["runs"][0]["results"]
    }
    sg_at = located["SG_BLOCKS_RDP"]  # team-a's own file, at `admin_cidrs:` (line 7, column 3)
    assert sg_at["artifactLocation"]["uri"].endswith("team-a.yaml") and sg_at["region"]["startLine"] == 7
    guest_at = located["GUEST_RDP_DISABLED"]  # a setting team-b leaves at its default: its `name:` line
    assert (
        guest_at["artifactLocation"]["uri"].endswith("team-b.yaml") and guest_at["region"]["startLine"] == 3
    )
    doc = json.loads(result.stdout)
    assert [p["name"] for p in doc["policies"]] == ["team-a", "team-b"]
    judged = {i["instance_id"]: i["policy"] for i in doc["instances"]}
    assert judged == {iid: "team-a" if iid == sg else "team-b" for iid in windows}
    sg_fixes = next(i["fixes"] for i in doc["instances"] if i["instance_id"] == sg)
    assert [f["parameters"]["cidr_block"] for f in sg_fixes] == ["203.0.113.0/24"]  # team-a's range only
    human = run("check", "--policy", str(policies), "--from-state", str(state))
    assert "Policies  team-a (" in human.stdout and "team-b (" in human.stdout

    write_policy(policies, "team-c", f"{{names: [{sg_name}]}}", "192.0.2.0/24")
    clash = run("check", "--policy", str(policies), "--from-state", str(state))
    assert clash.exit_code == 1 and "Traceback" not in clash.output
    message = clash.stderr
    assert f"instance {sg} ({sg_name}) is selected by policy 'team-a'" in message
    assert "and policy 'team-c'" in message and str(policies / "team-c.yaml") in message
    assert "override: true" in message

    write_policy(policies, "team-c", f"{{names: [{sg_name}]}}", "192.0.2.0/24", override=True)
    overridden = json.loads(
        run("check", "--policy", str(policies), "--from-state", str(state), "--json").stdout
    )
    sg_doc = next(i for i in overridden["instances"] if i["instance_id"] == sg)
    assert sg_doc["policy"] == "team-c"
    assert [f["parameters"]["cidr_block"] for f in sg_doc["fixes"]] == ["192.0.2.0/24"]

    out = run(
        "plan", "--policy", str(policies), "--from-state", str(state), "--out", str(tmp_path / "x.plan")
    )
    assert out.exit_code == 1 and "a plan file holds one policy" in out.stderr


def test_an_empty_policy_directory_is_a_clear_error(tmp_path: Path) -> None:
    result = run("check", "--policy", str(tmp_path), "--from-state", str(tmp_path / "s.json"))
    assert (
        result.exit_code == 1
        and result.stderr == f"error: {tmp_path}: no *.yaml policy files in this directory\n"
    )
