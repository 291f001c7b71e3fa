"""``--rate-limit ACTION=N`` (and $TCREMEDY_RATE_LIMITS): the client's pacing, overridable per action
on plan, check and apply; bad values are one line naming the option."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_entry import invoke

from tcremedy.cloud.api import Pacer
from tcremedy.emulator.testing import RunningEmulator
from tcremedy.usecase.pipeline import PipelineOptions

pytestmark = pytest.mark.usefixtures("no_credentials")


def _one_error_line(run, *needles: str) -> None:
    assert run.code == 1 and run.out == "", run
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), run.err
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.mark.parametrize("command", ["plan", "check", "apply"])
def test_bad_rate_limits_are_refused_naming_the_option(command: str) -> None:
    _one_error_line(invoke(command, "--rate-limit", "GetMonitorData=0"), "'--rate-limit'", "above 0")
    _one_error_line(invoke(command, "--rate-limit", "GetMonitorData"), "'--rate-limit'", "ACTION=")
    _one_error_line(
        invoke(command, "--rate-limit", "GetMonitorDat=5"),
        "'--rate-limit'",
        "GetMonitorDat is not an action tcremedy paces",
        "GetMonitorData",
    )
    env = invoke(command, env={"TCREMEDY_RATE_LIMITS": "DescribeInstances=fast"})
    _one_error_line(env, "'--rate-limit' (from $TCREMEDY_RATE_LIMITS)", "DescribeInstances=fast")


def test_overrides_reach_the_pacer_and_the_last_one_wins() -> None:
    params = {
        "policy": None,
        "region": None,
        "endpoint": None,
        "profile": None,
        "instance": None,
        "save_state": None,
        "from_state": None,
        "concurrency": None,
        "no_guest_probe": False,
        "quiet": True,
        "json_output": False,
        "rate_limit": ["GetMonitorData=20,DescribeInstances=5", "GetMonitorData=10"],
    }
    opts = PipelineOptions.from_params(params)
    assert opts.rate_limits == {"GetMonitorData": 10.0, "DescribeInstances": 5.0}
    pacer = Pacer(dict(opts.rate_limits))
    gate = pacer.gate("monitor", "GetMonitorData")  # at most 97 % of the limit in any second
    assert gate is not None and (gate.limit, gate.window) == (9, 1.0)
    documented = pacer.gate("tat", "RunCommand")  # not overridden: Tencent's documented 20/s
    assert documented is not None and (documented.limit, documented.window) == (19, 1.0)


@pytest.mark.emulator(scenario="healthy", rate_limits="documented")
def test_a_plan_paced_by_overrides_reads_the_fleet(emulator: RunningEmulator) -> None:
    run = invoke(
        "plan",
        "--endpoint",
        emulator.endpoint,
        "--json",
        "--rate-limit",
        "GetMonitorData=25",
        env={"TCREMEDY_RATE_LIMITS": "DescribeInstances=10 DescribeAutomationAgentStatus=30"},
    )
    assert run.code == 0, run
    report = json.loads(run.out)
    assert report["summary"]["compliant"] == report["summary"]["selected"] > 0


@pytest.mark.emulator(
    scenario="fleet",
    fleet_size=120,
    rate_limits="documented",
    account_rate_limits=(("GetMonitorData", 4.0),),
    regions=("ap-shanghai",),
)
def test_a_plan_against_a_lower_account_limit_says_so_and_reads_everything(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    """The account allows 4 GetMonitorData a second in each region, not the documented 50: the plan
    still reads every instance of both regions (no gaps) and tells the user, per region, the limit it
    met and the option that starts there (the regions are read in processes of their own)."""
    regions = ("ap-guangzhou", "ap-shanghai")
    run = invoke("plan", "--endpoint", emulator.endpoint, "--json", *[f"--region={r}" for r in regions])
    assert run.code in (0, 2), run  # 2: findings (the fleet scenario has broken instances)
    assert json.loads(run.out)["gaps"] == []
    text = invoke("plan", "--endpoint", emulator.endpoint, *[f"--region={r}" for r in regions])
    notes = [line for line in text.err.splitlines() if "requests a second" in line]
    assert notes == [
        f"note: {region} allows this credential 4 GetMonitorData requests a second (documented: 50); "
        "paced at that after the first refusals (--rate-limit GetMonitorData=4 starts there)"
        for region in regions
    ], text.err
