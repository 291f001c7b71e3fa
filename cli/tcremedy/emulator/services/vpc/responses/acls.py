"""Network ACLs (TRIPLE entries, QUINTUPLE entries) and their subnet associations."""

from __future__ import annotations

from typing import Any

from tcremedy.emulator.core import params as p
from tcremedy.emulator.services.vpc.models import NetworkAcl, VpcBackend
from tcremedy.emulator.services.vpc.models.common import api_time, coexist
from tcremedy.emulator.services.vpc.models.quintuple import QuintupleEntry
from tcremedy.emulator.services.vpc.responses.acl_input import acl_entry_sets, quintuple_sets
from tcremedy.emulator.services.vpc.responses.base import described, paged, vpc_action
from tcremedy.emulator.services.vpc.responses.request_params import filters, order, tags_in
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
        vpc.reset_quintuple_entries(acl_id, quintuple_sets(params, reset=True))
        return {}
    incremental = p.boolean(params, "EnableUpdateAclEntries")
    vpc.modify_network_acl_entries(acl_id, acl_entry_sets(params), incremental)
    return {}


@vpc_action("CreateNetworkAclEntries")
def create_network_acl_entries(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    vpc.create_network_acl_entries(_acl_id(params), acl_entry_sets(params))
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


# -- quintuple entries ---------------------------------------------------------------------------


def _quintuple_wire(entry: QuintupleEntry) -> dict[str, Any]:
    return {"Protocol": entry.protocol, "Description": entry.description, "SourcePort": entry.source_port,
            "SourceCidr": entry.source_cidr, "DestinationPort": entry.destination_port,
            "DestinationCidr": entry.destination_cidr, "Action": entry.action,
            "NetworkAclQuintupleEntryId": entry.entry_id, "Priority": entry.priority,
            "CreateTime": api_time(entry.created), "NetworkAclDirection": entry.direction,
            "SourceIPv6Cidr": entry.source_ipv6_cidr, "DestinationIPv6Cidr": entry.destination_ipv6_cidr}


_QUINTUPLE_FILTERS = {
    "protocol": lambda e, v: e.protocol in {x.upper() for x in v},
    "description": lambda e, v: e.description in v,
    "destination-cidr": lambda e, v: e.destination_cidr in v or e.destination_ipv6_cidr in v,
    "source-cidr": lambda e, v: e.source_cidr in v or e.source_ipv6_cidr in v,
    "action": lambda e, v: e.action in {x.upper() for x in v},
    "network-acl-quintuple-entry-id": lambda e, v: e.entry_id in v,
    "network-acl-direction": lambda e, v: e.direction in {x.upper() for x in v},
}


@vpc_action("DescribeNetworkAclQuintupleEntries")
def describe_network_acl_quintuple_entries(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    """Offset/Limit are integers here; Limit 1-100, default 20 (SDK request model docstring)."""
    acl = vpc._quintuple_acl(_acl_id(params))
    flt = filters(params, _QUINTUPLE_FILTERS)
    items = [e for e in vpc.quintuple_entries(acl) if all(_QUINTUPLE_FILTERS[n](e, v) for n, v in flt)]
    offset = p.integer(params, "Offset", 0, minimum=0) or 0
    limit = p.integer(params, "Limit", 20, minimum=1, maximum=100) or 20
    return {"NetworkAclQuintupleSet": [_quintuple_wire(e) for e in items[offset:offset + limit]],
            "TotalCount": len(items)}


@vpc_action("CreateNetworkAclQuintupleEntries")
def create_network_acl_quintuple_entries(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    vpc.create_quintuple_entries(_acl_id(params), quintuple_sets(params))
    return {}


@vpc_action("ModifyNetworkAclQuintupleEntries")
def modify_network_acl_quintuple_entries(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    vpc.modify_quintuple_entries(_acl_id(params), quintuple_sets(params))
    return {}


@vpc_action("DeleteNetworkAclQuintupleEntries")
def delete_network_acl_quintuple_entries(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    vpc.delete_quintuple_entries(_acl_id(params), quintuple_sets(params))
    return {}
