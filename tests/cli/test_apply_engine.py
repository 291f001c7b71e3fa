"""`tcremedy apply` end to end: the CLI, the real Pulumi engine and the emulator over HTTP.

Every test runs the real engine built from Go modules (the sdk-dynamic path: the tencentcloud plugin
cannot be built here) against an in-process emulator, through the `tcremedy` console script.
"""

from __future__ import annotations

import json
import os
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
FIXABLE = [  # sg-missing-rdp: the `converged` fixture and tests/cli/test_crash_apply.py apply it
    "sg-drop-before-accept",
    "sg-second-group-drops",
    "sg-template-drop",  # a DROP written with templates shadows the admin's ACCEPT (issue 9 item 2)
    "bandwidth-zero",
    "instance-stopped",
    "guest-rdp-disabled",
    "guest-port-changed",
    "guest-rdp-not-listening",
    "guest-nla-mismatch",
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
        assert applied.stdout.count("cannot be built here") == 1  # once, in the path line
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
        group = instance(emu)["SecurityGroupIds"][0]
        admin = rdp_rules(emu, group)["203.0.113.0/24"][0]
        vpc = emu.client(vpc_client.VpcClient)
        rm = vpc_models.DeleteSecurityGroupPoliciesRequest()
        rm._deserialize(
            {
                "SecurityGroupId": group,
                "SecurityGroupPolicySet": {"Ingress": [{"PolicyIndex": admin["PolicyIndex"]}]},
            }
        )
        vpc.DeleteSecurityGroupPolicies(rm)  # a second, harmless fix joins the same preview
        rules_before = ingress(emu, group)
        refused = tc(emu, tmp_path, "apply", "--yes")
        assert refused.returncode == 1
        assert "refusing to apply; nothing was changed" in refused.stderr
        assert f"bandwidth-{iid}" in refused.stderr and "never replaces an instance" in refused.stderr
        assert "create" in refused.stdout and "sg-rule-" in refused.stdout  # the preview had both ...
        assert instance(emu)["InternetAccessible"]["InternetMaxBandwidthOut"] == 0  # ... neither ran
        assert ingress(emu, group) == rules_before


# ---------------------------------------------------------------- issue #5 acceptance

POLICY = Path(__file__).resolve().parents[2] / "policies" / "windows-rdp.yaml"
RDP_SHADOWED = """
name: rdp-shadowed-own-rule
vpcs: [{name: demo, cidr: 10.0.0.0/16, subnets: [{name: app, cidr: 10.0.1.0/24, zone: ap-guangzhou-3}]}]
security_groups:
  - name: rdp
    ingress:
      - {protocol: TCP, port: "3389", cidr: 0.0.0.0/0, action: DROP, description: no rdp from internet}
      - {protocol: TCP, port: "3389", cidr: 198.51.100.10/32, action: ACCEPT, description: jump host by hand}
    egress: [{protocol: ALL, cidr: 0.0.0.0/0, action: ACCEPT}]
instances:
  - {name: win-rdp-01, image: windows, subnet: app, security_groups: [rdp], bandwidth: 10,
     load: {CpuUsage: 12, MemUsage: 38, WanOuttraffic: 0.6, WanIntraffic: 0.3}}
"""


def policy_file(tmp: Path, name: str, old: str, new: str) -> Path:
    text = POLICY.read_text()
    assert old in text
    path = tmp / name
    path.write_text(text.replace(old, new))
    return path


def rdp_rules(emu: RunningEmulator, group: str) -> dict[str, list[dict]]:
    rules: dict[str, list[dict]] = {}
    for r in ingress(emu, group):
        if r["Port"] == "3389" and r["Action"] == "ACCEPT":
            rules.setdefault(r["CidrBlock"], []).append(r)
    return rules


def test_a_cidr_removed_from_the_policy_deletes_tcremedys_rule_never_an_adopted_one(tmp_path):
    """ "Removed from the policy" = the CIDR left rdp.admin_cidrs: tcremedy's own rule for it is
    deleted; a rule that existed before (here moved above the DROP, adopted) is only forgotten."""
    scenario = tmp_path / "rdp-shadowed.yaml"
    scenario.write_text(RDP_SHADOWED)
    with start_emulator(scenario=str(scenario), transition_seconds=0.05) as emu:
        group = instance(emu)["SecurityGroupIds"][0]
        first = tc(emu, tmp_path, "apply", "--yes")
        assert first.returncode == 0, first.stdout + first.stderr
        rules = rdp_rules(emu, group)
        assert [r["PolicyDescription"] for r in rules["198.51.100.10/32"]] == ["jump host by hand"]
        assert rules["203.0.113.0/24"][0]["PolicyDescription"].startswith("tcremedy:")
        drop = next(r for r in ingress(emu, group) if r["Action"] == "DROP")
        assert all(r[0]["PolicyIndex"] < drop["PolicyIndex"] for r in rules.values())  # both above it

        narrowed = policy_file(
            tmp_path, "narrow.yaml", "    - 203.0.113.0/24\n    - 198.51.100.10/32\n", "    - 192.0.2.10/32\n"
        )
        second = tc(emu, tmp_path, "apply", "--yes", "--policy", str(narrowed))
        assert second.returncode == 0, second.stdout + second.stderr
        assert "delete" in second.stdout
        after = rdp_rules(emu, group)
        assert "203.0.113.0/24" not in after  # tcremedy's rule: deleted from the group
        assert [r["PolicyDescription"] for r in after["198.51.100.10/32"]] == ["jump host by hand"]
        assert len(after["192.0.2.10/32"]) == 1  # the policy's new CIDR
        third = tc(emu, tmp_path, "apply", "--yes", "--policy", str(narrowed))
        assert third.returncode == 0 and "Preview: no changes." in third.stdout, third.stdout


def open_codes(emu: RunningEmulator, cwd: Path) -> dict[str, set[str]]:
    out = tc(emu, cwd, "plan", "--json", "-q")
    return {i["instance_id"]: {f["code"] for f in i["findings"]} for i in json.loads(out.stdout)["instances"]}


def test_only_and_instance_fix_just_the_selection_and_keep_earlier_fixes(tmp_path):
    """A scoped apply acts only on the selected findings; the others stay open. A later --instance
    run, which reads only its instance's groups, must not remove the rule an earlier run made."""
    with start_emulator(scenario="demo-fleet", fleet_size=12, transition_seconds=0.05) as emu:
        expected = emu.control("GET", "scenario")["instances"]
        by_cause = {code: iid for iid, code in expected.items() if code}
        sg_inst, bw_inst = by_cause["SG_BLOCKS_RDP"], by_cause["BANDWIDTH_ZERO"]
        before = open_codes(emu, tmp_path)
        one = tc(emu, tmp_path, "apply", "--yes", "--instance", sg_inst)
        assert one.returncode == 0, one.stdout + one.stderr
        two = tc(emu, tmp_path, "apply", "--yes", "--only", "BANDWIDTH_ZERO", "--instance", bw_inst)
        assert two.returncode == 0, two.stdout + two.stderr
        assert "delete" not in two.stdout  # the first run's rule is kept
        after = open_codes(emu, tmp_path)
        assert not after[sg_inst] and not after[bw_inst]
        for code, iid in by_cause.items():
            if iid not in (sg_inst, bw_inst):
                assert code in after[iid] and after[iid] == before[iid], (iid, code)


SECRET = "Tcr3medy-Only-In-Env!"


def test_password_reset_from_the_env_var_never_leaks_and_needs_a_value(tmp_path):
    policy = policy_file(
        tmp_path,
        "pw.yaml",
        "    - guest_set_nla\n",  # the last fixes.auto entry of the repo policy
        "    - guest_set_nla\n    - reset_password\n  password_env: TCREMEDY_NEW_PASSWORD\n",
    )
    with start_emulator(scenario="password-reset-failed", transition_seconds=0.05) as emu:
        os.environ.pop("TCREMEDY_NEW_PASSWORD", None)
        manual = tc(emu, tmp_path, "apply", "--yes", "--policy", str(policy))
        assert "Set the environment variable TCREMEDY_NEW_PASSWORD" in manual.stdout
        assert instance(emu)["LatestOperationState"] == "FAILED"  # nothing ran

        os.environ["TCREMEDY_NEW_PASSWORD"] = ""
        try:
            empty = tc(emu, tmp_path, "apply", "--yes", "--policy", str(policy))
            assert empty.returncode == 1 and "Traceback" not in empty.stderr
            assert "TCREMEDY_NEW_PASSWORD" in empty.stderr and "set but empty" in empty.stderr
            assert instance(emu)["LatestOperationState"] == "FAILED"

            os.environ["TCREMEDY_NEW_PASSWORD"] = SECRET
            plan = tmp_path / "plan.json"
            assert tc(
                emu, tmp_path, "plan", "-q", "--policy", str(policy), "--out", str(plan)
            ).returncode in (0, 2)
            done = tc(emu, tmp_path, "apply", "--yes", "--policy", str(policy))
        finally:
            os.environ.pop("TCREMEDY_NEW_PASSWORD", None)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "ForceStop: the instance is STOPPED (forced) and started again" in done.stdout
        inst = instance(emu)
        assert (inst["LatestOperation"], inst["LatestOperationState"]) == (
            "ResetInstancesPassword",
            "SUCCESS",
        )
        assert inst["InstanceState"] == "RUNNING"
        leaks = [p for p in tmp_path.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
        assert (tmp_path / ".tcremedy" / "state").is_dir() and plan.is_file()
        assert not leaks and SECRET not in done.stdout + done.stderr


def test_on_a_terminal_apply_asks_and_a_no_changes_nothing_then_a_yes_applies(tmp_path):
    """stdin is a pseudo-terminal: apply shows the preview, asks, and obeys the answer."""
    with start_emulator(scenario="bandwidth-zero", transition_seconds=0.05) as emu:
        for answer, applied in (("n", False), ("y", True)):
            controller, terminal = os.openpty()
            try:
                os.write(controller, f"{answer}\n".encode())
                out = tc(emu, tmp_path, "apply", stdin=terminal)
            finally:
                os.close(controller)
                os.close(terminal)
            assert "Apply these changes?" in out.stdout + out.stderr
            assert "Traceback" not in out.stderr
            bandwidth = instance(emu)["InternetAccessible"]["InternetMaxBandwidthOut"]
            if applied:
                assert out.returncode == 0 and bandwidth >= 5, out.stdout + out.stderr
            else:
                assert "nothing was changed" in out.stdout and bandwidth == 0


def acl_entries(emu: RunningEmulator) -> dict[str, list[tuple[str, ...]]]:
    vpc = emu.client(vpc_client.VpcClient)
    acl = json.loads(vpc.DescribeNetworkAcls(vpc_models.DescribeNetworkAclsRequest()).to_json_string())[
        "NetworkAclSet"
    ][0]
    fields = ("Protocol", "Port", "CidrBlock", "Action", "Description")
    return {
        d: [tuple(e[f] for f in fields) for e in acl[f"{d.capitalize()}Entries"]]
        for d in ("ingress", "egress")
    }


def test_acl_blocks_rdp_is_repaired_as_code_and_the_admins_entries_stay_in_order(tmp_path):
    """acl-blocks-rdp: the ACL's inbound DROP of 3389 is met by one ACCEPT per admin CIDR on top; the
    outbound list (ACCEPT ALL) already passes the replies and is left alone."""
    with start_emulator(scenario="acl-blocks-rdp", transition_seconds=0.05) as emu:
        before = acl_entries(emu)
        assert tc(emu, tmp_path, "plan", "--detailed-exitcode", "-q").returncode == 2
        applied = tc(emu, tmp_path, "apply", "--yes")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert "acl_allow_rdp" in applied.stdout and "STILL OPEN" not in applied.stdout
        after = tc(emu, tmp_path, "plan", "--detailed-exitcode", "-q")
        assert after.returncode == 0, after.stdout
        entries = acl_entries(emu)
        added, kept = entries["ingress"][:2], entries["ingress"][2:]
        assert sorted(e[2] for e in added) == ["198.51.100.10/32", "203.0.113.0/24"]
        assert all(
            e[0:2] == ("tcp", "3389") and e[3] == "Accept" and e[4].startswith("tcremedy:") for e in added
        )
        assert kept == before["ingress"] and entries["egress"] == before["egress"]  # as they were, in order
        again = tc(emu, tmp_path, "apply", "--yes")
        assert again.returncode == 0 and "Preview: no changes." in again.stdout, again.stdout
        assert acl_entries(emu) == entries  # no duplicate
