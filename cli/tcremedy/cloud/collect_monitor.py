"""Monitor: ``GetMonitorData`` per metric, 50 instances per request, over the policy's window."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from tcremedy.cloud.api import CloudApi, split_batches
from tcremedy.cloud.state import CollectionGap, MetricSeries

NAMESPACE = "QCE/CVM"
BATCH = 50  # instances per GetMonitorData request
PERIOD = 60  # seconds
# What the diagnosis reads: CPU (agent and host side), memory, public outbound bandwidth.
METRICS: tuple[str, ...] = ("CpuUsage", "BaseCpuUsage", "MemUsage", "WanOuttraffic")


def window(now: datetime, seconds: int) -> tuple[str, str]:
    """(StartTime, EndTime) as ISO-8601 with offset, as the API wants them. The end is anchored to the
    last whole period before ``now`` (the one collection timestamp), so every batch of a run, and two
    runs in the same period over the same world, read the same samples."""
    end = now.astimezone(UTC).replace(microsecond=0)
    end -= timedelta(seconds=int(end.timestamp()) % PERIOD)
    return (end - timedelta(seconds=seconds)).isoformat(), end.isoformat()


def series_from_api(data: dict[str, Any], metric: str, period: int) -> dict[str, MetricSeries]:
    """instance id -> series, from one GetMonitorData response."""
    out: dict[str, MetricSeries] = {}
    for point in data.get("DataPoints") or ():
        dims = {d.get("Name"): d.get("Value") for d in point.get("Dimensions") or ()}
        iid = dims.get("InstanceId")
        if not iid:
            continue
        out[iid] = MetricSeries(
            metric=metric,
            period=int(data.get("Period") or period),
            timestamps=tuple(map(float, point.get("Timestamps") or ())),
            values=tuple(map(float, point.get("Values") or ())),
        )
    return out


def metrics(
    api: CloudApi,
    instance_ids: Sequence[str],
    now: datetime,
    window_seconds: int,
    names: Sequence[str] = METRICS,
) -> tuple[dict[str, dict[str, MetricSeries]], list[CollectionGap]]:
    """instance id -> metric name -> series. A failed request becomes one gap per instance and metric."""
    start, end = window(now, window_seconds)
    api.progress.phase("metrics")

    def fetch(name: str) -> Callable[[Sequence[str]], dict[str, MetricSeries]]:
        def call(batch: Sequence[str]) -> dict[str, MetricSeries]:
            params = {
                "Namespace": NAMESPACE,
                "MetricName": name,
                "Period": PERIOD,
                "StartTime": start,
                "EndTime": end,
                "Instances": [{"Dimensions": [{"Name": "InstanceId", "Value": iid}]} for iid in batch],
            }
            return series_from_api(api.call("monitor", "GetMonitorData", params), name, PERIOD)

        return call

    result: dict[str, dict[str, MetricSeries]] = {iid: {} for iid in instance_ids}
    gaps: list[CollectionGap] = []
    # every metric's batches at once (one pool), so the action's pacing, not the order, sets the pace
    outcomes = api.map(lambda name: split_batches(api, list(instance_ids), BATCH, fetch(name)), names)
    for name, (done, failed) in zip(names, outcomes, strict=True):
        gaps.extend(
            CollectionGap(
                "metrics", iid, exc.code, f"GetMonitorData {name} failed: {exc.message}", "GetMonitorData"
            )
            for iid, exc in failed
        )
        for _batch, out in done:
            for iid, series in out.items():
                if iid in result:
                    result[iid][series.metric] = series
    return result, gaps


def lower_bound(instances: int, names: Sequence[str] = METRICS) -> int:
    """Fewest GetMonitorData requests that can cover ``instances`` (for the bench)."""
    return len(names) * math.ceil(instances / BATCH)
