"""What the live state says about one instance, read the same way by the checks and by drift.

Collection gaps recorded against a resource, the peak of a metric over the policy window, and
the guest probe's facts (or why there are none).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any, Generic, TypeVar

from tcremedy.cloud.state import CollectionGap, GuestFacts, Instance, LiveState, MetricSeries, window_end

V = TypeVar("V")


def gaps_for(state: LiveState, scope: str, resource_id: str) -> list[CollectionGap]:
    """The collection gaps recorded against one resource."""
    return list(_gap_index(state.gaps).get((scope, resource_id), ()))


class _PerTuple(Generic[V]):
    """Values made once per tuple object (and the other arguments), for tuples a whole run shares:
    a state's gaps, a run's few Timestamps. Keyed by identity, which is cheap where hashing a tuple
    is not; the tuple is kept with its value, so its id cannot be reused while cached."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._known: dict[tuple[Any, ...], tuple[tuple[Any, ...], V]] = {}

    def get(self, owner: tuple[Any, ...], extra: tuple[Any, ...], make: Callable[[], V]) -> V:
        key = (id(owner), *extra)
        known = self._known.get(key)
        if known is not None and known[0] is owner:
            return known[1]
        if len(self._known) >= self.limit:
            self._known.clear()
        value = make()
        self._known[key] = (owner, value)
        return value


GapIndex = dict[tuple[str, str], list[CollectionGap]]
_GAP_INDEXES: _PerTuple[GapIndex] = _PerTuple(16)


def _gap_index(gaps: tuple[CollectionGap, ...]) -> GapIndex:
    """The gaps by (scope, resource id), made once per state: every check of every instance asks,
    and scanning all the gaps each time grew with instances x gaps."""

    def make() -> GapIndex:
        index: GapIndex = {}
        for gap in gaps:
            index.setdefault((gap.scope, gap.resource_id), []).append(gap)
        return index

    return _GAP_INDEXES.get(gaps, (), make)


def gap_text(gaps: list[CollectionGap]) -> str:
    """The gaps as one line ("" when there are none)."""
    return "; ".join(f"{g.scope} {g.resource_id}: {g.code} {g.message}".strip() for g in gaps)


def gap_reason(state: LiveState, scope: str, resource_id: str, fallback: str = "") -> str:
    """Why something about a resource is not known: its collection gaps, else ``fallback``."""
    return gap_text(gaps_for(state, scope, resource_id)) or fallback


@lru_cache(maxsize=64)  # the one collection timestamp, read for every metric of every instance
def _epoch(text: str) -> float | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _series(instance: Instance, name: str) -> MetricSeries | None:
    """The metric by name, case-insensitively (CpuUsage / CPUUsage)."""
    series = instance.metrics.get(name)
    if series is not None:
        return series
    for key, series in instance.metrics.items():
        if key.lower() == name.lower():
            return series
    return None


def _in_window(series: MetricSeries, state: LiveState, window: int) -> list[float]:
    """The values in (end - window, end], oldest first; ``end`` is the window end of the collection
    (as collection asked for it), so a run at hh:mm:00 and one at hh:mm:59 read the same samples."""
    picked = _picked(series.timestamps, _epoch(state.collected_at), series.period, window)
    if isinstance(picked, slice):
        return list(series.values[picked])
    return [series.values[n] for n in picked if n < len(series.values)]


Picked = slice | list[int]  # the samples in a window: a run of them, else their indexes
_PICKED: _PerTuple[Picked] = _PerTuple(256)


def _picked(stamps: tuple[float, ...], collected: float | None, period: int, window: int) -> Picked:
    """Which samples lie in the window: a slice when they follow each other (the API's order).
    Made once per distinct Timestamps (a run's instances share a few, cloud/collect_monitor.py), not
    for every metric each check of every instance reads."""

    def make() -> Picked:
        end = window_end(collected, period) if collected else max(stamps, default=0.0)
        picked = [n for n, t in enumerate(stamps) if end - window < t <= end]
        if not picked:
            return slice(0, 0)
        if picked[-1] - picked[0] == len(picked) - 1:  # consecutive (the indexes only grow)
            return slice(picked[0], picked[-1] + 1)
        return picked

    return _PICKED.get(stamps, (collected, period, window), make)


def window_max(
    instance: Instance, state: LiveState, names: tuple[str, ...], window: int
) -> tuple[float, str, int] | None:
    """(max, metric, samples) over the last ``window`` seconds of the named metrics; None if no samples."""
    best: tuple[float, str, int] | None = None
    for name in names:
        series = _series(instance, name)
        if series is None or not series.values:
            continue
        points = _in_window(series, state, window)
        if not points:
            continue
        top = max(points)
        if best is None or top > best[0]:
            best = (top, series.metric or name, len(points))
    return best


def window_series(instance: Instance, state: LiveState, name: str, window: int) -> list[float]:
    """The samples of one metric over the last ``window`` seconds, oldest first (reports draw them)."""
    series = _series(instance, name)
    if series is None or not series.values:
        return []
    return _in_window(series, state, window)


def guest_facts(instance: Instance, state: LiveState) -> tuple[GuestFacts | None, str]:
    """The probe's facts, or None and why there are none."""
    gaps = gaps_for(state, "guest", instance.instance_id)
    probe = instance.guest
    if probe is None:
        return None, gap_text(gaps) or f"guest not probed (instance state {instance.state or 'unknown'})"
    if probe.facts is not None:
        return probe.facts, ""
    if probe.agent_status != "Online":
        said = f"TAT agent is {probe.agent_status}"
        return None, said + (f": {probe.error}" if probe.error and probe.error != said else "")
    detail = probe.error or gap_text(gaps) or "no output"
    return None, f"probe failed (task status {probe.task_status or 'unknown'}): {detail}"


def silent_listener_cause(facts: GuestFacts, port: int) -> str:
    """The guest finding that already explains a silent RDP port ("" when none does).

    The probe looks for a listener on the registry's RDP-Tcp port: with TermService not running,
    Remote Desktop disabled or the port changed, nothing listening there is expected and that
    cause is reported; only a silent port without any of them is a stuck listener.
    """
    if facts.termservice_state is not None and facts.termservice_state.lower() != "running":
        return "GUEST_TERMSERVICE_STOPPED"
    if facts.deny_ts_connections is not None and facts.deny_ts_connections != 0:
        return "GUEST_RDP_DISABLED"
    if facts.rdp_port is not None and (
        facts.rdp_port != port or (facts.tds_port is not None and facts.tds_port != facts.rdp_port)
    ):
        return "GUEST_RDP_PORT_CHANGED"
    return ""
