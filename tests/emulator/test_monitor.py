"""Monitor GetMonitorData over QCE/CVM: alignment, order, metric casing, load models, limits."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.cvm.v20170312 import cvm_client
from tencentcloud.cvm.v20170312 import models as cm
from tencentcloud.monitor.v20180724 import models as mm
from tencentcloud.monitor.v20180724 import monitor_client

CST = timezone(timedelta(hours=8))


def get(mon, metric: str, ids: list[str], *, period: int = 60, minutes: int = 15, **extra):
    end = datetime.now(CST).replace(microsecond=0)
    params = {
        "Namespace": "QCE/CVM",
        "MetricName": metric,
        "Period": period,
        "Instances": [{"Dimensions": [{"Name": "InstanceId", "Value": i}]} for i in ids],
        "StartTime": (end - timedelta(minutes=minutes)).isoformat(),
        "EndTime": end.isoformat(),
        **extra,
    }
    req = mm.GetMonitorDataRequest()
    req.from_json_string(json.dumps(params))
    return mon.GetMonitorData(req)


def instance_ids(emulator) -> list[str]:
    cvm = emulator.client(cvm_client.CvmClient)
    return [i.InstanceId for i in cvm.DescribeInstances(cm.DescribeInstancesRequest()).InstanceSet]


@pytest.mark.emulator(scenario="cpu-saturated")
def test_cpu_series_is_aligned_echoed_and_reflects_the_load_model(emulator) -> None:
    mon = emulator.client(monitor_client.MonitorClient)
    (iid,) = instance_ids(emulator)
    for name in ("CPUUsage", "CpuUsage", "BaseCpuUsage"):
        out = get(mon, name, [iid])
        assert out.MetricName == name and out.Period == 60
        start = datetime.fromisoformat(out.StartTime)
        assert start.second == 0 and start.utcoffset() == timedelta(hours=8)
        (point,) = out.DataPoints
        assert len(point.Timestamps) == len(point.Values) >= 13  # 15 minutes, less the 2 not published
        assert all(t % 60 == 0 for t in point.Timestamps)
        assert min(point.Values) > 90  # the scenario's steady ~97 % with small noise
    # deterministic: the same request returns the same series
    assert (
        get(mon, "CpuUsage", [iid]).DataPoints[0].Values == get(mon, "CpuUsage", [iid]).DataPoints[0].Values
    )


@pytest.mark.emulator(scenario="healthy")
def test_the_newest_two_minutes_are_not_published_yet(emulator) -> None:
    """Cloud Monitor computes a minute's sample a little after the minute; Tencent advises ending a
    window 1-2 minutes before now, or the newest samples are missing (monitoring FAQ,
    https://cloud.tencent.com/document/product/248/54788)."""
    mon = emulator.client(monitor_client.MonitorClient)
    iid = instance_ids(emulator)[0]
    before = emulator.world.clock()
    (point,) = get(mon, "CpuUsage", [iid]).DataPoints
    after = emulator.world.clock()
    assert point.Timestamps and before - 120 - 60 < max(point.Timestamps) <= after - 120
    minute = datetime.fromtimestamp(before - before % 60, CST).isoformat()  # the minute under way
    (recent,) = get(mon, "CpuUsage", [iid], StartTime=minute, EndTime=minute).DataPoints
    assert recent.Timestamps == [] and recent.Values == []  # published 2 minutes after it began


@pytest.mark.emulator(scenario="bandwidth-saturated")
def test_outbound_traffic_is_near_the_cap_and_never_above_it(emulator) -> None:
    mon = emulator.client(monitor_client.MonitorClient)
    (iid,) = instance_ids(emulator)
    values = get(mon, "WanOuttraffic", [iid]).DataPoints[0].Values
    assert values and all(4.5 < v <= 5.0 for v in values)
    emulator.control("POST", f"instances/{iid}/load", {"WanOuttraffic": 50})
    assert max(get(mon, "WanOuttraffic", [iid]).DataPoints[0].Values) == 5.0


@pytest.mark.emulator(scenario="fleet", fleet_size=60, seed=5)
def test_one_datapoint_per_instance_in_request_order_and_stopped_is_empty(emulator) -> None:
    mon = emulator.client(monitor_client.MonitorClient)
    cvm = emulator.client(cvm_client.CvmClient)
    req = cm.DescribeInstancesRequest()
    req.Limit = 60
    instances = cvm.DescribeInstances(req).InstanceSet
    ids = [i.InstanceId for i in instances][::-1][:50]
    out = get(mon, "MemUsage", ids)
    assert [p.Dimensions[0].Value for p in out.DataPoints] == ids
    states = {i.InstanceId: i.InstanceState for i in instances}
    for point in out.DataPoints:
        assert bool(point.Values) == (states[point.Dimensions[0].Value] == "RUNNING")
    with pytest.raises(TencentCloudSDKException) as err:
        get(mon, "MemUsage", [i.InstanceId for i in instances][:51])
    assert err.value.get_code() == "LimitExceeded.LimitedAccess"


@pytest.mark.emulator(scenario="fleet", fleet_size=60, seed=5)
def test_an_instances_series_is_the_same_whichever_instances_share_its_request(emulator) -> None:
    """A request's series are made together; each instance's must still be its own: the same values
    asked alone or among others (noisy, profiled, noise-free, stopped), within its load model."""
    mon = emulator.client(monitor_client.MonitorClient)
    ids = instance_ids(emulator)[:20]
    profiled, steady = ids[3], ids[7]
    emulator.control("POST", f"instances/{profiled}/load", {"Profile": {"MemUsage": [10, 20.5, 30.25]}})
    emulator.control("POST", f"instances/{steady}/load", {"Noise": 0, "MemUsage": 42.5})
    together = {p.Dimensions[0].Value: p.Values for p in get(mon, "MemUsage", ids).DataPoints}
    alone = {i: get(mon, "MemUsage", [i]).DataPoints[0].Values for i in ids}
    assert together == alone
    assert set(together[profiled]) <= {10, 20.5, 30.25} and len(set(together[profiled])) == 3
    assert set(together[steady]) == {42.5}
    noisy = [v for i in ids if i not in (profiled, steady) for v in together[i]]
    assert noisy and all(0 <= v <= 100 for v in noisy) and len(set(noisy)) > len(noisy) // 2


@pytest.mark.emulator(scenario="healthy")
def test_bad_requests(emulator) -> None:
    mon = emulator.client(monitor_client.MonitorClient)
    (iid,) = instance_ids(emulator)
    for kwargs, code in (
        ({"Period": 7}, "InvalidParameterValue"),
        ({"Namespace": "QCE/CDB"}, "InvalidParameterValue"),
        ({"StartTime": "yesterday"}, "InvalidParameterValue"),
    ):
        with pytest.raises(TencentCloudSDKException) as err:
            get(mon, "CpuUsage", [iid], **kwargs)
        assert err.value.get_code() == code
    with pytest.raises(TencentCloudSDKException) as err:
        get(mon, "DiskMagic", [iid])
    assert err.value.get_code() == "InvalidParameterValue"
