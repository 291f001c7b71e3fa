"""Injected faults: latency, throttling, internal errors and dropped connections.

Decisions come from one seeded random stream, drawn once per API request in arrival order, so
a run with the same ``--seed`` and the same request sequence sees the same faults. The control
API (``/_emulator/...``) is never faulted.

``--error-rate F`` splits evenly: a request is faulted with probability F; half of those
(the first half of the interval) answer an ``InternalError`` envelope, the other half close the
connection without any response (the SDK reports ``ClientNetworkError``).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from enum import StrEnum


class Fault(StrEnum):
    NONE = "none"
    THROTTLE = "throttle"  # RequestLimitExceeded envelope
    INTERNAL_ERROR = "internal-error"  # InternalError envelope
    DROP = "drop"  # connection closed without a response


@dataclass(frozen=True)
class FaultConfig:
    latency_ms: float = 0.0
    throttle_rate: float = 0.0
    error_rate: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("throttle_rate", "error_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {value}")
        if self.throttle_rate + self.error_rate > 1.0:
            raise ValueError("throttle_rate + error_rate must not exceed 1")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must not be negative")

    @property
    def active(self) -> bool:
        return bool(self.latency_ms or self.throttle_rate or self.error_rate)


class FaultInjector:
    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self._rng = random.Random(config.seed)
        self._lock = threading.Lock()

    def decide(self) -> Fault:
        cfg = self.config
        if not (cfg.throttle_rate or cfg.error_rate):
            return Fault.NONE
        with self._lock:
            draw = self._rng.random()
        if draw < cfg.throttle_rate:
            return Fault.THROTTLE
        draw -= cfg.throttle_rate
        if draw < cfg.error_rate / 2:
            return Fault.INTERNAL_ERROR
        if draw < cfg.error_rate:
            return Fault.DROP
        return Fault.NONE
