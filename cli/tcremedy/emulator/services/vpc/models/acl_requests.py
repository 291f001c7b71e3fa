"""The plain inputs of the network ACL entry mutations (TRIPLE entry sets, QUINTUPLE entry sets).

The responses layer reads the wire ``NetworkAclEntrySet`` / ``NetworkAclQuintupleSet`` into these
(``responses.acl_input``), keyed by the set's direction member ("Ingress" | "Egress"); the models
check what they mean (``models.acls``, ``models.quintuple``). ``where`` names an entry in errors.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AclEntryRequest:
    """One ``NetworkAclEntry`` of a request, its members as given ("" when absent)."""

    where: str  # NetworkAclEntrySet.Ingress.0
    protocol: str = ""
    port: str = ""
    action: str = ""
    cidr_block: str = ""
    ipv6_cidr_block: str = ""
    description: str = ""
    entry_id: str = ""  # NetworkAclIpv4EntryId, else NetworkAclIpv6EntryId (EnableUpdateAclEntries)


@dataclass(frozen=True)
class QuintupleRequest:
    """One ``NetworkAclQuintupleEntry`` of a request, its members as given ("" when absent)."""

    where: str  # NetworkAclQuintupleSet.Ingress.0
    protocol: str = ""
    source_port: str = ""
    destination_port: str = ""
    action: str = ""
    source_cidr: str = ""
    source_ipv6_cidr: str = ""
    destination_cidr: str = ""
    destination_ipv6_cidr: str = ""
    description: str = ""
    entry_id: str = ""  # NetworkAclQuintupleEntryId
    priority: int | None = None  # None = not given


AclEntrySets = dict[str, list[AclEntryRequest]]  # "Ingress" | "Egress" -> the direction's entries
QuintupleSets = dict[str, list[QuintupleRequest]]
