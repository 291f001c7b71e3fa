"""Emulator CPU time per DescribeInstances page (100 instances) over N pages of the fleet scenario.

Measured server-side: the CPU time of the request-handling thread (``time.thread_time``) from
reading the request line to writing the response, as recorded by the emulator's own stats
(GET /_emulator/stats). The client (the real SDK) runs in the same process but its CPU time is
not counted. Target: < 2 ms per page.

    .venv/bin/python bench/emulator_describe.py [--pages 1000] [--fleet-size 10000]
"""

from __future__ import annotations

import argparse
import statistics
import time

from tencentcloud.cvm.v20170312 import cvm_client
from tencentcloud.cvm.v20170312 import models as cm

from tcremedy.emulator.testing import start_emulator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--fleet-size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    with start_emulator(scenario="fleet", fleet_size=args.fleet_size, seed=args.seed) as emu:
        print(f"fleet of {args.fleet_size} built in {time.perf_counter() - started:.2f} s")
        cvm = emu.client(cvm_client.CvmClient, profile=emu.profile())
        pages = max(1, args.fleet_size // 100)
        emu.control("POST", "stats/reset")
        wall = time.perf_counter()
        per_request: list[float] = []
        for n in range(args.pages):
            req = cm.DescribeInstancesRequest()
            req.Offset, req.Limit = (n % pages) * 100, 100
            before = emu.server.emulator.stats.as_data().get("DescribeInstances", {"cpu_seconds": 0.0})
            resp = cvm.DescribeInstances(req)
            after = emu.server.emulator.stats.as_data()["DescribeInstances"]
            per_request.append(after["cpu_seconds"] - before["cpu_seconds"])
            assert len(resp.InstanceSet) == min(100, args.fleet_size - req.Offset)
        wall = time.perf_counter() - wall
        stats = emu.control("GET", "stats")["DescribeInstances"]
    mean_ms = stats["cpu_seconds"] / stats["count"] * 1000
    p95 = sorted(per_request)[int(0.95 * len(per_request))] * 1000
    print(
        f"pages: {stats['count']}  server CPU per page: mean {mean_ms:.3f} ms, "
        f"median {statistics.median(per_request) * 1000:.3f} ms, p95 {p95:.3f} ms  (target < 2 ms)"
    )
    print(f"client wall time per page (SDK + HTTP + server): {wall / args.pages * 1000:.2f} ms")
    print("PASS" if mean_ms < 2.0 else "FAIL: above the 2 ms target")


if __name__ == "__main__":
    main()
