"""VPC: security-group rules (one request per distinct group), subnets and network ACLs (by id, 100
per request; a QUINTUPLE ACL's rules through DescribeNetworkAclQuintupleEntries) and, only when a
rule references them, address templates, protocol-port templates and their groups."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from tcremedy.cloud.api import ApiError, CloudApi, all_pages, split_batches
from tcremedy.cloud.state import (
    CollectionGap,
    NetworkAcl,
    NetworkAclEntry,
    QuintupleEntry,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
)

BATCH = 100  # SubnetIds / NetworkAclIds per request, and page size


def _upper(value: Any) -> str:
    return str(value or "").upper()


def _port(value: Any) -> str:
    text = str(value or "").strip()
    return "ALL" if text.lower() == "all" else text


def rule_from_api(item: dict[str, Any], position: int) -> SecurityGroupRule:
    address = item.get("AddressTemplate") or {}
    service = item.get("ServiceTemplate") or {}
    index = item.get("PolicyIndex")
    return SecurityGroupRule(
        policy_index=int(index) if index not in (None, "") else position,
        protocol=_upper(item.get("Protocol")),
        port=_port(item.get("Port")),
        action=_upper(item.get("Action")),
        cidr_block=item.get("CidrBlock") or "",
        ipv6_cidr_block=item.get("Ipv6CidrBlock") or "",
        source_security_group_id=item.get("SecurityGroupId") or "",
        address_template_id=address.get("AddressId") or "",
        address_template_group_id=address.get("AddressGroupId") or "",
        service_template_id=service.get("ServiceId") or "",
        service_template_group_id=service.get("ServiceGroupId") or "",
        description=item.get("PolicyDescription") or "",
    )


def security_group_from_api(group_id: str, policy_set: dict[str, Any]) -> SecurityGroup:
    return SecurityGroup(
        security_group_id=group_id,
        version=str(policy_set.get("Version") or "0"),
        ingress=tuple(rule_from_api(r, n) for n, r in enumerate(policy_set.get("Ingress") or ())),
        egress=tuple(rule_from_api(r, n) for n, r in enumerate(policy_set.get("Egress") or ())),
    )


def acl_entry_from_api(item: dict[str, Any]) -> NetworkAclEntry:
    return NetworkAclEntry(
        protocol=_upper(item.get("Protocol")),
        port=_port(item.get("Port")),
        action=_upper(item.get("Action")),
        cidr_block=item.get("CidrBlock") or "",
        ipv6_cidr_block=item.get("Ipv6CidrBlock") or "",
        priority=int(item.get("Priority") or 0),
        description=item.get("Description") or "",
    )


def network_acl_from_api(item: dict[str, Any]) -> NetworkAcl:
    return NetworkAcl(
        network_acl_id=item["NetworkAclId"],
        vpc_id=item.get("VpcId") or "",
        name=item.get("NetworkAclName") or "",
        subnet_ids=tuple(s.get("SubnetId") for s in item.get("SubnetSet") or () if s.get("SubnetId")),
        ingress=tuple(acl_entry_from_api(e) for e in item.get("IngressEntries") or ()),
        egress=tuple(acl_entry_from_api(e) for e in item.get("EgressEntries") or ()),
        acl_type=_upper(item.get("NetworkAclType")) or "TRIPLE",
    )


def quintuple_entry_from_api(item: dict[str, Any]) -> QuintupleEntry:
    return QuintupleEntry(
        protocol=_upper(item.get("Protocol")),
        action=_upper(item.get("Action")),
        priority=int(item.get("Priority") or 0),
        source_cidr=item.get("SourceCidr") or "",
        source_ipv6_cidr=item.get("SourceIPv6Cidr") or "",
        source_port=_port(item.get("SourcePort")) or "ALL",
        destination_cidr=item.get("DestinationCidr") or "",
        destination_ipv6_cidr=item.get("DestinationIPv6Cidr") or "",
        destination_port=_port(item.get("DestinationPort")) or "ALL",
        entry_id=item.get("NetworkAclQuintupleEntryId") or "",
        description=item.get("Description") or "",
    )


def _with_quintuple(api: CloudApi, acl: NetworkAcl) -> NetworkAcl:
    """A QUINTUPLE ACL's rules: its Ingress/EgressEntries are empty by design (SDK ``NetworkAcl``:
    "该参数仅对三元组ACL有效"); DescribeNetworkAclQuintupleEntries pages them (Limit 1-100, integers)."""

    def page(offset: int) -> dict[str, Any]:
        params = {"NetworkAclId": acl.network_acl_id, "Offset": offset, "Limit": BATCH}
        return api.call("vpc", "DescribeNetworkAclQuintupleEntries", params)

    items = all_pages(api, page, BATCH, "NetworkAclQuintupleSet")
    sides: dict[bool, list[QuintupleEntry]] = {True: [], False: []}  # egress?
    for item in items:
        sides[_upper(item.get("NetworkAclDirection")) == "EGRESS"].append(quintuple_entry_from_api(item))
    return replace(
        acl,
        quintuple_ingress=tuple(sorted(sides[False], key=lambda e: e.priority)),
        quintuple_egress=tuple(sorted(sides[True], key=lambda e: e.priority)),
    )


def subnet_from_api(item: dict[str, Any]) -> Subnet:
    return Subnet(
        subnet_id=item["SubnetId"],
        vpc_id=item.get("VpcId") or "",
        cidr_block=item.get("CidrBlock") or "",
        network_acl_id=item.get("NetworkAclId") or "",
    )


def _gap(scope: str, resource_id: str, exc: ApiError) -> CollectionGap:
    return CollectionGap(scope, resource_id, exc.code, f"{exc.action} failed: {exc.message}", exc.action)


def security_groups(
    api: CloudApi, group_ids: Sequence[str]
) -> tuple[dict[str, SecurityGroup], list[CollectionGap]]:
    """``DescribeSecurityGroupPolicies`` once per distinct group."""
    api.progress.phase("security groups")

    def one(group_id: str) -> SecurityGroup | CollectionGap:
        try:
            resp = api.call("vpc", "DescribeSecurityGroupPolicies", {"SecurityGroupId": group_id})
        except ApiError as exc:
            return _gap("security_group", group_id, exc)
        return security_group_from_api(group_id, resp.get("SecurityGroupPolicySet") or {})

    results = api.map(one, group_ids)
    groups = {r.security_group_id: r for r in results if isinstance(r, SecurityGroup)}
    return groups, [r for r in results if isinstance(r, CollectionGap)]


def _by_ids(
    api: CloudApi, action: str, id_param: str, set_key: str, ids: Sequence[str], scope: str, phase: str
) -> tuple[list[dict[str, Any]], list[CollectionGap]]:
    """Fetch resources by id, ``BATCH`` ids per request; a failed batch is retried one id at a time
    (``split_batches``) and only the ids that still fail become gaps."""
    api.progress.phase(phase)

    def one(batch: Sequence[str]) -> list[dict[str, Any]]:
        # Offset/Limit types come from the SDK model: str for DescribeSubnets, int for
        # DescribeNetworkAcls (CloudApi.call conforms them; tcremedy.sdk_models)
        resp = api.call("vpc", action, {id_param: list(batch), "Offset": 0, "Limit": BATCH})
        return list(resp.get(set_key) or ())

    done, failed = split_batches(api, list(ids), BATCH, one)
    items = [item for _batch, found in done for item in found]
    return items, [_gap(scope, rid, exc) for rid, exc in failed]


def subnets(api: CloudApi, subnet_ids: Sequence[str]) -> tuple[dict[str, Subnet], list[CollectionGap]]:
    items, gaps = _by_ids(api, "DescribeSubnets", "SubnetIds", "SubnetSet", subnet_ids, "subnet", "subnets")
    found = {s.subnet_id: s for s in map(subnet_from_api, items)}
    return found, gaps + _not_returned("subnet", "subnet", "DescribeSubnets", subnet_ids, found, gaps)


def network_acls(api: CloudApi, acl_ids: Sequence[str]) -> tuple[dict[str, NetworkAcl], list[CollectionGap]]:
    items, gaps = _by_ids(
        api, "DescribeNetworkAcls", "NetworkAclIds", "NetworkAclSet", acl_ids, "network_acl", "network ACLs"
    )
    found = {a.network_acl_id: a for a in map(network_acl_from_api, items)}
    missing = _not_returned("network_acl", "network ACL", "DescribeNetworkAcls", acl_ids, found, gaps)
    for acl_id, acl in list(found.items()):
        if acl.acl_type == "QUINTUPLE":
            try:
                found[acl_id] = _with_quintuple(api, acl)
            except ApiError as exc:  # its rules unknown: a gap, never an empty (all-DROP) ACL
                del found[acl_id]
                gaps.append(_gap("network_acl", acl_id, exc))
    return found, gaps + missing


def _not_returned(
    scope: str, kind: str, action: str, wanted: Sequence[str], found: Iterable[str], gaps: list[CollectionGap]
) -> list[CollectionGap]:
    """Gaps for the ids a by-id Describe silently left out (neither found nor already a gap)."""
    known = set(found) | {g.resource_id for g in gaps}
    return [
        CollectionGap(scope, rid, "ResourceNotFound", f"{kind} {rid} was not returned by {action}", action)
        for rid in wanted
        if rid not in known
    ]


def _list_all(api: CloudApi, action: str, set_key: str) -> list[dict[str, Any]]:
    """Every item of a paged VPC listing (address templates are few; listing beats filtering)."""

    # Offset/Limit are strings in the address-template models; CloudApi.call conforms them
    def page(offset: int) -> dict[str, Any]:
        return api.call("vpc", action, {"Offset": offset, "Limit": BATCH})

    return all_pages(api, page, BATCH, set_key)


def address_templates(
    api: CloudApi, rules: Iterable[SecurityGroupRule]
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], list[CollectionGap]]:
    """Resolve the address templates / groups the rules reference; nothing is called when none do."""
    rules = list(rules)
    wanted_templates = {r.address_template_id for r in rules if r.address_template_id}
    wanted_groups = {r.address_template_group_id for r in rules if r.address_template_group_id}
    if not wanted_templates and not wanted_groups:
        return {}, {}, []
    api.progress.phase("address templates")
    templates: dict[str, tuple[str, ...]] = {}
    groups: dict[str, tuple[str, ...]] = {}
    gaps: list[CollectionGap] = []
    try:
        for item in _list_all(api, "DescribeAddressTemplates", "AddressTemplateSet"):
            templates[item["AddressTemplateId"]] = tuple(item.get("AddressSet") or ())
        if wanted_groups:
            for item in _list_all(api, "DescribeAddressTemplateGroups", "AddressTemplateGroupSet"):
                groups[item["AddressTemplateGroupId"]] = tuple(item.get("AddressTemplateIdSet") or ())
    except ApiError as exc:
        return (
            {},
            {},
            [_gap("address_template", tid, exc) for tid in sorted(wanted_templates | wanted_groups)],
        )
    for tid in sorted(wanted_templates - templates.keys()):
        gaps.append(
            CollectionGap(
                "address_template",
                tid,
                "ResourceNotFound",
                f"address template {tid} not found",
                "DescribeAddressTemplates",
            )
        )
    for gid in sorted(wanted_groups - groups.keys()):
        gaps.append(
            CollectionGap(
                "address_template",
                gid,
                "ResourceNotFound",
                f"address template group {gid} not found",
                "DescribeAddressTemplateGroups",
            )
        )
    keep_templates = wanted_templates | {t for g in wanted_groups for t in groups.get(g, ())}
    return (
        {k: v for k, v in templates.items() if k in keep_templates},
        {k: v for k, v in groups.items() if k in wanted_groups},
        gaps,
    )


def service_templates(
    api: CloudApi, rules: Iterable[SecurityGroupRule]
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], list[CollectionGap]]:
    """Resolve the protocol-port templates / groups the rules reference (members as the API spells
    them, e.g. ``tcp:3389``); nothing is called when no rule uses one."""
    rules = list(rules)
    wanted_templates = {r.service_template_id for r in rules if r.service_template_id}
    wanted_groups = {r.service_template_group_id for r in rules if r.service_template_group_id}
    if not wanted_templates and not wanted_groups:
        return {}, {}, []
    api.progress.phase("service templates")
    templates: dict[str, tuple[str, ...]] = {}
    groups: dict[str, tuple[str, ...]] = {}
    try:
        for item in _list_all(api, "DescribeServiceTemplates", "ServiceTemplateSet"):
            templates[item["ServiceTemplateId"]] = tuple(item.get("ServiceSet") or ())
        if wanted_groups:
            for item in _list_all(api, "DescribeServiceTemplateGroups", "ServiceTemplateGroupSet"):
                groups[item["ServiceTemplateGroupId"]] = tuple(item.get("ServiceTemplateIdSet") or ())
    except ApiError as exc:
        return {}, {}, [_gap("service_template", t, exc) for t in sorted(wanted_templates | wanted_groups)]
    gaps = [
        CollectionGap(
            "service_template",
            t,
            "ResourceNotFound",
            f"service template (group) {t} not found",
            "DescribeServiceTemplates" if t in wanted_templates else "DescribeServiceTemplateGroups",
        )
        for t in sorted((wanted_templates - templates.keys()) | (wanted_groups - groups.keys()))
    ]
    keep = wanted_templates | {t for g in wanted_groups for t in groups.get(g, ())}
    return (
        {k: v for k, v in templates.items() if k in keep},
        {k: v for k, v in groups.items() if k in wanted_groups},
        gaps,
    )
