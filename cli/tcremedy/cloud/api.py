"""``CloudApi``: the one door collectors use to call Tencent Cloud.

It sends plain parameters through the real SDK (``CommonClient.call_json``: TC3 signing, no typed
models or JSON round trips), after checking them against the SDK's request model for the action
(``tcremedy.sdk_models``: names and types come from the model),
retries what is worth retrying (``retry.py``), counts every request in ``CallStats`` and runs
independent requests on a bounded thread pool. Responses come back as plain dicts.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, Protocol, TypeVar

from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from tcremedy.cloud.retry import CallStats, RetryPolicy, call_with_retry
from tcremedy.errors import CollectionError
from tcremedy.ratelimits import SlidingWindow, limit_named_in, rate_for
from tcremedy.sdk_models import conform_request

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_CONCURRENCY = 32  # requests in flight (or waiting for their paced departure); pacing sets the rate


class Progress(Protocol):
    """What collection reports while it works (the CLI draws it; tests ignore it)."""

    def phase(self, name: str) -> None: ...  # what is being read now

    def expect(self, n: int) -> None: ...  # n more requests are about to be made

    def advance(self, n: int = 1) -> None: ...  # n of them finished


class NoProgress:
    def phase(self, name: str) -> None:
        pass

    def expect(self, n: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass


class ApiError(Exception):
    """An API call failed for good (after retries). Collectors turn it into a CollectionGap."""

    def __init__(self, action: str, code: str, message: str) -> None:
        super().__init__(f"{action}: {code}: {message}")
        self.action = action
        self.code = code
        self.message = message


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """``items`` in consecutive slices of ``size`` at most."""
    return [items[i : i + size] for i in range(0, len(items), size)]


class Batches(Generic[T]):
    """Items as they arrive, each taken once, cut into full batches of ``size``; ``rest`` hands over
    the last, partial one. Not locked: the feeds that use it hold their own lock around it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._taken: set[T] = set()
        self._pending: list[T] = []

    def add(self, items: Iterable[T]) -> list[list[T]]:
        """The batches ``items`` completed (often none)."""
        for item in items:
            if item not in self._taken:
                self._taken.add(item)
                self._pending.append(item)
        full = []
        while len(self._pending) >= self.size:
            full.append(self._pending[: self.size])
            self._pending = self._pending[self.size :]
        return full

    def rest(self) -> list[T]:
        rest, self._pending = self._pending, []
        return rest


class Pacer:
    """Client-side pacing, one ``SlidingWindow`` per action: at most 97 % of the documented rate
    (``tcremedy.ratelimits``, or an override) in any one second, so a paced run meets no
    ``RequestLimitExceeded`` however the cloud counts its second; the 3 % left (at least one request
    a second) absorbs requests that leave late and arrive bunched. A chain held up early in a run
    (the metrics while the first pages of the listing are parsed) catches up with what it left
    unused in the last second."""

    SHARE = 0.97

    def __init__(self, overrides: dict[str, float] | None = None, enabled: bool = True) -> None:
        self.overrides = dict(overrides or {})
        self.enabled = enabled
        self.learned: dict[str, float] = {}  # action -> the lower limit the cloud named in a refusal
        self._gates: dict[tuple[str, str], SlidingWindow | None] = {}
        self._lock = threading.Lock()

    def gate(self, service: str, action: str) -> SlidingWindow | None:
        """The action's window, or None when the action is not paced."""
        if not self.enabled:
            return None
        key = (service, action)
        with self._lock:
            if key not in self._gates:
                shape = self._shape(rate_for(service, action, self.overrides))
                self._gates[key] = SlidingWindow(*shape) if shape else None
            return self._gates[key]

    def _shape(self, rate: float | None) -> tuple[int, float] | None:
        """(departures, seconds) for a rate: SHARE of it in any one second, or below one a second
        one request per 1/paced seconds; None for no rate."""
        paced = rate * self.SHARE if rate else 0.0
        if not paced:
            return None
        return (math.floor(paced), 1.0) if paced >= 1 else (1, 1 / paced)

    def learn(self, service: str, action: str, message: str) -> float | None:
        """A RequestLimitExceeded naming a limit below the action's pace: pace at that limit from now
        on, so one burst of refusals is all a run meets. An account's limit can be lower than the
        documented default (GetMonitorData: 50/s on its page, 20/s in the monitoring FAQ), and other
        jobs with the same credential share it. Returns the limit when it lowered the pace."""
        limit = limit_named_in(message)
        if limit is None or not self.enabled:
            return None
        key = (service, action)
        with self._lock:
            pace = self.learned.get(action) or rate_for(service, action, self.overrides)
            if pace is not None and limit >= pace:
                return None
            self.learned[action] = limit
            shape = self._shape(limit)
            assert shape is not None  # limit > 0
            gate = self._gates.get(key)
            if gate is None:
                self._gates[key] = SlidingWindow(*shape)
            else:
                gate.narrow(*shape)
        return limit


