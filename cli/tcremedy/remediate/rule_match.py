"""What the security-group rule and the ACL entry fixes share about rules: ownership and shadowing.

Both APIs describe a rule with the same words (``Protocol``, ``Port``, ``CidrBlock`` /
``Ipv6CidrBlock``, ``Action``), so one question serves both: does a DROP rule match (part of)
TCP ``ports`` from/to ``cidr``? Pure.

A security-group rule may name a protocol-port template (``ServiceTemplate``) and an address template
(``AddressTemplate``) instead: ``rule_drops`` reads it through ``Templates`` (what the caller read with
DescribeServiceTemplates / DescribeAddressTemplates and their groups); a DROP whose template cannot
be read counts as shadowing, so an ACCEPT under it is never taken as effective.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from itertools import product
from typing import Any

from tcremedy.cloud.state import LiveState, SecurityGroupRule
from tcremedy.diagnose.rule_fields import parse_ports

OWNED_DESCRIPTION_PREFIX = "tcremedy:"


def owned(description: str) -> bool:
    """A rule tcremedy made (only those are ever deleted). Case-insensitive: some tools upper-case it."""
    return description.strip().lower().startswith(OWNED_DESCRIPTION_PREFIX)


def drops(action: str, protocol: str, port: str, peer: str, cidr: str, ports: tuple[int, int]) -> bool:
    """A DROP rule (action, protocol, port, peer) that matches part of TCP ``ports`` with ``cidr``."""
    if action.upper() != "DROP" or protocol.upper() not in ("TCP", "ALL"):
        return False
    ranges = parse_ports("ALL" if protocol.upper() == "ALL" else port)
    if not ranges or not any(lo <= ports[1] and ports[0] <= hi for lo, hi in ranges) or not peer:
        return False
    try:
        return ipaddress.ip_network(peer, strict=False).overlaps(ipaddress.ip_network(cidr, strict=False))
    except (ValueError, TypeError):  # malformed, or IPv4 against IPv6
        return False


def port_range(text: str) -> tuple[int, int]:
    """``"3389"`` -> (3389, 3389); ``"49152-65535"`` -> (49152, 65535) (a fix's own port, well formed)."""
    ranges = parse_ports(text) or ((0, 65535),)
    return ranges[0][0], max(hi for _, hi in ranges)


@dataclass(frozen=True)
class Templates:
    """Template id -> members, as DescribeServiceTemplates / DescribeAddressTemplates (+ groups) list them."""

    services: dict[str, tuple[str, ...]] = field(default_factory=dict)  # ppm- -> ("tcp: 3389", ...)
    service_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)  # ppmg- -> ppm- ids
    addresses: dict[str, tuple[str, ...]] = field(default_factory=dict)  # ipm- -> CIDRs / IPs / a-b
    address_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)  # ipmg- -> ipm- ids


def uses_templates(rule: dict[str, Any]) -> bool:
    service, address = rule.get("ServiceTemplate") or {}, rule.get("AddressTemplate") or {}
    return any(service.get(k) for k in ("ServiceId", "ServiceGroupId")) or any(
        address.get(k) for k in ("AddressId", "AddressGroupId")
    )


def _members(one: str, group: str, singles: dict, groups: dict) -> list[str] | None:
    ids = [one] if one else list(groups.get(group) or []) if group in groups else None
    if ids is None:
        return None
    out: list[str] = []
    for tid in ids:
        if tid not in singles:
            return None
        out.extend(singles[tid])
    return out


def _services(rule: dict[str, Any], t: Templates) -> list[tuple[str, str]] | None:
    spec = rule.get("ServiceTemplate") or {}
    if not (spec.get("ServiceId") or spec.get("ServiceGroupId")):
        return [(str(rule.get("Protocol") or "").upper(), str(rule.get("Port") or ""))]
    members = _members(
        spec.get("ServiceId") or "", spec.get("ServiceGroupId") or "", t.services, t.service_groups
    )
    if members is None:
        return None
    out = []
    for member in members:
        proto, _, ports = (part.strip() for part in member.partition(":"))
        out.append((proto.upper(), ports or "ALL"))
    return out


def _peers(rule: dict[str, Any], t: Templates) -> list[str] | None:
    spec = rule.get("AddressTemplate") or {}
    if not (spec.get("AddressId") or spec.get("AddressGroupId")):
        return [str(rule.get("CidrBlock") or rule.get("Ipv6CidrBlock") or "")]
    members = _members(
        spec.get("AddressId") or "", spec.get("AddressGroupId") or "", t.addresses, t.address_groups
    )
    if members is None:
        return None
    out = []
    for entry in members:
        if "-" in entry:  # a range a-b as the CIDRs that cover it
            try:
                lo, hi = (ipaddress.ip_address(x.strip()) for x in entry.split("-", 1))
                out.extend(str(n) for n in ipaddress.summarize_address_range(lo, hi))  # type: ignore[arg-type]
            except (ValueError, TypeError):
                return None
        else:
            out.append(entry.strip())
    return out


def rule_drops(rule: dict[str, Any], cidr: str, ports: tuple[int, int], templates: Templates | None) -> bool:
    """A security-group rule (API dict) that DROPs (part of) TCP ``ports`` from ``cidr``, templates read."""
    if str(rule.get("Action") or "").upper() != "DROP":
        return False
    services = _services(rule, templates or Templates())
    peers = _peers(rule, templates or Templates())
    if services is None or peers is None:
        return True  # a DROP we cannot read might match: never call the ACCEPT under it effective
    return any(
        drops("DROP", proto, port, peer, cidr, ports) for (proto, port), peer in product(services, peers)
    )


def state_templates(state: LiveState) -> Templates:
    """The templates a collected state holds, for ``live_rule_drops``."""
    return Templates(
        services=state.service_templates,
        service_groups=state.service_template_groups,
        addresses=state.address_templates,
        address_groups=state.address_template_groups,
    )


def live_rule_drops(rule: SecurityGroupRule, cidr: str, ports: tuple[int, int], templates: Templates) -> bool:
    """``rule_drops`` for a rule of a collected state (a DROP written with templates counts too)."""
    api = {
        "Action": rule.action,
        "Protocol": rule.protocol,
        "Port": rule.port,
        "CidrBlock": rule.cidr_block,
        "Ipv6CidrBlock": rule.ipv6_cidr_block,
        "ServiceTemplate": {
            "ServiceId": rule.service_template_id,
            "ServiceGroupId": rule.service_template_group_id,
        },
        "AddressTemplate": {
            "AddressId": rule.address_template_id,
            "AddressGroupId": rule.address_template_group_id,
        },
    }
    return rule_drops(api, cidr, ports, templates)
