"""Benchmark: collect a 1,000-instance fleet from the emulator and compare API calls to the minimum.

Starts ``tcremedy emulator serve --scenario fleet --fleet-size N --latency-ms 50`` in a subprocess,
runs the collector (the same one ``tcremedy plan`` uses) with the default policy, and prints per
action: calls made, the batching lower bound, their ratio, retries; then the wall time. The run
PASSes when the total number of calls stays within 10 % of the total lower bound.

    .venv/bin/python bench/plan_fleet.py [--fleet-size 1000] [--latency-ms 50] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from tcremedy.cloud import collect_guest, collect_monitor
from tcremedy.cloud.api import CloudApi
from tcremedy.cloud.clients import make_clients, parse_endpoint
from tcremedy.cloud.collect import CollectRequest, collect, query_for_selector
from tcremedy.cloud.collect_cvm import PAGE
from tcremedy.cloud.collect_vpc import BATCH as VPC_BATCH
from tcremedy.cloud.credentials import resolve_credential
from tcremedy.cloud.state import LiveState
from tcremedy.policy.loader import load_policy, packaged_default_policy
from tcremedy.policy.selector import selects

TOLERANCE = 0.10
ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def emulator(fleet_size: int, latency_ms: float) -> Iterator[str]:
    """``tcremedy emulator serve`` in a subprocess; yields its endpoint (first stdout line)."""
    exe = Path(sys.executable).with_name("tcremedy")
    cmd = [
        str(exe),
        "emulator",
        "serve",
        "--scenario",
        "fleet",
        "--fleet-size",
        str(fleet_size),
        "--latency-ms",
        str(latency_ms),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip() if proc.stdout else ""
        if not line.startswith("http"):
            proc.kill()
            raise SystemExit(f"emulator did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}")
        yield line
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def lower_bounds(state: LiveState, selected: list[str]) -> dict[str, int]:
    """Fewest requests that can read ``state`` with the API's batch limits."""
    chosen = [state.instances[i] for i in selected]
    running = [i for i in chosen if i.state == "RUNNING"]
    online = [i for i in running if i.guest is not None and i.guest.agent_status == "Online"]
    subnets = {i.subnet_id for i in chosen if i.subnet_id}
    acls = {s.network_acl_id for s in state.subnets.values() if s.network_acl_id}
    bounds = {
        "DescribeInstances": max(1, math.ceil(len(state.instances) / PAGE)),
        "DescribeSecurityGroupPolicies": len({g for i in chosen for g in i.security_group_ids}),
        "DescribeSubnets": math.ceil(len(subnets) / VPC_BATCH),
        "DescribeNetworkAcls": math.ceil(len(acls) / VPC_BATCH),
        "GetMonitorData": collect_monitor.lower_bound(len(chosen)),
        "DescribeAutomationAgentStatus": math.ceil(len(running) / collect_guest.STATUS_BATCH),
        **(collect_guest.lower_bound(len(online)) if online else {}),
    }
    return {k: v for k, v in bounds.items() if v}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fleet-size", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    policy = load_policy(packaged_default_policy())
    with emulator(args.fleet_size, args.latency_ms) as url:
        endpoint = parse_endpoint(url)
        cred = resolve_credential(endpoint.url).credential
        api = CloudApi(make_clients(cred, "ap-guangzhou", endpoint), concurrency=args.concurrency)
        request = CollectRequest(
            region="ap-guangzhou",
            query=query_for_selector(policy.selector),
            selects=lambda inst: selects(policy.selector, inst),
            window_seconds=policy.capacity.window_seconds,
            endpoint=endpoint.url,
        )
        started = time.perf_counter()
        state = collect(api, request, now=datetime.now(UTC))
        wall = time.perf_counter() - started

    selected = [i for i, inst in state.instances.items() if selects(policy.selector, inst)]
    bounds = lower_bounds(state, selected)
    calls, retries = api.stats.calls, api.stats.retries
    print(
        f"fleet: {len(state.instances)} instances, {len(selected)} selected, latency {args.latency_ms:g} ms, "
        f"concurrency {args.concurrency}"
    )
    print(f"{'action':34} {'calls':>6} {'bound':>6} {'ratio':>6} {'retries':>7}")
    for action in sorted(set(calls) | set(bounds)):
        bound = bounds.get(action, 0)
        ratio = f"{calls[action] / bound:.2f}" if bound else "-"
        print(f"{action:34} {calls[action]:6d} {bound:6d} {ratio:>6} {retries[action]:7d}")
    total, total_bound = api.stats.total_calls, sum(bounds.values())
    print(f"{'TOTAL':34} {total:6d} {total_bound:6d} {total / total_bound:6.2f} {api.stats.total_retries:7d}")
    print(f"wall time: {wall:.2f} s   gaps: {len(state.gaps)}")
    ok = total <= total_bound * (1 + TOLERANCE)
    print(f"{'PASS' if ok else 'FAIL'}: {total} calls, lower bound {total_bound} (tolerance {TOLERANCE:.0%})")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
