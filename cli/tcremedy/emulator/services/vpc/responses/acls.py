"""Network ACLs (TRIPLE) and their subnet associations."""

from __future__ import annotations

from typing import Any

from tcremedy.emulator.core import params as p
from tcremedy.emulator.core.errors import UnsupportedOperation
from tcremedy.emulator.services.vpc.models import NetworkAcl, VpcBackend
from tcremedy.emulator.services.vpc.models.common import (
    coexist,
    order,
    tags_in,
)
from tcremedy.emulator.services.vpc.responses.base import described, paged, vpc_action
from tcremedy.emulator.services.vpc.responses.wire import network_acl_wire


def _acl_id(params: dict[str, Any]) -> str:
    return p.string(params, "NetworkAclId", required=True) or ""


@vpc_action("CreateNetworkAcl")
def create_network_acl(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    acl = vpc.create_network_acl(p.string(params, "VpcId", required=True) or "",
                                 p.string(params, "NetworkAclName", required=True) or "",
                                 p.string(params, "NetworkAclType") or "TRIPLE", tags_in(params))
    return {"NetworkAcl": network_acl_wire(vpc, acl)}


def _acl_match(item: NetworkAcl, name: str, values: list[str]) -> bool:
    return {
        "vpc-id": lambda: item.vpc_id in values,
        "network-acl-id": lambda: item.network_acl_id in values,
        "network-acl-name": lambda: item.name in values,
    }[name]()


@vpc_action("DescribeNetworkAcls")
def describe_network_acls(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    items = described(params, vpc.network_acls, _acl_match, ids="NetworkAclIds", prefix="acl",
                      kind="network ACL", filter_names=("vpc-id", "network-acl-id", "network-acl-name"))
    items = order(items, params, {"NetworkAclId": lambda a: a.network_acl_id,
                                  "NetworkAclName": lambda a: a.name,
                                  "CreatedTime": lambda a: a.created, "ModifyTime": lambda a: a.created})
    shown, total = paged(items, params)
    return {"NetworkAclSet": [network_acl_wire(vpc, a) for a in shown], "TotalCount": total}


@vpc_action("ModifyNetworkAclEntries")
def modify_network_acl_entries(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    acl_id = _acl_id(params)
    if params.get("NetworkAclQuintupleSet") is not None:
        if params.get("NetworkAclEntrySet") is not None:
            raise coexist("NetworkAclEntrySet", "NetworkAclQuintupleSet")
        vpc.get_network_acl(acl_id)
        raise UnsupportedOperation("The local emulator supports TRIPLE network ACLs only.")
    vpc.modify_network_acl_entries(acl_id, p.obj(params, "NetworkAclEntrySet", required=True),
                                   p.boolean(params, "EnableUpdateAclEntries"))
    return {}


@vpc_action("CreateNetworkAclEntries")
def create_network_acl_entries(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    vpc.create_network_acl_entries(_acl_id(params), p.obj(params, "NetworkAclEntrySet", required=True))
    return {}


@vpc_action("AssociateNetworkAclSubnets")
def associate_network_acl_subnets(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    subnet_ids = p.str_list(params, "SubnetIds", required=True) or []
    vpc.associate_network_acl_subnets(_acl_id(params), subnet_ids)
    return {}


@vpc_action("DisassociateNetworkAclSubnets")
def disassociate_network_acl_subnets(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    subnet_ids = p.str_list(params, "SubnetIds", required=True) or []
    vpc.disassociate_network_acl_subnets(_acl_id(params), subnet_ids)
    return {}


@vpc_action("DeleteNetworkAcl")
def delete_network_acl(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    vpc.delete_network_acl(_acl_id(params))
    return {}
