"""Tencent's documented per-action request-rate limits, enforced as the cloud does.

One token bucket per (credential, region, action) with the rate from ``tcremedy.ratelimits`` and
one second's worth of burst; a request that finds the bucket empty is answered
``RequestLimitExceeded`` before its handler runs. ``--rate-limits off`` disables it; actions the
table does not list are not limited.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tcremedy.emulator.core.errors import RequestLimitExceeded
from tcremedy.ratelimits import MODES, TokenBucket, rate_for


class RateLimiter:
    def __init__(self, mode: str = "documented", clock: Callable[[], float] = time.monotonic) -> None:
        if mode not in MODES:
            raise ValueError(f"rate limits must be one of {', '.join(MODES)}, got {mode!r}")
        self.mode = mode
        self._clock = clock
        self._buckets: dict[tuple[str, str, str, str], TokenBucket | None] = {}
        self._lock = threading.Lock()
        self.refused = 0

    def admit(self, secret_id: str, region: str, service: str, action: str) -> None:
        """Raise RequestLimitExceeded when this credential has used up the action's rate in ``region``."""
        if self.mode == "off":
            return
        key = (secret_id, region, service, action)
        with self._lock:
            if key not in self._buckets:
                rate = rate_for(service, action)
                self._buckets[key] = TokenBucket(rate, rate, self._clock) if rate else None
            bucket = self._buckets[key]
        if bucket is not None and not bucket.try_take():
            with self._lock:
                self.refused += 1
            raise RequestLimitExceeded(
                f"Your current request times exceeds the frequency limit of {rate_for(service, action):g} "
                f"requests per second for `{action}`."
            )
