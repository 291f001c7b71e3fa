"""Security groups and their policies."""

from __future__ import annotations

from typing import Any

from tcremedy.emulator.core import params as p
from tcremedy.emulator.core.errors import MissingParameter
from tcremedy.emulator.services.vpc.models import SecurityGroup, VpcBackend
from tcremedy.emulator.services.vpc.models.common import with_tags
from tcremedy.emulator.services.vpc.models.security_groups import DIRECTIONS
from tcremedy.emulator.services.vpc.responses.base import described, paged, vpc_action
from tcremedy.emulator.services.vpc.responses.policy_input import policy_set
from tcremedy.emulator.services.vpc.responses.request_params import filters, id_list, order, tags_in
from tcremedy.emulator.services.vpc.responses.wire import policy_wire, security_group_wire


@vpc_action("CreateSecurityGroup")
def create_security_group(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    sg = vpc.create_security_group(p.string(params, "GroupName", required=True) or "",
                                   p.string(params, "GroupDescription", required=True) or "",
                                   p.string(params, "ProjectId") or "0", tags_in(params))
    return {"SecurityGroup": security_group_wire(sg)}


@with_tags
def _sg_match(item: SecurityGroup, name: str, values: list[str]) -> bool:
    return {
        "security-group-id": lambda: item.security_group_id in values,
        "security-group-name": lambda: item.name in values,
        "project-id": lambda: item.project_id in values,
    }[name]()


@vpc_action("DescribeSecurityGroups")
def describe_security_groups(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    items = described(params, vpc.security_groups, _sg_match, ids="SecurityGroupIds", prefix="sg",
                      kind="security group", prefixes=("tag:",),
                      filter_names=("security-group-id", "security-group-name", "project-id", "tag-key"))
    items = order(items, params, {"CreatedTime": lambda g: g.created, "UpdateTime": lambda g: g.updated})
    shown, total = paged(items, params)
    return {"SecurityGroupSet": [security_group_wire(g) for g in shown], "TotalCount": total}


@vpc_action("DeleteSecurityGroup")
def delete_security_group(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    vpc.delete_security_group(p.string(params, "SecurityGroupId", required=True) or "")
    return {}


@vpc_action("ModifySecurityGroupAttribute")
def modify_security_group_attribute(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    vpc.modify_security_group_attribute(p.string(params, "SecurityGroupId", required=True) or "",
                                        p.string(params, "GroupName"), p.string(params, "GroupDescription"))
    return {}


@vpc_action("DescribeSecurityGroupAssociationStatistics")
def describe_security_group_association_statistics(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    ids = id_list(params, "SecurityGroupIds", "sg")
    if not ids:
        raise MissingParameter("SecurityGroupIds")
    out = []
    for sg_id in ids:
        vpc.get_security_group(sg_id)
        cvm = len(vpc.bound_instances(sg_id))
        out.append({"SecurityGroupId": sg_id, "CVM": cvm, "CDB": 0, "ENI": 0, "CLB": 0,
                    "SG": len(vpc.referencing_groups(sg_id)),
                    "InstanceStatistics": [{"InstanceType": "CVM", "InstanceCount": cvm}] if cvm else [],
                    "TotalCount": cvm})
    return {"SecurityGroupAssociationStatisticsSet": out}


_POLICY_FILTERS = ("security-group-id", "ip", "address-module", "service-module", "protocol-type", "port",
                   "poly", "direction", "description")


@vpc_action("DescribeSecurityGroupPolicies")
def describe_security_group_policies(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    sg = vpc.get_security_group(p.string(params, "SecurityGroupId", required=True) or "")
    flt = filters(params, _POLICY_FILTERS)
    directions = set(DIRECTIONS)
    for name, values in flt:
        if name == "direction":
            wanted = {v.upper() for v in values}
            if "ALL" not in wanted:
                pairs = (("Ingress", "INBOUND"), ("Egress", "OUTBOUND"))
                directions &= {d for d, tag in pairs if tag in wanted}
    out: dict[str, Any] = {"Version": str(sg.version)}
    for direction in DIRECTIONS:
        rules = sg.rules(direction) if direction in directions else []
        out[direction] = [policy_wire(rule, i) for i, rule in enumerate(rules)
                          if all(n == "direction" or vpc.policy_matches(rule, n, v) for n, v in flt)]
    out["PolicyStatistics"] = {
        "IngressIPv4TotalCount": sum(1 for r in sg.ingress if not r.ipv6_cidr_block),
        "IngressIPv6TotalCount": sum(1 for r in sg.ingress if r.ipv6_cidr_block),
        "EgressIPv4TotalCount": sum(1 for r in sg.egress if not r.ipv6_cidr_block),
        "EgressIPv6TotalCount": sum(1 for r in sg.egress if r.ipv6_cidr_block),
    }
    return {"SecurityGroupPolicySet": out}


def _sg_id(params: dict[str, Any]) -> str:
    return p.string(params, "SecurityGroupId", required=True) or ""


@vpc_action("CreateSecurityGroupPolicies")
def create_security_group_policies(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    vpc.create_security_group_policies(_sg_id(params), policy_set(params))
    return {}


@vpc_action("DeleteSecurityGroupPolicies")
def delete_security_group_policies(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    vpc.delete_security_group_policies(_sg_id(params), policy_set(params))
    return {}


@vpc_action("ReplaceSecurityGroupPolicy")
def replace_security_group_policy(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    sg_id = _sg_id(params)
    if params.get("OriginalSecurityGroupPolicySet") is not None:
        policy_set(params, "OriginalSecurityGroupPolicySet", shape_only=True)  # it is informational
    vpc.replace_security_group_policy(sg_id, policy_set(params))
    return {}


@vpc_action("ModifySecurityGroupPolicies")
def modify_security_group_policies(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    vpc.modify_security_group_policies(_sg_id(params), policy_set(params), p.boolean(params, "SortPolicys"))
    return {}
