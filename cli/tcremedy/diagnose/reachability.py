"""Does TCP traffic from an admin CIDR get through the security groups and the subnet ACL?

Semantics (Tencent, see reference §3.4/§3.5):

* Security groups: the ingress rules of the bound groups, concatenated in binding order, each
  group's rules in PolicyIndex order; the first matching rule decides (ACCEPT or DROP); no
  match means deny. A rule matches TCP when its protocol is TCP or ALL and its port is ``ALL``
  / ``""`` / equal / in a comma list / in a ``lo-hi`` range.
* Services: Protocol+Port, or a protocol-port template / template group resolved through the state.
* Sources: ``CidrBlock`` for IPv4 (``0.0.0.0/n`` is what Tencent widens to ``0.0.0.0/0``),
  ``Ipv6CidrBlock`` for IPv6, address templates and template groups resolved through the state.
  A rule whose source is another security group matches the private addresses of that group's
  collected instances (never Internet traffic; a private admin range may contain them).
* Network ACLs are stateless: the inbound entries must accept TCP/port from the admin CIDR
  AND the outbound entries must accept the replies, TCP to the admin CIDR on the client's
  ephemeral ports 49152-65535. Entries in order as listed, first match wins; the listing ends with
  the ACL's default rules (``tcremedy.cloud.acl_defaults``: IPv4 DROP, IPv6 ACCEPT), and an ACL
  listed without them ends with an implicit final DROP.

The question asked is "is EVERY address (and, for replies, every port) of the space admitted?".
The space is split wherever a rule covers only part of it, so one CIDR can be admitted for part
and denied for the rest; each part names the rule that decided it. A rule that cannot be
resolved (missing template or group, malformed port) might match anything
it could cover: a part is then ALLOW/DENY only if the decision is the same whether or not
that rule matched, otherwise UNKNOWN, listing the unresolvable rules.

This module turns security-group rules and TRIPLE ACL entries into matchers of that space; reading a
rule's fields is ``rule_fields``, the space and the first-match evaluation are ``plane``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from tcremedy.cloud.acl_defaults import own_entries
from tcremedy.cloud.state import LiveState, NetworkAcl, NetworkAclEntry, SecurityGroupRule
from tcremedy.diagnose.model import Access, Coverage, RangeVerdict, ReachVerdict, RuleRef
from tcremedy.diagnose.plane import (
    ALL_PORTS,
    BITS,
    EPHEMERAL_PORTS,
    Matcher,
    boxes,
    ports_text,
    verdict,
    whole_space,
)
from tcremedy.diagnose.rule_fields import (
    cidr_interval,
    compact,
    entry_interval,
    service_tcp_ports,
    tcp_ports,
)

# ---------------------------------------------------------------- public entry points


def security_group_verdict(
    state: LiveState, group_ids: Sequence[str], source: str, port: int
) -> ReachVerdict:
    """Ingress TCP/``port`` from every address of ``source`` through the groups, in binding order."""
    net = ipaddress.ip_network(source, strict=False)
    matchers: list[Matcher] = []
    for sg_id in group_ids:
        group = state.security_groups.get(sg_id)
        if group is None:
            ref = RuleRef(
                kind="security_group",
                resource_id=sg_id,
                direction="ingress",
                text=f"{sg_id}: rules were not collected",
            )
            matchers.append(Matcher(ref, (), (whole_space(net.version),)))
            continue
        for rule in sorted(group.ingress, key=lambda r: r.policy_index):
            matchers.append(_sg_matcher(state, sg_id, rule, net.version))
    default = RuleRef(
        kind="default_deny",
        direction="ingress",
        action="DROP",
        text="no security group rule matched (default deny)",
    )
    return verdict("security_groups", net, (port, port), matchers, default)


def acl_verdicts(acl: NetworkAcl, source: str, port: int) -> tuple[ReachVerdict, ReachVerdict]:
    """(inbound TCP/``port`` from ``source``, outbound TCP replies to ``source``:49152-65535)."""
    net = ipaddress.ip_network(source, strict=False)
    out = []
    for direction, entries, ports in (
        ("ingress", acl.ingress, (port, port)),
        ("egress", acl.egress, EPHEMERAL_PORTS),
    ):
        own = len(own_entries(entries))  # then the default rules the API lists (acl_defaults)
        matchers = [
            _acl_matcher(acl.network_acl_id, direction, i, e, net.version, default=i >= own)
            for i, e in enumerate(entries)
        ]
        default = RuleRef(
            kind="default_deny",
            resource_id=acl.network_acl_id,
            direction=direction,
            action="DROP",
            text=f"{acl.network_acl_id} {direction}: implicit final DROP (no entry matched)",
        )
        out.append(verdict(f"network_acl.{direction}", net, ports, matchers, default))
    return out[0], out[1]


def no_acl_verdicts(source: str, port: int) -> tuple[ReachVerdict, ReachVerdict]:
    """The subnet has no ACL bound: everything passes."""
    net = ipaddress.ip_network(source, strict=False)
    ref = RuleRef(kind="no_acl", action="ACCEPT", text="no network ACL bound to the subnet")
    result = []
    for direction, ports in (("ingress", (port, port)), ("egress", EPHEMERAL_PORTS)):
        part = RangeVerdict((str(net),), ports_text(*ports), Access.ALLOW, ref)
        result.append(
            ReachVerdict(f"network_acl.{direction}", str(net), ports_text(*ports), Coverage.ALL, (part,))
        )
    return result[0], result[1]


# ---------------------------------------------------------------- rules -> matchers


def _sg_matcher(state: LiveState, sg_id: str, rule: SecurityGroupRule, version: int) -> Matcher:
    source = (
        rule.cidr_block
        or rule.ipv6_cidr_block
        or rule.source_security_group_id
        or rule.address_template_id
        or rule.address_template_group_id
        or "?"
    )
    if rule.service_template_id or rule.service_template_group_id:
        service = rule.service_template_id or rule.service_template_group_id
    else:
        service = f"{rule.protocol.upper()} {rule.port or 'ALL'}"
    ref = RuleRef(
        kind="security_group",
        resource_id=sg_id,
        direction="ingress",
        index=rule.policy_index,
        action=rule.action.upper(),
        rule=compact(rule),
        text=f"{sg_id} ingress #{rule.policy_index}: {rule.action.upper()} {service} from {source}",
    )
    if rule.source_security_group_id:  # matches the private addresses of that group's instances
        addresses, unresolved = _group_members(state, rule.source_security_group_id, version), []
    else:
        addresses, unresolved = _sg_sources(state, rule, version)
    if rule.service_template_id or rule.service_template_group_id:
        ports = service_tcp_ports(state, rule.service_template_id, rule.service_template_group_id)
    else:
        ports = tcp_ports(rule.protocol, rule.port)
    if ports is None:
        return Matcher(ref, (), boxes(addresses + unresolved, [ALL_PORTS]))
    return Matcher(ref, boxes(addresses, ports), boxes(unresolved, ports))


def _group_members(state: LiveState, sg_id: str, version: int) -> list[tuple[int, int]]:
    """Private addresses of the collected instances bound to ``sg_id`` (a rule's referenced group).

    Tencent: a rule's source "可以是单个 IP 地址、IP 地址段,也可以是安全组" and a group source stands
    for the private IPs of the instances bound to it (https://cloud.tencent.com/document/product/215/20089).
    An admin CIDR on the Internet never contains them; a private one (VPN, CCN) may.
    """
    out = []
    for inst in state.instances.values():
        if sg_id in inst.security_group_ids:
            for ip in inst.private_ip_addresses:
                interval = cidr_interval(ip, version, widen_zero=False)
                if interval:
                    out.append(interval)
    return out


def _sg_sources(state: LiveState, rule: SecurityGroupRule, version: int) -> tuple[list, list]:
    """(definite address intervals, maybe intervals) of the rule's source for this IP version."""
    whole = [(0, (1 << BITS[version]) - 1)]
    if rule.cidr_block or rule.ipv6_cidr_block:
        text = rule.cidr_block if version == 4 else rule.ipv6_cidr_block
        if not text:
            return [], []
        interval = cidr_interval(text, version, widen_zero=True)
        return ([interval], []) if interval else ([], whole)
    if rule.address_template_id or rule.address_template_group_id:
        if rule.address_template_id:
            template_ids: Iterable[str] = [rule.address_template_id]
        else:
            members = state.address_template_groups.get(rule.address_template_group_id)
            if members is None:
                return [], whole
            template_ids = members
        definite: list = []
        for tid in template_ids:
            entries = state.address_templates.get(tid)
            if entries is None:
                return definite, whole
            for entry in entries:
                interval = entry_interval(entry)
                if interval is False:
                    return definite, whole
                if interval is not None and interval[0] == version:
                    definite.append(interval[1:])
        return definite, []
    return [], whole  # a rule without a source we understand: it might match anything


def _acl_matcher(
    acl_id: str, direction: str, position: int, entry: NetworkAclEntry, version: int, default: bool = False
) -> Matcher:
    peer = entry.cidr_block if version == 4 else entry.ipv6_cidr_block
    word = "from" if direction == "ingress" else "to"
    which = "default rule" if default else f"#{position}"
    ref = RuleRef(
        kind="network_acl",
        resource_id=acl_id,
        direction=direction,
        index=position,
        action=entry.action.upper(),
        rule=compact(entry),
        text=f"{acl_id} {direction} {which}: {entry.action.upper()} {entry.protocol.upper()} "
        f"{entry.port or 'ALL'} {word} {entry.cidr_block or entry.ipv6_cidr_block or '?'}",
    )
    if not peer:
        return Matcher(ref, ())
    interval = cidr_interval(peer, version, widen_zero=False)
    ports = tcp_ports(entry.protocol, entry.port)
    if interval is None or ports is None:
        return Matcher(
            ref, (), boxes([interval] if interval else [(0, (1 << BITS[version]) - 1)], [ALL_PORTS])
        )
    return Matcher(ref, boxes([interval], ports))
