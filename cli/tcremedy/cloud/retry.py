"""Retries with jittered exponential backoff bounded by a deadline, and counting of API calls.

Retried: throttling (``RequestLimitExceeded*``), ``InternalError*`` and transport failures (the SDK
raises ``ClientNetworkError`` / ``ServerNetworkError``) until the call's deadline has passed — a
deadline, not a count, so a burst of faults cannot exhaust it (issue 14 item 6). Everything else is
the caller's business.
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
    """Retry until ``deadline`` seconds after the first attempt; wait n is uniform in
    [0, min(max_delay, base_delay * 2**n)] (full jitter), never past the deadline."""

    deadline: float = 60.0
    base_delay: float = 0.2
    max_delay: float = 5.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.max_delay, self.base_delay * (2 ** min(attempt, 30))))


@dataclass
class CallStats:
    """Thread-safe counters per API action: requests sent, retries, errors; and error codes seen."""

    calls: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)  # error code -> answers with it (retried or not)
    # (region, action) -> requests a second the cloud said it allows, where below the pace it was sent at
    limits: dict[tuple[str, str], float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, action: str, *, retry: bool = False, error: bool = False, code: str = "") -> None:
        with self._lock:
            self.calls[action] += 1
            if retry:
                self.retries[action] += 1
            if error:
                self.errors[action] += 1
            if code:
                self.codes[code] += 1

    def record_limit(self, region: str, action: str, limit: float) -> None:
        with self._lock:
            self.limits[(region, action)] = min(limit, self.limits.get((region, action), limit))

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
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call ``fn`` (one API request), retrying retryable SDK errors until the policy's deadline;
    every attempt is counted."""
    deadline = clock() + policy.deadline
    attempt = 0
    while True:
        try:
            result = fn()
        except TencentCloudSDKException as exc:
            code = exc.get_code() or ""
            rng = rng or random.Random()  # made on the first failure: seeding reads the OS entropy pool
            wait = policy.delay(attempt, rng)
            if not is_retryable(exc) or clock() + wait > deadline:
                stats.record(action, retry=attempt > 0, error=True, code=code)
                raise
            stats.record(action, retry=attempt > 0, code=code)
            sleep(wait)
            attempt += 1
            continue
        stats.record(action, retry=attempt > 0)
        return result
