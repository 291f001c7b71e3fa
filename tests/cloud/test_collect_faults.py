"""Faults never change the answer (issue 14 item 6), over real HTTP against the local cloud.

A batch that fails for good is halved and each half tried again, down to one instance, before
anything is called unknown; what still fails alone is listed in the report's top-level ``gaps``
with the instances it leaves unknown, the call and the error. Failures are placed with holds
(``/_emulator/holds``): the held request is answered with an API error, or the world changes while
it is held.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tcremedy.cloud.api import CloudApi
from tcremedy.cloud.clients import make_clients, parse_endpoint
from tcremedy.cloud.collect import CollectRequest, collect
from tcremedy.cloud.collect_guest import ProbeSettings
from tcremedy.cloud.collect_monitor import window
from tcremedy.cloud.retry import CallStats, RetryPolicy
from tcremedy.cloud.state import Instance, LiveState, MetricSeries
from tcremedy.diagnose.readings import window_series
from tcremedy.emulator.testing import RunningEmulator
from tcremedy.policy.model import Selector
from tcremedy.policy.selector import selects

TCREMEDY = str(Path(sys.executable).parent / "tcremedy")
POLICY = Path(__file__).resolve().parents[2] / "policies" / "windows-rdp.yaml"
WINDOWS = Selector()
NOW = datetime(2026, 3, 2, 8, 30, 15, tzinfo=UTC)  # one collection timestamp for every run


def collect_at(emu: RunningEmulator, stats: CallStats):  # type: ignore[no-untyped-def]
    clients = make_clients(emu.credential(), emu.region, parse_endpoint(emu.endpoint), timeout=10)
    api = CloudApi(clients, stats=stats, retry=RetryPolicy(deadline=30.0, base_delay=0.005, max_delay=0.05))
    request = CollectRequest(
        region=emu.region,
        selects=lambda inst: selects(WINDOWS, inst),
        probe=ProbeSettings(first_poll=0.05, poll_interval=0.2, deadline=10),
        endpoint=emu.endpoint,
    )
    return collect(api, request, now=NOW)


def probed(emu: RunningEmulator) -> list[str]:
    """Running Windows instances whose TAT agent is online (the ones the probe runs on)."""
    with emu.world.lock:
        cvm = emu.world.region(emu.region).cvm
        return sorted(
            iid
            for iid, inst in cvm.instances.items()
            if inst.is_windows and inst.state == "RUNNING" and inst.guest.agent == "Online"
        )


def test_runs_in_the_same_minute_read_the_same_window() -> None:
    """The window ends at the last whole minute at or before two minutes before the collection
    timestamp (where Cloud Monitor's samples are published): every batch of a run, and another run
    in the same minute, ask for the same samples (the next minute moves it)."""
    start, end = window(NOW, 900)
    assert (start, end) == ("2026-03-02T08:13:00+00:00", "2026-03-02T08:28:00+00:00")
    assert window(NOW + timedelta(seconds=44), 900) == (start, end)
    assert window(NOW + timedelta(seconds=45), 900) != (start, end)


def test_diagnosis_reads_the_window_collection_asked_for() -> None:
    """A run collected at hh:30:00 and one at hh:30:59 read the same 15 samples (not 16 and 15)."""
    start, end = (datetime.fromisoformat(t).timestamp() for t in window(NOW, 900))
    stamps = tuple(float(t) for t in range(int(start), int(end) + 1, 60))  # what the cloud answers
    series = MetricSeries("CpuUsage", 60, stamps, tuple(range(len(stamps))))
    inst = Instance("ins-1", "ap-guangzhou", metrics={"CpuUsage": series})
    states = [LiveState("ap-guangzhou", NOW.replace(second=s).isoformat()) for s in (0, 59)]
    read = [window_series(inst, state, "CpuUsage", 900) for state in states]
    assert read[0] == read[1] == list(range(1, 16))


@pytest.mark.emulator(scenario="fleet", fleet_size=12, rdp_listeners=False)
def test_a_failed_batch_is_retried_in_halves_and_reads_the_same_state(emulator: RunningEmulator) -> None:
    clean = collect_at(emulator, CallStats())
    hold = emulator.hold("GetMonitorData")  # the first batch of one metric fails for good
    stats = CallStats()
    with ThreadPoolExecutor(1) as pool:
        run = pool.submit(collect_at, emulator, stats)
        emulator.wait_held(hold)
        emulator.release(hold, "fail", code="FailedOperation.DataQueryFailed", message="query failed")
        state = run.result(timeout=120)
    selected = [i for i in state.instances.values() if selects(WINDOWS, i)]
    assert state.gaps == () and stats.codes["FailedOperation.DataQueryFailed"] == 1
    assert len(selected) > 1  # a batch per metric, then the failed one's two halves:
    assert stats.calls["GetMonitorData"] == 4 + 2
    assert state.instances == clean.instances  # every series read, the same samples (one timestamp)


@pytest.mark.emulator(scenario="fleet", fleet_size=160, rdp_listeners=False)
def test_one_agent_gone_offline_under_a_run_command_costs_a_few_requests_not_one_per_instance(
    emulator: RunningEmulator,
) -> None:
    """The probe's RunCommand fails for all its instances when one agent is offline
    (ResourceUnavailable.AgentStatusNotOnline). Halving finds that one in about 2 x log2(n) requests;
    one request per instance would have sent n RunCommands (n invocations in the user's TAT console)."""
    online = probed(emulator)
    assert len(online) > 64
    hold = emulator.hold("RunCommand")
    stats = CallStats()
    with ThreadPoolExecutor(1) as pool:
        run = pool.submit(collect_at, emulator, stats)
        emulator.wait_held(hold)
        emulator.control("POST", f"instances/{online[0]}/guest", {"AgentStatus": "Offline"})
        emulator.release(hold)
        state = run.result(timeout=120)
    (gap,) = [g for g in state.gaps if g.resource_id == online[0]]
    assert gap.code == "ResourceUnavailable.AgentStatusNotOnline"
    assert all(state.instances[i].guest.facts is not None for i in online[1:])  # type: ignore[union-attr]
    assert stats.calls["RunCommand"] <= 1 + 2 * math.ceil(math.log2(len(online)))


@pytest.mark.emulator(scenario="fleet", fleet_size=12, rdp_listeners=False)
def test_every_instance_left_unknown_is_in_the_gaps_with_the_call_and_the_error(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    online = probed(emulator)
    assert len(online) >= 2
    lost_guest = online[0]
    sg_hold, run_hold = emulator.hold("DescribeSecurityGroupPolicies"), emulator.hold("RunCommand")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TENCENTCLOUD_", "TCCLI_", "TCREMEDY_"))}
    proc = subprocess.Popen(
        [TCREMEDY, "plan", "--json", "--policy", str(POLICY), "--endpoint", emulator.endpoint],
        cwd=tmp_path,
        env={**env, "HOME": str(tmp_path), "NO_PROXY": "127.0.0.1,localhost"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        group = emulator.wait_held(sg_hold)["held"][0]
        assert group["action"] == "DescribeSecurityGroupPolicies"
        emulator.release(sg_hold, "fail", code="ResourceNotFound", message="The group does not exist.")
        emulator.wait_held(run_hold)  # the probe's RunCommand is on the wire when one agent goes offline
        emulator.control("POST", f"instances/{lost_guest}/guest", {"AgentStatus": "Offline"})
        emulator.release(run_hold)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 0 and "Traceback" not in err, err
    doc = json.loads(out)
    gaps = doc["gaps"]
    listed = {iid for gap in gaps for iid in gap["instance_ids"]}
    unknown = {
        d["instance_id"] for d in doc["instances"] if any(f["status"] == "unknown" for f in d["findings"])
    }
    assert lost_guest in unknown and unknown <= listed  # nothing is left unknown silently
    (guest,) = [g for g in gaps if g["call"] == "RunCommand"]  # the others were retried alone and read
    assert guest["instance_ids"] == [lost_guest]
    assert guest["code"] == "ResourceUnavailable.AgentStatusNotOnline"
    assert "TAT Agent is offline" in guest["message"]
    (sg,) = [g for g in gaps if g["call"] == "DescribeSecurityGroupPolicies"]
    assert sg["code"] == "ResourceNotFound" and sg["scope"] == "security_group"
    in_group = {d["instance_id"] for d in doc["instances"]} & {
        iid for iid, inst in emulator.world.region(emulator.region).cvm.instances.items()
        if sg["resource_id"] in inst.security_group_ids
    }
    assert in_group and set(sg["instance_ids"]) == in_group
