"""Many regions in one run: list them (``DescribeRegions``) and collect each concurrently.

Tencent's rate limits apply per action *per region* and credential
(https://cloud.tencent.com/document/api/652/121590), so every region gets its own ``CloudApi``
(own clients, pacing buckets and request slots) and the regions run side by side: a run over
several regions takes about as long as its slowest region.

Side by side means in processes whenever the machine has more than one core (Linux ``fork``): one
region at its documented limits keeps a Python process busy for about half a core (~0.5 ms of CPU
per instance, ~550 instances a second at GetMonitorData's 50/s), and threads share one interpreter
lock, so three regions in one process would be paced by the lock, not by Tencent. Each region is
then collected in a forked child (its ``CloudApi`` made before the fork, no connection open yet);
a child sends back its state and request counts. On one core
the regions run on threads of one process (bench/plan_regions.py --threads / --processes compares
the two: on 2 cores shared with the local cloud, 3 regions x 3,000 instances took 1.07-1.30x their
bound in processes against 1.21-1.54x on threads).
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.connection
import os
import signal
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from tcremedy.cloud.api import ApiError, CloudApi
from tcremedy.cloud.collect import CollectRequest, collect
from tcremedy.cloud.retry import CallStats
from tcremedy.cloud.state import LiveState
from tcremedy.errors import CollectionError, TcremedyError
from tcremedy.sdk_models import models_module

COLLECTED_SERVICES = ("cvm", "vpc", "monitor", "tat")  # whose request models collection checks


def describe_regions(api: CloudApi) -> list[str]:
    """The available regions (CVM ``DescribeRegions``, https://cloud.tencent.com/document/api/213/15708)."""
    try:
        resp = api.call("cvm", "DescribeRegions", {})
    except ApiError as exc:
        raise CollectionError(
            f"cannot list regions: DescribeRegions failed: {exc.code}: {exc.message}"
        ) from None
    return sorted(
        r["Region"]
        for r in resp.get("RegionSet") or ()
        if r.get("Region") and r.get("RegionState") == "AVAILABLE"
    )


def collect_regions(
    api_for: Callable[[str], CloudApi],
    request_for: Callable[[str], CollectRequest],
    regions: Sequence[str],
    now: datetime,
    *,
    processes: bool | None = False,
) -> dict[str, LiveState]:
    """Region -> its live state, the regions collected concurrently, all at the one timestamp ``now``;
    ``processes``: each region in a forked process (True), on threads (False), or
    processes when the machine has more than one core (None; see the module doc)."""
    regions = list(dict.fromkeys(regions))
    if not regions:
        return {}
    apis = {r: api_for(r) for r in regions}
    if processes is None:
        processes = len(_cores()) > 1
    if processes and len(regions) > 1 and "fork" in multiprocessing.get_all_start_methods():
        return _in_processes(apis, request_for, now)
    with ThreadPoolExecutor(max_workers=len(regions)) as pool:
        jobs = {r: pool.submit(collect, apis[r], request_for(r), now) for r in regions}
        return {r: job.result() for r, job in jobs.items()}


def _cores() -> set[int]:
    """The cores this process may run on."""
    try:
        return os.sched_getaffinity(0)
    except AttributeError:  # not Linux
        return set(range(os.cpu_count() or 1))


# What the forked children read (inherited through fork, never pickled): the apis, requests, time.
_JOB: tuple[dict[str, CloudApi], Callable[[str], CollectRequest], datetime] | None = None


def _in_processes(
    apis: dict[str, CloudApi], request_for: Callable[[str], CollectRequest], now: datetime
) -> dict[str, LiveState]:
    """Each region in a forked child that sends its answer back through a pipe of its own; this
    process reads each answer as it comes and raises only once every child has answered (or ended).

    Not ``multiprocessing.Pool``: a worker killed mid-task (the OOM killer, a stray SIGKILL) is
    replaced there and its task never completes, so the run waited forever; here its pipe ends and
    the run fails naming the region. The pool's worker-handler thread also spun through its loop
    (a waitpid per child each time) for as long as an answer (~3 MB per 3,000 instances) sat in
    its result pipe, on a core the collection needs."""
    global _JOB
    for service in COLLECTED_SERVICES:  # the SDK's model modules, imported once for every child
        models_module(service)
    _JOB = (apis, request_for, now)
    context = multiprocessing.get_context("fork")
    children: dict[Any, tuple[str, Any]] = {}  # the read end of a child's pipe -> (region, process)
    answers: dict[str, tuple[str, Any]] = {}
    try:
        for region in apis:
            reader, writer = context.Pipe(duplex=False)
            child = context.Process(target=_answer, args=(region, writer), name=region, daemon=True)
            child.start()
            writer.close()  # the child's end: EOF here once the child has gone
            children[reader] = (region, child)
        pending = list(children)
        while pending:
            for reader in multiprocessing.connection.wait(pending):
                pending.remove(reader)
                region, child = children[reader]
                try:
                    answers[region] = reader.recv()
                except EOFError:  # killed (the OOM killer, a signal): not a bug of ours, no traceback
                    child.join()
                    lost = f"its process ended unanswered ({_ended(child.exitcode)})"
                    answers[region] = ("error", f"collecting region {region}: {lost}")
    finally:
        _JOB = None
        for reader, (region, child) in children.items():
            reader.close()
            if region not in answers:  # leaving early (interrupted): no child outlives this process
                child.terminate()
            child.join()
    states: dict[str, LiveState] = {}
    for region in apis:
        kind, value = answers[region]
        if kind == "error":
            raise CollectionError(value)
        if kind == "crash":
            raise RuntimeError(f"collecting region {region}: {value}")
        state, counts, limits = value
        _add(apis[region].stats, counts)
        for (where, action), limit in limits.items():
            apis[region].stats.record_limit(where, action, limit)
        states[region] = state
    return states


def _ended(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        return f"killed by signal {-exitcode}; out of memory?" if exitcode == -9 else f"signal {-exitcode}"
    return f"exit code {exitcode}"


def _answer(region: str, writer: Any) -> None:
    """The child's whole life: collect, send the answer, end. Ctrl-C reaches the whole process
    group; it is the parent's to answer (it ends the children it no longer waits for), so no child
    raises a KeyboardInterrupt of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    writer.send(_collect_forked(region))
    writer.close()


def _collect_forked(region: str) -> tuple[str, Any]:
    """In the child: collect one region; errors travel back as text (not every exception pickles)."""
    assert _JOB is not None
    # No collector of reference cycles in the child: a collection makes none (after a 3,000-instance
    # region the collector found 0 unreachable objects) and the child ends once it has answered, so
    # scanning its growing state was CPU spent for nothing, on cores the other regions need.
    gc.disable()
    apis, request_for, now = _JOB
    api = apis[region]
    before = _counts(api.stats)
    try:
        state = collect(api, request_for(region), now)
    except TcremedyError as exc:
        return "error", str(exc)
    except Exception as exc:  # reported by the parent, with its type
        return "crash", f"{type(exc).__name__}: {exc}"
    after = _counts(api.stats)
    return "ok", (state, {name: after[name] - before[name] for name in after}, dict(api.stats.limits))


def _counts(stats: CallStats) -> dict[str, Counter[str]]:
    return {name: Counter(getattr(stats, name)) for name in ("calls", "retries", "errors", "codes")}


def _add(stats: CallStats, counts: dict[str, Counter[str]]) -> None:
    """The child's requests, counted in the parent's ``CallStats`` (no thread runs in the parent now)."""
    for name, counter in counts.items():
        getattr(stats, name).update(counter)
