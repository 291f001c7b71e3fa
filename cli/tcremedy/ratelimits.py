"""Tencent Cloud's documented default request-rate limits; the cloud's token bucket and the client's window.

Each API reference page states "默认接口请求频率限制：N次/秒" ("A maximum of N requests can be initiated
per second for this API"). The limit applies per action, per region and per (sub-)account
credential (https://cloud.tencent.com/document/api/652/121590: "接口频率限制维度为 API + 接入地域 +
子账号"). The local cloud enforces this table (``emulator serve --rate-limits documented``); the
collector paces each action at the same rate so a healthy run meets no ``RequestLimitExceeded``.
Neutral module: the emulator and ``cloud/`` both read it.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    per_second: float
    source: str  # the API reference page that states it


# (service, action) -> documented default limit.
DOCUMENTED: dict[tuple[str, str], Limit] = {
    ("cvm", "DescribeInstances"): Limit(40, "https://cloud.tencent.com/document/api/213/15728"),
    ("cvm", "DescribeRegions"): Limit(20, "https://cloud.tencent.com/document/api/213/15708"),
    ("vpc", "DescribeSecurityGroupPolicies"): Limit(100, "https://cloud.tencent.com/document/api/215/15804"),
    ("vpc", "DescribeSubnets"): Limit(100, "https://cloud.tencent.com/document/api/215/15784"),
    ("vpc", "DescribeNetworkAcls"): Limit(20, "https://www.tencentcloud.com/document/product/215/35620"),
    ("vpc", "DescribeNetworkAclQuintupleEntries"): Limit(
        20, "https://cloud.tencent.com/document/api/215/77634"
    ),
    ("vpc", "DescribeAddressTemplates"): Limit(100, "https://cloud.tencent.com/document/api/215/16717"),
    ("vpc", "DescribeAddressTemplateGroups"): Limit(100, "https://cloud.tencent.com/document/api/215/16716"),
    ("vpc", "DescribeServiceTemplates"): Limit(50, "https://cloud.tencent.com/document/product/215/16719"),
    ("vpc", "DescribeServiceTemplateGroups"): Limit(100, "https://cloud.tencent.com/document/api/215/16718"),
    ("monitor", "GetMonitorData"): Limit(50, "https://cloud.tencent.com/document/product/248/30353"),
    ("tat", "DescribeAutomationAgentStatus"): Limit(60, "https://cloud.tencent.com/document/api/1340/52682"),
    ("tat", "RunCommand"): Limit(20, "https://www.tencentcloud.com/document/product/1147/46677"),
    ("tat", "DescribeInvocations"): Limit(20, "https://cloud.tencent.com/document/api/1340/52679"),
    ("tat", "DescribeInvocationTasks"): Limit(20, "https://cloud.tencent.com/document/api/1340/52680"),
}

MODES = ("documented", "off")

# A refusal names the limit the cloud enforces: en-US "Your current request times equals to `7` in a
# second, which exceeds the frequency limit `5` for a second. ...", zh-CN "您当前每秒请求 `6` 次，超过了
# 每秒频率上限 `5`，请稍后重试。" (both quoted in emulator/core/ratelimit.py, with their sources).
_NAMED_LIMIT = re.compile(r"(?:frequency limit|频率上限)\s*`(\d+(?:\.\d+)?)`")


def limit_named_in(message: str) -> float | None:
    """The requests a second a RequestLimitExceeded message says are allowed, if it says (above 0)."""
    found = _NAMED_LIMIT.search(message)
    limit = float(found.group(1)) if found else 0.0
    return limit if limit > 0 else None


def rate_for(service: str, action: str, overrides: dict[str, float] | None = None) -> float | None:
    """Requests per second allowed for ``action`` (an override by action name wins); None = unlimited."""
    if overrides and action in overrides:
        return overrides[action]
    limit = DOCUMENTED.get((service, action))
    return limit.per_second if limit else None


def documented_rate(action: str) -> float | None:
    """``action``'s documented rate, whichever service it belongs to (the table's action names are unique)."""
    return next((lim.per_second for (_service, name), lim in DOCUMENTED.items() if name == action), None)


def parse_overrides(text: str, option: str = "--rate-limit") -> dict[str, float]:
    """``"GetMonitorData=20,DescribeInstances=10"`` -> {action: rate}; ValueError names the bad part."""
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        action, sep, value = part.partition("=")
        try:
            rate = float(value)
        except ValueError:
            rate = float("nan")
        if not sep or not action.strip() or not rate > 0 or rate == float("inf"):
            raise ValueError(
                f"{option} {part!r}: expected ACTION=REQUESTS_PER_SECOND (a number above 0), "
                "e.g. GetMonitorData=20"
            )
        out[action.strip()] = rate
    return out


def overrides_from(items: Iterable[str] | None) -> dict[str, float]:
    """Every ``--rate-limit`` value (each one or more pairs) as one {action: rate}; the last one wins."""
    return {action: rate for item in items or () for action, rate in parse_overrides(item).items()}


class TokenBucket:
    """``rate`` tokens per second, at most ``capacity`` saved up; thread-safe (the local cloud's limiter)."""

    def __init__(self, rate: float, capacity: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.capacity = max(1.0, capacity)
        self._clock = clock
        self._tokens = self.capacity
        self._last = clock()
        self._lock = threading.Lock()

    def _refill(self, now: float) -> None:
        self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
        self._last = now

    def try_take(self) -> bool:
        """Take a token if one is there (the server side: admit or refuse)."""
        with self._lock:
            self._refill(self._clock())
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False


class SlidingWindow:
    """At most ``limit`` departures in any ``window`` seconds, each reserved in advance; thread-safe
    (the client's pacing).

    The pages say "N requests per second" without saying how the second is counted. A client that
    never sends more than N in ANY window of one second is within the limit however the cloud
    counts it: a sliding window, calendar seconds, or a token bucket one second deep (what the local
    cloud models). A token bucket with a burst of its own is not (its burst plus a second of
    steady pace can exceed N within one second). And unlike a fixed spacing, the window lets a caller
    that fell behind (its requests were not ready yet, or its threads woke late on a busy machine)
    catch up with exactly the capacity it left unused in the last window, never more.
    """

    def __init__(self, limit: int, window: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = max(1, limit)
        self.window = window
        self._clock = clock
        self._departures: deque[float] = deque(maxlen=self.limit)  # the last ``limit``, ascending
        self._lock = threading.Lock()

    @property
    def rate(self) -> float:
        """The steady pace, departures per second."""
        return self.limit / self.window

    def narrow(self, limit: int, window: float) -> None:
        """Fewer departures from now on: the most recent ``limit`` departures already reserved stay
        and count against the new window (a reservation already handed out cannot be taken back)."""
        with self._lock:
            self.limit, self.window = max(1, limit), window
            self._departures = deque(self._departures, maxlen=self.limit)

    def reserve(self) -> float:
        """The next departure (never earlier than ``limit`` departures ago plus the window); returns
        how long to wait for it."""
        with self._lock:
            now = self._clock()
            full = len(self._departures) == self.limit
            at = max(now, self._departures[0] + self.window) if full else now
            self._departures.append(at)  # the oldest falls out
            return at - now
