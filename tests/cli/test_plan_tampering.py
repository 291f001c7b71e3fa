"""Tampered plan files never widen access: `tcremedy apply PLAN --yes` re-derives every step from the
policy on disk and the recorded findings, and refuses (exit 1, one line naming the step, no traceback)
any step that differs. The cloud is read back through the SDK after each refusal: nothing changed.

One emulator (a fleet with one instance per cause the cases change) and one genuine plan for the
module; each case edits a copy of the plan. The refusals happen before the engine starts.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tencentcloud.cvm.v20170312 import cvm_client
from tencentcloud.vpc.v20170312 import vpc_client
from typer.testing import CliRunner

from tcremedy.cloud.state import LiveState
from tcremedy.emulator.testing import RunningEmulator, start_emulator
from tcremedy.main import app

POLICY = Path(__file__).resolve().parents[2] / "policies" / "windows-rdp.yaml"
SCENARIO = """\
name: tamper-fleet
description: one Windows instance per cause the tampered-plan cases change
generator: fleet
fleet:
  causes: [SG_BLOCKS_RDP, ACL_BLOCKS_RDP, BANDWIDTH_ZERO, CPU_SATURATED, GUEST_RDP_PORT_CHANGED]
  healthy_share: 0.0
expect:
  root_cause: null
  mixed: true
"""
CREDENTIAL_VARIABLES = (
    "TENCENTCLOUD_SECRET_ID",
    "TENCENTCLOUD_SECRET_KEY",
    "TCCLI_PROFILE",
    "TCREMEDY_ENDPOINT",
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningEmulator, Path, dict]]:
    root = tmp_path_factory.mktemp("tamper")
    (root / "tamper.yaml").write_text(SCENARIO)
    shutil.copy(POLICY, root / "policy.yaml")
    with pytest.MonkeyPatch.context() as mp:
        for name in CREDENTIAL_VARIABLES:
            mp.delenv(name, raising=False)
        mp.setenv("HOME", str(root / "home"))
        with start_emulator(scenario=str(root / "tamper.yaml"), fleet_size=8, transition_seconds=0.05) as emu:
            plan = root / "plan.json"
            result = CliRunner().invoke(
                app,
                [
                    "plan",
                    "-q",
                    "--policy",
                    str(root / "policy.yaml"),
                    "--endpoint",
                    emu.endpoint,
                    "--out",
                    str(plan),
                ],
            )
            assert result.exit_code == 0, result.output
            yield emu, root, json.loads(plan.read_text())


def snapshot(emu: RunningEmulator) -> dict[str, Any]:
    """What an apply could change, read through the SDK."""
    vpc, cvm = emu.client(vpc_client.VpcClient), emu.client(cvm_client.CvmClient)
    groups = vpc.call_json("DescribeSecurityGroups", {"Limit": "100"})["Response"]["SecurityGroupSet"]
    return {
        "rules": {
            g["SecurityGroupId"]: vpc.call_json(
                "DescribeSecurityGroupPolicies", {"SecurityGroupId": g["SecurityGroupId"]}
            )["Response"]["SecurityGroupPolicySet"]
            for g in groups
        },
        "acls": vpc.call_json("DescribeNetworkAcls", {"Limit": 100})["Response"]["NetworkAclSet"],
        "instances": [
            (i["InstanceId"], i["InstanceState"], i["InternetAccessible"], i.get("LatestOperation"))
            for i in cvm.call_json("DescribeInstances", {"Limit": 100})["Response"]["InstanceSet"]
        ],
        "guests": {  # guest facts and lifecycle status: what guest fixes, reboots and resets change
            iid: {k: v for k, v in emu.control("GET", f"instances/{iid}").items() if k in ("guest", "status")}
            for iid in emu.instance_ids()
        },
    }


def step(plan: dict, fix: str) -> dict:
    return next(f for f in plan["fixes"] if f["fix"] == fix)


def both(s: dict, **params: Any) -> None:
    """Change a step's resource parameters and its displayed parameters alike."""
    s["resource"]["params"].update(params)
    s["parameters"].update(params)


def sg_cidr(cidr: str) -> Callable[[dict, Path], None]:
    def edit(plan: dict, _root: Path) -> None:
        both(
            step(plan, "sg_allow_rdp"), cidr_block=cidr, allow_public=True, description="tcremedy: RDP from x"
        )

    return edit


def embedded_policy_widened(plan: dict, root: Path) -> None:
    plan["policy"]["data"]["rdp"].update(admin_cidrs=["0.0.0.0/0"], allow_public_rdp=True)
    sg_cidr("0.0.0.0/0")(plan, root)


def reboot_made_automatic(plan: dict, _root: Path) -> None:
    reboot = step(plan, "reboot_instance")
    reboot["auto"] = True
    plan["affected_instances"] = sorted({*plan["affected_instances"], reboot["instance_id"]})


def empty_affected(plan: dict, _root: Path) -> None:
    plan["affected_instances"] = []
    plan["state_fingerprint"] = LiveState(region="ap-guangzhou", collected_at="").fingerprint(())


def policy_missing(plan: dict, root: Path) -> None:
    plan["policy"]["path"] = str(root / "gone.yaml")


def policy_hash(plan: dict, _root: Path) -> None:
    plan["policy"]["sha256"] = "0" * 64


def undiagnosed_instance(plan: dict, _root: Path) -> None:
    extra = copy.deepcopy(step(plan, "raise_bandwidth"))
    extra["instance_id"] = extra["resource"]["instance_id"] = "ins-zzzzzzzz"
    plan["fixes"].append(extra)


