"""Injected faults as the SDK sees them: throttling, internal errors, dropped connections, latency."""

from __future__ import annotations

import time
import urllib.error

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.cvm.v20170312 import cvm_client
from tencentcloud.cvm.v20170312 import models as cm

from tcremedy.emulator.core.faults import Fault, FaultConfig, FaultInjector


def outcomes(emulator, n: int) -> list[str]:
    cvm = emulator.client(cvm_client.CvmClient)
    out = []
    for _ in range(n):
        try:
            cvm.DescribeInstances(cm.DescribeInstancesRequest())
            out.append("ok")
        except TencentCloudSDKException as exc:
            out.append(exc.get_code())
    return out


@pytest.mark.emulator(throttle_rate=1.0)
def test_throttling_answers_request_limit_exceeded(emulator) -> None:
    assert outcomes(emulator, 3) == ["RequestLimitExceeded"] * 3
    assert emulator.control("GET", "health")["status"] == "ok"  # the control API is never faulted


def test_error_rate_splits_internal_errors_and_dropped_connections_deterministically(
    emulator_factory,
) -> None:
    first = outcomes(emulator_factory(error_rate=1.0, seed=11), 12)
    assert set(first) == {"InternalError", "ClientNetworkError"}
    assert outcomes(emulator_factory(error_rate=1.0, seed=11), 12) == first  # same seed, same faults


def test_partial_rates_follow_the_seeded_stream() -> None:
    injector = FaultInjector(FaultConfig(throttle_rate=0.2, error_rate=0.2, seed=3))
    draws = [injector.decide() for _ in range(2000)]
    share = {f: draws.count(f) / len(draws) for f in Fault}
    assert 0.15 < share[Fault.THROTTLE] < 0.25
    assert 0.07 < share[Fault.INTERNAL_ERROR] < 0.13 and 0.07 < share[Fault.DROP] < 0.13
    assert 0.55 < share[Fault.NONE] < 0.65
    with pytest.raises(ValueError):
        FaultConfig(throttle_rate=0.7, error_rate=0.5)


@pytest.mark.emulator(latency_ms=80)
def test_latency_is_added_to_api_requests(emulator) -> None:
    start = time.perf_counter()
    assert outcomes(emulator, 2) == ["ok", "ok"]
    assert time.perf_counter() - start >= 0.16


def test_faults_can_be_changed_at_run_time_through_the_control_api(emulator) -> None:
    assert outcomes(emulator, 2) == ["ok", "ok"]
    assert emulator.control("POST", "faults", {"throttle_rate": 1.0})["throttle_rate"] == 1.0
    assert outcomes(emulator, 2) == ["RequestLimitExceeded"] * 2
    emulator.control("POST", "faults", {"throttle_rate": 0, "latency_ms": 60})
    started = time.perf_counter()
    assert outcomes(emulator, 1) == ["ok"]
    assert time.perf_counter() - started >= 0.06
    assert emulator.control("GET", "faults")["latency_ms"] == 60
    for bad in ({"throttle_rate": 2}, {"latency": 5}, {"error_rate": "high"}):
        with pytest.raises(urllib.error.HTTPError) as refused:
            emulator.control("POST", "faults", bad)
        assert refused.value.code == 400
