"""Several regions in one run: the local cloud serves each with its own fleet (--regions), the
collector lists them (DescribeRegions) and reads them side by side, each region paced on its own, on
threads or in a forked process each."""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from tencentcloud.common.credential import Credential

from tcremedy.cloud.api import CloudApi
from tcremedy.cloud.clients import make_clients, parse_endpoint
from tcremedy.cloud.collect import CollectRequest
from tcremedy.cloud.collect_guest import ProbeSettings
from tcremedy.cloud.regions import collect_regions, describe_regions
from tcremedy.cloud.retry import RetryPolicy
from tcremedy.emulator.testing import RunningEmulator
from tcremedy.errors import CollectionError


@pytest.mark.parametrize("processes", [False, True], ids=["threads", "a-process-each"])
@pytest.mark.emulator(scenario="fleet", fleet_size=12, regions=("ap-shanghai", "ap-beijing"))
def test_each_region_is_listed_and_read_on_its_own(emulator: RunningEmulator, processes: bool) -> None:
    endpoint = parse_endpoint(emulator.endpoint)
    apis: dict[str, CloudApi] = {}

    def api_for(region: str) -> CloudApi:
        clients = make_clients(emulator.credential(), region, endpoint, timeout=10)
        apis[region] = CloudApi(clients, retry=RetryPolicy(deadline=30, base_delay=0.005, max_delay=0.05))
        return apis[region]

    regions = describe_regions(api_for(emulator.region))
    assert regions == ["ap-beijing", "ap-guangzhou", "ap-shanghai"]
    probe = ProbeSettings(first_poll=0.05, poll_interval=0.2, deadline=30)
    states = collect_regions(
        api_for,
        lambda r: CollectRequest(region=r, probe=probe, endpoint=emulator.endpoint),
        regions,
        datetime(2026, 1, 5, 12, 0, tzinfo=UTC),
        processes=processes,  # forked children send back their states and request counts
    )
    assert sorted(states) == regions
    ids = [set(s.instances) for s in states.values()]
    assert all(len(i) == 12 for i in ids) and not (ids[0] & ids[1] or ids[1] & ids[2] or ids[0] & ids[2])
    assert all(inst.region == r for r, s in states.items() for inst in s.instances.values())
    assert all(apis[r].stats.calls["DescribeInstances"] == 1 for r in regions)  # one CloudApi per region


@pytest.mark.emulator(scenario="fleet", fleet_size=2, regions=("ap-shanghai",))
def test_an_error_in_a_region_process_is_the_usual_error(emulator: RunningEmulator) -> None:
    endpoint = parse_endpoint(emulator.endpoint)
    wrong = Credential("AKID" + "0" * 32, "x" * 32)

    def api_for(region: str) -> CloudApi:
        return CloudApi(make_clients(wrong, region, endpoint, timeout=10))

    with pytest.raises(CollectionError, match="rejected the credentials"):
        collect_regions(
            api_for,
            lambda r: CollectRequest(region=r, endpoint=emulator.endpoint),
            ["ap-guangzhou", "ap-shanghai"],
            datetime(2026, 1, 5, 12, 0, tzinfo=UTC),
            processes=True,
        )


@pytest.mark.emulator(scenario="fleet", fleet_size=2, regions=("ap-shanghai",))
def test_a_region_process_killed_mid_run_is_reported_and_no_process_outlives_the_run(
    emulator: RunningEmulator,
) -> None:
    """One region's process is killed while both wait for their listing (held through the control
    API); the other region goes on, and the run ends with an error naming the lost one."""
    endpoint = parse_endpoint(emulator.endpoint)

    def api_for(region: str) -> CloudApi:
        return CloudApi(make_clients(emulator.credential(), region, endpoint, timeout=10))

    hold = emulator.hold("DescribeInstances", count=2)  # each region's first page
    with ThreadPoolExecutor(1) as pool:
        run = pool.submit(
            collect_regions,
            api_for,
            lambda r: CollectRequest(region=r, endpoint=emulator.endpoint),
            ["ap-guangzhou", "ap-shanghai"],
            datetime(2026, 1, 5, 12, 0, tzinfo=UTC),
            processes=True,
        )
        emulator.wait_held(hold, count=2)
        victim = multiprocessing.active_children()[0]
        os.kill(victim.pid, signal.SIGKILL)
        emulator.release(hold)
        with pytest.raises(CollectionError) as lost:
            run.result(timeout=60)
    assert str(lost.value) == (
        f"collecting region {victim.name}: its process ended unanswered (killed by signal 9; out of memory?)"
    )
    assert multiprocessing.active_children() == []
