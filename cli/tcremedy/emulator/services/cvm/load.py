"""The load model of an instance: what Cloud Monitor reports for it.

Each metric is a steady level plus deterministic noise (a hash of seed, instance, metric and
sample time, so the same request always returns the same series), or an explicit ``profile``
list cycled over the sample index. Percentages stay in [0, 100]; public outbound traffic never
exceeds the instance's bandwidth cap (that is what a cap does).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from typing import Any

# canonical metric name -> Load attribute holding its steady level
METRICS: dict[str, str] = {
    "cpuusage": "cpu",
    "basecpuusage": "cpu",
    "memusage": "memory",
    "wanouttraffic": "wan_out",
    "wanintraffic": "wan_in",
    "lanouttraffic": "lan_out",
    "lanintraffic": "lan_in",
}
PERCENT = frozenset({"cpuusage", "basecpuusage", "memusage"})
FIELD_NAMES = {
    "CpuUsage": "cpu",
    "MemUsage": "memory",
    "WanOuttraffic": "wan_out",
    "WanIntraffic": "wan_in",
    "LanOuttraffic": "lan_out",
    "LanIntraffic": "lan_in",
    "Noise": "noise",
}


@dataclass
class Load:
    cpu: float = 12.0  # %
    memory: float = 35.0  # %
    wan_out: float = 0.4  # Mbps demand on the public uplink
    wan_in: float = 0.2  # Mbps
    lan_out: float = 0.5  # Mbps
    lan_in: float = 0.5  # Mbps
    noise: float = 0.02  # relative noise amplitude (0.02 = +-2 % of the level)
    profile: dict[str, list[float]] = field(default_factory=dict)  # metric (any case) -> values cycled

    def update(self, fields: dict[str, Any]) -> None:
        """Control-API fields: metric names (``CpuUsage``...), ``Noise``, ``Profile``."""
        for key, value in fields.items():
            if key == "Profile":
                if not isinstance(value, dict) or not all(
                    k.lower() in METRICS
                    and isinstance(v, list)
                    and v
                    and all(isinstance(x, int | float) for x in v)
                    for k, v in value.items()
                ):
                    raise ValueError("load field 'Profile' maps metric names to non-empty lists of numbers")
                self.profile = {k.lower(): [float(x) for x in v] for k, v in value.items()}
                continue
            attr = FIELD_NAMES.get(key)
            if attr is None:
                raise ValueError(
                    f"unknown load field {key!r}; expected one of {sorted([*FIELD_NAMES, 'Profile'])}"
                )
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"load field {key!r} must be a non-negative number")
            setattr(self, attr, float(value))

    def control_view(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: getattr(self, attr) for name, attr in FIELD_NAMES.items()}
        data["Profile"] = dict(self.profile)
        return data


@lru_cache(maxsize=1 << 16)  # one per instance and metric: a fleet's keys are made once, not per request
def _noise_key(seed: int, instance_id: str, metric: str) -> int:
    """A 64-bit key per (seed, instance, metric): a hash of text, stable across processes."""
    digest = hashlib.blake2b(f"{seed}:{instance_id}:{metric}".encode(), digest_size=8).digest()
    return int.from_bytes(digest)


def thousandths(
    load: Load, metric: str, *, seed: int, instance_id: str, slots: Sequence[int], cap_mbps: float
) -> list[int]:
    """The values of ``metric`` (lower-case canonical name) at sample ``slots`` (timestamp // period),
    in thousandths (Cloud Monitor's values carry 3 decimals): the profile cycled, or the steady
    level plus noise: (level - a) + 2a x u, a = level x noise, u a deterministic value in [0, 1)
    per (seed, instance, metric, slot).

    u comes from ``hash`` of the tuple (key, slot): tuples of ints hash the same in every process
    (only str and bytes hashes are salted). The arithmetic is integer maps over built-ins, so a
    point costs no interpreted bytecode and no decimal rounding: GetMonitorData answers 50
    instances x the window's points per request, and the local cloud shares the machine with the
    client it serves.
    """
    if metric in load.profile:
        values = load.profile[metric]
        points = [round(values[slot % len(values)] * 1000) for slot in slots]
    elif load.noise:
        level = getattr(load, METRICS[metric])
        amplitude = level * load.noise
        low, span = round((level - amplitude) * 1000), round(2 * amplitude * 1000)
        masks = map(_U64.__and__, map(hash, zip(repeat(_noise_key(seed, instance_id, metric)), slots)))
        points = list(map(low.__add__, map((64).__rrshift__, map(span.__mul__, masks))))  # low + span*u
    else:
        points = [round(getattr(load, METRICS[metric]) * 1000)] * len(slots)
    ceiling = 100_000 if metric in PERCENT else round(cap_mbps * 1000) if metric == "wanouttraffic" else None
    if points and (min(points) < 0 or (ceiling is not None and max(points) > ceiling)):  # clamp (rare)
        points = [max(0, p if ceiling is None else min(p, ceiling)) for p in points]
    return points


_U64 = 2**64 - 1
