"""The provider path through the real engine: real pulumi_tencentcloud SDK, real remediation
program, the stand-in plugin, the emulator over HTTP (``tcremedy apply --path provider``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess

import pytest
from provider_harness import TCREMEDY, apply, provider_env, tc

from tcremedy.emulator.testing import RunningEmulator, start_emulator

pytestmark = pytest.mark.engine


def open_codes(emu: RunningEmulator, cwd) -> dict[str, set[str]]:
    out = tc(emu, cwd, "plan", "--json", "-q")
    return {i["instance_id"]: {f["code"] for f in i["findings"]} for i in json.loads(out.stdout)["instances"]}


def test_every_fixable_cause_converges_on_the_provider_path(tmp_path):
    """demo-fleet has each cause the default policy fixes (security group, ACL, bandwidth zero and
    saturated, stopped, RDP disabled, port changed, firewall, CredSSP): plan -> apply -> plan
    clean, and the second apply has nothing to do (no replace, no re-run of a guest script)."""
    with start_emulator(scenario="demo-fleet", fleet_size=14, transition_seconds=0.05) as emu:
        assert tc(emu, tmp_path, "plan", "--detailed-exitcode", "-q").returncode == 2
        first = apply(emu, tmp_path)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "path: tencentcloud-provider (forced by --path provider" in first.stdout
        assert "closed" in first.stdout and "STILL OPEN" not in first.stdout
        assert "cannot be built here" not in first.stdout  # said only when the plugin is missing
        after = tc(emu, tmp_path, "plan", "--detailed-exitcode", "-q")
        assert after.returncode == 0, after.stdout
        again = apply(emu, tmp_path)
        assert again.returncode == 0 and "Preview: no changes." in again.stdout, again.stdout + again.stderr


def test_an_identical_admin_rule_under_a_drop_is_moved_above_it(tmp_path):
    """Issue 8 item 5: the admin's identical ACCEPTs (other descriptions) sit under a DROP; creating
    tcremedy's would be refused as duplicates. The provider path adopts them and moves them to the
    top keeping their descriptions (what the SDK path does); a second apply changes nothing."""
    with start_emulator(scenario="sg-drop-before-accept", transition_seconds=0.05) as emu:
        first = apply(emu, tmp_path)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "Moving adopted rule(s) above the DROP" in first.stdout
        rules = _ingress(emu)
        drop = next(i for i, r in enumerate(rules) if r["Action"] == "DROP")
        admin = {
            r["CidrBlock"]: (i, r["PolicyDescription"])
            for i, r in enumerate(rules)
            if r["Action"] == "ACCEPT"
        }
        assert {cidr: d for cidr, (_, d) in admin.items()} == {
            "203.0.113.0/24": "admin office",
            "198.51.100.10/32": "admin jump host",
        }
        assert all(i < drop for i, _ in admin.values())
        again = apply(emu, tmp_path)
        assert again.returncode == 0 and "Preview: no changes." in again.stdout, again.stdout + again.stderr


def _ingress(emu: RunningEmulator) -> list[dict]:
    from tencentcloud.cvm.v20170312 import cvm_client
    from tencentcloud.cvm.v20170312 import models as cvm_models
    from tencentcloud.vpc.v20170312 import models as vpc_models
    from tencentcloud.vpc.v20170312 import vpc_client

    inst = json.loads(
        emu.client(cvm_client.CvmClient)
        .DescribeInstances(cvm_models.DescribeInstancesRequest())
        .to_json_string()
    )
    req = vpc_models.DescribeSecurityGroupPoliciesRequest()
    req.SecurityGroupId = inst["InstanceSet"][0]["SecurityGroupIds"][0]
    found = json.loads(emu.client(vpc_client.VpcClient).DescribeSecurityGroupPolicies(req).to_json_string())
    return found["SecurityGroupPolicySet"]["Ingress"]


def test_sigkill_during_the_update_then_apply_again_converges_on_the_provider_path(tmp_path):
    """The same crash as the sdk-dynamic path's: killed once CreateSecurityGroupPolicies has been
    carried out (held by the emulator before its answer). The provider would refuse the rule as a
    duplicate on the next run; tcremedy adopts it instead: no duplicate, closed, then no changes."""
    with start_emulator(scenario="sg-missing-rdp", transition_seconds=0.05) as emu:
        hold = emu.hold("CreateSecurityGroupPolicies", when="after")
        proc = subprocess.Popen(
            [TCREMEDY, "apply", "--yes", "--path", "provider", "--endpoint", emu.endpoint],
            cwd=tmp_path,
            env=provider_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            emu.wait_held(hold)  # the update is under way: the first rule exists, its answer is held
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            emu.release(hold, "drop")
        again = apply(emu, tmp_path)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "stale lock" in again.stderr and "pending operation" in again.stderr
        assert "closed" in again.stdout and "STILL OPEN" not in again.stdout
        rdp = [r for r in _ingress(emu) if r["Port"] == "3389" and r["Action"] == "ACCEPT"]
        assert sorted(r["CidrBlock"] for r in rdp) == ["198.51.100.10/32", "203.0.113.0/24"]  # no duplicate
        third = apply(emu, tmp_path)
        assert third.returncode == 0 and "Preview: no changes." in third.stdout, third.stdout + third.stderr
