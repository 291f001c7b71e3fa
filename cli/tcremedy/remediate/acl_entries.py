"""Where tcremedy's entry goes in one direction of a network ACL. Pure.

A network ACL is stateless and first-match with an implicit final DROP (reference §3.5), and its
write (``ModifyNetworkAclEntries``) replaces a direction's whole entry list. So the fix computes
the direction's full new list: every existing entry kept as it is and in order, tcremedy's entry
at the top, above any DROP. An identical entry that is already effective (no DROP above it) is
used as it is; one that sits under a DROP is moved to the top keeping its description. An entry
whose description does not start with ``tcremedy:`` is the admin's: ADOPTED, never removed.

Shared by the SDK dynamic provider (over the list it reads) and the pulumi-tencentcloud backend
(over the collected state), both on ``NetworkAclEntry`` values.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tcremedy.cloud.acl_defaults import own_entries
from tcremedy.cloud.state import NetworkAclEntry
from tcremedy.remediate.rule_match import drops, owned, port_range

DIRECTIONS = ("ingress", "egress")


@dataclass(frozen=True)
class WantedEntry:
    """The entry a fix needs: ``action`` ``protocol``/``port`` from (ingress) or to (egress) ``cidr``."""

    direction: str  # ingress | egress
    cidr: str
    port: str
    description: str = ""
    protocol: str = "TCP"
    action: str = "ACCEPT"

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> WantedEntry:
        return cls(
            direction=str(params["direction"]),
            cidr=str(params["cidr_block"]),
            port=str(params["port"]),
            description=str(params.get("description") or ""),
            protocol=str(params.get("protocol") or "TCP").upper(),
            action=str(params.get("action") or "ACCEPT").upper(),
        )

    @property
    def ipv6(self) -> bool:
        return ipaddress.ip_network(self.cidr, strict=False).version == 6

    def entry(self, description: str | None = None) -> NetworkAclEntry:
        return NetworkAclEntry(
            protocol=self.protocol,
            port=self.port,
            action=self.action,
            cidr_block="" if self.ipv6 else self.cidr,
            ipv6_cidr_block=self.cidr if self.ipv6 else "",
            description=self.description if description is None else description,
        )


@dataclass(frozen=True)
class Merge:
    """``entries``: the direction's new list, or None when nothing needs writing."""

    entries: tuple[NetworkAclEntry, ...] | None
    adopted: bool  # the effective entry is not tcremedy's (deleting the fix must leave it)


def identical(entry: NetworkAclEntry, want: WantedEntry) -> bool:
    peer = entry.ipv6_cidr_block if want.ipv6 else entry.cidr_block
    return (
        entry.protocol.upper() == want.protocol
        and entry.port.upper() == want.port.upper()
        and entry.action.upper() == want.action
        and peer == want.cidr
    )


def shadowed(entries: Sequence[NetworkAclEntry], index: int, want: WantedEntry) -> bool:
    """A DROP above position ``index`` matches (part of) the wanted traffic."""
    span = port_range(want.port)
    return any(
        drops(e.action, e.protocol, e.port, e.cidr_block or e.ipv6_cidr_block, want.cidr, span)
        for e in entries[:index]
    )


def effective(entries: Sequence[NetworkAclEntry], want: WantedEntry) -> int | None:
    """Position of the first identical entry no DROP shadows, or None (missing or shadowed)."""
    return next(
        (i for i, e in enumerate(entries) if identical(e, want) and not shadowed(entries, i, want)), None
    )


def ensure(entries: Sequence[NetworkAclEntry], want: WantedEntry) -> Merge:
    """The list with ``want`` effective: unchanged, an identical entry moved up, or tcremedy's on top."""
    top = effective(entries, want)
    if top is not None:
        return Merge(None, not owned(entries[top].description))
    found = next((i for i, e in enumerate(entries) if identical(e, want)), None)
    if found is None:
        return Merge((want.entry(), *entries), False)
    moved = entries[found]  # under a DROP: to the top, still its owner's (one entry, not two)
    rest = tuple(e for i, e in enumerate(entries) if i != found)
    return Merge((moved, *rest), not owned(moved.description))


def without_owned(
    entries: Sequence[NetworkAclEntry], want: WantedEntry
) -> tuple[NetworkAclEntry, ...] | None:
    """The list without tcremedy's own copies of ``want``; None when there is none to remove."""
    kept = tuple(e for e in entries if not (identical(e, want) and owned(e.description)))
    return kept if len(kept) != len(entries) else None


def declared(
    entries: Sequence[NetworkAclEntry], wanted: Sequence[WantedEntry]
) -> tuple[NetworkAclEntry, ...]:
    """``entries`` after ensuring each of ``wanted`` in turn (a whole direction, declared at once)."""
    out = tuple(entries)
    for want in wanted:
        out = ensure(out, want).entries or out
    return out


def provider_cannot_write(ingress: Sequence[NetworkAclEntry], egress: Sequence[NetworkAclEntry]) -> str:
    """Why the ACL's entries cannot be rewritten through pulumi-tencentcloud's ``vpc.Acl`` ("" if they can).

    Its entry format ``ACTION#CIDR#PORT#PROTOCOL[#DESCRIPTION]`` has one IPv4 CIDR field: Read renders
    an IPv6 entry with an empty CIDR and Update always sends ``CidrBlock``
    (services/vpc/resource_tc_vpc_acl.go, service_tencentcloud_vpc.go ``parseACLRule``,
    ``ModifyNetWorkAclRules``), a '#' in a description splits the entry, and Read leaves out an
    explicit all/0.0.0.0/0/DROP (``CheckIfDefaultRule``), so a rewrite would drop one that sits
    above other entries. Rewriting such an ACL
    would lose or break those entries, so the fix is a manual step on both paths. The default rules
    listed after the ACL's own entries are not rewritten (``acl_defaults``) and so never block it.
    """
    for direction, listed in (("inbound", ingress), ("outbound", egress)):
        entries = own_entries(listed)
        for i, entry in enumerate(entries):
            deny_all = entry.protocol.upper() == "ALL" and entry.cidr_block == "0.0.0.0/0"
            if deny_all and entry.action.upper() == "DROP" and i < len(entries) - 1:
                # CheckIfDefaultRule drops it from Read: the rewrite would remove it, opening what
                # the entries below it were kept from.
                return f"its explicit {direction} deny-all (all, 0.0.0.0/0, DROP) above other entries"
            if entry.ipv6_cidr_block:
                what = f"{entry.action} {entry.protocol}"
                return f"its {direction} entry for IPv6 {entry.ipv6_cidr_block} ({what})"
            if "#" in entry.description:
                return f"its {direction} entry described {entry.description!r} (a '#' in it)"
    return ""
