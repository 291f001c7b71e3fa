"""The fields of each resource type the stand-in serves, as the provider's schemas declare them.

Only what tcremedy's program sets or reads is listed (Pulumi names; the Terraform name is the
snake_case form). ``force_new`` fields make Diff answer replace; ``computed`` fields left out of
the inputs are never a diff; ``default`` is filled in by Check, as the bridge does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Field:
    required: bool = False
    force_new: bool = False
    computed: bool = False
    default: Any = None
    secret: bool = False  # Sensitive in the schema: the bridge returns it as a Pulumi secret
    conflicts: tuple[str, ...] = ()


RO = Field(computed=True)
GROUP_RULE = "tencentcloud:Security/groupRule:GroupRule"
ACL = "tencentcloud:Vpc/acl:Acl"
INSTANCE = "tencentcloud:Instance/instance:Instance"
REBOOT = "tencentcloud:Cvm/rebootInstance:RebootInstance"
TAT_ATTACHMENT = "tencentcloud:Tat/invocationCommandAttachment:InvocationCommandAttachment"

SCHEMAS: dict[str, dict[str, Field]] = {
    # services/vpc/resource_tc_security_group_rule.go ~l.26-175: no Update, every field ForceNew.
    GROUP_RULE: {
        "securityGroupId": Field(required=True, force_new=True),
        "type": Field(required=True, force_new=True),
        "cidrIp": Field(force_new=True),
        "ipProtocol": Field(force_new=True, computed=True),
        "portRange": Field(force_new=True, computed=True),
        "policy": Field(required=True, force_new=True),
        "policyIndex": Field(force_new=True),
        "sourceSgid": Field(force_new=True, computed=True),
        "description": Field(force_new=True, computed=True),
    },
    # services/vpc/resource_tc_vpc_acl.go ~l.28-65: vpc_id and name Required, lists Optional.
    ACL: {
        "vpcId": Field(required=True),
        "name": Field(required=True),
        "ingresses": Field(),
        "egresses": Field(),
        "tags": Field(),
        "createTime": RO,
    },
    # services/cvm/resource_tc_instance.go ~l.30-460 (the fields tcremedy passes or Read sets).
    INSTANCE: {
        "availabilityZone": Field(force_new=True, computed=True),
        "imageId": Field(computed=True),
        "instanceType": Field(computed=True),
        "instanceName": Field(computed=True),
        "vpcId": Field(computed=True),
        "subnetId": Field(computed=True),
        "orderlySecurityGroups": Field(computed=True),
        "allocatePublicIp": Field(force_new=True, computed=True),
        "instanceChargeType": Field(computed=True),
        "internetChargeType": Field(computed=True),
        "internetMaxBandwidthOut": Field(computed=True),
        "runningFlag": Field(computed=True),
        "password": Field(secret=True, conflicts=("keepImageLogin", "keyIds", "keyName")),
        "keepImageLogin": Field(computed=True, conflicts=("password", "keyIds", "keyName")),
        "keyIds": Field(computed=True),
        "instanceStatus": RO,
        "publicIp": RO,
    },
    # services/cvm/resource_tc_cvm_reboot_instance.go ~l.20-45: no Update, all ForceNew.
    REBOOT: {
        "instanceId": Field(required=True, force_new=True),
        "forceReboot": Field(force_new=True, conflicts=("stopType",)),
        "stopType": Field(force_new=True, conflicts=("forceReboot",)),
    },
    # services/tat/resource_tc_tat_invocation_command_attachment.go ~l.25-135: no Update, all
    # ForceNew; working_directory defaults to "/root" whatever the command type.
    TAT_ATTACHMENT: {
        "content": Field(required=True, force_new=True),
        "instanceId": Field(required=True, force_new=True),
        "commandName": Field(force_new=True),
        "description": Field(force_new=True),
        "commandType": Field(force_new=True),
        "workingDirectory": Field(force_new=True, default="/root"),
        "timeout": Field(force_new=True),
        "saveCommand": Field(force_new=True),
        "enableParameter": Field(force_new=True),
        "defaultParameters": Field(force_new=True),
        "parameters": Field(force_new=True),
        "username": Field(force_new=True),
        "outputCosBucketUrl": Field(force_new=True),
        "outputCosKeyPrefix": Field(force_new=True),
        "commandId": RO,
    },
}


def empty(value: Any) -> bool:
    """Terraform SDKv2 zero values: unset, "", 0, false, [] and {} read the same as null."""
    return value is None or value in ("", 0, False) or value == [] or value == {}
