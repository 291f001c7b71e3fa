"""Reachability through a QUINTUPLE network ACL (rules from DescribeNetworkAclQuintupleEntries).

A quintuple rule matches source CIDR, source port, destination CIDR, destination port and protocol
(SDK ``NetworkAclQuintupleEntry``); rules are evaluated by ``Priority`` ("优先级，从1开始"), first
match wins, then the implicit DROP; stateless like the TRIPLE form, so the reply needs its own rule.
An empty CIDR (neither family) matches any address. The question stays the one of
``reachability.acl_verdicts``, on the plane (client address x client port):

* inbound: admin address : any ephemeral port (49152-65535) -> instance private IP : ``port``;
* outbound (the reply): instance private IP : ``port`` -> admin address : any ephemeral port.

So the ``ports`` of these verdicts are the client's ports. The instance's side is fixed (its
private addresses), and a rule whose instance-side CIDR or port leaves it out never matches.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from tcremedy.cloud.state import NetworkAcl, QuintupleEntry
from tcremedy.diagnose.model import ReachVerdict, RuleRef
from tcremedy.diagnose.plane import ALL_PORTS, BITS, EPHEMERAL_PORTS, Matcher, boxes, verdict
from tcremedy.diagnose.rule_fields import cidr_interval, compact, parse_ports


def quintuple_verdicts(
    acl: NetworkAcl, source: str, port: int, instance_ips: Sequence[str]
) -> tuple[ReachVerdict, ReachVerdict]:
    net = ipaddress.ip_network(source, strict=False)
    out = []
    for direction, entries in (("ingress", acl.quintuple_ingress), ("egress", acl.quintuple_egress)):
        ordered = sorted(entries, key=lambda e: e.priority)
        matchers = [
            _matcher(acl.network_acl_id, direction, e, net.version, port, instance_ips) for e in ordered
        ]
        default = RuleRef(
            kind="default_deny",
            resource_id=acl.network_acl_id,
            direction=direction,
            action="DROP",
            text=f"{acl.network_acl_id} {direction}: implicit final DROP (no quintuple entry matched)",
        )
        out.append(verdict(f"network_acl.{direction}", net, EPHEMERAL_PORTS, matchers, default))
    return out[0], out[1]


def _matcher(
    acl_id: str, direction: str, e: QuintupleEntry, version: int, port: int, instance_ips: Sequence[str]
) -> Matcher:
    ref = RuleRef(
        kind="network_acl",
        resource_id=acl_id,
        direction=direction,
        index=e.priority,
        action=e.action.upper(),
        rule=compact(e),
        text=f"{acl_id} quintuple {direction} #{e.priority}: {e.action.upper()} {e.protocol.upper()} "
        f"{e.source_cidr or e.source_ipv6_cidr or 'any'}:{e.source_port or 'ALL'} -> "
        f"{e.destination_cidr or e.destination_ipv6_cidr or 'any'}:{e.destination_port or 'ALL'}",
    )
    proto = e.protocol.strip().upper()
    if proto not in ("TCP", "ALL"):
        return Matcher(ref, ())
    if direction == "ingress":  # client -> instance
        client = (e.source_cidr, e.source_ipv6_cidr, e.source_port)
        inside = (e.destination_cidr, e.destination_ipv6_cidr, e.destination_port)
    else:  # instance -> client
        client = (e.destination_cidr, e.destination_ipv6_cidr, e.destination_port)
        inside = (e.source_cidr, e.source_ipv6_cidr, e.source_port)
    whole = [(0, (1 << BITS[version]) - 1)]
    inside_ok = _inside_matches(inside, version, port, instance_ips, proto)
    client_ports = (ALL_PORTS,) if proto == "ALL" else parse_ports(client[2] or "ALL")
    interval = _side(client[0], client[1], version)
    if inside_ok is False or interval is False or client_ports == ():
        return Matcher(ref, ())
    if inside_ok is None or interval is None or client_ports is None:
        return Matcher(ref, (), boxes(interval or whole, [ALL_PORTS]))
    return Matcher(ref, boxes(interval, client_ports))


def _side(v4: str, v6: str, version: int) -> list[tuple[int, int]] | bool | None:
    """Address intervals of one side: [] never, False other family only, None malformed."""
    if not v4 and not v6:
        return [(0, (1 << BITS[version]) - 1)]
    text = v4 if version == 4 else v6
    if not text:
        return False
    interval = cidr_interval(text, version, widen_zero=False)
    return [interval] if interval else None


def _inside_matches(
    inside: tuple[str, str, str], version: int, port: int, instance_ips: Sequence[str], proto: str
) -> bool | None:
    """Does the instance's side (its private address, ``port``) fit the rule? None: cannot tell."""
    if proto == "TCP":
        ports = parse_ports(inside[2] or "ALL")
        if ports is None:
            return None
        if not any(lo <= port <= hi for lo, hi in ports):
            return False
    side = _side(inside[0], inside[1], version)
    if side is None:
        return None
    if side is False:
        return False
    ips = [ipaddress.ip_address(ip) for ip in instance_ips if ipaddress.ip_address(ip).version == version]
    if not ips:  # the instance's address is not known: only a rule for every address surely fits
        return True if side == [(0, (1 << BITS[version]) - 1)] else None
    return any(lo <= int(ip) <= hi for ip in ips for lo, hi in side)
