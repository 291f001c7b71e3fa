"""Many regions in one run: `plan`/`check` with `--region` repeated or `--all-regions` read every
region side by side (the local cloud serves each with its own fleet, `--regions`) into one report:
`regions[]` in the JSON, a line per region in the text report, SARIF and JUnit naming each region.
One region keeps the one-region document; what holds one region (plan file, saved state) refuses
several, naming the option."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from tcremedy.emulator.testing import RunningEmulator, start_emulator
from tcremedy.main import app

REPO = Path(__file__).resolve().parents[2]
POLICY = REPO / "policies" / "windows-rdp.yaml"
SARIF_SCHEMA = json.loads((REPO / "tests" / "report" / "data" / "sarif-schema-2.1.0.json").read_text())
TWO = ("ap-beijing", "ap-shanghai")
TCREMEDY = str(Path(sys.executable).parent / "tcremedy")
REGION_FLAGS = ("--region", "ap-guangzhou", "--region", "ap-shanghai")

pytestmark = pytest.mark.usefixtures("no_credentials")


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, [*args, "--policy", str(POLICY), "-q"], env=env)


def without_times(instances: list[dict]) -> list[dict]:
    """The instances less their fixes' triggers (which name the time of collection)."""
    for inst in instances:
        for fix in inst["fixes"]:
            fix["parameters"].pop("trigger", None)
    return instances


