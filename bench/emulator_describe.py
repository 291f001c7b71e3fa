"""The local cloud at fleet size: start-up (scenario build) and CPU per DescribeInstances page.

Start-up: the ``fleet`` scenario built in-process (``start_emulator``) at 1,000 and 10,000 instances,
each in a fresh process after a warm-up build (imports done), timed in process CPU seconds (steadier
than wall-clock on a shared machine). A linear build costs the same per instance at both sizes: the
figure is the ratio of the two per-instance costs (it was ~2.6 while every creation re-settled the
whole fleet). Then ``tcremedy emulator serve --scenario fleet --fleet-size 10000`` is timed until it
prints its endpoint line (bytecode written by a first, small serve).

Describe: server-side CPU of the request-handling thread (``time.thread_time``) from reading the
request line to writing the response, as recorded by the emulator's own stats
(GET /_emulator/stats). The client (the real SDK) runs in the same process but its CPU time is
not counted. Target: < 2 ms per page.

Figures print in the shared form ``figure <name>: <value> (target <target>) OK|MISS``; exits 1 if any
misses.

    .venv/bin/python bench/emulator_describe.py [--pages 1000] [--fleet-size 10000] [--no-startup]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tencentcloud.cvm.v20170312 import cvm_client
from tencentcloud.cvm.v20170312 import models as cm

from tcremedy.emulator.testing import RunningEmulator, start_emulator
from tcremedy.gcwork import settle_long_lived

BUILD_SIZES = (1_000, 10_000)
TARGET_GROWTH = 1.3  # per-instance build cost at 10,000 / at 1,000 (linear: ~1)
TARGET_BUILD_MS = 0.5  # build CPU per instance at 10,000
TARGET_SERVE_S = 6.0  # `emulator serve` at 10,000 until the endpoint line
TARGET_PAGE_MS = 2.0

# One build in a fresh process: warm up (imports, a small scenario), then the fleet, timed.
BUILD = """
import json, sys, time
from tcremedy.gcwork import settle_long_lived
from tcremedy.emulator.testing import RunningEmulator, start_emulator
with start_emulator(scenario="healthy"):
    pass
size, seed = int(sys.argv[1]), int(sys.argv[2])
cpu, wall = time.process_time(), time.perf_counter()
with start_emulator(scenario="fleet", fleet_size=size, seed=seed) as emu:
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert len(emu.instance_ids()) == size
print(json.dumps({"cpu": cpu, "wall": wall}))
"""


def figure(name: str, value: str, target: str, ok: bool) -> bool:
    print(f"figure {name}: {value} (target {target}) {'OK' if ok else 'MISS'}")
    return ok


def build_seconds(size: int, seed: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", BUILD, str(size), str(seed)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def serve_seconds(size: int, seed: int) -> float:
    """Wall seconds from starting ``tcremedy emulator serve`` to its endpoint line."""
    exe = Path(sys.executable).parent / "tcremedy"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for n, environ in ((1, env), (size, dict(os.environ))):  # the first run writes the bytecode
        argv = [str(exe), "emulator", "serve", "--scenario", "fleet", "--fleet-size", str(n)]
        started = time.perf_counter()
        proc = subprocess.Popen([*argv, "--seed", str(seed)], stdout=subprocess.PIPE, text=True, env=environ)
        try:
            line = proc.stdout.readline() if proc.stdout else ""
            elapsed = time.perf_counter() - started
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
        if not line.startswith("http"):
            raise SystemExit(f"emulator serve printed {line!r}, expected its endpoint")
    return elapsed


def startup(seed: int) -> list[bool]:
    small, large = (build_seconds(n, seed) for n in BUILD_SIZES)
    per = [b["cpu"] / n * 1000 for b, n in zip((small, large), BUILD_SIZES, strict=True)]
    print(
        f"fleet build: {BUILD_SIZES[0]:,} in {small['cpu']:.2f} s CPU ({small['wall']:.2f} s wall), "
        f"{BUILD_SIZES[1]:,} in {large['cpu']:.2f} s CPU ({large['wall']:.2f} s wall); "
        f"{per[0]:.3f} vs {per[1]:.3f} ms per instance"
    )
    growth = per[1] / per[0]
    serve = serve_seconds(BUILD_SIZES[1], seed)
    return [
        figure("emulator_build_ms_per_instance_10000", f"{per[1]:.3f} ms", f"<= {TARGET_BUILD_MS} ms",
               per[1] <= TARGET_BUILD_MS),
        figure("emulator_build_growth_1000_to_10000", f"{growth:.2f}x per instance",
               f"<= {TARGET_GROWTH}x", growth <= TARGET_GROWTH),
        figure("emulator_serve_start_10000", f"{serve:.2f} s", f"<= {TARGET_SERVE_S} s",
               serve <= TARGET_SERVE_S),
    ]


def recorded(emu: RunningEmulator, count: int) -> float:
    """DescribeInstances CPU seconds so far, once the server has recorded ``count`` requests (it
    records after writing the answer, so the client may read the answer first)."""
    deadline = time.monotonic() + 10
    while True:
        entry = emu.server.emulator.stats.as_data().get("DescribeInstances", {"count": 0})
        if entry["count"] >= count or time.monotonic() > deadline:
            return float(entry.get("cpu_seconds", 0.0))
        time.sleep(0.0005)


def describe(fleet_size: int, pages_wanted: int, seed: int) -> bool:
    started = time.perf_counter()
    with start_emulator(scenario="fleet", fleet_size=fleet_size, seed=seed) as emu:
        print(f"fleet of {fleet_size} built in {time.perf_counter() - started:.2f} s")
        settle_long_lived()  # as `tcremedy emulator serve` does once its world is built
        cvm = emu.client(cvm_client.CvmClient, profile=emu.profile())
        pages = max(1, fleet_size // 100)
        emu.control("POST", "stats/reset")
        wall = time.perf_counter()
        per_request: list[float] = []
        before = 0.0
        for n in range(pages_wanted):
            req = cm.DescribeInstancesRequest()
            req.Offset, req.Limit = (n % pages) * 100, 100
            resp = cvm.DescribeInstances(req)
            after = recorded(emu, n + 1)
            per_request.append(after - before)
            before = after
            assert len(resp.InstanceSet) == min(100, fleet_size - req.Offset)
        wall = time.perf_counter() - wall
        stats = emu.control("GET", "stats")["DescribeInstances"]
    mean_ms = stats["cpu_seconds"] / stats["count"] * 1000
    p95 = sorted(per_request)[int(0.95 * len(per_request))] * 1000
    print(
        f"pages: {stats['count']}  server CPU per page: median "
        f"{statistics.median(per_request) * 1000:.3f} ms, p95 {p95:.3f} ms"
    )
    print(f"client wall time per page (SDK + HTTP + server): {wall / pages_wanted * 1000:.2f} ms")
    return figure("emulator_describe_page_cpu", f"{mean_ms:.3f} ms", f"< {TARGET_PAGE_MS} ms",
                  mean_ms < TARGET_PAGE_MS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--fleet-size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up figures")
    args = parser.parse_args()
    results = [] if args.no_startup else startup(args.seed)
    results.append(describe(args.fleet_size, args.pages, args.seed))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
