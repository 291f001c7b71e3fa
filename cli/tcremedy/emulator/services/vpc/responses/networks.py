"""CreateVpc, DescribeVpcs, CreateSubnet, DescribeSubnets, DescribeUsedIpAddress."""

from __future__ import annotations

from typing import Any

from tcremedy.emulator.core import params as p
from tcremedy.emulator.services.vpc.models import Subnet, Vpc, VpcBackend
from tcremedy.emulator.services.vpc.models.common import with_tags
from tcremedy.emulator.services.vpc.responses.base import described, paged, required, vpc_action
from tcremedy.emulator.services.vpc.responses.request_params import filters, ids_or_filters, tags_in
from tcremedy.emulator.services.vpc.responses.wire import subnet_wire, vpc_wire


@vpc_action("CreateVpc")
def create_vpc(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    dns = p.str_list(params, "DnsServers")
    multicast = (p.string(params, "EnableMulticast") or "false").lower() == "true"
    created = vpc.create_vpc(p.string(params, "VpcName", required=True) or "",
                             p.string(params, "CidrBlock", required=True) or "", dns_servers=dns,
                             domain_name=p.string(params, "DomainName") or "", enable_multicast=multicast,
                             tags=tags_in(params))
    return {"Vpc": vpc_wire(created)}


@with_tags
def _vpc_match(item: Vpc, name: str, values: list[str]) -> bool:
    return {
        "vpc-name": lambda: any(v in item.name for v in values),
        "vpc-id": lambda: item.vpc_id in values,
        "cidr-block": lambda: item.cidr_block in values,
        "is-default": lambda: str(item.is_default).lower() in {v.lower() for v in values},
    }[name]()


@vpc_action("DescribeVpcs")
def describe_vpcs(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    items = described(params, vpc.vpcs, _vpc_match, ids="VpcIds", prefix="vpc", kind="VPC",
                      filter_names=("vpc-name", "vpc-id", "cidr-block", "is-default", "tag-key"),
                      prefixes=("tag:",))
    shown, total = paged(items, params)
    return {"TotalCount": total, "VpcSet": [vpc_wire(v) for v in shown]}


@vpc_action("CreateSubnet")
def create_subnet(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    subnet = vpc.create_subnet(p.string(params, "VpcId", required=True) or "",
                               p.string(params, "SubnetName", required=True) or "",
                               p.string(params, "CidrBlock", required=True) or "",
                               p.string(params, "Zone", required=True) or "", tags=tags_in(params))
    return {"Subnet": subnet_wire(vpc, subnet)}


@with_tags
def _subnet_match(item: Subnet, name: str, values: list[str]) -> bool:
    return {
        "vpc-id": lambda: item.vpc_id in values,
        "subnet-id": lambda: item.subnet_id in values,
        "subnet-name": lambda: any(v in item.name for v in values),
        "cidr-block": lambda: item.cidr_block in values or item.cidr_block.split("/")[0] in values,
        "zone": lambda: item.zone in values,
        "is-default": lambda: str(item.is_default).lower() in {v.lower() for v in values},
        "route-table-id": lambda: item.route_table_id in values,
    }[name]()


@vpc_action("DescribeSubnets")
def describe_subnets(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    items = described(params, vpc.subnets, _subnet_match, ids="SubnetIds", prefix="subnet", kind="subnet",
                      filter_names=("vpc-id", "subnet-id", "subnet-name", "cidr-block", "zone", "is-default",
                                    "route-table-id", "tag-key"), prefixes=("tag:",))
    shown, total = paged(items, params)
    return {"TotalCount": total, "SubnetSet": [subnet_wire(vpc, s) for s in shown], "NextToken": ""}


@vpc_action("DescribeUsedIpAddress")
def describe_used_ip_address(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    ips = p.str_list(params, "IpAddresses", max_items=100)
    ids_or_filters(params, "IpAddresses")
    flt = filters(params, ("ip-addresses", "resource-id"))
    used = vpc.used_ip_addresses(required(params, "VpcId"), p.string(params, "SubnetId"), ips)
    for name, values in flt:
        used = [u for u in used if (u[1] if name == "ip-addresses" else u[2]) in values]
    shown, total = paged(used, params)
    kinds = {"ins": "CVM", "eni": "ENI", "lb": "CLB", "cdb": "CDB"}
    return {"TotalCount": total,
            "IpAddressStates": [{"VpcId": s.vpc_id, "SubnetId": s.subnet_id, "IpAddress": ip,
                                 "ResourceType": kinds.get(owner.split("-")[0], ""), "ResourceId": owner}
                                for s, ip, owner in shown]}