class CloudApi:
    def __init__(
        self,
        clients: dict[str, Any],
        *,
        stats: CallStats | None = None,
        retry: RetryPolicy | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        progress: Progress | None = None,
        sleep: Callable[[float], None] | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        if concurrency < 1:
            raise CollectionError(f"--concurrency must be at least 1, got {concurrency}")
        self.clients = clients
        self.stats = stats or CallStats()
        self.retry = retry or RetryPolicy()
        self.concurrency = concurrency
        self.progress: Progress = progress or NoProgress()
        self.pacer = pacer or Pacer()
        self._sleep = sleep
        self._slots = threading.BoundedSemaphore(concurrency)  # requests in flight, across all pools

    def call(self, service: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
        """One API request (with retries). Raises ApiError, or CollectionError on rejected credentials."""
        client = self.clients[service]
        request = conform_request(service, action, params)
        kwargs = {"sleep": self._sleep} if self._sleep else {}

        def send() -> Any:
            # The action's next departure time first (a reservation in its bucket), then a request
            # slot: a slot is held only while the request is on the wire, never while it waits for
            # its paced time, so a slowly paced action (20/s) cannot starve a fast one of slots.
            gate = self.pacer.gate(service, action)
            if gate is not None and (wait := gate.reserve()) > 0:
                time.sleep(wait)
            self._slots.acquire()
            try:
                return client.call_json(action, request)
            except TencentCloudSDKException as exc:
                if (exc.get_code() or "").startswith("RequestLimitExceeded"):
                    limit = self.pacer.learn(service, action, exc.get_message() or "")
                    if limit is not None:
                        self.stats.record_limit(getattr(client, "region", "") or "", action, limit)
                raise
            finally:
                self._slots.release()

        try:
            response = call_with_retry(action, send, self.stats, self.retry, **kwargs)
        except TencentCloudSDKException as exc:
            code, message = exc.get_code() or "Unknown", exc.get_message() or ""
            if code.startswith("AuthFailure") or code == "ClientSideError":
                raise CollectionError(
                    f"Tencent Cloud rejected the credentials ({action}): {code}: {message}"
                ) from None
            raise ApiError(action, code, str(message)) from None
        return response["Response"]

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """Run ``fn`` over ``items`` on the pool, in order; each finished item advances the progress."""
        items = list(items)
        if not items:
            return []
        self.progress.expect(len(items))

        def run(item: T) -> R:
            try:
                return fn(item)
            finally:
                self.progress.advance()

        if self.concurrency == 1 or len(items) == 1:
            return [run(i) for i in items]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(items))) as pool:
            return list(pool.map(run, items))


def all_pages(
    api: CloudApi,
    fetch: Callable[[int], dict[str, Any]],
    size: int,
    set_key: str,
    on_page: Callable[[list[dict[str, Any]]], None] | None = None,
) -> list[dict[str, Any]]:
    """Every item of an Offset/Limit listing: ``fetch(offset)`` returns one response of ``size``
    items at most; the first page's TotalCount says which further pages to fetch (concurrently).
    ``on_page(items)`` sees each page's items as soon as that page arrived (any thread)."""

    def one(offset: int) -> dict[str, Any]:
        page = fetch(offset)
        if on_page is not None:
            on_page(list(page.get(set_key) or ()))
        return page

    first = one(0)
    total = int(first.get("TotalCount") or 0)
    rest = api.map(one, range(size, total, size))
    return [item for page in (first, *rest) for item in page.get(set_key) or ()]


def split_batches(
    api: CloudApi,
    items: Sequence[T],
    size: int,
    call: Callable[[Sequence[T]], R],
) -> tuple[list[tuple[Sequence[T], R]], list[tuple[T, ApiError]]]:
    """Run ``call`` over ``items`` in batches of ``size``; a batch that fails for good is halved and
    each half tried again, down to one item, before anything is given up (issue 14 item 6: what is
    called unknown was tried alone). One bad item among 200 (a TAT agent gone offline under a
    RunCommand) costs about 2 x log2(200) = 16 more requests instead of 200, and a batch the cloud finds
    too large is read in halves that fit. Returns the (batch, result) pairs that worked and the
    (item, error) pairs that still failed alone."""

    def one(batch: Sequence[T]) -> tuple[Sequence[T], R | ApiError]:
        try:
            return batch, call(batch)
        except ApiError as exc:
            return batch, exc

    done: list[tuple[Sequence[T], R]] = []
    failed: list[tuple[T, ApiError]] = []
    pending = chunks(list(items), size)
    while pending:
        halves: list[Sequence[T]] = []
        for batch, result in api.map(one, pending):
            if not isinstance(result, ApiError):
                done.append((batch, result))
            elif len(batch) > 1:
                middle = (len(batch) + 1) // 2
                halves += [batch[:middle], batch[middle:]]
            else:
                failed.append((batch[0], result))
        pending = halves
    return done, failed
