"""Tencent's documented per-action rate limits: the local cloud enforces them, the collector paces
itself at them (tcremedy.ratelimits), and a paced run meets no RequestLimitExceeded."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from tcremedy.cloud.api import CloudApi, Pacer
from tcremedy.cloud.clients import make_clients, parse_endpoint
from tcremedy.cloud.collect import CollectRequest, collect
from tcremedy.cloud.collect_guest import ProbeSettings
from tcremedy.cloud.retry import RetryPolicy
from tcremedy.cloud.state import LiveState
from tcremedy.diagnose.engine import diagnose
from tcremedy.emulator.core.errors import ApiError
from tcremedy.emulator.core.ratelimit import RateLimiter
from tcremedy.emulator.testing import RunningEmulator
from tcremedy.policy.loader import load_policy, packaged_default_policy
from tcremedy.policy.model import Selector
from tcremedy.policy.selector import selects
from tcremedy.ratelimits import DOCUMENTED, SlidingWindow, limit_named_in, parse_overrides, rate_for

FAST_RETRY = RetryPolicy(deadline=60.0, base_delay=0.005, max_delay=0.05)
NOW = datetime(2026, 1, 5, 12, 0, 30, tzinfo=UTC)


def api_for(emu: RunningEmulator) -> CloudApi:
    clients = make_clients(emu.credential(), emu.region, parse_endpoint(emu.endpoint), timeout=10)
    return CloudApi(clients, retry=FAST_RETRY)


def run(emu: RunningEmulator, api: CloudApi) -> LiveState:
    probe = ProbeSettings(first_poll=0.05, poll_interval=0.2, deadline=30)
    request = CollectRequest(
        region=emu.region, selects=lambda i: selects(Selector(), i), probe=probe, endpoint=emu.endpoint
    )
    return collect(api, request, now=NOW)


def _acl_calls(emu: RunningEmulator, n: int, region: str | None = None) -> list[str]:
    client = CommonClient("vpc", "2017-03-12", emu.credential(), region or emu.region, emu.profile())
    codes = []
    for _ in range(n):
        try:
            client.call_json("DescribeNetworkAcls", {"Limit": 20})
            codes.append("ok")
        except TencentCloudSDKException as exc:
            codes.append(exc.get_code())
    return codes


@pytest.mark.emulator(scenario="healthy", rate_limits="documented")
def test_the_local_cloud_refuses_past_the_documented_rate(emulator: RunningEmulator) -> None:
    # A frozen clock: no token comes back during the test, so exactly the burst is admitted.
    emulator.server.emulator.rate_limiter = RateLimiter("documented", clock=lambda: 0.0)
    limit = int(rate_for("vpc", "DescribeNetworkAcls") or 0)
    assert limit == 20  # https://www.tencentcloud.com/document/product/215/35620
    codes = _acl_calls(emulator, limit + 5)
    assert codes == ["ok"] * limit + ["RequestLimitExceeded"] * 5
    # Per action and per region: other actions and regions have their own buckets.
    assert _acl_calls(emulator, 1, region="ap-shanghai") == ["ok"]
    client = CommonClient("vpc", "2017-03-12", emulator.credential(), emulator.region, emulator.profile())
    assert "SubnetSet" in client.call_json("DescribeSubnets", {})["Response"]


def test_a_refusal_says_how_many_requests_came_and_the_limit_as_the_cloud_words_it() -> None:
    limiter = RateLimiter("documented", clock=lambda: 0.0, overrides={"DescribeSubnets": 2.0})
    for _ in range(2):
        limiter.admit("AKID", "ap-guangzhou", "vpc", "DescribeSubnets")
    with pytest.raises(ApiError) as refused:
        limiter.admit("AKID", "ap-guangzhou", "vpc", "DescribeSubnets")
    assert refused.value.code == "RequestLimitExceeded"
    assert refused.value.message == (
        "Your current request times equals to `3` in a second, which exceeds the frequency limit `2` "
        "for a second. Please reduce the frequency of calls."
    )
    assert limit_named_in(refused.value.message) == 2.0
    assert limit_named_in("您当前每秒请求 `6` 次，超过了每秒频率上限 `5`，请稍后重试。") == 5.0
    assert limit_named_in("Your current request times equals to `20` in a second.") is None


@pytest.mark.emulator(
    scenario="fleet", fleet_size=20, rate_limits="documented", account_rate_limits=(("GetMonitorData", 5.0),)
)
def test_an_account_limit_below_the_documented_one_costs_one_burst_of_refusals(
    emulator: RunningEmulator,
) -> None:
    """The cloud allows this credential 5 GetMonitorData a second, not the documented 50: the first
    refusal names the limit and the client paces at it from then on. Sent at 50/s, most of the
    requests past the fifth would be refused, again and again."""
    endpoint = parse_endpoint(emulator.endpoint)
    clients = make_clients(emulator.credential(), emulator.region, endpoint)
    api = CloudApi(clients, retry=FAST_RETRY, concurrency=8)
    iid = next(iter(emulator.world.region(emulator.region).cvm.instances))
    params = {
        "Namespace": "QCE/CVM",
        "MetricName": "CpuUsage",
        "Period": 60,
        "Instances": [{"Dimensions": [{"Name": "InstanceId", "Value": iid}]}],
    }
    answers = api.map(lambda _: api.call("monitor", "GetMonitorData", params), range(20))
    assert len(answers) == 20 and all("DataPoints" in a for a in answers)
    assert 0 < api.stats.codes["RequestLimitExceeded"] <= 2 * api.concurrency  # the requests in flight
    assert api.pacer.learned == {"GetMonitorData": 5.0}
    assert api.stats.limits == {(emulator.region, "GetMonitorData"): 5.0}


@pytest.mark.emulator(scenario="fleet", fleet_size=150, rate_limits="documented")
def test_a_paced_collection_meets_no_rate_limit(emulator: RunningEmulator) -> None:
    api = api_for(emulator)
    state = run(emulator, api)
    assert api.stats.codes["RequestLimitExceeded"] == 0 and not state.gaps
    assert api.stats.calls["GetMonitorData"] >= 8


def test_every_documented_limit_names_its_page_and_overrides_win() -> None:
    assert all(lim.per_second > 0 and lim.source.startswith("https://") for lim in DOCUMENTED.values())
    assert parse_overrides("GetMonitorData=20, DescribeInstances=5") == {
        "GetMonitorData": 20.0,
        "DescribeInstances": 5.0,
    }
    assert rate_for("monitor", "GetMonitorData", {"GetMonitorData": 20.0}) == 20.0
    for bad in ("GetMonitorData", "GetMonitorData=0", "=3", "X=inf", "X=nan"):
        with pytest.raises(ValueError, match="--rate-limit"):
            parse_overrides(bad)


def test_the_pacing_keeps_every_second_within_the_limit_and_catches_up_what_it_left_unused() -> None:
    now = [0.0]
    window = SlidingWindow(3, 1.0, clock=lambda: now[0])
    departures = []

    def send() -> None:
        wait = window.reserve()
        departures.append(now[0] + wait)

    for _ in range(7):  # all at once: 3 now, then 3 a second later, then one more
        send()
    assert departures == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0]
    now[0] = 5.5  # the caller fell behind (nothing was ready): what it left unused goes at once...
    for _ in range(4):
        send()
    assert departures[7:] == [5.5, 5.5, 5.5, 6.5]  # ...but never more than 3 in any second
    assert all(
        sum(1 for d in departures if start <= d < start + 1.0) <= 3 for start in departures
    )
    paced = Pacer({"GetMonitorData": 0.5}).gate("monitor", "GetMonitorData")  # below one a second
    assert paced is not None and paced.limit == 1 and paced.window == pytest.approx(1 / (0.5 * Pacer.SHARE))


@pytest.mark.emulator(scenario="fleet", fleet_size=300, rate_limits="documented", seed=3)
def test_faults_never_change_the_answer(emulator: RunningEmulator) -> None:
    """30 % throttling, 5 % errors (half dropped connections) and latency: retries until a deadline,
    failed batches split per instance, one anchored window -> the same diagnosis as without faults."""
    policy = load_policy(packaged_default_policy())
    clean = run(emulator, api_for(emulator))
    emulator.control("POST", "faults", {"throttle_rate": 0.3, "error_rate": 0.05, "latency_ms": 2})
    api = api_for(emulator)
    noisy = run(emulator, api)
    assert api.stats.codes["RequestLimitExceeded"] > 0 and not noisy.gaps and not clean.gaps
    assert noisy.fingerprint() == clean.fingerprint()
    assert diagnose(policy, noisy) == diagnose(policy, clean)
