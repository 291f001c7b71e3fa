"""The load model of an instance: what Cloud Monitor reports for it.

Each metric is a steady level plus deterministic noise (a hash of seed, instance, metric and
sample time, so the same request always returns the same series), or an explicit ``profile``
list cycled over the sample index. Percentages stay in [0, 100]; public outbound traffic never
exceeds the instance's bandwidth cap (that is what a cap does).
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
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


def _unit_noise(seed: int, instance_id: str, metric: str, slot: int) -> float:
    """A deterministic value in [-1, 1)."""
    digest = hashlib.blake2b(f"{seed}:{instance_id}:{metric}:{slot}".encode(), digest_size=8).digest()
    return struct.unpack(">Q", digest)[0] / 2**63 - 1.0


def sample(
    load: Load, metric: str, *, seed: int, instance_id: str, timestamp: int, period: int, cap_mbps: float
) -> float:
    """The value of ``metric`` (lower-case canonical name) at ``timestamp``."""
    slot = timestamp // period
    if metric in load.profile:
        values = load.profile[metric]
        level = values[slot % len(values)]
    else:
        level = getattr(load, METRICS[metric])
        level *= 1.0 + load.noise * _unit_noise(seed, instance_id, metric, slot)
    if metric in PERCENT:
        level = min(100.0, level)
    if metric == "wanouttraffic":
        level = min(level, float(cap_mbps))
    return round(max(0.0, level), 3)
