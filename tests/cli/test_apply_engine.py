"""`tcremedy apply` end to end: the CLI, the real Pulumi engine and the emulator over HTTP.

Every test runs the real engine built from Go modules (the sdk-dynamic path: the tencentcloud plugin
cannot be built here) against an in-process emulator, through the `tcremedy` console script.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tencentcloud.cvm.v20170312 import cvm_client
from tencentcloud.cvm.v20170312 import models as cvm_models
from tencentcloud.vpc.v20170312 import models as vpc_models
from tencentcloud.vpc.v20170312 import vpc_client

from tcremedy.emulator.testing import RunningEmulator, start_emulator

pytestmark = pytest.mark.engine
TCREMEDY = str(Path(sys.executable).parent / "tcremedy")
FIXABLE = [
    "sg-missing-rdp",
    "sg-drop-before-accept",
    "sg-second-group-drops",
    "bandwidth-zero",
    "instance-stopped",
    "guest-rdp-disabled",
    "guest-port-changed",
]


def tc(
    emu: RunningEmulator, cwd: Path, *args: str, stdin: int | None = subprocess.DEVNULL, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "PULUMI_CONFIG_PASSPHRASE": "test-only"}
    return subprocess.run(
        [TCREMEDY, *args, "--endpoint", emu.endpoint],
        cwd=cwd,
        env=env,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def ingress(emu: RunningEmulator, group: str) -> list[dict]:
    vpc = emu.client(vpc_client.VpcClient)
    req = vpc_models.DescribeSecurityGroupPoliciesRequest()
    req.SecurityGroupId = group
    return json.loads(vpc.DescribeSecurityGroupPolicies(req).to_json_string())["SecurityGroupPolicySet"][
        "Ingress"
    ]


def instance(emu: RunningEmulator) -> dict:
    cvm = emu.client(cvm_client.CvmClient)
    return json.loads(cvm.DescribeInstances(cvm_models.DescribeInstancesRequest()).to_json_string())[
        "InstanceSet"
    ][0]


@pytest.mark.parametrize("scenario", FIXABLE)
def test_each_fixable_scenario_goes_from_drift_to_compliant(scenario, tmp_path):
    with start_emulator(scenario=scenario, transition_seconds=0.05) as emu:
        assert tc(emu, tmp_path, "plan", "--detailed-exitcode", "-q").returncode == 2
        applied = tc(emu, tmp_path, "apply", "--yes")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert "path: sdk-dynamic (tencentcloud plugin not available:" in applied.stdout
        assert "closed" in applied.stdout and "STILL OPEN" not in applied.stdout
        after = tc(emu, tmp_path, "plan", "--detailed-exitcode", "-q")
        assert after.returncode == 0, after.stdout


@pytest.fixture(scope="module")
def converged(tmp_path_factory):
    """sg-missing-rdp applied once; yields the emulator, the work dir and the first apply's output."""
    work = tmp_path_factory.mktemp("converged")
    with start_emulator(scenario="sg-missing-rdp", transition_seconds=0.05) as emu:
        first = tc(emu, work, "apply", "--yes")
        assert first.returncode == 0, first.stdout + first.stderr
        yield emu, work, first


def test_second_apply_changes_nothing_and_never_opens_rdp_to_the_internet(converged):
    emu, work, _ = converged
    group = instance(emu)["SecurityGroupIds"][0]
    rules = ingress(emu, group)
    again = tc(emu, work, "apply", "--yes")
    assert again.returncode == 0 and "Preview: no changes." in again.stdout
    assert ingress(emu, group) == rules  # no duplicate rules
    rdp = [r for r in rules if r["Port"] == "3389"]
    assert sorted(r["CidrBlock"] for r in rdp) == ["198.51.100.10/32", "203.0.113.0/24"]
    assert all(r["PolicyIndex"] < 2 for r in rdp)  # inserted at the top
    assert not [r for r in rules if r["CidrBlock"] == "0.0.0.0/0" and r["Port"] in ("3389", "ALL")]


def test_a_fix_is_kept_after_the_drift_is_gone_and_reapplied_when_it_comes_back(converged):
    emu, work, _ = converged
    group = instance(emu)["SecurityGroupIds"][0]
    ours = next(r for r in ingress(emu, group) if r["CidrBlock"] == "203.0.113.0/24")
    vpc = emu.client(vpc_client.VpcClient)
    req = vpc_models.DeleteSecurityGroupPoliciesRequest()
    req._deserialize(
        {
            "SecurityGroupId": group,
            "SecurityGroupPolicySet": {"Ingress": [{"PolicyIndex": ours["PolicyIndex"]}]},
        }
    )
    vpc.DeleteSecurityGroupPolicies(req)  # someone removes tcremedy's rule by hand
    healed = tc(emu, work, "apply", "--yes")
    assert healed.returncode == 0, healed.stdout + healed.stderr
    assert "update" in healed.stdout
    assert len([r for r in ingress(emu, group) if r["CidrBlock"] == "203.0.113.0/24"]) == 1


