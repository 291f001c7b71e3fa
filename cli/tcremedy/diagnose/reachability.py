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
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tcremedy.cloud.acl_defaults import own_entries
from tcremedy.cloud.state import LiveState, NetworkAcl, NetworkAclEntry, SecurityGroupRule
from tcremedy.diagnose.model import Access, Coverage, RangeVerdict, ReachVerdict, RuleRef
from tcremedy.serde import to_data

EPHEMERAL_PORTS = (49152, 65535)  # Windows RDP clients' source ports = the replies' destination
ALL_PORTS = (0, 65535)
_BITS = {4: 32, 6: 128}

Box = tuple[int, int, int, int]  # address lo, address hi, port lo, port hi (inclusive)


@dataclass(frozen=True)
class Matcher:
    """A rule reduced to the question's address x port plane (one IP version)."""

    ref: RuleRef
    definite: tuple[Box, ...]  # where the rule certainly matches
    maybe: tuple[Box, ...] = ()  # where it might match (unresolvable parts)

    @property
    def possible_actions(self) -> frozenset[str]:
        return frozenset({self.ref.action}) if self.ref.action else frozenset({"ACCEPT", "DROP"})


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
            matchers.append(Matcher(ref, (), (_whole(net.version),)))
            continue
        for rule in sorted(group.ingress, key=lambda r: r.policy_index):
            matchers.append(_sg_matcher(state, sg_id, rule, net.version))
    default = RuleRef(
        kind="default_deny",
        direction="ingress",
        action="DROP",
        text="no security group rule matched (default deny)",
    )
    return _verdict("security_groups", net, (port, port), matchers, default)


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
        out.append(_verdict(f"network_acl.{direction}", net, ports, matchers, default))
    return out[0], out[1]


def no_acl_verdicts(source: str, port: int) -> tuple[ReachVerdict, ReachVerdict]:
    """The subnet has no ACL bound: everything passes."""
    net = ipaddress.ip_network(source, strict=False)
    ref = RuleRef(kind="no_acl", action="ACCEPT", text="no network ACL bound to the subnet")
    result = []
    for direction, ports in (("ingress", (port, port)), ("egress", EPHEMERAL_PORTS)):
        part = RangeVerdict((str(net),), _ports_text(*ports), Access.ALLOW, ref)
        result.append(
            ReachVerdict(f"network_acl.{direction}", str(net), _ports_text(*ports), Coverage.ALL, (part,))
        )
    return result[0], result[1]


@lru_cache(maxsize=4096)
def parse_ports(text: str) -> tuple[tuple[int, int], ...] | None:
    """``ALL``/``""`` -> everything; ``3389``; ``3389,3390``; ``3000-4000``; None if malformed.

    Memoised: a fleet repeats a few port strings thousands of times (pure, immutable result).
    """
    text = text.strip()
    if text.upper() in ("", "ALL"):
        return (ALL_PORTS,)
    out = []
    for item in text.split(","):
        lo, sep, hi = item.strip().partition("-")
        if not lo.isdigit() or (sep and not hi.strip().isdigit()):
            return None
        a, b = int(lo), int(hi) if sep else int(lo)
        if not 0 <= a <= b <= 65535:
            return None
        out.append((a, b))
    return tuple(out)


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
        rule=_compact(rule),
        text=f"{sg_id} ingress #{rule.policy_index}: {rule.action.upper()} {service} from {source}",
    )
    if rule.source_security_group_id:  # matches the private addresses of that group's instances
        addresses, unresolved = _group_members(state, rule.source_security_group_id, version), []
    else:
        addresses, unresolved = _sg_sources(state, rule, version)
    if rule.service_template_id or rule.service_template_group_id:
        ports = service_tcp_ports(state, rule.service_template_id, rule.service_template_group_id)
    else:
        ports = _tcp_ports(rule.protocol, rule.port)
    if ports is None:
        return Matcher(ref, (), _boxes(addresses + unresolved, [ALL_PORTS]))
    return Matcher(ref, _boxes(addresses, ports), _boxes(unresolved, ports))


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
                interval = _cidr_interval(ip, version, widen_zero=False)
                if interval:
                    out.append(interval)
    return out


