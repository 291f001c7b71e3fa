"""The pulumi-tencentcloud program (the production path) under Pulumi mocks.

Mocks are used because the real path cannot run here: the ``pulumi-resource-tencentcloud`` plugin
cannot be built (the Go module proxy refuses the tencentcloudstack modules). The mock monitor sees
exactly what the engine would receive for each resource: type, inputs and options.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks

from tcremedy.cloud.state import Instance, LiveState, NetworkAcl, NetworkAclEntry, SecurityGroup, Subnet
from tcremedy.policy.values import FIX_NAMES
from tcremedy.remediate.limits import Limits
from tcremedy.remediate.planner import FixResource
from tcremedy.remediate.program.declare import build_program
from tcremedy.remediate.program.provider_backend import MANAGED, TencentCloudProviderBackend

SECRET_SIG = "4dabf18193072939515e22adb298388d"


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return (args.resource_id or f"{args.name}-id"), dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """Keeps every RegisterResource request (inputs, import id, protect, ignore_changes...)."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.requests: dict[str, Any] = {}

    def RegisterResource(self, request: Any) -> Any:
        self.requests[request.name] = request
        return super().RegisterResource(request)


STATE = LiveState(
    region="ap-guangzhou",
    collected_at="2026-01-01T00:00:00+00:00",
    instances={
        "ins-aaaa1111": Instance(
            instance_id="ins-aaaa1111",
            region="ap-guangzhou",
            name="win-01",
            zone="ap-guangzhou-3",
            image_id="img-win2019",
            instance_type="S5.MEDIUM4",
            state="STOPPED",
            internet_max_bandwidth_out=0,
            internet_charge_type="TRAFFIC_POSTPAID_BY_HOUR",
            instance_charge_type="POSTPAID_BY_HOUR",
            vpc_id="vpc-1",
            subnet_id="subnet-1",
            security_group_ids=("sg-first", "sg-second"),
            public_ip_addresses=("198.18.0.10",),
        )
    },
    security_groups={"sg-first": SecurityGroup("sg-first"), "sg-second": SecurityGroup("sg-second")},
    subnets={"subnet-1": Subnet("subnet-1", vpc_id="vpc-1", network_acl_id="acl-1")},
    network_acls={
        "acl-1": NetworkAcl(
            "acl-1",
            vpc_id="vpc-1",
            name="app-acl",
            ingress=(
                NetworkAclEntry("TCP", "3389", "DROP", "0.0.0.0/0", description="no rdp"),
                NetworkAclEntry("ALL", "", "ACCEPT", "0.0.0.0/0"),
            ),
            egress=(  # an entry an earlier apply made for a CIDR the policy no longer lists, then the admin's
                NetworkAclEntry("TCP", "49152-65535", "ACCEPT", "192.0.2.0/24", description="tcremedy: old"),
                NetworkAclEntry("TCP", "49152-65535", "DROP", "0.0.0.0/0"),
            ),
        )
    },
)
IID = "ins-aaaa1111"
RESOURCES = (
    FixResource(
        "sg_rule",
        "sg-rule-sg-first-203-0-113-0-24-tcp-3389",
        "sg_allow_rdp",
        "",
        {
            "security_group_id": "sg-first",
            "cidr_block": "203.0.113.0/24",
            "protocol": "TCP",
            "port": "3389",
            "action": "ACCEPT",
            "policy_index": 0,
            "region": "ap-guangzhou",
            "description": "tcremedy: RDP from x",
            "trigger": "SG@t1",
        },
    ),
    *(
        FixResource(
            "acl_entry",
            f"acl-entry-acl-1-{direction}-203-0-113-0-24-tcp-{port}",
            "acl_allow_rdp",
            "",
            {
                "network_acl_id": "acl-1",
                "direction": direction,
                "cidr_block": "203.0.113.0/24",
                "protocol": "TCP",
                "port": port,
                "action": "ACCEPT",
                "region": "ap-guangzhou",
                "description": f"tcremedy: {direction} 203.0.113.0/24",
            },
        )
        for direction, port in (("ingress", "3389"), ("egress", "49152-65535"))
    ),
    FixResource(
        "bandwidth", f"bandwidth-{IID}", "raise_bandwidth", IID, {"instance_id": IID, "target_mbps": 5}
    ),
    FixResource("running", f"running-{IID}", "start_instance", IID, {"instance_id": IID}),
    FixResource(
        "password",
        f"password-{IID}",
        "reset_password",
        IID,
        {"instance_id": IID, "password_env": "NEW_PW", "trigger": "PASSWORD_RESET_FAILED@t1"},
    ),
    FixResource("reboot", f"reboot-{IID}", "reboot_instance", IID, {"instance_id": IID, "trigger": "CPU@t1"}),
    FixResource(
        "guest_fix",
        f"guest-enable-rdp-{IID}",
        "guest_enable_rdp",
        IID,
        {"instance_id": IID, "script": "enable-rdp", "trigger": "GUEST@t1"},
    ),
)

