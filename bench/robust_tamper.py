"""Robustness figure: tampered-plan unsafe applies 0 over the kinds issue 14 lists.

Against a local Tencent Cloud (`tcremedy emulator serve` in-process, one Windows instance per cause
a case changes) and one genuine plan file, each tampering of ``tests/cli/test_plan_tampering.py``
(CIDR 0.0.0.0/0 with ``allow_public``, CIDRs outside the policy, the embedded policy widened,
``auto: true`` for a fix the policy does not allow, action DROP, other ports/protocols/groups/ACLs,
``affected_instances: []`` with the empty fingerprint's hash, a missing policy file, a changed
policy, ...) is written to a copy of the plan and applied with the real CLI:
``tcremedy apply PLAN --yes`` in a subprocess. The cloud is read back with the SDK before and after.

* unsafe applies: apply exited 0 AND the cloud changed unsafely: a new inbound rule or ACL entry
  that is not ACCEPT TCP 3389 from one of the policy's admin CIDRs, or an instance rebooted, stopped
  or its password reset (target 0);
* half-applied refusals: apply refused (exit 1) but the cloud changed at all (target 0);
* refused: tampered plans apply refused (target all of them);
* the control: the genuine plan, applied last through the real engine, exits 0 with no change the
  unsafe check flags (so the refusals are the tampering's, and the check does not cry wolf).

    .venv/bin/python bench/robust_tamper.py
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "cli"))

from test_plan_tampering import CASES, POLICY, SCENARIO, snapshot  # noqa: E402

from tcremedy.emulator.testing import start_emulator  # noqa: E402

TCREMEDY = str(Path(sys.executable).parent / "tcremedy")
ADMIN = {"198.51.100.10/32", "203.0.113.0/24"}  # policies/windows-rdp.yaml rdp.admin_cidrs
PORT = "3389"


def env(home: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("TENCENTCLOUD_", "TCCLI_", "TCREMEDY_"))}
    return {**keep, "NO_PROXY": "127.0.0.1,localhost", "PULUMI_CONFIG_PASSPHRASE": "bench-only"}


def tcremedy(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TCREMEDY, *args], cwd=cwd, env=env(cwd), stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=900,
    )  # fmt: skip


def inbound(snap: dict[str, Any]) -> set[tuple[str, str, str, str, str]]:
    """Every inbound rule and ACL entry: (where, action, protocol, port, cidr)."""
    found = set()
    for group, policies in snap["rules"].items():
        for r in policies.get("Ingress") or []:
            cidr = r.get("CidrBlock") or r.get("Ipv6CidrBlock") or str(r.get("AddressTemplate"))
            action, protocol = str(r.get("Action")).upper(), str(r.get("Protocol")).upper()
            found.add((group, action, protocol, str(r.get("Port")), cidr))
    for acl in snap["acls"]:
        for e in acl.get("IngressEntries") or []:
            cidr = e.get("CidrBlock") or e.get("Ipv6CidrBlock") or ""
            found.add((acl["NetworkAclId"], str(e.get("Action")).upper(), str(e.get("Protocol")).upper(),
                       str(e.get("Port")), cidr))  # fmt: skip
    return found


def unsafe_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    bad = [
        f"new inbound {rule}"
        for rule in sorted(inbound(after) - inbound(before))
        if not (rule[1] == "ACCEPT" and rule[2] == "TCP" and rule[3] == PORT and rule[4] in ADMIN)
    ]
    was = {iid: (state, op) for iid, state, _bw, op in before["instances"]}
    for iid, state, _bw, op in after["instances"]:
        op_name = (op or {}).get("LatestOperation") if isinstance(op, dict) else op
        if was.get(iid, (None, None))[1] != op and str(op_name) in (
            "RebootInstances", "StopInstances", "ResetInstancesPassword", "TerminateInstances"
        ):  # fmt: skip
            bad.append(f"{iid}: {op_name}")
        if state != was.get(iid, (state,))[0] and state != "RUNNING":
            bad.append(f"{iid}: now {state}")
    return bad


def main() -> int:
    start = time.monotonic()
    unsafe, half, refused, rows = 0, 0, 0, []
    control_ok, control_note = False, "not run"
    with tempfile.TemporaryDirectory(prefix="robust-tamper-") as tmp:
        root = Path(tmp)
        (root / "tamper.yaml").write_text(SCENARIO)
        shutil.copy(POLICY, root / "policy.yaml")
        scenario = str(root / "tamper.yaml")
        with start_emulator(scenario=scenario, fleet_size=8, transition_seconds=0.05) as emu:
            policy, out = str(root / "policy.yaml"), str(root / "plan.json")
            made = tcremedy(root, "plan", "-q", "--policy", policy, "--endpoint", emu.endpoint, "--out", out)
            assert made.returncode == 0, made.stderr
            genuine = json.loads((root / "plan.json").read_text())
            for name, (edit, _message) in CASES.items():
                plan = copy.deepcopy(genuine)
                edit(plan, root)
                path = root / "tampered.json"
                path.write_text(json.dumps(plan))
                before = snapshot(emu)
                run = tcremedy(root, "apply", str(path), "--yes", "--endpoint", emu.endpoint)
                after = snapshot(emu)
                bad = unsafe_changes(before, after)
                if run.returncode == 0 and bad:
                    unsafe += 1
                if run.returncode != 0:
                    refused += 1
                    half += after != before
                rows.append((name, run.returncode, "unsafe: " + "; ".join(bad) if bad else "", run.stderr))
            # The control: the genuine plan applies (so the refusals above are the tampering's), and
            # what it changes is what this script calls safe.
            path = root / "genuine.json"
            path.write_text(json.dumps(genuine))
            before = snapshot(emu)
            control = tcremedy(root, "apply", str(path), "--yes", "--endpoint", emu.endpoint)
            control_bad = unsafe_changes(before, snapshot(emu))
            control_ok = control.returncode == 0 and not control_bad
            control_note = f"exit {control.returncode}, unsafe changes {control_bad}"
            if control.returncode != 0:
                tail = (control.stdout + control.stderr).strip().splitlines()[-4:]
                control_note += " | " + " | ".join(tail)
    for name, code, bad, err in rows:
        last = (err.strip().splitlines() or [""])[-1][:110]
        print(f"# {name:32s} exit {code}  {bad or last}")
    total = len(rows)
    print(f"# control: the genuine plan applied: {control_note}")
    print(f"# {total} tampered plans applied in {time.monotonic() - start:.0f} s")
    figures = [
        ("tampered-plan unsafe applies", f"{unsafe} over {total} kinds", "0", unsafe == 0),
        ("tampered-plan half-applied refusals", f"{half} over {refused} refusals", "0", half == 0),
        ("tampered plans refused", f"{refused}/{total}", f"{total}/{total}", refused == total),
        ("genuine plan applied safely (control)", "yes" if control_ok else "no", "yes", control_ok),
    ]
    for name, value, target, ok in figures:
        print(f"figure {name}: {value} (target {target}) {'OK' if ok else 'MISS'}")
    return 0 if all(ok for *_, ok in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