def test_without_yes_and_without_a_terminal_apply_refuses_politely(tmp_path):
    with start_emulator(scenario="bandwidth-zero", transition_seconds=0.05) as emu:
        out = tc(emu, tmp_path, "apply")
        assert out.returncode == 1 and "--yes" in out.stderr and "Traceback" not in out.stderr
        assert instance(emu)["InternetAccessible"]["InternetMaxBandwidthOut"] == 0  # nothing applied


def test_stale_plan_is_refused_and_a_fresh_plan_applies(tmp_path):
    with start_emulator(scenario="sg-missing-rdp", transition_seconds=0.05) as emu:
        plan = tmp_path / "plan.json"
        assert tc(emu, tmp_path, "plan", "-q", "--out", str(plan)).returncode == 0
        group = instance(emu)["SecurityGroupIds"][0]
        vpc = emu.client(vpc_client.VpcClient)
        req = vpc_models.CreateSecurityGroupPoliciesRequest()
        req._deserialize(
            {
                "SecurityGroupId": group,
                "SecurityGroupPolicySet": {
                    "Ingress": [
                        {"Protocol": "TCP", "Port": "22", "CidrBlock": "192.0.2.0/24", "Action": "ACCEPT"}
                    ]
                },
            }
        )
        vpc.CreateSecurityGroupPolicies(req)  # the cloud changes after the plan was made
        before = ingress(emu, group)
        stale = tc(emu, tmp_path, "apply", str(plan), "--yes")
        assert stale.returncode == 1 and "STALE" in stale.stderr
        assert ingress(emu, group) == before  # nothing applied
        assert tc(emu, tmp_path, "plan", "-q", "--out", str(plan)).returncode == 0
        fresh = tc(emu, tmp_path, "apply", str(plan), "--yes")
        assert fresh.returncode == 0, fresh.stdout + fresh.stderr


def test_sigkill_during_the_update_then_apply_again_converges(tmp_path):
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "PULUMI_CONFIG_PASSPHRASE": "test-only"}
    with start_emulator(scenario="instance-stopped", transition_seconds=4) as emu:
        proc = subprocess.Popen(
            [TCREMEDY, "apply", "--yes", "--endpoint", emu.endpoint],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        assert proc.stdout is not None
        for line in proc.stdout:  # the update is running once the preview has been shown
            if line.startswith("Preview:"):
                break
        deadline = time.monotonic() + 30
        while instance(emu)["InstanceState"] != "STARTING" and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)  # mid-update: StartInstances sent, not yet RUNNING
        proc.wait(timeout=10)
        locks = list((tmp_path / ".tcremedy" / "state").rglob("locks/**/*.json"))
        assert locks, "the killed run should have left its lock behind"
        again = tc(emu, tmp_path, "apply", "--yes")
        assert again.returncode == 0, again.stdout + again.stderr
        assert "stale lock" in again.stderr and "pending operation" in again.stderr
        assert instance(emu)["InstanceState"] == "RUNNING"
        assert tc(emu, tmp_path, "apply", "--yes").stdout.count("Preview: no changes.") == 1


def test_a_step_that_would_replace_an_instance_resource_is_refused_and_nothing_is_applied(
    tmp_path, monkeypatch
):
    """The stack records the bandwidth fix as acting on another instance (say, a state file restored
    from another fleet), so the provider's diff asks to replace it: apply must refuse it."""
    from tcremedy.remediate.driver import Driver, StackSettings, stack_name
    from tcremedy.remediate.engine import locate_engine

    with start_emulator(scenario="bandwidth-zero", transition_seconds=0.05) as emu:
        assert tc(emu, tmp_path, "apply", "--yes").returncode == 0
        iid = instance(emu)["InstanceId"]
        monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "test-only")
        home = tmp_path / ".tcremedy"
        settings = StackSettings(stack_name(emu.endpoint, emu.region), (home / "state").as_uri(), home)
        stack = Driver(locate_engine(), settings).stack
        deployment = stack.export_stack()
        for res in deployment.deployment["resources"]:
            if res["urn"].endswith(f"::bandwidth-{iid}"):
                res["inputs"]["instance_id"] = res["outputs"]["instance_id"] = "ins-0ther000"
        stack.import_stack(deployment)
        cvm = emu.client(cvm_client.CvmClient)
        req = cvm_models.ResetInstancesInternetMaxBandwidthRequest()
        req._deserialize({"InstanceIds": [iid], "InternetAccessible": {"InternetMaxBandwidthOut": 0}})
        cvm.ResetInstancesInternetMaxBandwidth(req)  # the drift comes back
        refused = tc(emu, tmp_path, "apply", "--yes")
        assert refused.returncode == 1
        assert "refusing to apply; nothing was changed" in refused.stderr
        assert f"bandwidth-{iid}" in refused.stderr and "never replaces an instance" in refused.stderr
        assert instance(emu)["InternetAccessible"]["InternetMaxBandwidthOut"] == 0
