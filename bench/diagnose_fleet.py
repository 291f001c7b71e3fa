"""Benchmark: ``diagnose()`` over a fleet, in milliseconds per instance, seconds in all, and peak memory.

The fleet comes from the ``fleet`` emulator scenario read by the real collector (in-process emulator,
real SDK over HTTP, the same ``collect`` that ``tcremedy plan`` uses), or from a ``--save-state``
file (``--from-state``) to skip the collection. The first ``--instances`` instances (by id) are kept;
``diagnose`` is then timed on its own, and run once more under tracemalloc for its peak allocation
(skip with ``--no-tracemalloc``). Target: under 1 ms per selected instance on a 2-core machine.

    .venv/bin/python bench/diagnose_fleet.py [--fleet-size 10000] [--instances 10000]
    .venv/bin/python bench/diagnose_fleet.py --from-state /tmp/fleet10k.json [--save-state FILE]
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from tcremedy.cloud.api import CloudApi
from tcremedy.cloud.clients import make_clients, parse_endpoint
from tcremedy.cloud.collect import CollectRequest, collect
from tcremedy.cloud.credentials import resolve_credential
from tcremedy.cloud.state import LiveState
from tcremedy.diagnose.engine import diagnose
from tcremedy.diagnose.model import FleetDiagnosis
from tcremedy.emulator.testing import start_emulator
from tcremedy.policy.loader import load_policy, packaged_default_policy
from tcremedy.policy.model import Policy
from tcremedy.policy.selector import query_for_selector, selects

TARGET_MS = 1.0


def collected_fleet(policy: Policy, fleet_size: int, seed: int) -> LiveState:
    """The ``fleet`` scenario served in-process, read by the real collector."""
    with start_emulator(scenario="fleet", fleet_size=fleet_size, seed=seed) as emu:
        endpoint = parse_endpoint(emu.endpoint)
        cred = resolve_credential(endpoint.url).credential
        api = CloudApi(make_clients(cred, emu.region, endpoint), concurrency=8)
        request = CollectRequest(
            region=emu.region,
            query=query_for_selector(policy.selector),
            selects=lambda inst: selects(policy.selector, inst),
            window_seconds=policy.capacity.window_seconds,
            endpoint=endpoint.url,
        )
        return collect(api, request, now=datetime.now(UTC))


def first(state: LiveState, n: int) -> LiveState:
    """The state with only its first ``n`` instances (by id); everything they refer to is kept."""
    keep = sorted(state.instances)[:n]
    return dataclasses.replace(state, instances={i: state.instances[i] for i in keep})


def timed(policy: Policy, state: LiveState) -> tuple[FleetDiagnosis, float]:
    started = time.perf_counter()
    fleet = diagnose(policy, state)
    return fleet, time.perf_counter() - started


def traced_peak(policy: Policy, state: LiveState) -> int:
    """Peak bytes allocated while ``diagnose`` runs (tracemalloc, so slower than the timed run)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        diagnose(policy, state)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fleet-size", type=int, default=10_000, help="instances in the emulated fleet")
    parser.add_argument("--instances", type=int, default=10_000, help="diagnose the first N instances")
    parser.add_argument("--from-state", type=Path, help="a --save-state file instead of collecting")
    parser.add_argument("--save-state", type=Path, help="write the collected state here for reuse")
    parser.add_argument("--policy", type=Path, help="policy file (default: the packaged default)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the peak-memory run")
    args = parser.parse_args()

    policy = load_policy(args.policy or packaged_default_policy())
    started = time.perf_counter()
    if args.from_state:
        state = LiveState.from_json(args.from_state.read_text(encoding="utf-8"))
        source = f"{args.from_state} (loaded in {time.perf_counter() - started:.1f} s)"
    else:
        state = collected_fleet(policy, args.fleet_size, args.seed)
        took = time.perf_counter() - started
        source = f"fleet scenario, {args.fleet_size} instances (collected in {took:.1f} s)"
    if args.save_state:
        args.save_state.write_text(state.to_json() + "\n", encoding="utf-8")
    state = first(state, args.instances)

    fleet, seconds = timed(policy, state)
    selected = fleet.summary.selected
    if not selected:
        print("FAIL: the policy selects no instance", file=sys.stderr)
        return 1
    per_ms = seconds / selected * 1000
    print(f"state: {source}")
    print(
        f"instances: {len(state.instances)} in state, {selected} selected, {fleet.skipped} skipped; "
        f"compliant {fleet.summary.compliant}, failing {fleet.summary.failing}, "
        f"unknown {fleet.summary.unknown}"
    )
    print(f"diagnose: {seconds:.2f} s total, {per_ms:.3f} ms per selected instance")
    if not args.no_tracemalloc:
        print(f"peak allocated during diagnose (tracemalloc): {traced_peak(policy, state) / 2**20:.1f} MiB")
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(f"process max RSS (state included): {rss_mib:.0f} MiB")
    ok = per_ms < TARGET_MS
    print(f"{'PASS' if ok else 'FAIL'}: {per_ms:.3f} ms per instance (target < {TARGET_MS:g} ms)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
