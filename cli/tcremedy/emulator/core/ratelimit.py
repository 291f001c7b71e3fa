"""Tencent's documented per-action request-rate limits, enforced as the cloud does.

One token bucket per (credential, region, action) with the rate from ``tcremedy.ratelimits`` (or
the account's own, ``emulator serve --rate-limit ACTION=N``: an account's limit may differ from the
documented default, e.g. GetMonitorData: 50/s on its API page, 20/s in Tencent's monitoring FAQ,
https://cloud.tencent.com/document/product/248/54788) and one second's worth of burst; a request that
finds the bucket empty is answered ``RequestLimitExceeded`` before its handler runs. ``--rate-limits
off`` disables it; actions the table does not list are not limited.

The refusal says how many requests came in that second and what the limit is, as the cloud's does
(language en-US; quoted in https://github.com/yxw007/vscode-translate-next/issues/20: "Your current
request times equals to `7` in a second, which exceeds the frequency limit `5` for a second. Please
reduce the frequency of calls."; zh-CN in https://github.com/SUSYUSTC/MathTranslate/issues/21).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from tcremedy.emulator.core.errors import RequestLimitExceeded
from tcremedy.ratelimits import MODES, TokenBucket, rate_for


def refusal_message(count: int, limit: float) -> str:
    """RequestLimitExceeded's message (en-US), as the cloud words it."""
    return (
        f"Your current request times equals to `{count}` in a second, which exceeds the frequency limit "
        f"`{limit:g}` for a second. Please reduce the frequency of calls."
    )


class RateLimiter:
    def __init__(
        self,
        mode: str = "documented",
        clock: Callable[[], float] = time.monotonic,
        overrides: Mapping[str, float] | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"rate limits must be one of {', '.join(MODES)}, got {mode!r}")
        self.mode = mode
        self._clock = clock
        self._overrides = dict(overrides or {})
        self._buckets: dict[tuple[str, str, str, str], TokenBucket | None] = {}
        self._seconds: dict[tuple[str, str, str, str], tuple[int, int]] = {}  # key -> (second, requests)
        self._lock = threading.Lock()
        self.refused = 0

    def admit(self, secret_id: str, region: str, service: str, action: str) -> None:
        """Raise RequestLimitExceeded when this credential has used up the action's rate in ``region``."""
        if self.mode == "off":
            return
        key = (secret_id, region, service, action)
        with self._lock:
            if key not in self._buckets:
                rate = rate_for(service, action, self._overrides)
                self._buckets[key] = TokenBucket(rate, rate, self._clock) if rate else None
            bucket = self._buckets[key]
            if bucket is None:
                return
            second = int(self._clock())
            seen, count = self._seconds.get(key, (second, 0))
            count = count + 1 if seen == second else 1
            self._seconds[key] = (second, count)
        if not bucket.try_take():
            with self._lock:
                self.refused += 1
            raise RequestLimitExceeded(refusal_message(count, bucket.rate))
