"""GetMonitorData over QCE/CVM: series from each instance's load model (no state of its own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from tcremedy.emulator.core.backend import StatelessBackend
from tcremedy.emulator.core.errors import ApiError, InvalidParameterValue
from tcremedy.emulator.services.cvm.load import METRICS, thousandths

NAMESPACE = "QCE/CVM"
PERIODS = (10, 60, 300, 3600, 86400)
MAX_INSTANCES = 50  # per request (the current SDK documentation's limit)
MAX_POINTS = 7200  # data points per request, summed over instances
DEFAULT_WINDOW = 3600  # StartTime defaults to EndTime minus one hour
# A sample is published a little after its period: Tencent's monitoring FAQ answers "GetMonitorData
# returns nothing" with "监控数据计算可能存在短暂延时,建议 EndTime 在当前时间基础上向前偏移1~2分钟"
# (computing the data can take a moment; end the window 1-2 minutes before now;
# https://cloud.tencent.com/document/product/248/54788). Here: the samples of the last 2 minutes.
PUBLISH_LAG = 120  # seconds
# Metrics only Cloud Monitor's agent inside the guest can report; the host-side ones (BaseCpuUsage,
# traffic) need no agent (https://cloud.tencent.com/document/api/248/10992: "不需要安装监控 agent,就能获取
# 数据的监控指标" lists the traffic metrics and base_cpu_usage; cpu_usage is among those that need it;
# memory usage is the guest's own figure).
AGENT_METRICS = frozenset({"cpuusage", "memusage"})


@dataclass(frozen=True)
class Window:
    start: int  # epoch seconds, aligned down to the period
    end: int
    tz: timezone

    def stamp(self, ts: int) -> str:
        return datetime.fromtimestamp(ts, self.tz).isoformat()


def parse_time(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidParameterValue(
            f"`{name}` must be an ISO-8601 time such as 2018-09-22T19:51:23+08:00, got `{value}`."
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone(timedelta(hours=8)))


def align(ts: float, period: int, tz: timezone) -> int:
    """Align down to the period boundary in the request's time zone (matters for 86400)."""
    offset = int(tz.utcoffset(None).total_seconds()) if tz.utcoffset(None) is not None else 0
    t = int(ts)
    return t - ((t + offset) % period)


class MonitorBackend(StatelessBackend):
    """Metric series computed from each instance's load model."""

    def window(self, start: str | None, end: str | None, period: int) -> Window:
        if period not in PERIODS:
            raise InvalidParameterValue(f"Period must be one of {list(PERIODS)}, got {period}.")
        now = self.region.now
        end_dt = (
            parse_time(end, "EndTime") if end else datetime.fromtimestamp(now, timezone(timedelta(hours=8)))
        )
        start_dt = parse_time(start, "StartTime") if start else end_dt - timedelta(seconds=DEFAULT_WINDOW)
        if end_dt < start_dt:
            raise InvalidParameterValue("EndTime must not be earlier than StartTime.")
        tz = start_dt.tzinfo if isinstance(start_dt.tzinfo, timezone) else UTC
        return Window(align(start_dt.timestamp(), period, tz), align(end_dt.timestamp(), period, tz), tz)

    def series(self, metric: str, instance_ids: list[str], period: int, window: Window) -> list[Series]:
        """One series per instance id, in request order (empty for a stopped or unknown instance)."""
        key = metric.lower()
        if key not in METRICS:
            raise ApiError(
                f"The metric `{metric}` is not supported in namespace {NAMESPACE}; supported: "
                "CpuUsage, BaseCpuUsage, MemUsage, WanOuttraffic, WanIntraffic, LanOuttraffic, "
                "LanIntraffic.",
                code="InvalidParameterValue",
            )
        if len(instance_ids) > MAX_INSTANCES:
            raise ApiError(
                f"At most {MAX_INSTANCES} instances can be queried per request.",
                code="LimitExceeded.LimitedAccess",
            )
        now = self.region.now
        stamps = [t for t in range(window.start, window.end + 1, period) if t <= now]
        if len(stamps) * len(instance_ids) > MAX_POINTS:
            raise InvalidParameterValue(
                f"The request covers {len(stamps) * len(instance_ids)} data points; "
                f"at most {MAX_POINTS} are allowed per request."
            )
        stamps = [t for t in stamps if t <= now - PUBLISH_LAG]  # not computed yet: not there at all
        cvm = self.region.cvm
        cvm.settle()
        needs_agent = key in AGENT_METRICS
        found = [
            i
            if i is not None and i.state == "RUNNING" and (i.guest.monitor_agent or not needs_agent)
            else None
            for i in (cvm.instances.get(iid) for iid in instance_ids)
        ]
        samples = [(i.load, i.instance_id, i.bandwidth_out) for i in found if i]
        points = thousandths(samples, key, seed=self.region.world.seed, slots=[t // period for t in stamps])
        values = list(map(_THOUSAND.__rtruediv__, points))  # p / 1000: the float nearest p thousandths
        texts = list(map(_TEXTS.__getitem__, points))
        timestamps = [float(t) for t in stamps]  # every instance: the same instants
        out: list[Series] = []
        n, at = len(stamps), 0
        for inst in found:
            if inst is None:  # stopped, unknown, or a guest metric without the agent: no data
                out.append(NO_DATA)
                continue
            out.append(Series(timestamps, values[at : at + n], "[" + ",".join(texts[at : at + n]) + "]"))
            at += n
        return out


@dataclass(frozen=True, slots=True)
class Series:
    """One instance's samples: ``values`` as the API gives them (floats with 3 decimals) and the
    JSON text of that array, both made from the thousandths without decimal rounding."""

    timestamps: list[float]
    values: list[float]
    values_json: str


NO_DATA = Series([], [], "[]")
_THOUSAND = 1000


class _Texts(dict[int, str]):
    """A value's JSON text by its thousandths, made once: ``repr`` of the float, as ``json`` writes
    it. A fleet's answers repeat a few thousand values; bounded all the same."""

    LIMIT = 1 << 17

    def __missing__(self, points: int) -> str:
        if len(self) >= self.LIMIT:
            self.clear()
        text = self[points] = float.__repr__(points / 1000)
        return text


_TEXTS = _Texts()