def unfound_finding(plan: dict, _root: Path) -> None:
    step(plan, "sg_allow_rdp")["finding_code"] = "CPU_SATURATED"


def other_group(plan: dict, _root: Path) -> None:
    both(step(plan, "sg_allow_rdp"), security_group_id="sg-zzzzzzzz")


def fix_renamed(plan: dict, _root: Path) -> None:
    step(plan, "sg_allow_rdp")["fix"] = "acl_allow_rdp"


def unknown_kind(plan: dict, _root: Path) -> None:
    step(plan, "sg_allow_rdp")["resource"]["kind"] = "firewall"


def other_acl(plan: dict, _root: Path) -> None:
    s = step(plan, "acl_allow_rdp")
    both(s, network_acl_id="acl-zzzzzzzz")
    s["resource"]["key"] = s["resource"]["key"].replace(s["resource"]["key"].split("-")[3], "zzzzzzzz")


def edit_params(fix: str, **params: Any) -> Callable[[dict, Path], None]:
    def edit(plan: dict, _root: Path) -> None:
        both(step(plan, fix), **params)

    return edit


def malformed_trigger(plan: dict, _root: Path) -> None:
    both(step(plan, "guest_align_rdp_port"), trigger="x y")


CASES: dict[str, tuple[Callable[[dict, Path], None], str]] = {
    "sg 0.0.0.0/0 with allow_public": (sg_cidr("0.0.0.0/0"), "not one of the policy's admin CIDRs"),
    "sg 10.0.0.0/8": (sg_cidr("10.0.0.0/8"), "not one of the policy's admin CIDRs"),
    "sg 128.0.0.0/1": (sg_cidr("128.0.0.0/1"), "not one of the policy's admin CIDRs"),
    "sg 1.1.1.1/32": (sg_cidr("1.1.1.1/32"), "not one of the policy's admin CIDRs"),
    "embedded policy widened": (embedded_policy_widened, "not one of the policy's admin CIDRs"),
    "reboot made automatic": (reboot_made_automatic, "not listed in the policy's fixes.auto"),
    "sg action DROP": (edit_params("sg_allow_rdp", action="DROP"), "action 'DROP' is not ACCEPT"),
    "sg protocol ALL": (edit_params("sg_allow_rdp", protocol="ALL"), "protocol 'ALL' is not TCP"),
    "sg another port": (edit_params("sg_allow_rdp", port="3390"), "port '3390' is not 3389"),
    "sg not on top": (edit_params("sg_allow_rdp", policy_index=7), "not inserted at the top"),
    "sg another group": (other_group, "differs from the step the policy gives"),
    "sg hold": (edit_params("sg_allow_rdp", hold=True), "differs from the step the policy gives"),
    "acl all ports": (edit_params("acl_allow_rdp", port="ALL"), "port 'ALL' is not 3389"),
    "acl DROP": (edit_params("acl_allow_rdp", action="DROP"), "action 'DROP' is not ACCEPT"),
    "acl another acl": (other_acl, "is not a step the policy gives"),
    "bandwidth 1000": (edit_params("raise_bandwidth", target_mbps=1000), "target_mbps 1000"),
    "bandwidth 50": (edit_params("raise_bandwidth", target_mbps=50), "differs from the step"),
    "guest other script": (edit_params("guest_align_rdp_port", script="enable-rdp"), "is not a script of"),
    "guest other port": (edit_params("guest_align_rdp_port", port=3390), "not the policy's RDP port"),
    "guest malformed trigger": (malformed_trigger, "malformed trigger"),
    "fix renamed": (fix_renamed, "declares a resource of fix 'sg_allow_rdp'"),
    "unknown resource kind": (unknown_kind, "resource.kind' is 'firewall'"),
    "undiagnosed instance": (undiagnosed_instance, "which the plan did not diagnose"),
    "finding not found": (unfound_finding, "which the plan did not find there"),
    "affected_instances [] bypass": (empty_affected, "affected_instances [] is not the set"),
    "policy file missing": (policy_missing, "gone.yaml the plan was made with is missing"),
    "policy changed": (policy_hash, "the policy changed since plan"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_tampered_plan_is_refused_and_nothing_is_applied(world, tmp_path: Path, case: str) -> None:
    emu, root, genuine = world
    edit, message = CASES[case]
    plan = copy.deepcopy(genuine)
    edit(plan, root)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    before = snapshot(emu)
    result = CliRunner().invoke(app, ["apply", str(path), "--yes", "--endpoint", emu.endpoint])
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("error: ") and message in error and "Traceback" not in result.output
    assert any(word in error for word in ("nothing was applied", "STALE", "re-run"))
    assert snapshot(emu) == before


def test_the_genuine_plan_passes_every_check(world, tmp_path: Path) -> None:
    """The control: the same checks accept the plan as written, with its own triggers."""
    from tcremedy.usecase.apply_context import ApplyOptions, from_planfile

    emu, _, genuine = world
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(genuine))

    class Quiet:
        def say(self, text: str = "") -> None: ...
        def note(self, text: str) -> None: ...
        def confirm(self, question: str) -> bool | None:
            return None

    ctx = from_planfile(ApplyOptions(plan_file=path, endpoint=emu.endpoint), Quiet())
    planned = {
        (f["instance_id"], f["finding_code"], f["resource"]["key"]) for f in genuine["fixes"] if f["auto"]
    }
    assert {(s.instance_id, s.finding_code, s.resource.key) for s in ctx.plan.automatic} == planned
    reboot = next(s for s in ctx.plan.manual if s.fix == "reboot_instance")
    assert "fixes.auto" in reboot.manual
