"""Network ACLs: subnet-level, ordered Ingress/Egress entries (TRIPLE; QUINTUPLE ones: quintuple.py).

Documented semantics (tencent-api.md 3.5), for the diagnosis code that evaluates them: ACLs are
STATELESS (return traffic must be allowed explicitly, e.g. outbound ephemeral ports for inbound
RDP); entries are matched top-down and the first match wins; after the listed entries come the
non-removable default rules ALL/ALL/0.0.0.0/0 DROP in both directions, so a new ACL denies
everything until entries are added (https://cloud.tencent.com/doc/product/215/5132 "默认规则").

DescribeNetworkAcls lists those default rules after a TRIPLE ACL's own entries, in each direction
(``default_entries``), together with an IPv6 ``all ::/0 Accept`` one: the provider's Read has to
drop exactly these two shapes (``CheckIfDefaultRule``, tencentcloud/services/vpc/resource_tc_vpc_acl.go
v1.82.42 ~l.406-420: ``Protocol == "all"`` with ``Ipv6CidrBlock == "::/0"`` and ``Action == "Accept"``,
or with ``CidrBlock == "0.0.0.0/0"`` and ``Action == "Drop"``), added with the fix for "vpc acl
inconsistent" (provider #2135) because the API returns them. They are not entries of the ACL: the
entry actions neither list nor replace them, and they always come last. A subnet has at most one ACL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tcremedy.emulator.core.errors import ApiError, InvalidParameterValue, MissingParameter
from tcremedy.emulator.services.vpc.models.acl_requests import AclEntryRequest, AclEntrySets
from tcremedy.emulator.services.vpc.models.common import (
    check_name,
    coexist,
    in_use,
    ipv4_cidr,
    ipv6_cidr,
    lookup,
    not_found,
    out_of_range,
    port_spec,
    too_long,
)
from tcremedy.emulator.services.vpc.models.quintuple import QuintupleEntry, QuintupleMixin

if TYPE_CHECKING:
    from tcremedy.emulator.core.world import RegionState
    from tcremedy.emulator.services.vpc.models.networks import Subnet

ACL_PROTOCOLS = ("TCP", "UDP", "ICMP", "ALL")
MAX_ENTRIES_PER_DIRECTION = 20  # the documented per-direction quota


@dataclass
class AclEntry:
    protocol: str  # TCP | UDP | ICMP | ALL
    port: str  # "" (ALL/ICMP) | "ALL" | "3389" | "10-20"
    action: str  # ACCEPT | DROP
    cidr_block: str = ""
    ipv6_cidr_block: str = ""
    description: str = ""
    entry_id: str = ""  # acli43-... (IPv4) or acli63-... (IPv6)
    modify_time: float = 0.0


@dataclass
class NetworkAcl:
    network_acl_id: str
    vpc_id: str
    name: str
    created: float
    acl_type: str = "TRIPLE"
    tags: list[dict[str, str]] = field(default_factory=list)
    ingress: list[AclEntry] = field(default_factory=list)
    egress: list[AclEntry] = field(default_factory=list)
    quintuple: list[QuintupleEntry] = field(default_factory=list)  # QUINTUPLE ACLs only (quintuple.py)


def default_entries(acl: NetworkAcl) -> list[AclEntry]:
    """The default rules DescribeNetworkAcls lists after a TRIPLE ACL's own entries (one set per
    direction; none for a QUINTUPLE ACL, whose entry lists are empty). Evaluated like entries: the
    judge walks them after the ACL's own, so IPv4 traffic no entry matches is dropped and IPv6
    traffic no entry matches is accepted, as the returned entries say."""
    if acl.acl_type != "TRIPLE":
        return []
    return [AclEntry("ALL", "", "DROP", cidr_block="0.0.0.0/0", modify_time=acl.created),
            AclEntry("ALL", "", "ACCEPT", ipv6_cidr_block="::/0", modify_time=acl.created)]


class NetworkAclMixin(QuintupleMixin):
    region: RegionState
    network_acls: dict[str, NetworkAcl]
    subnets: dict[str, Subnet]

    # get_vpc / get_subnet come from NetworkMixin (composed in VpcBackend).

    def create_network_acl(self, vpc_id: str, name: str, acl_type: str = "TRIPLE",
                           tags: list[dict[str, str]] | None = None) -> NetworkAcl:
        self.get_vpc(vpc_id)
        check_name(name, "NetworkAclName", 60)
        if acl_type not in ("TRIPLE", "QUINTUPLE"):
            raise out_of_range(f"`NetworkAclType` must be TRIPLE or QUINTUPLE, got `{acl_type}`.")
        acl = NetworkAcl(network_acl_id=self.region.new_id("acl"), vpc_id=vpc_id, name=name,
                         created=self.region.now, acl_type=acl_type, tags=list(tags or []))
        self.network_acls[acl.network_acl_id] = acl
        return acl

    def get_network_acl(self, acl_id: str, name: str = "NetworkAclId") -> NetworkAcl:
        return lookup(self.network_acls, acl_id, "acl", name, "network ACL")

    def _triple_acl(self, acl_id: str) -> NetworkAcl:
        acl = self.get_network_acl(acl_id)
        if acl.acl_type != "TRIPLE":
            raise ApiError(f"The network ACL `{acl_id}` is a QUINTUPLE ACL; use the quintuple entry actions.",
                           code="UnsupportedOperation")
        return acl

    def acl_subnets(self, acl_id: str) -> list[Subnet]:
        return [s for s in self.subnets.values() if s.network_acl_id == acl_id]

    # -- entries ---------------------------------------------------------------------------------
    def parse_acl_entry(self, req: AclEntryRequest) -> AclEntry:
        """Check one requested entry and make it an AclEntry (no id yet)."""
        where, protocol_in = req.where, req.protocol
        if not protocol_in:
            raise MissingParameter(f"{where}.Protocol")
        protocol = protocol_in.upper()
        if protocol not in ACL_PROTOCOLS:
            raise out_of_range(f"`{where}.Protocol` must be one of TCP, UDP, ICMP, ALL; got `{protocol_in}`.")
        port_in = req.port.strip()
        if protocol in ("TCP", "UDP"):
            port = port_spec(port_in, f"{where}.Port", allow_list=False) if port_in else "ALL"
        else:
            if port_in and port_in.upper() != "ALL":
                raise coexist(f"{where}.Protocol={protocol}", f"{where}.Port")
            port = ""
        action_in = req.action
        if not action_in:
            raise MissingParameter(f"{where}.Action")
        action = action_in.upper()
        if action not in ("ACCEPT", "DROP"):
            raise out_of_range(f"`{where}.Action` must be ACCEPT or DROP, got `{action_in}`.")
        cidr, ipv6 = req.cidr_block.strip(), req.ipv6_cidr_block.strip()
        if cidr and ipv6:
            raise coexist(f"{where}.CidrBlock", f"{where}.Ipv6CidrBlock")
        if not cidr and not ipv6:
            raise InvalidParameterValue(f"`{where}` needs a CidrBlock or an Ipv6CidrBlock.",
                                        code="InvalidParameterValue.Empty")
        if cidr:
            ipv4_cidr(cidr, f"{where}.CidrBlock")
        else:
            ipv6_cidr(ipv6, f"{where}.Ipv6CidrBlock")
        description = req.description
        if len(description) > 100:
            raise too_long(f"{where}.Description", 100)
        return AclEntry(protocol=protocol, port=port, action=action, cidr_block=cidr, ipv6_cidr_block=ipv6,
                        description=description, modify_time=self.region.now)

    def _new_entries(self, reqs: list[AclEntryRequest]) -> list[AclEntry]:
        entries = [self.parse_acl_entry(req) for req in reqs]
        for entry in entries:
            entry.entry_id = self.region.new_id("acli63" if entry.ipv6_cidr_block else "acli43")
        return entries

    @staticmethod
    def _check_quota(entries: list[AclEntry], direction: str) -> None:
        if len(entries) > MAX_ENTRIES_PER_DIRECTION:
            raise ApiError(f"A network ACL holds at most {MAX_ENTRIES_PER_DIRECTION} {direction} entries.",
                           code="LimitExceeded")

    def _entries(self, acl: NetworkAcl, direction: str) -> list[AclEntry]:
        return acl.ingress if direction == "Ingress" else acl.egress

    def _store(self, acl: NetworkAcl, updates: dict[str, list[AclEntry]]) -> None:
        for direction, entries in updates.items():
            self._check_quota(entries, direction)
        for direction, entries in updates.items():
            if direction == "Ingress":
                acl.ingress = entries
            else:
                acl.egress = entries

    def modify_network_acl_entries(self, acl_id: str, sets: AclEntrySets, incremental: bool = False) -> None:
        """Replace the given direction(s); with ``EnableUpdateAclEntries`` update entries by id in place."""
        acl = self._triple_acl(acl_id)
        updates: dict[str, list[AclEntry]] = {}
        for direction, reqs in sets.items():
            if not incremental:
                updates[direction] = self._new_entries(reqs)
                continue
            entries = list(self._entries(acl, direction))
            for req in reqs:
                entry_id = req.entry_id
                if not entry_id:
                    raise MissingParameter(f"{req.where}.NetworkAclIpv4EntryId")
                positions = [n for n, e in enumerate(entries) if e.entry_id == entry_id]
                if not positions:
                    raise not_found("network ACL entry", entry_id)
                new = self.parse_acl_entry(req)
                new.entry_id = entry_id
                entries[positions[0]] = new
            updates[direction] = entries
        self._store(acl, updates)

    def create_network_acl_entries(self, acl_id: str, sets: AclEntrySets) -> None:
        """Append entries to the given direction(s) (incremental add)."""
        acl = self._triple_acl(acl_id)
        updates = {d: self._entries(acl, d) + self._new_entries(reqs) for d, reqs in sets.items()}
        self._store(acl, updates)

    # -- subnets -----------------------------------------------------------------------------------
    def _subnets_for(self, acl: NetworkAcl, subnet_ids: list[str]) -> list[Subnet]:
        if not subnet_ids:
            raise MissingParameter("SubnetIds")
        subnets = [self.get_subnet(sid, f"SubnetIds.{i}") for i, sid in enumerate(subnet_ids)]
        for subnet in subnets:
            if subnet.vpc_id != acl.vpc_id:
                raise InvalidParameterValue(
                    f"Subnet `{subnet.subnet_id}` is in `{subnet.vpc_id}`, "
                    f"not in the ACL's VPC `{acl.vpc_id}`.",
                    code="InvalidParameterValue.Range")
        return subnets

    def associate_network_acl_subnets(self, acl_id: str, subnet_ids: list[str]) -> None:
        """Bind subnets to the ACL; a subnet bound to another ACL moves (one ACL per subnet)."""
        acl = self.get_network_acl(acl_id)
        for subnet in self._subnets_for(acl, subnet_ids):
            subnet.network_acl_id = acl_id

    def disassociate_network_acl_subnets(self, acl_id: str, subnet_ids: list[str]) -> None:
        acl = self.get_network_acl(acl_id)
        subnets = self._subnets_for(acl, subnet_ids)
        for subnet in subnets:
            if subnet.network_acl_id != acl_id:
                raise ApiError(f"Subnet `{subnet.subnet_id}` is not associated with `{acl_id}`.",
                               code="UnsupportedOperation.AttachmentNotFound")
        for subnet in subnets:
            subnet.network_acl_id = ""

    def delete_network_acl(self, acl_id: str) -> None:
        self.get_network_acl(acl_id)
        bound = [s.subnet_id for s in self.acl_subnets(acl_id)]
        if bound:
            raise in_use(f"The network ACL `{acl_id}` is associated with subnets {', '.join(bound)}; "
                         "disassociate them first.")
        del self.network_acls[acl_id]
