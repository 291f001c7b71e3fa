"""Robustness figures: SIGKILL of ``tcremedy apply --yes`` at named points, then apply again.

20 runs, each on a small local cloud of its own (one instance), spread over the four phases of an
apply: the preview (a drifted fix being diffed), the update (a security-group rule or ACL entry
write, a start of the instance), the guest fixes (the TAT ``RunCommand`` that repairs Windows) and
the verification (apply diagnosing again). Each run holds one API action in the local cloud
(``/_emulator/holds``), waits until apply is stopped there, kills apply's process group, lets the
held request through (``run``: it was on the wire) or forgets it (``drop``), then applies again.

Figures, each against its target:

* converged: the second ``apply --yes`` exits 0 and ``plan --detailed-exitcode`` then finds
  nothing to do (20/20);
* orphaned processes: engine or provider processes of the run (``pulumi``,
  ``pulumi-resource-pulumi-python``, ``python -m pulumi.dynamic``) still alive 30 s after the kill,
  or after the second apply (0);
* unreadable stacks: stack checkpoints that cannot be read back after the second apply (0).

No sleeps: every wait is on an event (a held request, an output line, a process exit).
Uses the engine in ~/.cache/tcremedy/engine (``make engine``).

    .venv/bin/python bench/robust_sigkill.py [--only preview|update|guest|verify]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tencentcloud.cvm.v20170312 import cvm_client
from tencentcloud.cvm.v20170312 import models as cvm_models
from tencentcloud.vpc.v20170312 import models as vpc_models
from tencentcloud.vpc.v20170312 import vpc_client

from tcremedy.emulator.testing import RunningEmulator, start_emulator

# The crash tests' scenario, environment and process finder: one definition, in the test module.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "cli"))
from test_crash_apply import SG_AND_ACL, TCREMEDY, engine_processes, env


@dataclass(frozen=True)
class Kill:
    """One run: where apply is held and killed, and what becomes of the held request."""

    phase: str  # preview | update | guest | verify
    scenario: str
    action: str
    when: str = "before"
    release: str = "run"  # run: carried out after the kill; drop: it never arrived
    after_plan: bool = False  # skip the requests one diagnosis makes (the hold is past it)
    until_line: str = ""  # and past this line of apply's output
    drift: bool = False  # apply once, then remove an admin rule by hand (the preview diffs it)


RUNS = (
    Kill("preview", "sg-missing-rdp", "DescribeSecurityGroupPolicies", after_plan=True, drift=True),
    Kill("preview", "sg-missing-rdp", "DescribeSecurityGroupPolicies", after_plan=True, drift=True,
         release="drop"),
    Kill("preview", "sg-missing-rdp", "DescribeSecurityGroupPolicies", when="after", after_plan=True,
         drift=True),
    Kill("preview", "sg-missing-rdp", "DescribeSecurityGroupPolicies", when="after", after_plan=True,
         drift=True, release="drop"),
    Kill("preview", "sg-and-acl", "DescribeSecurityGroupPolicies", after_plan=True, drift=True),
    Kill("update", "sg-missing-rdp", "CreateSecurityGroupPolicies"),
    Kill("update", "sg-missing-rdp", "CreateSecurityGroupPolicies", release="drop"),
    Kill("update", "sg-missing-rdp", "CreateSecurityGroupPolicies", when="after", release="drop"),
    Kill("update", "sg-and-acl", "ModifyNetworkAclEntries", release="drop", until_line="create: sg-rule-"),
    Kill("update", "instance-stopped", "StartInstances", when="after", release="drop"),
    Kill("guest", "guest-rdp-disabled", "RunCommand", after_plan=True, release="drop"),
    Kill("guest", "guest-rdp-disabled", "RunCommand", after_plan=True),
    Kill("guest", "guest-rdp-disabled", "RunCommand", when="after", after_plan=True, release="drop"),
    Kill("guest", "guest-firewall-blocks", "RunCommand", after_plan=True),
    Kill("guest", "guest-termservice-stopped", "RunCommand", when="after", after_plan=True, release="drop"),
    Kill("verify", "sg-missing-rdp", "DescribeInstances", after_plan=True),
    Kill("verify", "sg-missing-rdp", "GetMonitorData", after_plan=True, release="drop"),
    Kill("verify", "acl-blocks-rdp", "GetMonitorData", after_plan=True),
    Kill("verify", "bandwidth-zero", "DescribeAutomationAgentStatus", after_plan=True),
    Kill("verify", "guest-rdp-disabled", "GetMonitorData", after_plan=True),
)


def tc(emu: RunningEmulator, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TCREMEDY, *args, "--endpoint", emu.endpoint],
        cwd=cwd,
        env=env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )


def still_running(pids: list[int], timeout: float) -> list[int]:
    """Wait on pidfds (no polling) until the processes exit; those still running after ``timeout``."""
    deadline = time.monotonic() + timeout
    left = []
    for pid in pids:
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        try:
            if not select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
                left.append(pid)
        finally:
            os.close(fd)
    return left


def end(pids: list[int]) -> None:
    for pid in pids:  # the bench's own clean-up, after counting them
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def calls_per_plan(emu: RunningEmulator, cwd: Path, action: str) -> int:
    emu.control("POST", "stats/reset")
    done = tc(emu, cwd, "plan", "-q")
    if done.returncode not in (0, 2):
        raise RuntimeError(f"plan failed: {done.stderr}")
    return int(emu.control("GET", "stats").get(action, {}).get("count", 0))


def drift(emu: RunningEmulator, cwd: Path) -> None:
    """Apply once, then delete the first ingress rule by hand (a fix the preview must diff back)."""
    first = tc(emu, cwd, "apply", "--yes")
    if first.returncode != 0:
        raise RuntimeError(f"first apply failed: {first.stdout}{first.stderr}")
    cvm = emu.client(cvm_client.CvmClient)
    group = cvm.DescribeInstances(cvm_models.DescribeInstancesRequest()).InstanceSet[0].SecurityGroupIds[0]
    req = vpc_models.DeleteSecurityGroupPoliciesRequest()
    req._deserialize({"SecurityGroupId": group, "SecurityGroupPolicySet": {"Ingress": [{"PolicyIndex": 0}]}})
    emu.client(vpc_client.VpcClient).DeleteSecurityGroupPolicies(req)


@dataclass
class Outcome:
    converged: bool
    orphans: int
    unreadable: int
    note: str = ""


def one_run(kill: Kill, work: Path) -> Outcome:
    scenario = kill.scenario
    if scenario == "sg-and-acl":
        (work / "sg-and-acl.yaml").write_text(SG_AND_ACL)
        scenario = str(work / "sg-and-acl.yaml")
    with start_emulator(scenario=scenario, transition_seconds=0.05) as emu:
        if kill.drift:
            drift(emu, work)
        skip = calls_per_plan(emu, work, kill.action) if kill.after_plan else 0
        hold = emu.hold(kill.action, when=kill.when, skip=skip)
        proc = subprocess.Popen(
            [TCREMEDY, "apply", "--yes", "--endpoint", emu.endpoint],
            cwd=work,
            env=env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            if kill.until_line:
                assert proc.stdout is not None
                for line in proc.stdout:
                    if kill.until_line in line:
                        break
            emu.wait_held(hold, timeout=300)
            before = engine_processes(work)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
        orphans = still_running(before, timeout=30)
        end(orphans)
        emu.release(hold, kill.release)
        emu.control("DELETE", f"holds/{hold}")
        again = tc(emu, work, "apply", "--yes")
        clean = tc(emu, work, "plan", "--detailed-exitcode", "-q") if again.returncode == 0 else None
        left = engine_processes(work)
        end(left)
    stacks = list((work / ".tcremedy" / "state" / ".pulumi" / "stacks").rglob("*.json"))
    unreadable = 0
    for path in stacks:
        try:
            ok = bool(json.loads(path.read_text()).get("checkpoint"))
        except (OSError, ValueError):
            ok = False
        unreadable += not ok
    converged = again.returncode == 0 and clean is not None and clean.returncode == 0
    note = "" if converged else (again.stdout + again.stderr)[-600:]
    if "Traceback" in again.stderr:
        converged, note = False, again.stderr[-600:]
    return Outcome(converged, len(orphans) + len(left), unreadable + (not stacks), note)


def figure(name: str, value: str, target: str, ok: bool) -> bool:
    print(f"figure {name}: {value} (target {target}) {'OK' if ok else 'MISS'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["preview", "update", "guest", "verify"])
    parser.add_argument("--runs", help="comma-separated run numbers (1-based) to do, e.g. 1,6,11,16")
    args = parser.parse_args()
    picked = {int(n) for n in args.runs.split(",")} if args.runs else set(range(1, len(RUNS) + 1))
    runs = [(i, k) for i, k in enumerate(RUNS, 1) if args.only in (None, k.phase) and i in picked]
    converged = orphans = unreadable = 0
    started = time.monotonic()
    for i, kill in runs:
        t0 = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="robust-sigkill-") as tmp:
            try:
                out = one_run(kill, Path(tmp))
            except Exception as exc:  # a run that could not be placed counts as not converged
                left = engine_processes(Path(tmp))
                end(left)
                out = Outcome(False, len(left), 0, f"{type(exc).__name__}: {exc}")
        converged += out.converged
        orphans += out.orphans
        unreadable += out.unreadable
        label = f"{kill.phase} {kill.scenario} {kill.action} ({kill.when}, {kill.release})"
        state = "converged" if out.converged else "NOT converged"
        took = time.monotonic() - t0
        print(f"  run {i:2d} {label}: {state}, orphans {out.orphans}, {took:.0f} s", flush=True)
        if out.note:
            print("    " + out.note.strip().replace("\n", "\n    "))
    n = len(runs)
    print(f"  {n} runs in {time.monotonic() - started:.0f} s")
    results = [
        figure("SIGKILL runs converged", f"{converged}/{n}", f"{n}/{n}", converged == n),
        figure("orphaned processes", str(orphans), "0", orphans == 0),
        figure("unreadable stacks", str(unreadable), "0", unreadable == 0),
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
