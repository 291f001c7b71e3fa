"""Response shapes of the VPC resources (the API's member names, every member always present)."""

from __future__ import annotations

from typing import Any

from tcremedy.emulator.services.vpc.models import (
    AclEntry,
    AddressTemplate,
    AddressTemplateGroup,
    NetworkAcl,
    Policy,
    SecurityGroup,
    ServiceTemplate,
    ServiceTemplateGroup,
    Subnet,
    Vpc,
    VpcBackend,
)
from tcremedy.emulator.services.vpc.models.acls import default_entries
from tcremedy.emulator.services.vpc.models.common import api_time


def vpc_wire(vpc: Vpc) -> dict[str, Any]:
    return {"VpcName": vpc.name, "VpcId": vpc.vpc_id, "CidrBlock": vpc.cidr_block,
            "IsDefault": vpc.is_default, "EnableMulticast": vpc.enable_multicast,
            "CreatedTime": api_time(vpc.created),
            "DnsServerSet": list(vpc.dns_servers), "DomainName": vpc.domain_name, "DhcpOptionsId": "",
            "EnableDhcp": True, "Ipv6CidrBlock": "", "TagSet": list(vpc.tags), "AssistantCidrSet": [],
            "EnableRouteVpcPublish": False, "Ipv6CidrBlockSet": [], "EnableRouteVpcPublishIpv6": False}


def subnet_wire(backend: VpcBackend, subnet: Subnet) -> dict[str, Any]:
    return {"VpcId": subnet.vpc_id, "SubnetId": subnet.subnet_id, "SubnetName": subnet.name,
            "CidrBlock": subnet.cidr_block, "IsDefault": subnet.is_default, "EnableBroadcast": False,
            "Zone": subnet.zone, "RouteTableId": subnet.route_table_id,
            "CreatedTime": api_time(subnet.created),
            "AvailableIpAddressCount": backend.available_ips(subnet), "Ipv6CidrBlock": "",
            "NetworkAclId": subnet.network_acl_id, "IsRemoteVpcSnat": False,
            "TotalIpAddressCount": subnet.total_ips, "TagSet": list(subnet.tags), "CdcId": "",
            "IsCdcSubnet": 0}


def security_group_wire(sg: SecurityGroup) -> dict[str, Any]:
    return {"SecurityGroupId": sg.security_group_id, "SecurityGroupName": sg.name,
            "SecurityGroupDesc": sg.description, "ProjectId": sg.project_id, "IsDefault": sg.is_default,
            "CreatedTime": api_time(sg.created), "UpdateTime": api_time(sg.updated), "TagSet": list(sg.tags)}


def policy_wire(policy: Policy, index: int) -> dict[str, Any]:
    """Every member present ("" when unused): the Terraform provider dereferences them unchecked.

    ``Priority`` (new in SDK 3.1.193, base undocumented) is left out; ``PolicyIndex`` is the order.
    """
    return {"PolicyIndex": index, "Protocol": policy.protocol, "Port": policy.port,
            "ServiceTemplate": {"ServiceId": policy.service_id, "ServiceGroupId": policy.service_group_id},
            "CidrBlock": policy.cidr_block, "Ipv6CidrBlock": policy.ipv6_cidr_block,
            "SecurityGroupId": policy.security_group_id,
            "AddressTemplate": {"AddressId": policy.address_id, "AddressGroupId": policy.address_group_id},
            "Action": policy.action, "PolicyDescription": policy.description,
            "ModifyTime": api_time(policy.modify_time)}


def acl_entry_wire(entry: AclEntry, priority: int) -> dict[str, Any]:
    """Protocol lower-case and Action capitalised, as the documented DescribeNetworkAcls output shows."""
    ipv6 = bool(entry.ipv6_cidr_block)
    return {"Protocol": entry.protocol.lower(), "Port": entry.port, "CidrBlock": entry.cidr_block,
            "Ipv6CidrBlock": entry.ipv6_cidr_block, "Action": entry.action.capitalize(),
            "Description": entry.description, "ModifyTime": api_time(entry.modify_time), "Priority": priority,
            "NetworkAclIpv4EntryId": "" if ipv6 else entry.entry_id,
            "NetworkAclIpv6EntryId": entry.entry_id if ipv6 else ""}