LIMITS = Limits(
    admin_cidrs=("203.0.113.0/24",), port=3389, allow_public_rdp=False, auto=FIX_NAMES, password_env="NEW_PW"
)


@pytest.fixture(scope="module")
def registered() -> dict[str, Any]:
    mocks = _Mocks()
    monitor = _RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(
        mocks, project="tcremedy-remediation", stack="test", preview=False, monitor=monitor
    )
    backend = TencentCloudProviderBackend(STATE, "ap-guangzhou", passwords={IID: "N3w-Secret-Passw0rd!"})
    program = build_program(RESOURCES, backend, LIMITS)

    @pulumi.runtime.test
    def run() -> None:
        program()

    run()
    return monitor.requests


def _inputs(request: Any) -> dict[str, Any]:
    return json_format.MessageToDict(request.object)


def test_rule_is_a_group_rule_at_index_0_for_exactly_the_policy_cidr_and_port(registered):
    req = registered["sg-rule-sg-first-203-0-113-0-24-tcp-3389"]
    assert req.type == "tencentcloud:Security/groupRule:GroupRule"
    inputs = _inputs(req)
    assert inputs["securityGroupId"] == "sg-first"  # the FIRST bound group
    assert inputs["policyIndex"] == 0
    assert inputs["cidrIp"] == "203.0.113.0/24"
    assert (inputs["portRange"], inputs["ipProtocol"], inputs["policy"], inputs["type"]) == (
        "3389",
        "TCP",
        "ACCEPT",
        "ingress",
    )


def test_instance_is_adopted_protected_and_only_managed_properties_can_change(registered):
    req = registered[f"instance-{IID}"]
    assert req.type == "tencentcloud:Instance/instance:Instance"
    assert req.importId == IID
    assert req.protect is True
    assert req.retainOnDelete is True
    ignored = set(req.ignoreChanges)
    assert not ignored & {"internetMaxBandwidthOut", "runningFlag", "password", *MANAGED}
    assert {"imageId", "instanceType", "availabilityZone", "orderlySecurityGroups"} <= ignored
    inputs = _inputs(req)
    assert inputs["internetMaxBandwidthOut"] == 5 and inputs["runningFlag"] is True
    assert (inputs["imageId"], inputs["availabilityZone"]) == (
        "img-win2019",
        "ap-guangzhou-3",
    )  # from live state


def test_password_is_a_pulumi_secret(registered):
    password = _inputs(registered[f"instance-{IID}"])["password"]
    assert isinstance(password, dict) and password.get(SECRET_SIG) is not None
    assert password["value"] == "N3w-Secret-Passw0rd!"  # only inside the secret envelope


