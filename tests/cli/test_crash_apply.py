"""SIGKILL of `tcremedy apply` at named points, then apply again: the cloud converges.

Each test holds one API action in the local cloud (``/_emulator/holds``), waits until the run is
stopped there, kills apply's process group, releases the request (carried out: it was on the
wire; or dropped: it never arrived) and applies again. Assertions are on the cloud state read
with the SDK, on the engine processes (none survive the kill) and on the stack (readable).
No sleeps: every wait is on an event (a held request, an output line, a process exit).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from tencentcloud.cvm.v20170312 import cvm_client
from tencentcloud.cvm.v20170312 import models as cvm_models
from tencentcloud.vpc.v20170312 import models as vpc_models
from tencentcloud.vpc.v20170312 import vpc_client

from tcremedy.emulator.testing import RunningEmulator, start_emulator

pytestmark = pytest.mark.engine
TCREMEDY = str(Path(sys.executable).parent / "tcremedy")
ADMIN = ["198.51.100.10/32", "203.0.113.0/24"]  # policies/windows-rdp.yaml rdp.admin_cidrs
SG_AND_ACL = """
name: sg-and-acl-block-rdp
vpcs: [{name: demo, cidr: 10.0.0.0/16, subnets: [{name: app, cidr: 10.0.1.0/24, zone: ap-guangzhou-3}]}]
security_groups:
  - name: web
    ingress: [{protocol: TCP, port: "80,443", cidr: 0.0.0.0/0, action: ACCEPT}]
    egress: [{protocol: ALL, cidr: 0.0.0.0/0, action: ACCEPT}]
network_acls:
  - name: app-acl
    vpc: demo
    subnets: [app]
    ingress:
      - {protocol: TCP, port: "3389", cidr: 0.0.0.0/0, action: DROP, description: no rdp}
      - {protocol: ALL, cidr: 0.0.0.0/0, action: ACCEPT}
    egress: [{protocol: ALL, cidr: 0.0.0.0/0, action: ACCEPT}]
instances:
  - {name: win-rdp-01, image: windows, subnet: app, security_groups: [web], bandwidth: 10,
     load: {CpuUsage: 12, MemUsage: 38, WanOuttraffic: 0.6, WanIntraffic: 0.3}}
"""


def env() -> dict[str, str]:
    return {
        **os.environ,
        "NO_PROXY": "127.0.0.1,localhost",
        "PULUMI_CONFIG_PASSPHRASE": "test-only",
        "PYTHONUNBUFFERED": "1",  # progress lines reach the pipe as they are printed
    }


def tc(emu: RunningEmulator, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TCREMEDY, *args, "--endpoint", emu.endpoint],
        cwd=cwd,
        env=env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )


def start_apply(emu: RunningEmulator, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [TCREMEDY, "apply", "--yes", "--endpoint", emu.endpoint],
        cwd=cwd,
        env=env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def engine_processes(cwd: Path) -> list[int]:
    """Processes the engine started for this work dir (their environment names its PULUMI_HOME)."""
    marker = str(cwd.resolve() / ".tcremedy").encode()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                if marker in Path(f"/proc/{entry}/environ").read_bytes():
                    found.append(int(entry))
            except OSError:
                continue  # gone, or not ours to read
    return found


def wait_gone(pids: list[int], timeout: float = 30) -> list[int]:
    """Wait (on pidfds, not by polling) until the processes exit; return those still running."""
    left = []
    for pid in pids:
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        try:
            if not select.select([fd], [], [], timeout)[0]:
                left.append(pid)
        finally:
            os.close(fd)
    return left


def kill_apply(proc: subprocess.Popen[str], cwd: Path) -> list[int]:
    """SIGKILL apply's process group; return the engine processes that outlived it (then killed)."""
    before = engine_processes(cwd)
    with contextlib.suppress(ProcessLookupError):  # already ended
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    orphans = wait_gone(before)
    for pid in orphans:  # the test cleans up after a failure too
        os.kill(pid, signal.SIGKILL)
    return orphans


def run_until_held(emu: RunningEmulator, cwd: Path, hold: str, until_line: str = "") -> subprocess.Popen[str]:
    """Start apply; return once it is stopped at ``hold`` (and has printed ``until_line``)."""
    proc = start_apply(emu, cwd)
    assert proc.stdout is not None
    try:
        if until_line:
            out = []
            for line in proc.stdout:
                out.append(line)
                if until_line in line:
                    break
            else:
                raise AssertionError(f"apply ended before printing {until_line!r}:\n{''.join(out)}")
        emu.wait_held(hold)
    except BaseException:
        kill_apply(proc, cwd)  # never leave a run (or its engine) behind
        raise
    return proc


