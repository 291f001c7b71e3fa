"""A minimal packet-level judge: does one TCP packet from ``source_ip`` reach ``port`` of an instance,
and does the reply get back out?

Walked the way the packet travels, independently of ``tcremedy.diagnose.reachability`` (which reasons
about whole CIDRs): the subnet's network ACL inbound (entries in order, first match decides, no match
drops), the bound security groups inbound (groups in bound order, rules in order, first match decides;
no match drops; security groups are stateful so the reply needs nothing more), then the ACL outbound
for the reply (ACLs are stateless) to an ephemeral client port. Tencent's documented semantics:
https://intl.cloud.tencent.com/document/product/213/12452 (security groups are stateful; "the rules
in a security group are prioritized from top to bottom"; no rule matched = rejected); network ACLs are
stateless, so the reply is judged on its own (Tencent VPC "Network ACL" overview).

Rules that need a template or another group to resolve do not match a literal address here.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tcremedy.emulator.core.world import RegionState

REPLY_PORT = 49152  # the client's ephemeral port the reply goes to (IANA dynamic range start)


@dataclass(frozen=True)
class Verdict:
    reachable: bool
    stopped_at: str | None = None  # network_acl.ingress | security_groups | network_acl.egress
    rule: str = ""  # the rule that decided, in one line

    def as_data(self) -> dict[str, Any]:
        return {"reachable": self.reachable, "stopped_at": self.stopped_at, "rule": self.rule}


def _port_matches(spec: str, port: int) -> bool:
    spec = (spec or "ALL").strip().upper()
    if spec == "ALL":
        return True
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        if int(lo) <= port <= int(hi or lo):
            return True
    return False


def _matches(rule: Any, source: ipaddress.IPv4Address | ipaddress.IPv6Address, port: int) -> bool:
    cidr = rule.cidr_block if source.version == 4 else rule.ipv6_cidr_block
    if not cidr or (rule.protocol or "").upper() not in ("TCP", "ALL"):
        return False
    if source not in ipaddress.ip_network(cidr, strict=False):
        return False
    return (rule.protocol or "").upper() == "ALL" or _port_matches(rule.port, port)


def _acl(region: RegionState, subnet_id: str, direction: str, address: Any, port: int) -> Verdict | None:
    vpc = region.vpc
    subnet = getattr(vpc, "subnets", {}).get(subnet_id)
    acl_id = getattr(subnet, "network_acl_id", "") if subnet is not None else ""
    if not acl_id:
        return None
    acl = vpc.get_network_acl(acl_id)
    where = f"network_acl.{direction}"
    for k, entry in enumerate(getattr(acl, direction)):
        if _matches(entry, address, port):
            text = f"{acl_id} {direction}[{k}] {entry.action} {entry.protocol}/{entry.port or 'ALL'}"
            return None if entry.action.upper() == "ACCEPT" else Verdict(False, where, text)
    return Verdict(False, where, f"{acl_id}: no {direction} entry matches (default deny)")


def judge(region: RegionState, instance_id: str, source_ip: str, port: int) -> Verdict:
    """Whether TCP ``source_ip`` -> instance:``port`` gets in and its reply gets out."""
    inst = region.cvm.get(instance_id)
    source = ipaddress.ip_address(source_ip)
    if (stop := _acl(region, inst.subnet_id, "ingress", source, port)) is not None:
        return stop
    decided = None
    for sg_id in inst.security_group_ids:
        group = region.vpc.get_security_group(sg_id)
        for k, rule in enumerate(group.ingress):
            if _matches(rule, source, port):
                decided = (sg_id, k, rule)
                break
        if decided:
            break
    if decided is None:
        return Verdict(False, "security_groups", "no security group rule matches (default deny)")
    sg_id, k, rule = decided
    if rule.action.upper() != "ACCEPT":
        return Verdict(
            False, "security_groups", f"{sg_id} ingress[{k}] {rule.action} {rule.protocol}/{rule.port}"
        )
    if (stop := _acl(region, inst.subnet_id, "egress", source, REPLY_PORT)) is not None:
        return stop
    return Verdict(True, None, f"{sg_id} ingress[{k}] ACCEPT {rule.protocol}/{rule.port}")
