"""Walk one TCP connection attempt through the emulated cloud, layer by layer.

The packet: ``source_ip``:``source_port`` -> instance:``port`` (TCP). Layers, in the order a packet
meets them (stopped_at names the first that refuses):

1. ``instance``: the instance must be RUNNING; ``isolation``: PROTECTIVELY_ISOLATED cuts public
   access (Tencent "外网被隔离导致无法远程连接"); ``public_ip`` / ``bandwidth``: an IPv4 client needs a
   public IP and an outbound bandwidth above 0 Mbps (Tencent 213/31527).
2. ``network_acl.ingress``: the subnet's ACL, stateless. TRIPLE entries in listed order, then the
   ACL's default rules as DescribeNetworkAcls lists them (all/0.0.0.0/0 DROP, all/::/0 ACCEPT:
   ``default_entries``); QUINTUPLE entries by Priority; first match wins, no match = DROP.
3. ``security_groups``: the bound groups in binding order ("以绑定顺序作为优先级顺序",
   AssociateSecurityGroups), each group's ingress rules by PolicyIndex; first match wins, no
   match = deny. Sources: CidrBlock (0.0.0.0/n = all), Ipv6CidrBlock, AddressTemplate (template
   or group), SecurityGroupId (the private addresses of that group's instances); protocol and
   port from Protocol+Port or ServiceTemplate (template or group). Stateful: the reply passes.
4. ``guest.firewall``: with any Windows Firewall profile on, an enabled inbound allow rule must
   cover the port, and no security software may filter RDP; ``guest.listener``: RDP must listen
   on exactly that port.
5. ``network_acl.egress``: the reply (instance:port -> client:source_port) through the ACL again,
   because ACLs are stateless.

Without an explicit ``source_port`` the client may pick any Windows ephemeral port
(49152-65535): the connection counts as reachable only if it works for every one of them, and the
judge tries one packet per stretch of ports on which no ACL entry changes its answer, and names the
earliest layer that refuses any of them.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tcremedy.emulator.judge.match import (
    Address,
    in_cidr,
    in_template_entry,
    port_edges,
    port_matches,
    protocol_matches,
    service_matches,
)
from tcremedy.emulator.services.vpc.models.acls import default_entries

if TYPE_CHECKING:
    from tcremedy.emulator.core.world import RegionState
    from tcremedy.emulator.services.cvm.instance import Instance
    from tcremedy.emulator.services.vpc.models import NetworkAcl, Policy, VpcBackend

EPHEMERAL = (49152, 65535)
LAYERS = ("instance", "isolation", "public_ip", "bandwidth", "network_acl.ingress", "security_groups",
          "guest.firewall", "guest.listener", "network_acl.egress")


@dataclass(frozen=True)
class Judgement:
    reachable: bool
    stopped_at: str | None = None  # the layer that refused; None when reachable
    rule: dict[str, Any] | None = None  # the rule that decided (refusing, or the admitting SG rule)
    source_port: int | None = None  # the client port the verdict was found with

    def as_data(self) -> dict[str, Any]:
        return {"reachable": self.reachable, "stopped_at": self.stopped_at, "rule": self.rule,
                "source_port": self.source_port}


@dataclass(frozen=True)
class Packet:
    source: Address
    destination: Address
    protocol: str
    source_port: int
    port: int


@dataclass
class Network:
    """What the judge reads: the VPC backend, and who is bound to which group (private IPs)."""

    vpc: VpcBackend
    members: dict[str, list[str]] = field(default_factory=dict)  # sg id -> private IPs of bound instances


def judge(region: RegionState, instance_id: str, source_ip: str, port: int,
          source_port: int | None = None) -> Judgement:
    """The verdict for ``source_ip`` connecting to TCP ``port`` of ``instance_id`` (read-only)."""
    instance = region.cvm.get(instance_id)
    members: dict[str, list[str]] = {}
    for inst in region.cvm.instances.values():
        for sg in inst.security_group_ids:
            members.setdefault(sg, []).extend(inst.private_ips)
    return judge_instance(Network(region.vpc, members), instance, source_ip, port, source_port)


def judge_instance(net: Network, instance: Instance, source_ip: str, port: int,
                   source_port: int | None = None) -> Judgement:
    source = ipaddress.ip_address(source_ip)
    refused = _instance_gate(instance, source)
    if refused is not None:
        return refused
    destination = ipaddress.ip_address(instance.private_ips[0]) if instance.private_ips else source
    acl = _acl_of(net.vpc, instance.subnet_id)
    ports = [source_port] if source_port is not None else _client_ports(acl)
    verdicts = [_walk(net, instance, acl, Packet(source, destination, "TCP", p, port)) for p in ports]
    refused = [v for v in verdicts if not v.reachable]
    if refused:  # the earliest layer that refuses some client port (then the lowest such port)
        return min(refused, key=lambda v: LAYERS.index(v.stopped_at or ""))
    return verdicts[0]


def _instance_gate(instance: Instance, source: Address) -> Judgement | None:
    if instance.state != "RUNNING":
        return Judgement(False, "instance", {"text": f"instance is {instance.state}, not RUNNING"})
    if instance.restrict_state == "PROTECTIVELY_ISOLATED":
        return Judgement(False, "isolation", {"text": "public network access is isolated"})
    if source.version == 4 and not instance.public_ips:
        return Judgement(False, "public_ip", {"text": "the instance has no public IP"})
    if source.version == 4 and instance.bandwidth_out <= 0:
        return Judgement(False, "bandwidth", {"text": "InternetMaxBandwidthOut is 0 Mbps"})
    return None


def _acl_of(vpc: VpcBackend, subnet_id: str) -> NetworkAcl | None:
    subnet = vpc.subnets.get(subnet_id)
    if subnet is None or not subnet.network_acl_id:
        return None
    return vpc.network_acls.get(subnet.network_acl_id)


def _client_ports(acl: NetworkAcl | None) -> list[int]:
    """One client port per stretch of the ephemeral range on which no ACL entry changes its mind."""
    lo, hi = EPHEMERAL
    edges = {lo}
    if acl is not None:
        for e in acl.ingress + acl.egress:
            edges.update(port_edges(e.port))
        for q in acl.quintuple:
            edges.update(port_edges(q.source_port) + port_edges(q.destination_port))
    return sorted(p for p in edges if lo <= p <= hi)


def _walk(net: Network, instance: Instance, acl: NetworkAcl | None, packet: Packet) -> Judgement:
    here = packet.source_port
    refused = _acl_pass(acl, "ingress", packet)
    if refused is not None:
        return _at(refused, here)
    sg_rule = _security_groups(net, instance, packet)
    if sg_rule is None or sg_rule["action"] != "ACCEPT":
        return Judgement(False, "security_groups", sg_rule or _sg_default(instance), here)
    guest = instance.guest
    if guest.firewall_profiles_enabled and packet.port not in guest.firewall_allow_ports:
        return Judgement(False, "guest.firewall",
                         {"text": f"no enabled Windows Firewall allow rule for TCP {packet.port}",
                          "profiles": list(guest.firewall_profiles_enabled)}, here)
    blocking = [s for s in getattr(guest, "security_software", []) if s.get("BlocksRdp")]
    if blocking:
        return Judgement(False, "guest.firewall",
                         {"text": f"{blocking[0].get('Name')} filters inbound RDP"}, here)
    if not guest.listening or guest.rdp_port != packet.port:
        what = f"RDP listens on {guest.rdp_port}" if guest.listening else "nothing listens for RDP"
        return Judgement(False, "guest.listener", {"text": f"{what}, not on {packet.port}"}, here)
    reply = Packet(packet.destination, packet.source, packet.protocol, packet.port, packet.source_port)
    refused = _acl_pass(acl, "egress", reply)
    if refused is not None:
        return _at(refused, here)
    return Judgement(True, None, sg_rule, here)


def _at(found: tuple[str, dict[str, Any]], port: int) -> Judgement:
    return Judgement(False, found[0], found[1], port)


# ------------------------------------------------------------------------------ network ACLs


def _acl_pass(acl: NetworkAcl | None, direction: str, packet: Packet) -> tuple[str, dict[str, Any]] | None:
    """None if the ACL lets ``packet`` through in ``direction``, else (layer, deciding rule)."""
    if acl is None:
        return None
    layer = f"network_acl.{direction}"
    outside = packet.source if direction == "ingress" else packet.destination
    if acl.acl_type == "QUINTUPLE":
        wanted = direction.upper()
        for q in sorted((q for q in acl.quintuple if q.direction == wanted), key=lambda q: q.priority):
            src_cidr = q.source_cidr if packet.source.version == 4 else q.source_ipv6_cidr
            dst_cidr = q.destination_cidr if packet.destination.version == 4 else q.destination_ipv6_cidr
            hit = (protocol_matches(q.protocol, packet.protocol)
                   and _optional_cidr(packet.source, src_cidr, q.source_cidr or q.source_ipv6_cidr)
                   and _optional_cidr(packet.destination, dst_cidr,
                                      q.destination_cidr or q.destination_ipv6_cidr)
                   and port_matches(q.source_port, packet.source_port)
                   and port_matches(q.destination_port, packet.port))
            if hit:
                rule = {"network_acl_id": acl.network_acl_id, "direction": direction, "priority": q.priority,
                        "entry_id": q.entry_id, "action": q.action,
                        "text": f"{acl.network_acl_id} quintuple {wanted} #{q.priority}: {q.action}"}
                return None if q.action == "ACCEPT" else (layer, rule)
    else:
        own = acl.ingress if direction == "ingress" else acl.egress
        for position, e in enumerate([*own, *default_entries(acl)]):
            cidr = e.cidr_block if outside.version == 4 else e.ipv6_cidr_block
            port_ok = e.protocol.upper() == "ALL" or port_matches(e.port, packet.port)  # destination port
            if protocol_matches(e.protocol, packet.protocol) and cidr and in_cidr(outside, cidr) and port_ok:
                which = "default rule" if position >= len(own) else f"#{position}"
                rule = {"network_acl_id": acl.network_acl_id, "direction": direction, "index": position,
                        "action": e.action.upper(),
                        "text": f"{acl.network_acl_id} {direction} {which}: {e.action.upper()} "
                                f"{e.protocol} {e.port or 'ALL'} {e.cidr_block or e.ipv6_cidr_block}"}
                return None if e.action.upper() == "ACCEPT" else (layer, rule)
    return layer, {"network_acl_id": acl.network_acl_id, "direction": direction, "action": "DROP",
                   "text": f"{acl.network_acl_id} {direction}: no entry matched (default DROP)"}


def _optional_cidr(address: Address, same_version: str, any_version: str) -> bool:
    """A quintuple CIDR field: empty (neither family given) matches any address."""
    if not any_version:
        return True
    return bool(same_version) and in_cidr(address, same_version)


# --------------------------------------------------------------------------- security groups


def _security_groups(net: Network, instance: Instance, packet: Packet) -> dict[str, Any] | None:
    """The first matching ingress rule across the bound groups (binding order), or None."""
    for sg_id in instance.security_group_ids:
        group = net.vpc.security_groups.get(sg_id)
        if group is None:
            continue
        for index, policy in enumerate(group.ingress):
            if _policy_source(net, policy, packet.source) and _policy_service(net, policy, packet):
                return {"security_group_id": sg_id, "direction": "ingress", "policy_index": index,
                        "action": policy.action,
                        "text": f"{sg_id} ingress #{index}: {policy.action}"}
    return None


def _sg_default(instance: Instance) -> dict[str, Any]:
    return {"action": "DROP", "security_group_ids": list(instance.security_group_ids),
            "text": "no security group rule matched (default deny)"}


def _policy_source(net: Network, policy: Policy, source: Address) -> bool:
    vpc = net.vpc
    if policy.cidr_block:
        return in_cidr(source, policy.cidr_block, zero_means_all=True)
    if policy.ipv6_cidr_block:
        return in_cidr(source, policy.ipv6_cidr_block)
    if policy.security_group_id:
        return str(source) in net.members.get(policy.security_group_id, [])
    template_ids: list[str] = []
    if policy.address_id:
        template_ids = [policy.address_id]
    elif policy.address_group_id:
        group = vpc.address_template_groups.get(policy.address_group_id)
        template_ids = list(group.template_ids) if group else []
    for tid in template_ids:
        tpl = vpc.address_templates.get(tid)
        if tpl and any(in_template_entry(source, a.address) for a in tpl.addresses):
            return True
    return False


def _policy_service(net: Network, policy: Policy, packet: Packet) -> bool:
    vpc = net.vpc
    if policy.service_id or policy.service_group_id:
        ids = [policy.service_id] if policy.service_id else []
        if policy.service_group_id:
            group = vpc.service_template_groups.get(policy.service_group_id)
            ids = list(group.template_ids) if group else []
        members = [s.service for t in ids if (tpl := vpc.service_templates.get(t)) for s in tpl.services]
        return any(service_matches(m, packet.protocol, packet.port) for m in members)
    if not protocol_matches(policy.protocol, packet.protocol):
        return False
    return policy.protocol.upper() == "ALL" or port_matches(policy.port, packet.port)
