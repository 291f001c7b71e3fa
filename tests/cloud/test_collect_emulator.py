"""Collection against the emulator over real HTTP with the real SDK: batching, retries, gaps."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tcremedy.cloud.api import CloudApi
from tcremedy.cloud.clients import make_clients, parse_endpoint
from tcremedy.cloud.collect import CollectRequest, collect
from tcremedy.cloud.collect_cvm import InstanceQuery
from tcremedy.cloud.collect_guest import ProbeSettings
from tcremedy.cloud.collect_monitor import METRICS
from tcremedy.cloud.retry import RetryPolicy
from tcremedy.cloud.state import LiveState
from tcremedy.diagnose.engine import diagnose
from tcremedy.diagnose.readings import window_series
from tcremedy.emulator.testing import RunningEmulator
from tcremedy.policy.loader import load_policy, packaged_default_policy
from tcremedy.policy.model import Selector
from tcremedy.policy.selector import query_for_selector, selects

WINDOWS = Selector()  # the default selector: Windows instances in any region
FAST_RETRY = RetryPolicy(deadline=30.0, base_delay=0.005, max_delay=0.05)


def api_for(emu: RunningEmulator, **kwargs: object) -> CloudApi:
    clients = make_clients(emu.credential(), emu.region, parse_endpoint(emu.endpoint), timeout=10)
    return CloudApi(clients, retry=FAST_RETRY, **kwargs)  # type: ignore[arg-type]


def run(emu: RunningEmulator, api: CloudApi, **request: object) -> LiveState:
    fields: dict[str, object] = {
        "region": emu.region,
        "selects": lambda inst: selects(WINDOWS, inst),
        "probe": ProbeSettings(first_poll=0.05, poll_interval=0.2, deadline=10),
        "endpoint": emu.endpoint,
    }
    req = CollectRequest(**{**fields, **request})  # type: ignore[arg-type]
    return collect(api, req, now=datetime.now(UTC))


@pytest.mark.emulator(scenario="fleet", fleet_size=130)
def test_fleet_is_read_in_batches(emulator: RunningEmulator) -> None:
    api = api_for(emulator)
    state = run(emulator, api)
    calls = api.stats.calls
    selected = [i for i in state.instances.values() if selects(WINDOWS, i)]
    running = [i for i in selected if i.state == "RUNNING"]
    probed = [i for i in running if i.guest and i.guest.agent_status == "Online"]
    groups = {g for i in selected for g in i.security_group_ids}
    assert len(state.instances) == 130 and 0 < len(selected) < 130  # Linux instances are listed, not selected
    assert calls["DescribeInstances"] == 2  # 100 per page
    assert calls["DescribeSecurityGroupPolicies"] == len(groups) == len(state.security_groups)
    assert calls["DescribeSubnets"] == 1 and calls["DescribeNetworkAcls"] <= 1
    assert calls["GetMonitorData"] == 4 * math.ceil(len(selected) / 50)
    assert calls["DescribeAutomationAgentStatus"] == math.ceil(len(running) / 100)
    assert calls["RunCommand"] == 1  # up to 200 instances per RunCommand
    assert calls["DescribeInvocationTasks"] == math.ceil(len(probed) / 100)
    assert "DescribeAddressTemplates" not in calls  # no rule references a template
    assert api.stats.total_retries == 0 and not state.gaps
    # Only what the policy selects is inspected: no metrics and no probe for the rest.
    for inst in state.instances.values():
        if not selects(WINDOWS, inst):
            assert inst.metrics == {} and inst.guest is None
    assert all(i.guest.facts is not None for i in probed if not i.guest.error)  # type: ignore[union-attr]
    assert any(i.guest.facts is not None for i in probed)  # type: ignore[union-attr]


@pytest.mark.emulator(scenario="fleet", fleet_size=130)
def test_a_long_window_is_read_in_batches_within_the_points_limit(emulator: RunningEmulator) -> None:
    """GetMonitorData answers at most 7,200 data points a request (SDK docstring of
    ``MonitorClient.GetMonitorData``). Six hours at 60 s are 361 points an instance, so 50 instances
    would be 18,050: each batch must shrink to 19 instances, not fail and then go one instance a time."""
    api = api_for(emulator)
    state = run(emulator, api, window_seconds=6 * 3600)
    selected = [i for i in state.instances.values() if selects(WINDOWS, i)]
    running = [i for i in selected if i.state == "RUNNING"]
    assert api.stats.calls["GetMonitorData"] == 4 * math.ceil(len(selected) / 19)
    assert "GetMonitorData" not in api.stats.errors and not state.gaps
    assert running and all(len(i.metrics["CpuUsage"].values) == 361 for i in running)


@pytest.mark.emulator(scenario="healthy")
def test_the_window_ends_where_the_samples_are_published(emulator: RunningEmulator) -> None:
    """Cloud Monitor publishes a minute's sample 1-2 minutes late (monitoring FAQ,
    https://cloud.tencent.com/document/product/248/54788): a window ending now would miss its newest
    samples, and the policy's shortest window (60 s) would hold none, so capacity would be unknown."""
    policy = load_policy(packaged_default_policy())
    for seconds in (60, 900):
        api = api_for(emulator)
        state = run(emulator, api, window_seconds=seconds)
        running = [i for i in state.instances.values() if i.state == "RUNNING" and selects(WINDOWS, i)]
        assert running
        for inst in running:
            assert {len(window_series(inst, state, m, seconds)) for m in METRICS} == {seconds // 60}
        fleet = diagnose(replace(policy, capacity=replace(policy.capacity, window_seconds=seconds)), state)
        assert fleet.summary.unknown == 0


@pytest.mark.emulator(scenario="healthy")
def test_without_the_cloud_monitor_agent_memory_is_unknown_and_says_why(emulator: RunningEmulator) -> None:
    """CpuUsage and MemUsage come from Cloud Monitor's agent inside the guest; BaseCpuUsage and the
    traffic are measured on the host (https://cloud.tencent.com/document/api/248/10992). Without the
    agent, CPU is still judged (from BaseCpuUsage) and memory is unknown, saying why."""
    instances = emulator.world.region(emulator.region).cvm.instances
    iid = next(i for i, inst in instances.items() if inst.is_windows)
    emulator.control("POST", f"instances/{iid}/guest", {"MonitorAgent": False})
    state = run(emulator, api_for(emulator))
    inst = state.instances[iid]
    assert "CpuUsage" not in inst.metrics or not inst.metrics["CpuUsage"].values
    assert inst.metrics["BaseCpuUsage"].values and inst.metrics["WanOuttraffic"].values
    fleet = diagnose(load_policy(packaged_default_policy()), state)
    (diagnosis,) = [d for d in fleet.instances if d.instance_id == iid]
    by_code = {f.code: f for f in diagnosis.findings}
    assert "CPU_SATURATED" not in by_code  # judged from BaseCpuUsage, and under the ceiling
    memory = by_code["MEMORY_SATURATED"]
    assert memory.status.value == "unknown"
    assert memory.evidence["reason"] == (
        "no MemUsage samples in the last 900 s, while the host-side BaseCpuUsage has 15: MemUsage comes "
        "from Cloud Monitor's agent inside the guest, which reports nothing; is it installed and running?"
    )


@pytest.mark.emulator(scenario="fleet", fleet_size=450, rdp_listeners=False)
def test_the_probe_runs_and_its_tasks_are_read_while_the_listing_still_arrives(
    emulator: RunningEmulator,
) -> None:
    """The guest chain starts with the first listing pages (GuestFeed): held on its last page, the
    listing is still incomplete when the first probe's tasks are read; released, nothing is lost."""
    listing = emulator.hold("DescribeInstances", skip=4)  # the 5th and last page of 450
    tasks = emulator.hold("DescribeInvocationTasks")
    api = api_for(emulator)
    with ThreadPoolExecutor(1) as pool:
        job = pool.submit(run, emulator, api)
        emulator.wait_held(listing)
        emulator.wait_held(tasks)  # a probe ran and finished on instances of the first four pages
        assert api.stats.calls["DescribeInstances"] == 4 and api.stats.calls["RunCommand"] >= 1  # 5th held
        emulator.release(tasks)
        emulator.release(listing)
        state = job.result(timeout=120)
    running = [i for i in state.instances.values() if selects(WINDOWS, i) and i.state == "RUNNING"]
    online = [i for i in running if i.guest and i.guest.agent_status == "Online"]
    assert len(state.instances) == 450 and not state.gaps and len(online) > 200
    assert all(i.guest is not None and i.guest.facts is not None for i in online)  # every probe read
    assert api.stats.calls["RunCommand"] == math.ceil(len(online) / 200)  # batches stayed full
    assert api.stats.calls["DescribeInvocationTasks"] == math.ceil(len(online) / 100)


@pytest.mark.emulator(scenario="sg-second-group-drops", throttle_rate=0.3, seed=7)
def test_throttling_is_retried_and_changes_nothing(emulator: RunningEmulator) -> None:
    throttled = api_for(emulator)
    state = run(emulator, throttled)
    assert throttled.stats.total_retries > 0
    assert not state.gaps
    selected = [i for i in state.instances.values() if selects(WINDOWS, i)]
    assert selected and all(i.guest and i.guest.facts for i in selected)
    assert all(len(i.metrics) == 4 for i in selected)


def test_throttled_and_clean_runs_read_the_same_state(emulator_factory) -> None:  # type: ignore[no-untyped-def]
    same = {"public_range": "127.77.0.0/24", "rdp_listeners": False}  # the same public IPs in both runs
    clean = emulator_factory(scenario="sg-second-group-drops", **same)
    noisy = emulator_factory(scenario="sg-second-group-drops", throttle_rate=0.4, error_rate=0.1, **same)
    a, b = run(clean, api_for(clean)), run(noisy, api := api_for(noisy))
    assert api.stats.total_retries > 0
    assert a.fingerprint() == b.fingerprint()
    assert a.security_groups == b.security_groups and a.subnets == b.subnets


@pytest.mark.emulator(scenario="healthy")
def test_offline_agent_and_disabled_probe_are_not_silent(emulator: RunningEmulator) -> None:
    (iid,) = [i for i in emulator.instance_ids()]
    api = api_for(emulator)
    state = run(emulator, api, probe=ProbeSettings(enabled=False))
    assert "RunCommand" not in api.stats.calls
    guest = state.instances[iid].guest
    assert guest is not None and guest.facts is None and "--no-guest-probe" in guest.error

    emulator.control("POST", f"instances/{iid}/guest", {"AgentStatus": "Offline"})
    api = api_for(emulator)
    state = run(emulator, api)
    assert "RunCommand" not in api.stats.calls  # only online agents are probed
    guest = state.instances[iid].guest
    assert guest is not None and guest.agent_status == "Offline" and "Offline" in guest.error


@pytest.mark.emulator(scenario="healthy")
def test_requested_ids_that_do_not_exist_become_gaps(emulator: RunningEmulator) -> None:
    (iid,) = emulator.instance_ids()
    api = api_for(emulator)
    state = run(emulator, api, query=InstanceQuery(instance_ids=(iid, "ins-zzzzzzzz")))
    assert list(state.instances) == [iid]
    assert [(g.scope, g.resource_id) for g in state.gaps] == [("instance", "ins-zzzzzzzz")]


def test_selector_criteria_are_pushed_down() -> None:
    assert query_for_selector(Selector(instance_ids=("ins-a",)), ("ins-b",)).instance_ids == ("ins-b",)
    assert query_for_selector(Selector(instance_ids=("ins-a", "ins-b")), ("ins-b",)).instance_ids == (
        "ins-b",
    )
    tagged = query_for_selector(Selector(tags={"env": "prod"}, names=("web-1",)))
    assert tagged.filters() == [
        {"Name": "tag:env", "Values": ["prod"]},
        {"Name": "instance-name", "Values": ["web-1"]},
    ]
    assert query_for_selector(Selector(names=("web-*",))).filters() == []  # globs are matched client-side


@pytest.mark.emulator(scenario="acl-quintuple-blocks")
def test_a_quintuple_acl_is_read_from_its_own_action(emulator: RunningEmulator) -> None:
    state = run(emulator, api_for(emulator))
    [acl] = state.network_acls.values()
    assert acl.acl_type == "QUINTUPLE" and acl.ingress == acl.egress == ()  # TRIPLE lists stay empty
    assert [(e.priority, e.action, e.destination_port) for e in acl.quintuple_ingress] == [
        (1, "DROP", "3389"),
        (2, "ACCEPT", "ALL"),
    ]
    assert [e.action for e in acl.quintuple_egress] == ["ACCEPT"]


@pytest.mark.emulator(scenario="sg-template-drop")
def test_service_and_address_templates_are_resolved(emulator: RunningEmulator) -> None:
    state = run(emulator, api_for(emulator))
    [rule0] = [r for g in state.security_groups.values() for r in g.ingress if r.policy_index == 0]
    assert state.service_templates[rule0.service_template_id] == ("tcp: 3389",)
    assert state.address_templates[rule0.address_template_id] == ("0.0.0.0/0",)