@pytest.mark.emulator(scenario="fleet", fleet_size=6, regions=TWO)
def test_check_over_two_regions_is_one_report_whose_parts_are_the_one_region_reports(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    sarif, junit = tmp_path / "out.sarif", tmp_path / "junit.xml"
    both = run(
        "check", "--endpoint", emulator.endpoint, "--region", "ap-shanghai", "--region", "ap-beijing",
        "--json", "--sarif", str(sarif), "--junit", str(junit),
    )  # fmt: skip
    assert both.exit_code == 2, both.output
    doc = json.loads(both.stdout)
    assert doc["region"] == "ap-beijing, ap-shanghai"
    assert [r["region"] for r in doc["regions"]] == list(TWO)
    alone = {}
    for region in TWO:
        one = run("check", "--endpoint", emulator.endpoint, "--region", region, "--json")
        alone[region] = json.loads(one.stdout)
        # One region: today's document, plus `regions` holding that one region's summary.
        assert alone[region]["region"] == region
        assert alone[region]["regions"] == [
            {
                "region": region,
                "compliant": alone[region]["compliant"],
                "summary": alone[region]["summary"],
                "skipped": alone[region]["skipped"],
                "gaps": alone[region]["gaps"],
            }
        ]
    # Each region's part of the joint run is what that region alone reports.
    for part in doc["regions"]:
        assert part == alone[part["region"]]["regions"][0]
    assert without_times(doc["instances"]) == without_times([i for r in TWO for i in alone[r]["instances"]])
    totals = doc["summary"]
    assert totals["selected"] == sum(alone[r]["summary"]["selected"] for r in TWO) > 0
    assert totals["failing"] == sum(alone[r]["summary"]["failing"] for r in TWO) > 0
    assert doc["skipped"] == sum(alone[r]["skipped"] for r in TWO)

    # SARIF: schema-valid, every result names its instance's region.
    report = json.loads(sarif.read_text())
    jsonschema.validate(report, SARIF_SCHEMA)
    region_of = {i["instance_id"]: i["region"] for i in doc["instances"]}
    results = report["runs"][0]["results"]
    assert {r["properties"]["region"] for r in results} == set(TWO)
    for result in results:
        iid = result["properties"]["instanceId"]
        assert result["properties"]["region"] == region_of[iid]
        (where,) = result["locations"][0]["logicalLocations"]
        assert where["fullyQualifiedName"] == f"{region_of[iid]}/{iid}"
    assert report["runs"][0]["automationDetails"]["id"].endswith("/ap-beijing+ap-shanghai")

    # JUnit: one testcase per instance of both regions, each under its region.
    cases = ET.parse(junit).getroot().findall("testsuite/testcase")
    assert len(cases) == totals["selected"]
    assert {c.get("classname", "").rsplit(".", 1)[-1] for c in cases} == set(TWO)


@pytest.mark.emulator(scenario="fleet", fleet_size=4, regions=TWO)
def test_all_regions_reads_what_describe_regions_lists(
    emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A region set in the environment gives way to --all-regions (it is a default, not a choice).
    monkeypatch.setenv("TENCENTCLOUD_REGION", "ap-shanghai")
    text = run("plan", "--endpoint", emulator.endpoint, "--all-regions")
    assert text.exit_code == 0, text.output
    head = text.stdout.split("\n\n", 1)[0]
    assert "Regions   ap-beijing, ap-guangzhou, ap-shanghai" in head
    lines = [line.split() for line in head.splitlines() if line.startswith("  ")]
    assert [words[0] for words in lines] == ["ap-beijing", "ap-guangzhou", "ap-shanghai"]
    assert all(words[2:4] == ["selected:", words[3]] for words in lines)
    doc = json.loads(run("plan", "--endpoint", emulator.endpoint, "--all-regions", "--json").stdout)
    assert [r["region"] for r in doc["regions"]] == ["ap-beijing", "ap-guangzhou", "ap-shanghai"]
    assert {i["region"] for i in doc["instances"]} == {"ap-beijing", "ap-guangzhou", "ap-shanghai"}

    both = run("plan", "--endpoint", emulator.endpoint, "--all-regions", "--region", "ap-beijing", "--json")
    assert both.exit_code == 1
    assert "--all-regions and --region exclude each other" in json.loads(both.stdout)["error"]["message"]


TWO_ARGS = ("--region", "ap-beijing", "--region", "ap-shanghai")


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("plan", "--out", "p.json", *TWO_ARGS), "--out p.json"),
        (("plan", "--out", "p.json", "--all-regions"), "--out p.json"),
        (("check", "--save-state", "s.json", "--all-regions"), "--save-state s.json"),
        (("plan", "--from-state", "s.json", *TWO_ARGS), "--from-state"),
        (("apply", "p.json", *TWO_ARGS), "p.json: a plan file holds"),
    ],
)
def test_what_holds_one_region_refuses_several_in_one_line(
    args: tuple[str, ...], named: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, [*args, "--endpoint", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and named in line and "one region" in line
    assert not list(tmp_path.iterdir())  # nothing written


@pytest.mark.emulator(scenario="fleet", fleet_size=2, regions=TWO)
def test_a_region_that_fails_fails_the_run_in_one_line(emulator: RunningEmulator) -> None:
    # Each region is read in its own process: what goes wrong there comes back as the usual error.
    env = {"TENCENTCLOUD_SECRET_ID": "AKID" + "0" * 32, "TENCENTCLOUD_SECRET_KEY": "x" * 32}
    result = run("check", "--endpoint", emulator.endpoint, *TWO_ARGS, env=env)
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: Tencent Cloud rejected the credentials (DescribeInstances): AuthFailure")


def test_ctrl_c_during_a_multi_region_plan_ends_the_run_and_its_processes_quietly(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole foreground process group while both regions wait for their listing
    (held through the control API): exit 130, no traceback from any process, none left behind."""
    with start_emulator(scenario="fleet", fleet_size=2, regions=("ap-shanghai",)) as emu:
        hold = emu.hold("DescribeInstances", count=2)
        proc = subprocess.Popen(
            [TCREMEDY, "plan", "--endpoint", emu.endpoint, *REGION_FLAGS],
            cwd=tmp_path,
            env={**os.environ, "NO_PROXY": "127.0.0.1,localhost"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            emu.wait_held(hold, count=2)
            os.killpg(proc.pid, signal.SIGINT)
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
            emu.release(hold, "drop")
    assert proc.returncode == 130  # 128 + SIGINT, as typer ends an interrupted command
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)  # nothing of the run's process group is left
