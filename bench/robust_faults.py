"""Robustness figures: faults never change the answer (issue 14 item 6).

One local cloud serves the ``fleet`` scenario (200 instances). ``tcremedy plan --json`` runs once
fault-free (the reference), then 20 times with 30 % throttling, 5 % errors (half ``InternalError``,
half dropped connections) and 50 ms latency; each report must equal the reference (the collection
timestamp, which also names the fixes' triggers, set aside). Faults are drawn from the cloud's
seeded stream in arrival order, so every run meets different ones.

"Same world" includes the metric samples: a run reads the window that ends at the last whole
minute before its collection timestamp, and the world's series move on each minute. A fault run
is compared with a reference of the same minute; when a run lands in a later minute than the
reference, a new fault-free reference is taken and the fault run repeated (not counted twice).

Then two lossy runs, still under those faults, make some data unreadable for good (held requests
answered with an API error, TAT agents going offline while the probe's RunCommand is on the wire):
every instance left with an ``unknown`` finding must be listed in the report's top-level ``gaps``.

    .venv/bin/python bench/robust_faults.py [--runs 20] [--instances 200]

Prints ``figure <name>: <value> (target <target>) OK|MISS``; exits 1 when a figure misses.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tcremedy.emulator.testing import RunningEmulator, start_emulator

ROOT = Path(__file__).resolve().parents[1]
TCREMEDY = str(Path(sys.executable).parent / "tcremedy")
POLICY = ROOT / "policies" / "windows-rdp.yaml"
FAULTS = {"throttle_rate": 0.3, "error_rate": 0.05, "latency_ms": 50}
NO_FAULTS = {"throttle_rate": 0, "error_rate": 0, "latency_ms": 0}


def plan_process(emu: RunningEmulator, home: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TENCENTCLOUD_", "TCCLI_", "TCREMEDY_"))}
    return subprocess.Popen(
        [TCREMEDY, "plan", "--json", "--policy", str(POLICY), "--endpoint", emu.endpoint],
        cwd=home,
        env={**env, "HOME": home, "NO_PROXY": "127.0.0.1,localhost"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> dict[str, Any]:
    """The report, with the collection timestamp replaced wherever it appears (kept as ``_minute``:
    the metric window it anchors)."""
    out, err = proc.communicate(timeout=600)
    if proc.returncode not in (0, 2) or not out.strip():
        raise SystemExit(f"plan failed ({proc.returncode}):\n{err}")
    stamp = json.loads(out)["collected_at"]
    doc = json.loads(out.replace(stamp, "<collected_at>"))
    return {**doc, "_minute": stamp[:16]}


def plan(emu: RunningEmulator, home: str, during: Callable[[], None] | None = None) -> dict[str, Any]:
    proc = plan_process(emu, home)
    try:
        if during is not None:
            during()
        return finish(proc)
    finally:
        proc.kill()


def unknown_instances(doc: dict[str, Any]) -> set[str]:
    return {
        d["instance_id"] for d in doc["instances"] if any(f["status"] == "unknown" for f in d["findings"])
    }


def not_in_gaps(doc: dict[str, Any], reference: dict[str, Any]) -> set[str]:
    """Instances left unknown (beyond the reference's) that no gap names."""
    listed = {iid for gap in doc["gaps"] for iid in gap["instance_ids"]}
    return unknown_instances(doc) - unknown_instances(reference) - listed


def probed(emu: RunningEmulator) -> list[str]:
    with emu.world.lock:
        cvm = emu.world.region(emu.region).cvm
        return sorted(
            iid
            for iid, inst in cvm.instances.items()
            if inst.is_windows and inst.state == "RUNNING" and inst.guest.agent == "Online"
        )


def lossy_runs(emu: RunningEmulator, home: str, reference: dict[str, Any]) -> tuple[int, int]:
    """(instances left unknown, of which not in gaps) over two runs that lose data for good."""
    left, missing = 0, 0
    offline = probed(emu)[:3]

    def group_gone_and_agents_offline() -> None:
        sg, run = emu.hold("DescribeSecurityGroupPolicies"), emu.hold("RunCommand")
        emu.wait_held(sg)
        emu.release(sg, "fail", code="ResourceNotFound", message="The security group does not exist.")
        emu.wait_held(run)
        for iid in offline:
            emu.control("POST", f"instances/{iid}/guest", {"AgentStatus": "Offline"})
        emu.release(run)

    def subnets_fail() -> None:
        with emu.world.lock:
            instances = emu.world.region(emu.region).cvm.instances.values()
            subnets = {i.subnet_id for i in instances if i.is_windows}
        hold = emu.hold("DescribeSubnets", count=1 + len(subnets) if len(subnets) > 1 else 1)
        for caught in (1, 1 + len(subnets)) if len(subnets) > 1 else (1,):  # the batch, then one by one
            emu.wait_held(hold, count=caught)
            emu.release(hold, "fail", code="ResourceNotFound", message="The subnet does not exist.")

    for during in (group_gone_and_agents_offline, subnets_fail):
        emu.control("POST", "faults", FAULTS)
        doc = plan(emu, home, during)
        emu.control("POST", "faults", NO_FAULTS)
        for iid in offline:
            emu.control("POST", f"instances/{iid}/guest", {"AgentStatus": "Online"})
        left += len(unknown_instances(doc) - unknown_instances(reference))
        missing += len(not_in_gaps(doc, reference))
    return left, missing


def figure(name: str, value: str, target: str, ok: bool) -> bool:
    print(f"figure {name}: {value} (target {target}) {'OK' if ok else 'MISS'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--instances", type=int, default=200)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="robust-faults-")
    with start_emulator(scenario="fleet", fleet_size=args.instances, rdp_listeners=False, seed=14) as emu:
        started = time.monotonic()
        reference = plan(emu, home)
        identical, missing, diffs = 0, 0, []
        for run in range(args.runs):
            for _attempt in range(5):
                emu.control("POST", "faults", FAULTS)
                doc = plan(emu, home)
                emu.control("POST", "faults", NO_FAULTS)
                if doc["_minute"] == reference["_minute"]:
                    break
                reference = plan(emu, home)  # a new minute: a new window of samples
            missing += len(not_in_gaps(doc, reference))
            if doc == reference:
                identical += 1
            else:
                changed = [
                    a["instance_id"]
                    for a, b in zip(doc["instances"], reference["instances"], strict=False)
                    if a != b
                ]
                diffs.append(f"run {run + 1}: {len(changed)} instance(s) differ, gaps {len(doc['gaps'])}")
        left, lossy_missing = lossy_runs(emu, home, reference)
        elapsed = time.monotonic() - started
    for line in diffs:
        print(f"  {line}")
    print(
        f"  {args.runs} fault runs + 2 lossy runs over {args.instances} instances in {elapsed:.0f} s; "
        f"lossy runs left {left} instance(s) unknown"
    )
    ok_runs = identical == args.runs
    results = [
        figure("fault runs identical", f"{identical}/{args.runs}", f"{args.runs}/{args.runs}", ok_runs),
        figure(
            "instances left unknown not in gaps",
            str(missing + lossy_missing),
            "0",
            missing + lossy_missing == 0 and left > 0,
        ),
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
