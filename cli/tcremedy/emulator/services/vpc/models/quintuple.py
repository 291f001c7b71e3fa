"""Quintuple network ACL entries (``NetworkAclType`` QUINTUPLE).

A QUINTUPLE ACL keeps its rules apart from the TRIPLE entry lists: DescribeNetworkAcls returns its
Ingress/EgressEntries empty (SDK ``NetworkAcl``: "该参数仅对三元组ACL有效") and the rules are read with
DescribeNetworkAclQuintupleEntries and changed with Create/Modify/DeleteNetworkAclQuintupleEntries
(https://cloud.tencent.com/document/api/215/77636, .../product/215/77633, tencentcloud.com 215/49660).
Each entry: Protocol, SourceCidr/SourceIPv6Cidr, SourcePort, DestinationCidr/DestinationIPv6Cidr,
DestinationPort, Action, Priority (from 1), NetworkAclQuintupleEntryId (``acli45-``). Evaluation
(the judge's business): per direction by Priority, first match wins, then the implicit DROP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tcremedy.emulator.core.errors import ApiError, InvalidParameterValue, MissingParameter
from tcremedy.emulator.services.vpc.models.acl_requests import QuintupleRequest, QuintupleSets
from tcremedy.emulator.services.vpc.models.common import (
    coexist,
    ipv4_cidr,
    ipv6_cidr,
    not_found,
    out_of_range,
    port_spec,
    too_long,
)

if TYPE_CHECKING:
    from tcremedy.emulator.core.world import RegionState
    from tcremedy.emulator.services.vpc.models.acls import NetworkAcl

QUINTUPLE_PROTOCOLS = ("TCP", "UDP", "ICMP", "ALL")
DIRECTIONS = {"Ingress": "INGRESS", "Egress": "EGRESS"}
MAX_QUINTUPLE_ENTRIES = 20  # per direction, as for TRIPLE entries


@dataclass
class QuintupleEntry:
    direction: str  # INGRESS | EGRESS
    protocol: str  # TCP | UDP | ICMP | ALL
    action: str  # ACCEPT | DROP
    priority: int
    entry_id: str
    created: float
    source_cidr: str = ""
    source_ipv6_cidr: str = ""
    source_port: str = "ALL"
    destination_cidr: str = ""
    destination_ipv6_cidr: str = ""
    destination_port: str = "ALL"
    description: str = ""


class QuintupleMixin:
    region: RegionState

    def _quintuple_acl(self, acl_id: str) -> NetworkAcl:
        acl = self.get_network_acl(acl_id)  # type: ignore[attr-defined]
        if acl.acl_type != "QUINTUPLE":
            raise ApiError(f"The network ACL `{acl_id}` is a TRIPLE ACL; use the NetworkAclEntrySet actions.",
                           code="UnsupportedOperation")
        return acl

    def _parse_quintuple(self, req: QuintupleRequest, direction: str, priority: int,
                         entry_id: str, created: float) -> QuintupleEntry:
        where, protocol_in = req.where, req.protocol
        if not protocol_in:
            raise MissingParameter(f"{where}.Protocol")
        protocol = protocol_in.upper()
        if protocol not in QUINTUPLE_PROTOCOLS:
            raise out_of_range(f"`{where}.Protocol` must be one of TCP, UDP, ICMP, ALL; got `{protocol_in}`.")
        ports = {}
        for name, given in (("SourcePort", req.source_port), ("DestinationPort", req.destination_port)):
            value = given.strip()
            if protocol in ("TCP", "UDP"):
                ports[name] = port_spec(value, f"{where}.{name}", allow_list=False) if value else "ALL"
            elif value and value.upper() != "ALL":
                raise coexist(f"{where}.Protocol={protocol}", f"{where}.{name}")
            else:
                ports[name] = "ALL"
        action = req.action.upper()
        if not action:
            raise MissingParameter(f"{where}.Action")
        if action not in ("ACCEPT", "DROP"):
            raise out_of_range(f"`{where}.Action` must be ACCEPT or DROP, got `{req.action}`.")
        cidrs = {}
        for v4, v6, a, b in (("SourceCidr", "SourceIPv6Cidr", req.source_cidr, req.source_ipv6_cidr),
                             ("DestinationCidr", "DestinationIPv6Cidr", req.destination_cidr,
                              req.destination_ipv6_cidr)):
            a, b = a.strip(), b.strip()
            if a and b:
                raise coexist(f"{where}.{v4}", f"{where}.{v6}")
            cidrs[v4] = ipv4_cidr(a, f"{where}.{v4}") if a else ""
            cidrs[v6] = ipv6_cidr(b, f"{where}.{v6}") if b else ""
        if not (cidrs["SourceCidr"] or cidrs["SourceIPv6Cidr"]) and not (
                cidrs["DestinationCidr"] or cidrs["DestinationIPv6Cidr"]):
            raise InvalidParameterValue(f"`{where}` needs a source or a destination CIDR.",
                                        code="InvalidParameterValue.Empty")
        description = req.description
        if len(description) > 100:
            raise too_long(f"{where}.Description", 100)
        return QuintupleEntry(direction=direction, protocol=protocol, action=action, priority=priority,
                              entry_id=entry_id, created=created, source_cidr=cidrs["SourceCidr"],
                              source_ipv6_cidr=cidrs["SourceIPv6Cidr"],
                              source_port=ports.get("SourcePort", "ALL"),
                              destination_cidr=cidrs["DestinationCidr"],
                              destination_ipv6_cidr=cidrs["DestinationIPv6Cidr"],
                              destination_port=ports.get("DestinationPort", "ALL"), description=description)

    @staticmethod
    def _renumber(acl: NetworkAcl, direction: str) -> None:
        entries = sorted((e for e in acl.quintuple if e.direction == direction), key=lambda e: e.priority)
        for n, entry in enumerate(entries, start=1):
            entry.priority = n
        if len(entries) > MAX_QUINTUPLE_ENTRIES:
            raise ApiError(f"A network ACL holds at most {MAX_QUINTUPLE_ENTRIES} {direction} entries.",
                           code="LimitExceeded")

    def create_quintuple_entries(self, acl_id: str, sets: QuintupleSets) -> None:
        """Append the entries (a given Priority inserts there, later ones move down)."""
        acl = self._quintuple_acl(acl_id)
        self._add_quintuple(acl, sets)

    def reset_quintuple_entries(self, acl_id: str, sets: QuintupleSets) -> None:
        """ModifyNetworkAclEntries with a quintuple set: each given direction is reset to the given
        entries (an empty list clears it), the other direction is kept."""
        acl = self._quintuple_acl(acl_id)
        given = {DIRECTIONS[name] for name in sets}
        kept = [e for e in acl.quintuple if e.direction not in given]
        staged = self._add_quintuple_to(kept, sets)
        acl.quintuple = staged
        for direction in DIRECTIONS.values():
            self._renumber(acl, direction)

    def _add_quintuple(self, acl: NetworkAcl, sets: QuintupleSets) -> None:
        acl.quintuple = self._add_quintuple_to(list(acl.quintuple), sets)
        for direction in DIRECTIONS.values():
            self._renumber(acl, direction)

    def _add_quintuple_to(self, staged: list[QuintupleEntry], sets: QuintupleSets) -> list[QuintupleEntry]:
        """``staged`` with the requested entries inserted (all checked before anything is kept)."""
        for name, reqs in sets.items():
            direction = DIRECTIONS[name]
            for req in reqs:
                count = sum(1 for e in staged if e.direction == direction)
                wanted = req.priority
                position = count + 1 if wanted is None else min(max(wanted, 1), count + 1)
                for entry in staged:
                    if entry.direction == direction and entry.priority >= position:
                        entry.priority += 1
                staged.append(self._parse_quintuple(req, direction, position,
                                                    self.region.new_id("acli45"), self.region.now))
        return staged

    def _by_id(self, acl: NetworkAcl, req: QuintupleRequest) -> QuintupleEntry:
        entry_id = req.entry_id
        if not entry_id:
            raise MissingParameter(f"{req.where}.NetworkAclQuintupleEntryId")
        for entry in acl.quintuple:
            if entry.entry_id == entry_id:
                return entry
        raise not_found("network ACL quintuple entry", entry_id)

    def modify_quintuple_entries(self, acl_id: str, sets: QuintupleSets) -> None:
        """Replace entries by NetworkAclQuintupleEntryId (the id and, unless given, the Priority stay)."""
        acl = self._quintuple_acl(acl_id)
        for reqs in sets.values():
            for req in reqs:
                old = self._by_id(acl, req)
                priority = old.priority if req.priority is None else req.priority
                new = self._parse_quintuple(req, old.direction, priority, old.entry_id, old.created)
                acl.quintuple[acl.quintuple.index(old)] = new
        for direction in DIRECTIONS.values():
            self._renumber(acl, direction)

    def delete_quintuple_entries(self, acl_id: str, sets: QuintupleSets) -> None:
        acl = self._quintuple_acl(acl_id)
        doomed = {self._by_id(acl, req).entry_id for reqs in sets.values() for req in reqs}
        acl.quintuple = [e for e in acl.quintuple if e.entry_id not in doomed]
        for direction in DIRECTIONS.values():
            self._renumber(acl, direction)

    @staticmethod
    def quintuple_entries(acl: NetworkAcl) -> list[QuintupleEntry]:
        """Ingress then egress, each by Priority."""
        return sorted(acl.quintuple, key=lambda e: (e.direction != "INGRESS", e.priority))