def security_group(emu: RunningEmulator) -> str:
    cvm = emu.client(cvm_client.CvmClient)
    found = cvm.DescribeInstances(cvm_models.DescribeInstancesRequest()).InstanceSet
    return found[0].SecurityGroupIds[0]


def rdp_cidrs(emu: RunningEmulator) -> list[str]:
    """CIDRs of the ACCEPT TCP/3389 rules of the instance's group, one entry per rule."""
    req = vpc_models.DescribeSecurityGroupPoliciesRequest()
    req.SecurityGroupId = security_group(emu)
    ingress = (
        emu.client(vpc_client.VpcClient).DescribeSecurityGroupPolicies(req).SecurityGroupPolicySet.Ingress
    )
    return sorted(r.CidrBlock for r in ingress if r.Port == "3389" and r.Action == "ACCEPT")


def acl_rdp_cidrs(emu: RunningEmulator) -> list[str]:
    acls = emu.client(vpc_client.VpcClient).DescribeNetworkAcls(vpc_models.DescribeNetworkAclsRequest())
    entries = acls.NetworkAclSet[0].IngressEntries
    return sorted(e.CidrBlock for e in entries if e.Port == "3389" and e.Action == "Accept")


def calls_per_plan(emu: RunningEmulator, cwd: Path, action: str) -> int:
    """How many ``action`` requests one diagnosis makes (apply diagnoses the same way first)."""
    emu.control("POST", "stats/reset")
    assert tc(emu, cwd, "plan", "-q").returncode in (0, 2)
    return int(emu.control("GET", "stats").get(action, {}).get("count", 0))


