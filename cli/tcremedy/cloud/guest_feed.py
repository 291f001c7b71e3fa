"""``GuestFeed``: the guest chain started while the instance list is still arriving.

The chain (agent status -> probe RunCommand -> wait -> read the tasks) used to start once the whole
listing was in and run its steps one after the other for the whole fleet, so at 3,000 instances it
ended well after the metrics, the chain the rate limits make the slowest: the probe's own run time
and the task pages' 20/s came on top of everything before them. Now every step starts as soon as it
has a full batch: agent status per 100 running instances as the listing pages come in, the probe
per 200 online ones as their status comes back, and each invocation's tasks read as soon as it
finished, while the other invocations still run. One poller asks for every invocation in flight in
one ``DescribeInvocations`` request (100 ids each), so waiting costs no more requests than before.
Batches stay full, so the requests are as few as when each step ran for the whole fleet at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from tcremedy.cloud.api import ApiError, Batches, CloudApi, chunks
from tcremedy.cloud.collect_guest import (
    INVOCATION_FILTER_VALUES,
    RUN_BATCH,
    RUNNING_INVOCATION_STATES,
    STATUS_BATCH,
    ProbeSettings,
    agent_status,
    probe_from_task,
    run_probe,
    tasks_by_invocation,
)
from tcremedy.cloud.state import GuestProbe

Guests = tuple[dict[str, str], dict[str, str], dict[str, GuestProbe]]  # agents, agent errors, probes
# After new invocations came, the next poll waits at least this long: while RunCommands keep coming
# (one every 50 ms at 20/s) each would otherwise bring the poll back to ``first_poll``, and the polls
# outnumber the invocations they find finished.
FRESH_POLL_GAP = 0.3


class GuestFeed:
    """``add`` takes running instance ids as the listing pages come in; ``finish`` sends what is
    left, waits for every step and returns (agent status, agent errors, probe results)."""

    def __init__(
        self, api: CloudApi, settings: ProbeSettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.api, self.settings = api, settings
        self._clock = clock
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # an invocation registered, or the runs ended
        # paced requests wait in their worker for their departure: room for the waiting ones too
        self._pool = ThreadPoolExecutor(max_workers=2 * api.concurrency, thread_name_prefix="guest")
        self._to_status: Batches[str] = Batches(STATUS_BATCH)
        self._to_run: Batches[str] = Batches(RUN_BATCH)
        self._status_jobs: list[Future[None]] = []
        self._run_jobs: list[Future[None]] = []
        self._read_jobs: list[Future[None]] = []
        self._waiting: dict[str, tuple[Sequence[str], float]] = {}  # invocation -> (its instances, deadline)
        self._fresh = False  # an invocation registered since the last poll
        self._runs_over = False
        self._stopped = False
        self._poller: threading.Thread | None = None
        self._poll_error: BaseException | None = None
        self.agents: dict[str, str] = {}
        self.agent_errors: dict[str, str] = {}
        self.probes: dict[str, GuestProbe] = {}

    def add(self, instance_ids: Sequence[str]) -> None:
        """Running instances to look at; every full batch of them has its agent status asked now."""
        with self._lock:
            for batch in self._to_status.add(instance_ids):
                self._status_jobs.append(self._pool.submit(self._status, batch))

    def finish(self, instance_ids: Sequence[str]) -> Guests:
        """Every step for ``instance_ids`` (those not added yet are added now), done."""
        try:
            self.add(instance_ids)
            with self._lock:
                if rest := self._to_status.rest():
                    self._status_jobs.append(self._pool.submit(self._status, rest))
            _wait(self._status_jobs)
            with self._lock:
                if rest := self._to_run.rest():
                    self._run_jobs.append(self._pool.submit(self._probe, rest))
            _wait(self._run_jobs)
            with self._lock:
                self._runs_over = True
                self._changed.notify_all()
                poller = self._poller
            if poller is not None:
                poller.join()
            if self._poll_error is not None:
                raise self._poll_error
            _wait(self._read_jobs)
            return self.agents, self.agent_errors, self.probes
        finally:
            self.close()

    def close(self) -> None:
        """Stop: steps not started yet are dropped (the listing failed, nothing will be judged)."""
        with self._lock:
            self._stopped = True
            self._changed.notify_all()
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._poller is not None and self._poller is not threading.current_thread():
            self._poller.join()

    def _status(self, batch: Sequence[str]) -> None:
        status, errors = agent_status(self.api, batch)
        online = [iid for iid in batch if status.get(iid) == "Online"]
        with self._lock:
            self.agents.update(status)
            self.agent_errors.update(errors)
            if not self.settings.enabled:
                return
            for run in self._to_run.add(online):
                self._run_jobs.append(self._pool.submit(self._probe, run))

    def _probe(self, batch: Sequence[str]) -> None:
        """RunCommand for ``batch``; its invocation waits for the poller."""
        invocations, errors = run_probe(self.api, batch, self.settings)
        deadline = self._clock() + self.settings.deadline
        with self._lock:
            self.probes.update({iid: GuestProbe("Online", "", err) for iid, err in errors.items()})
            if not invocations or self._stopped:
                return
            for invocation, instances in invocations.items():
                self._waiting[invocation] = (instances, deadline)
            self._fresh = True
            if self._poller is None:
                self._poller = threading.Thread(target=self._poll, name="guest-poller", daemon=True)
                self._poller.start()
            self._changed.notify_all()

    def _poll(self) -> None:
        try:
            self._poll_until_read()
        except BaseException as exc:  # raised by finish (e.g. credentials rejected while polling)
            self._poll_error = exc

    def _poll_until_read(self) -> None:
        """Ask for every invocation in flight at once, first soon, then at a doubling interval (back to
        ``FRESH_POLL_GAP`` when new invocations came); each one past RUNNING, or past its deadline, has
        its tasks read."""
        delay = self.settings.first_poll
        while True:
            with self._lock:
                while not self._waiting and not (self._runs_over or self._stopped):
                    self._changed.wait()
                if self._stopped or not self._waiting:
                    return
                if self._fresh:
                    delay, self._fresh = max(self.settings.first_poll, min(delay, FRESH_POLL_GAP)), False
                soonest = min(deadline for _, deadline in self._waiting.values())
                until = self._clock() + min(delay, max(0.0, soonest - self._clock()))
                while not self._stopped and (left := until - self._clock()) > 0:
                    self._changed.wait(left)  # woken early only to stop
                if self._stopped:
                    return
                asked = list(self._waiting)
            finished = _finished(self.api, asked)
            now = self._clock()
            with self._lock:
                if self._stopped:
                    return
                ready = [inv for inv in asked if finished.get(inv, True) or now >= self._waiting[inv][1]]
                read = {inv: self._waiting.pop(inv)[0] for inv in ready}
                for group in chunks(list(read), INVOCATION_FILTER_VALUES):
                    mine = {inv: read[inv] for inv in group}
                    self._read_jobs.append(self._pool.submit(self._read, mine))
            delay = min(delay * 2, self.settings.poll_interval)

    def _read(self, invocations: dict[str, Sequence[str]]) -> None:
        """The tasks of finished invocations, once, as GuestProbes of their instances."""
        found, failed = tasks_by_invocation(self.api, list(invocations))
        tasks = {t.get("InstanceId"): t for t in found}
        out: dict[str, GuestProbe] = {}
        for invocation, batch in invocations.items():
            exc = failed.get(invocation)
            for iid in batch:
                if exc is not None:  # its tasks could not be read: said so, with the call and the error
                    out[iid] = GuestProbe("Online", "", f"{exc.action} failed: {exc.code}: {exc.message}")
                elif (task := tasks.get(iid)) is not None:
                    out[iid] = probe_from_task(task)
                else:
                    out[iid] = GuestProbe("Online", "", "no probe task was reported")
        with self._lock:
            self.probes.update(out)


def _finished(api: CloudApi, invocation_ids: Sequence[str]) -> dict[str, bool]:
    """Invocation id -> past RUNNING (100 ids per request); an invocation not reported is not. When the
    poll fails for good, every one counts as finished: its tasks are read as they are."""

    def one(batch: Sequence[str]) -> dict[str, bool]:
        try:
            params = {"InvocationIds": list(batch), "Limit": STATUS_BATCH}
            resp = api.call("tat", "DescribeInvocations", params)
        except ApiError:
            return dict.fromkeys(batch, True)
        states = {i.get("InvocationId"): i.get("InvocationStatus") for i in resp.get("InvocationSet") or ()}
        return {inv: inv in states and states[inv] not in RUNNING_INVOCATION_STATES for inv in batch}

    out: dict[str, bool] = {}
    for part in api.map(one, chunks(list(invocation_ids), STATUS_BATCH)):
        out.update(part)
    return out


def _wait(jobs: list[Future[None]]) -> None:
    """Every job, including those submitted while waiting (a list that may grow)."""
    n = 0
    while n < len(jobs):
        jobs[n].result()
        n += 1