def test_reboot_and_guest_fix_resources_follow_the_adopted_instance(registered):
    reboot = registered[f"reboot-{IID}"]
    assert reboot.type == "tencentcloud:Cvm/rebootInstance:RebootInstance"
    assert _inputs(reboot)["instanceId"] == IID
    guest = registered[f"guest-enable-rdp-{IID}"]
    assert guest.type == "tencentcloud:Tat/invocationCommandAttachment:InvocationCommandAttachment"
    inputs = _inputs(guest)
    assert inputs["commandType"] == "POWERSHELL" and inputs["instanceId"] == IID
    import base64

    assert base64.b64decode(inputs["content"]).decode().startswith("# tcremedy-guest-fix enable-rdp v1")


def test_acl_is_adopted_protected_and_only_its_entry_lists_are_declared(registered):
    """tcremedy's entries on top, the admin's entries as they were and in order; an entry tcremedy
    made earlier that the policy no longer wants is left out."""
    req = registered["network-acl-acl-1"]
    assert req.type == "tencentcloud:Vpc/acl:Acl"
    assert (req.importId, req.protect, req.retainOnDelete) == ("acl-1", True, True)
    assert {"vpcId", "name", "tags"} <= set(req.ignoreChanges)
    inputs = _inputs(req)
    assert (inputs["vpcId"], inputs["name"]) == ("vpc-1", "app-acl")  # as they are live
    assert inputs["ingresses"] == [
        "ACCEPT#203.0.113.0/24#3389#TCP#TCREMEDY: INGRESS 203.0.113.0/24",
        "DROP#0.0.0.0/0#3389#TCP#NO RDP",  # as the provider's Read renders it: upper-cased whole
        "ACCEPT#0.0.0.0/0#ALL#ALL",
    ]
    assert inputs["egresses"] == [
        "ACCEPT#203.0.113.0/24#49152-65535#TCP#TCREMEDY: EGRESS 203.0.113.0/24",
        "DROP#0.0.0.0/0#49152-65535#TCP",
    ]
    from tcremedy.policy.loader import load_policy, packaged_default_policy
    from tcremedy.remediate.crossguard import declared_violations

    assert declared_violations(load_policy(packaged_default_policy()), req.type, inputs) == []


def test_guest_fix_runs_in_the_windows_working_directory_as_system_after_the_reboot(registered):
    """Issue 8 item 1: the attachment's working_directory defaults to /root; the provider's Read sets
    working_directory and username from DescribeInvocations (ForceNew), so both are declared as TAT
    reports them on Windows, or the second apply would replace (re-run) the script."""
    guest = registered[f"guest-enable-rdp-{IID}"]
    inputs = _inputs(guest)
    assert inputs["workingDirectory"] == r"C:\Program Files\qcloud\tat_agent\workdir"
    assert inputs["username"] == "System"
    assert any(dep.endswith(f"RebootInstance::reboot-{IID}") for dep in guest.dependencies)


def test_a_rule_is_replaced_deleting_first_when_seen_blocked_again(registered):
    """Issue 8 item 5: every GroupRule field is ForceNew and the API refuses a duplicate, so a
    replacement deletes first; a new trigger (the rule seen blocked again) re-inserts it on top."""
    req = registered["sg-rule-sg-first-203-0-113-0-24-tcp-3389"]
    assert req.deleteBeforeReplace is True
    assert req.replacement_trigger.string_value == "SG@t1"


def test_the_program_refuses_to_declare_a_fix_beyond_the_policy() -> None:
    from dataclasses import replace

    from tcremedy.errors import GuardrailViolation

    wide = replace(
        RESOURCES[0], params={**RESOURCES[0].params, "cidr_block": "0.0.0.0/0", "allow_public": True}
    )
    backend = TencentCloudProviderBackend(STATE, "ap-guangzhou")
    with pytest.raises(GuardrailViolation, match=r"0\.0\.0\.0/0 is not one of the policy's admin CIDRs"):
        build_program((wide, *RESOURCES[1:]), backend, LIMITS)
