"""The load model of an instance: what Cloud Monitor reports for it.

Each metric is a steady level plus deterministic noise (a hash of seed, instance, metric and
sample time, so the same request always returns the same series), or an explicit ``profile``
list cycled over the sample index. Percentages stay in [0, 100]; public outbound traffic never
exceeds the instance's bandwidth cap (that is what a cap does).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, repeat
from operator import add, mod
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


Sample = tuple[Load, str, float]  # an instance's load model, its id and its bandwidth cap (Mbps)


def thousandths(samples: Sequence[Sample], metric: str, *, seed: int, slots: Sequence[int]) -> list[int]:
    """The values of ``metric`` (lower-case canonical name) for each sample at the ``slots``
    (timestamp // period), in thousandths (Cloud Monitor's values carry 3 decimals), one run of
    ``len(slots)`` per sample, in order: the profile cycled, or the steady level plus noise:
    (level - a) + the noise, a = level x noise, the noise a deterministic value in [0, 2a) per
    (seed, instance, metric, slot). Percentages stay within [0, 100]; public outbound traffic
    within the cap.

    The noise is ``hash`` of the tuple (key, slot) modulo 2a (in thousandths): tuples of ints hash
    the same in every process (only str and bytes hashes are salted). Every sample's points are
    made by the same few integer maps over built-ins, all samples at once, so a point costs no
    interpreted bytecode and no decimal rounding: GetMonitorData answers 50 instances x the
    window's points per request, and the local cloud shares the machine with the client it serves.
    """
    n, attr = len(slots), METRICS[metric]
    keys, lows, spans = [], [], []
    apart: list[tuple[int, list[int] | None, int | None]] = []  # (sample, own points, ceiling)
    for i, (load, instance_id, cap_mbps) in enumerate(samples):
        ceiling = 100_000 if metric in PERCENT else None
        if metric == "wanouttraffic":
            ceiling = round(cap_mbps * 1000)
        level = getattr(load, attr)
        amplitude = level * load.noise
        low, span = round((level - amplitude) * 1000), round(2 * amplitude * 1000)
        keys.append(_noise_key(seed, instance_id, metric))
        lows.append(low)
        spans.append(span or 1)  # x % 1 == 0: no noise
        if metric in load.profile:
            profile = load.profile[metric]
            apart.append((i, [round(profile[slot % len(profile)] * 1000) for slot in slots], ceiling))
        elif not load.noise:
            apart.append((i, [round(level * 1000)] * n, ceiling))
        elif low < 0 or (ceiling is not None and low + span > ceiling):  # may leave the range: clamp
            apart.append((i, None, ceiling))
    every_slot = chain.from_iterable(repeat(slots, len(keys)))
    hashes = map(hash, zip(_each(keys, n), every_slot, strict=True))
    points = list(map(add, _each(lows, n), map(mod, hashes, _each(spans, n))))  # low + [0, span)
    for i, own, ceiling in apart:  # rare: profiles, no noise, levels near a bound
        run = points[i * n : (i + 1) * n] if own is None else own
        points[i * n : (i + 1) * n] = [max(0, p if ceiling is None else min(p, ceiling)) for p in run]
    return points


def _each(values: list[int], times: int) -> Iterator[int]:
    """Each value ``times`` times in a row."""
    return chain.from_iterable(map(repeat, values, repeat(times)))