def _sg_sources(state: LiveState, rule: SecurityGroupRule, version: int) -> tuple[list, list]:
    """(definite address intervals, maybe intervals) of the rule's source for this IP version."""
    whole = [(0, (1 << _BITS[version]) - 1)]
    if rule.cidr_block or rule.ipv6_cidr_block:
        text = rule.cidr_block if version == 4 else rule.ipv6_cidr_block
        if not text:
            return [], []
        interval = _cidr_interval(text, version, widen_zero=True)
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
                interval = _entry_interval(entry)
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
        rule=_compact(entry),
        text=f"{acl_id} {direction} {which}: {entry.action.upper()} {entry.protocol.upper()} "
        f"{entry.port or 'ALL'} {word} {entry.cidr_block or entry.ipv6_cidr_block or '?'}",
    )
    if not peer:
        return Matcher(ref, ())
    interval = _cidr_interval(peer, version, widen_zero=False)
    ports = _tcp_ports(entry.protocol, entry.port)
    if interval is None or ports is None:
        return Matcher(
            ref, (), _boxes([interval] if interval else [(0, (1 << _BITS[version]) - 1)], [ALL_PORTS])
        )
    return Matcher(ref, _boxes([interval], ports))


def service_tcp_ports(
    state: LiveState, template_id: str, group_id: str
) -> tuple[tuple[int, int], ...] | None:
    """TCP port ranges of a protocol-port template (or template group); None if not resolvable.

    Members read ``tcp:3389`` / ``tcp: 80,443`` / ``tcp:all`` / ``udp:53`` / ``icmp``
    (CreateServiceTemplate, https://cloud.tencent.com/document/api/215/16710).
    """
    if template_id:
        ids: Iterable[str] = [template_id]
    else:
        members = state.service_template_groups.get(group_id)
        if members is None:
            return None
        ids = members
    out: list[tuple[int, int]] = []
    for tid in ids:
        services = state.service_templates.get(tid)
        if services is None:
            return None
        for service in services:
            proto, _, ports = (part.strip() for part in service.partition(":"))
            parsed = _tcp_ports(proto, ports)
            if parsed is None:
                return None
            out.extend(parsed)
    return tuple(out)


def _tcp_ports(protocol: str, port: str) -> tuple[tuple[int, int], ...] | None:
    """Port ranges a rule covers for TCP; () if its protocol is not TCP/ALL; None if malformed."""
    proto = protocol.strip().upper()
    if proto == "ALL":
        return (ALL_PORTS,)
    if proto != "TCP":
        return ()
    return parse_ports(port)


def _boxes(intervals: Iterable[tuple[int, int]], ports: Iterable[tuple[int, int]]) -> tuple[Box, ...]:
    ports = tuple(ports)
    return tuple((a, b, p, q) for a, b in intervals for p, q in ports)


@lru_cache(maxsize=4096)
def _cidr_interval(text: str, version: int, *, widen_zero: bool) -> tuple[int, int] | None:
    try:
        net = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None
    if net.version != version:
        return None
    if widen_zero and version == 4 and int(net.network_address) == 0:
        return (0, (1 << 32) - 1)
    return int(net.network_address), int(net.broadcast_address)


@lru_cache(maxsize=4096)
def _entry_interval(entry: str) -> tuple[int, int, int] | bool | None:
    """An address-template entry (IP, CIDR or ``a-b`` range) -> (version, lo, hi); False if malformed."""
    try:
        if "-" in entry:
            lo_text, hi_text = entry.split("-", 1)
            lo, hi = ipaddress.ip_address(lo_text.strip()), ipaddress.ip_address(hi_text.strip())
            if lo.version != hi.version or int(lo) > int(hi):
                return False
            return lo.version, int(lo), int(hi)
        net = ipaddress.ip_network(entry.strip(), strict=False)
        return net.version, int(net.network_address), int(net.broadcast_address)
    except ValueError:
        return False


def _whole(version: int) -> Box:
    return (0, (1 << _BITS[version]) - 1, *ALL_PORTS)


def _compact(rule: Any) -> dict[str, Any]:
    return {k: v for k, v in to_data(rule).items() if v not in ("", None)}


# ---------------------------------------------------------------- the evaluation


def evaluate_space(
    space: Box, matchers: Sequence[Matcher], default: RuleRef
) -> list[tuple[Box, Access, RuleRef, tuple[RuleRef, ...]]]:
    """First-match evaluation of every point of ``space``: a list of disjoint boxes with their decision.

    Each result is (box, access, deciding rule, unresolvable rules that might have matched first).
    """
    undecided: list[tuple[Box, tuple[Matcher, ...]]] = [(space, ())]
    decided = []
    for matcher in matchers:
        if not undecided:
            break
        remaining = []
        for box, pending in undecided:
            inside, outside = _split(box, matcher.definite)
            for piece in inside:
                decided.append(_decide(piece, matcher.ref, pending))
            for piece in outside:
                maybe_in, maybe_out = _split(piece, matcher.maybe)
                remaining.extend((p, (*pending, matcher)) for p in maybe_in)
                remaining.extend((p, pending) for p in maybe_out)
        undecided = remaining
    decided.extend(_decide(box, default, pending) for box, pending in undecided)
    return decided


