"""Monitor: ``GetMonitorData`` per metric, up to 50 instances per request, over the policy's window."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from tcremedy.cloud.api import ApiError, Batches, CloudApi, split_batches
from tcremedy.cloud.state import CollectionGap, MetricSeries, window_end

NAMESPACE = "QCE/CVM"
# A request's limits (the SDK's docstring of MonitorClient.GetMonitorData, tencentcloud-sdk-python-monitor
# 3.1.x: "单请求最多可支持批量拉取50个实例的监控数据，单请求的数据点数限制为7200个"): 50 instances and 7,200
# data points, summed over its instances. Tencent's API page (document/product/248/30353, 2024) still
# says 10 instances and 1,440 points; the SDK's text is the newer one.
BATCH = 50  # instances per GetMonitorData request, at most
MAX_POINTS = 7200  # data points per request
PERIOD = 60  # seconds
# What the diagnosis reads: CPU (agent and host side), memory, public outbound bandwidth.
METRICS: tuple[str, ...] = ("CpuUsage", "BaseCpuUsage", "MemUsage", "WanOuttraffic")
# Reported by Cloud Monitor's agent inside the guest; the others are measured on the host and need no
# agent (https://cloud.tencent.com/document/api/248/10992 lists base_cpu_usage and the traffic metrics
# as needing none, cpu_usage among those that do; memory usage is the guest's own figure).
AGENT_METRICS: tuple[str, ...] = ("CpuUsage", "MemUsage")
Stamps = dict[tuple[float, ...], tuple[float, ...]]  # a Timestamps tuple -> the one shared copy


def window(now: datetime, seconds: int) -> tuple[str, str]:
    """(StartTime, EndTime) as ISO-8601 with offset, as the API wants them. The end is anchored to the
    last whole period before ``now`` (the one collection timestamp), so every batch of a run, and two
    runs in the same period over the same world, read the same samples."""
    end = datetime.fromtimestamp(window_end(now.timestamp(), PERIOD), UTC)
    return (end - timedelta(seconds=seconds)).isoformat(), end.isoformat()


def batch_size(window_seconds: int, period: int = PERIOD) -> int:
    """Instances per request for a window: 50, or fewer when 50 instances' samples would pass the
    request's 7,200 points (a 6-hour window at 60 s is 361 points an instance: 19 of them). A window
    whose start is not on a period boundary can hold one point more than its length / period."""
    points = math.ceil(window_seconds / period) + 1
    return max(1, min(BATCH, MAX_POINTS // points))


def series_from_api(
    data: dict[str, Any], metric: str, period: int, shared: Stamps | None = None
) -> dict[str, MetricSeries]:
    """instance id -> series, from one GetMonitorData response. ``shared`` keeps one tuple per
    distinct Timestamps: every instance of a run is read over the same window, so 10,000 instances
    x 4 metrics share a handful of tuples instead of holding 40,000 equal ones."""
    out: dict[str, MetricSeries] = {}
    shared = {} if shared is None else shared
    for point in data.get("DataPoints") or ():
        dims = {d.get("Name"): d.get("Value") for d in point.get("Dimensions") or ()}
        iid = dims.get("InstanceId")
        if not iid:
            continue
        stamps = tuple(map(float, point.get("Timestamps") or ()))
        out[iid] = MetricSeries(
            metric=metric,
            period=int(data.get("Period") or period),
            timestamps=shared.setdefault(stamps, stamps),
            values=tuple(map(float, point.get("Values") or ())),
        )
    return out


def _fetch(
    api: CloudApi, name: str, start: str, end: str, shared: Stamps
) -> Callable[[Sequence[str]], dict[str, MetricSeries]]:
    def call(batch: Sequence[str]) -> dict[str, MetricSeries]:
        params = {
            "Namespace": NAMESPACE,
            "MetricName": name,
            "Period": PERIOD,
            "StartTime": start,
            "EndTime": end,
            "Instances": [{"Dimensions": [{"Name": "InstanceId", "Value": iid}]} for iid in batch],
        }
        return series_from_api(api.call("monitor", "GetMonitorData", params), name, PERIOD, shared)

    return call


Outcome = tuple[list[tuple[Sequence[str], dict[str, MetricSeries]]], list[tuple[str, ApiError]]]


class MetricFeed:
    """``GetMonitorData`` started while the instance list is still arriving.

    ``add`` takes selected instance ids as the listing pages come in; every full batch starts
    its requests (one per metric) at once, so the metrics, the slowest chain at GetMonitorData's
    rate, overlap the listing instead of following it. ``finish`` sends what is left and waits.
    Every metric's batches share one pool, so the action's pacing, not the order, sets the pace.
    """

    def __init__(
        self, api: CloudApi, now: datetime, window_seconds: int, names: Sequence[str] = METRICS
    ) -> None:
        self.api = api
        self.names = tuple(names)
        self.start, self.end = window(now, window_seconds)
        self.batch = batch_size(window_seconds)
        self._batches: Batches[str] = Batches(self.batch)
        self._lock = threading.Lock()
        # paced requests wait in their worker for their departure: room for the waiting ones too
        self._pool = ThreadPoolExecutor(max_workers=2 * api.concurrency, thread_name_prefix="metrics")
        self._jobs: list[tuple[str, Future[Outcome]]] = []
        self._stamps: Stamps = {}  # one tuple per distinct Timestamps

    def add(self, instance_ids: Sequence[str]) -> None:
        with self._lock:
            for batch in self._batches.add(instance_ids):
                self._send(batch)

    def _send(self, batch: Sequence[str]) -> None:
        self.api.progress.expect(len(self.names))
        for name in self.names:
            self._jobs.append((name, self._pool.submit(self._one, name, batch)))

    def _one(self, name: str, batch: Sequence[str]) -> Outcome:
        try:
            fetch = _fetch(self.api, name, self.start, self.end, self._stamps)
            return split_batches(self.api, batch, self.batch, fetch)
        finally:
            self.api.progress.advance()

    def finish(
        self, instance_ids: Sequence[str]
    ) -> tuple[dict[str, dict[str, MetricSeries]], list[CollectionGap]]:
        """instance id -> metric name -> series for ``instance_ids`` (those not added yet are read
        now). A failed request becomes one gap per instance and metric."""
        self.api.progress.phase("metrics")
        try:
            self.add(instance_ids)
            with self._lock:
                if rest := self._batches.rest():
                    self._send(rest)
                jobs = list(self._jobs)
            result: dict[str, dict[str, MetricSeries]] = {iid: {} for iid in instance_ids}
            gaps: list[CollectionGap] = []
            for name, job in jobs:
                done, failed = job.result()
                gaps.extend(
                    CollectionGap("metrics", iid, exc.code, f"GetMonitorData {name} failed: {exc.message}")
                    for iid, exc in failed
                    if iid in result
                )
                for _batch, out in done:
                    for iid, series in out.items():
                        if iid in result:
                            result[iid][series.metric] = series
            return result, gaps
        finally:
            self.close()

    def close(self) -> None:
        """Stop: requests not started yet are dropped (the listing failed, nothing will be judged)."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def metrics(
    api: CloudApi,
    instance_ids: Sequence[str],
    now: datetime,
    window_seconds: int,
    names: Sequence[str] = METRICS,
) -> tuple[dict[str, dict[str, MetricSeries]], list[CollectionGap]]:
    """instance id -> metric name -> series. A failed request becomes one gap per instance and metric."""
    return MetricFeed(api, now, window_seconds, names).finish(instance_ids)


def lower_bound(instances: int, window_seconds: int, names: Sequence[str] = METRICS) -> int:
    """Fewest GetMonitorData requests that can cover ``instances`` over the window (for the bench)."""
    return len(names) * math.ceil(instances / batch_size(window_seconds))
