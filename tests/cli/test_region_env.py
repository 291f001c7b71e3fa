"""$TENCENTCLOUD_REGION names ONE region, as for tccli, the SDK and the Pulumi provider: blanks around
it are dropped, and a value holding several names is refused with one line naming the variable, never
split into several regions (click splits a repeatable option's variable on whitespace)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_entry import Run, invoke

from tcremedy.emulator.testing import RunningEmulator

POLICY = str(Path(__file__).resolve().parents[2] / "policies" / "windows-rdp.yaml")
DEAD_ENDPOINT = "http://127.0.0.1:9"  # never reached: the value is refused where it is parsed
TWO = ("ap-beijing", "ap-shanghai")
SEVERAL = ("ap-beijing ap-shanghai", " ap-beijing\tap-shanghai\n", "ap-beijing,ap-shanghai")
COMMANDS = (
    ("plan", "--policy", POLICY),
    ("check", "--policy", POLICY),
    ("apply", "--yes", "--policy", POLICY),
    ("shards",),
    ("verify", "--policy", POLICY),
)

pytestmark = pytest.mark.usefixtures("no_credentials")


def _one_error_line(run: Run, command: str) -> str:
    assert run.code == 1 and run.out == "", run
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), run.err
    assert lines[0].endswith(f"(see `tcremedy {command} --help`)"), lines[0]
    return lines[0]


@pytest.mark.parametrize("value", SEVERAL)
def test_a_variable_naming_several_regions_is_refused_by_every_command(value: str) -> None:
    env = {"TENCENTCLOUD_REGION": value}
    for command, *rest in COMMANDS:
        line = _one_error_line(invoke(command, *rest, "--endpoint", DEAD_ENDPOINT, env=env), command)
        assert f"'--region' (from $TENCENTCLOUD_REGION): {value.strip()!r} is not one region name" in line
        if command != "verify":  # the commands that take several regions say how
            assert "repeat --region, or --all-regions" in line
    # --json: the same message, as the JSON error document
    run = invoke("plan", "--json", "--endpoint", DEAD_ENDPOINT, "--policy", POLICY, env=env)
    assert run.code == 1
    assert "$TENCENTCLOUD_REGION" in json.loads(run.out)["error"]["message"]


def test_a_flag_value_naming_several_regions_is_refused() -> None:
    run = invoke("plan", "--region", "ap-beijing ap-shanghai", "--endpoint", DEAD_ENDPOINT)
    line = _one_error_line(run, "plan")
    assert "'--region': 'ap-beijing ap-shanghai' is not one region name" in line
    assert "TENCENTCLOUD_REGION" not in line


@pytest.mark.emulator(scenario="fleet", fleet_size=2, regions=TWO)
def test_blanks_around_the_region_are_dropped_and_it_stays_one_region(emulator: RunningEmulator) -> None:
    def plan(*args: str, region: str) -> dict:
        env = {"TENCENTCLOUD_REGION": region}
        run = invoke(
            "plan", "--json", "-q", "--endpoint", emulator.endpoint, "--policy", POLICY, *args, env=env
        )
        assert run.code in (0, 2), run
        return json.loads(run.out)

    doc = plan(region=" ap-shanghai \n")
    assert doc["region"] == "ap-shanghai"
    assert [r["region"] for r in doc["regions"]] == ["ap-shanghai"]
    assert {i["region"] for i in doc["instances"]} == {"ap-shanghai"}
    # --all-regions asks DescribeRegions in the variable's region: the trimmed name, not the raw one
    doc = plan("--all-regions", region=" ap-shanghai ")
    assert [r["region"] for r in doc["regions"]] == ["ap-beijing", "ap-guangzhou", "ap-shanghai"]
    # a blank variable is no region: the default one
    assert plan(region="   ")["region"] == "ap-guangzhou"