def network_acl_wire(backend: VpcBackend, acl: NetworkAcl) -> dict[str, Any]:
    """The ACL's own entries, then its default rules (``default_entries``: listed, without entry ids)."""
    defaults = default_entries(acl)
    return {"VpcId": acl.vpc_id, "NetworkAclId": acl.network_acl_id, "NetworkAclName": acl.name,
            "CreatedTime": api_time(acl.created),
            "SubnetSet": [subnet_wire(backend, s) for s in backend.acl_subnets(acl.network_acl_id)],
            "IngressEntries": [acl_entry_wire(e, i + 1) for i, e in enumerate([*acl.ingress, *defaults])],
            "EgressEntries": [acl_entry_wire(e, i + 1) for i, e in enumerate([*acl.egress, *defaults])],
            "NetworkAclType": acl.acl_type, "TagSet": list(acl.tags)}


def address_template_wire(tpl: AddressTemplate) -> dict[str, Any]:
    return {"AddressTemplateName": tpl.name, "AddressTemplateId": tpl.template_id,
            "AddressSet": [a.address for a in tpl.addresses], "CreatedTime": api_time(tpl.created),
            "UpdatedTime": api_time(tpl.updated),
            "AddressExtraSet": [{"Address": a.address, "Description": a.description,
                                 "UpdatedTime": api_time(tpl.updated)} for a in tpl.addresses],
            "TagSet": list(tpl.tags)}


def address_template_group_wire(backend: VpcBackend, group: AddressTemplateGroup) -> dict[str, Any]:
    items = []
    for tid in group.template_ids:
        tpl = backend.address_templates.get(tid)
        updated = tpl.updated if tpl else group.updated
        items.append({"AddressTemplateId": tid, "AddressTemplateName": tpl.name if tpl else "", "From": "",
                      "To": "", "Description": "", "UpdatedTime": api_time(updated)})
    return {"AddressTemplateGroupName": group.name, "AddressTemplateGroupId": group.group_id,
            "AddressTemplateIdSet": list(group.template_ids), "CreatedTime": api_time(group.created),
            "UpdatedTime": api_time(group.updated), "AddressTemplateSet": items, "TagSet": list(group.tags)}


def service_template_wire(tpl: ServiceTemplate) -> dict[str, Any]:
    """ServiceSet spells a member ``tcp: 8080`` and ServiceExtraSet ``tcp:8080``, as the documented
    CreateServiceTemplate output does (https://cloud.tencent.com/document/api/215/16710)."""
    return {"ServiceTemplateId": tpl.template_id, "ServiceTemplateName": tpl.name,
            "ServiceSet": [s.service.replace(":", ": ", 1) for s in tpl.services],
            "CreatedTime": api_time(tpl.created), "UpdatedTime": api_time(tpl.updated),
            "ServiceExtraSet": [{"Service": s.service, "Description": s.description,
                                 "UpdatedTime": api_time(tpl.updated)} for s in tpl.services],
            "TagSet": list(tpl.tags)}


def service_template_group_wire(backend: VpcBackend, group: ServiceTemplateGroup) -> dict[str, Any]:
    members = [backend.service_templates[t] for t in group.template_ids if t in backend.service_templates]
    return {"ServiceTemplateGroupId": group.group_id, "ServiceTemplateGroupName": group.name,
            "ServiceTemplateIdSet": list(group.template_ids), "CreatedTime": api_time(group.created),
            "UpdatedTime": api_time(group.updated),
            "ServiceTemplateSet": [service_template_wire(t) for t in members], "TagSet": list(group.tags)}