def _decide(box: Box, ref: RuleRef, pending: tuple[Matcher, ...]) -> tuple[Box, Access, RuleRef, tuple]:
    access = Access.ALLOW if ref.action == "ACCEPT" else Access.DENY
    if any(m.possible_actions != {ref.action} for m in pending):
        return box, Access.UNKNOWN, ref, tuple(m.ref for m in pending)
    return box, access, ref, ()


def _split(box: Box, region: Iterable[Box]) -> tuple[list[Box], list[Box]]:
    """(parts of ``box`` inside ``region``, parts outside), all disjoint."""
    inside: list[Box] = []
    outside = [box]
    for r in region:
        nxt = []
        for o in outside:
            inter = _intersect(o, r)
            if inter is None:
                nxt.append(o)
            else:
                inside.append(inter)
                nxt.extend(_subtract(o, inter))
        outside = nxt
        if not outside:
            break
    return inside, outside


def _intersect(a: Box, b: Box) -> Box | None:
    lo, hi, plo, phi = max(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), min(a[3], b[3])
    return (lo, hi, plo, phi) if lo <= hi and plo <= phi else None


def _subtract(a: Box, inner: Box) -> list[Box]:
    """``a`` minus ``inner`` (``inner`` lies within ``a``) as up to four boxes."""
    out = []
    if a[0] < inner[0]:
        out.append((a[0], inner[0] - 1, a[2], a[3]))
    if inner[1] < a[1]:
        out.append((inner[1] + 1, a[1], a[2], a[3]))
    if a[2] < inner[2]:
        out.append((inner[0], inner[1], a[2], inner[2] - 1))
    if inner[3] < a[3]:
        out.append((inner[0], inner[1], inner[3] + 1, a[3]))
    return out


def _verdict(
    layer: str, net: Any, ports: tuple[int, int], matchers: Sequence[Matcher], default: RuleRef
) -> ReachVerdict:
    space = (int(net.network_address), int(net.broadcast_address), *ports)
    pieces = evaluate_space(space, matchers, default)
    grouped: dict[tuple, list] = {}
    for box, access, ref, uncertain in pieces:
        key = (access, _ref_key(ref), box[2], box[3], tuple(_ref_key(u) for u in uncertain))
        grouped.setdefault(key, [ref, uncertain, []])[2].append((box[0], box[1]))
    ranked = []  # ((lowest address, ports text), part): one IP version, so the address orders them
    for (access, _, plo, phi, _), (ref, uncertain, intervals) in grouped.items():
        ports_text = _ports_text(plo, phi)
        part = RangeVerdict(_to_cidrs(net.version, intervals), ports_text, access, ref, uncertain)
        ranked.append(((min(lo for lo, _ in intervals), ports_text), part))
    ranked.sort(key=lambda r: r[0])
    parts = [part for _, part in ranked]
    accesses = {p.access for p in parts}
    if accesses == {Access.ALLOW}:
        coverage = Coverage.ALL
    elif accesses == {Access.DENY}:
        coverage = Coverage.NONE
    elif Access.UNKNOWN in accesses:
        coverage = Coverage.UNKNOWN
    else:
        coverage = Coverage.PARTIAL
    return ReachVerdict(layer, str(net), _ports_text(*ports), coverage, tuple(parts))


def _ref_key(ref: RuleRef) -> tuple:
    return (ref.kind, ref.resource_id, ref.direction, ref.index)


def _to_cidrs(version: int, intervals: list[tuple[int, int]]) -> tuple[str, ...]:
    """The intervals as the fewest CIDRs, lowest first (what ``ipaddress.summarize_address_range`` gives)."""
    merged: list[list[int]] = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return tuple(cidr for lo, hi in merged for cidr in _summarize(version, lo, hi))


def _summarize(version: int, lo: int, hi: int) -> list[str]:
    """[lo, hi] as aligned blocks, each the largest that starts at the cursor and fits."""
    bits = _BITS[version]
    address = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    out = []
    while lo <= hi:
        size = (lo & -lo).bit_length() - 1 if lo else bits  # alignment of lo
        size = min(size, (hi - lo + 1).bit_length() - 1)  # and no larger than what is left
        out.append(f"{address(lo)}/{bits - size}")
        lo += 1 << size
    return out


def _ports_text(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo}-{hi}"
