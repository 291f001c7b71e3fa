"""Retries with jittered exponential backoff, and counting of API calls per action.

Retried: throttling (``RequestLimitExceeded*``), ``InternalError*`` and transport failures (the SDK
raises ``ClientNetworkError`` / ``ServerNetworkError``). Everything else is the caller's business.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

T = TypeVar("T")

RETRYABLE_PREFIXES = ("RequestLimitExceeded", "InternalError", "ClientNetworkError", "ServerNetworkError")


def is_retryable(exc: TencentCloudSDKException) -> bool:
    code = exc.get_code() or ""
    return any(code == p or code.startswith(p + ".") for p in RETRYABLE_PREFIXES)


@dataclass(frozen=True)
class RetryPolicy:
    """``max_attempts`` tries in all; wait n is uniform in [0, min(max_delay, base_delay * 2**n)]."""

    max_attempts: int = 6
    base_delay: float = 0.2
    max_delay: float = 5.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.max_delay, self.base_delay * (2**attempt)))


@dataclass
class CallStats:
    """Thread-safe counters of requests sent, retries made and errors returned, per API action."""

    calls: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, action: str, *, retry: bool = False, error: bool = False) -> None:
        with self._lock:
            self.calls[action] += 1
            if retry:
                self.retries[action] += 1
            if error:
                self.errors[action] += 1

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def total_retries(self) -> int:
        return sum(self.retries.values())


def call_with_retry(
    action: str,
    fn: Callable[[], T],
    stats: CallStats,
    policy: RetryPolicy = RetryPolicy(),
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> T:
    """Call ``fn`` (one API request), retrying retryable SDK errors; every attempt is counted."""
    rng = rng or random.Random()
    for attempt in range(policy.max_attempts):
        try:
            result = fn()
        except TencentCloudSDKException as exc:
            last = attempt == policy.max_attempts - 1
            if not is_retryable(exc) or last:
                stats.record(action, retry=attempt > 0, error=True)
                raise
            stats.record(action, retry=attempt > 0)
            sleep(policy.delay(attempt, rng))
            continue
        stats.record(action, retry=attempt > 0)
        return result
    raise AssertionError("unreachable")  # pragma: no cover