def assert_converged(emu: RunningEmulator, cwd: Path) -> None:
    """Apply again succeeds, the fleet is compliant, and the stack can be read back."""
    again = tc(emu, cwd, "apply", "--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Traceback" not in again.stderr
    assert tc(emu, cwd, "plan", "--detailed-exitcode", "-q").returncode == 0
    assert engine_processes(cwd) == []
    stacks = list((cwd / ".tcremedy" / "state" / ".pulumi" / "stacks").rglob("*.json"))
    assert stacks and all(json.loads(p.read_text())["checkpoint"] for p in stacks)


def test_kill_during_the_update_keeps_the_fixes_the_killed_run_made(tmp_path):
    """The killed run created the SG rule; its ACL write never arrived. The next apply (which has
    the ACL left to do) must keep the rule, not delete it as unknown to the record of fixes."""
    scenario = tmp_path / "sg-and-acl.yaml"
    scenario.write_text(SG_AND_ACL)
    with start_emulator(scenario=str(scenario), transition_seconds=0.05) as emu:
        hold = emu.hold("ModifyNetworkAclEntries", count=100)  # every ACL write (one per entry)
        proc = run_until_held(emu, tmp_path, hold, until_line="create: sg-rule-")
        orphans = kill_apply(proc, tmp_path)
        emu.release(hold, "drop")
        emu.control("DELETE", f"holds/{hold}")  # later ACL writes pass
        assert rdp_cidrs(emu) != [] and acl_rdp_cidrs(emu) == []  # half done
        assert orphans == []
        assert_converged(emu, tmp_path)
        assert rdp_cidrs(emu) == ADMIN and acl_rdp_cidrs(emu) == ADMIN


def test_kill_while_the_rule_create_is_in_flight_leaves_no_duplicate(tmp_path):
    """Killed while CreateSecurityGroupPolicies is on the wire: the cloud still creates the rule and
    the checkpoint keeps a pending create. The next apply finds the rule instead of adding another."""
    with start_emulator(scenario="sg-missing-rdp", transition_seconds=0.05) as emu:
        hold = emu.hold("CreateSecurityGroupPolicies")
        orphans = kill_apply(run_until_held(emu, tmp_path, hold), tmp_path)
        emu.release(hold)  # the sent create lands after its client died
        assert len(rdp_cidrs(emu)) == 1 and orphans == []
        assert_converged(emu, tmp_path)
        assert rdp_cidrs(emu) == ADMIN  # exactly one rule per admin CIDR
        again = tc(emu, tmp_path, "apply", "--yes")
        assert again.returncode == 0 and rdp_cidrs(emu) == ADMIN


def test_kill_after_the_instance_start_was_carried_out_converges(tmp_path):
    """StartInstances ran in the cloud but its answer never reached the killed run."""
    with start_emulator(scenario="instance-stopped", transition_seconds=0.05) as emu:
        hold = emu.hold("StartInstances", when="after")
        orphans = kill_apply(run_until_held(emu, tmp_path, hold), tmp_path)
        emu.release(hold, "drop")
        assert orphans == []
        assert_converged(emu, tmp_path)
        cvm = emu.client(cvm_client.CvmClient)
        assert cvm.DescribeInstances(cvm_models.DescribeInstancesRequest()).InstanceSet[0].InstanceState == (
            "RUNNING"
        )


def test_kill_during_the_guest_fix_converges(tmp_path):
    """Killed while the TAT command that re-enables RDP is in flight (the diagnosis's probes pass)."""
    with start_emulator(scenario="guest-rdp-disabled", transition_seconds=0.05) as emu:
        probes = calls_per_plan(emu, tmp_path, "RunCommand")
        hold = emu.hold("RunCommand", skip=probes)
        orphans = kill_apply(run_until_held(emu, tmp_path, hold), tmp_path)
        emu.release(hold, "drop")
        assert orphans == []
        assert_converged(emu, tmp_path)
        iid = emu.instance_ids()[0]
        assert emu.control("GET", f"instances/{iid}")["guest"]["fDenyTSConnections"] == 0


@pytest.mark.parametrize("phase", ["preview", "verify"])
def test_kill_during_preview_or_verify_converges(tmp_path, phase):
    """preview: a drifted fix is being diffed (the provider reads the group); verify: the update is
    done and apply is diagnosing again. Either way the next apply converges with no duplicate."""
    with start_emulator(scenario="sg-missing-rdp", transition_seconds=0.05) as emu:
        action = "DescribeInstances"  # verify: the first one after the diagnosis's
        if phase == "preview":
            first = tc(emu, tmp_path, "apply", "--yes")
            assert first.returncode == 0, first.stdout + first.stderr
            req = vpc_models.DeleteSecurityGroupPoliciesRequest()
            req._deserialize(
                {
                    "SecurityGroupId": security_group(emu),
                    "SecurityGroupPolicySet": {"Ingress": [{"PolicyIndex": 0}]},
                }
            )
            emu.client(vpc_client.VpcClient).DeleteSecurityGroupPolicies(req)  # drift: a rule removed by hand
            action = "DescribeSecurityGroupPolicies"  # the provider's diff, after the diagnosis's
        skip = calls_per_plan(emu, tmp_path, action)  # let the diagnosis through, hold the next one
        hold = emu.hold(action, skip=skip)
        orphans = kill_apply(run_until_held(emu, tmp_path, hold), tmp_path)
        emu.release(hold)
        assert orphans == []
        assert_converged(emu, tmp_path)
        assert rdp_cidrs(emu) == ADMIN


def test_an_empty_checkpoint_attribute_file_is_recovered_with_a_note(tmp_path):
    """A kill while the blob store wrote ``<stack>.json.attrs`` left it empty: every later run
    failed "failed to load checkpoint: EOF". Apply removes it, says so, and goes on."""
    with start_emulator(scenario="bandwidth-zero", transition_seconds=0.05) as emu:
        first = tc(emu, tmp_path, "apply", "--yes")
        assert first.returncode == 0, first.stdout + first.stderr
        attrs = list((tmp_path / ".tcremedy" / "state" / ".pulumi" / "stacks").rglob("*.json.attrs"))
        assert attrs
        for path in attrs:
            path.write_bytes(b"")
        again = tc(emu, tmp_path, "apply", "--yes")
        assert again.returncode == 0, again.stdout + again.stderr
        assert "removed the empty or truncated file" in again.stderr and str(attrs[0]) in again.stderr
        assert_converged(emu, tmp_path)


def test_a_second_apply_during_a_run_names_the_lock_not_pulumi_cancel(tmp_path):
    with start_emulator(scenario="sg-missing-rdp", transition_seconds=0.05) as emu:
        hold = emu.hold("CreateSecurityGroupPolicies")
        first = run_until_held(emu, tmp_path, hold)
        try:
            second = tc(emu, tmp_path, "apply", "--yes")
        finally:
            emu.release(hold)
            emu.control("DELETE", f"holds/{hold}")
        assert second.returncode == 1 and "Traceback" not in second.stderr
        assert "pulumi cancel" not in second.stdout + second.stderr
        assert "is being changed by a running tcremedy apply (pid" in second.stderr
        assert "tcremedy apply --unlock" in second.stderr
        assert "/.pulumi/locks/" in second.stderr  # the exact file, should that run be dead
        assert first.wait(timeout=300) == 0
        assert rdp_cidrs(emu) == ADMIN
