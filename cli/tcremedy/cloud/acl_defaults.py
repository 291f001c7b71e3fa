"""The default rules DescribeNetworkAcls lists after a TRIPLE ACL's own entries. Pure.

Every network ACL has non-removable, lowest-priority default rules (ALL/ALL/0.0.0.0/0 DROP in and
out, https://cloud.tencent.com/doc/product/215/5132 "默认规则"), and the API lists them at the end
of ``IngressEntries``/``EgressEntries`` together with an IPv6 ``all ::/0 Accept`` one: the
provider's Read drops exactly these two shapes (``CheckIfDefaultRule``,
tencentcloud/services/vpc/resource_tc_vpc_acl.go v1.82.42 ~l.406-420, added by provider #2135
"fix vpc acl inconsistent" because the API returns them).

The diagnosis evaluates them as listed (they decide what no entry matches). A fix never writes them
back: ``ModifyNetworkAclEntries`` replaces the ACL's own entries, so sending them would add copies
of the default rules as entries of the ACL (and an IPv6 entry, which the provider path cannot carry).
"""

from __future__ import annotations

from collections.abc import Sequence

from tcremedy.cloud.state import NetworkAclEntry

# (IPv4 CIDR, IPv6 CIDR, action) of each default rule; protocol ALL, every port.
DEFAULT_RULES = (("0.0.0.0/0", "", "DROP"), ("", "::/0", "ACCEPT"))


def default_shape(entry: NetworkAclEntry) -> tuple[str, str, str] | None:
    """The default rule ``entry`` looks like, or None."""
    if entry.protocol.upper() != "ALL" or entry.port.upper() not in ("", "ALL"):
        return None
    shape = (entry.cidr_block, entry.ipv6_cidr_block, entry.action.upper())
    return shape if shape in DEFAULT_RULES else None


def default_count(entries: Sequence[NetworkAclEntry]) -> int:
    """How many entries at the end of a listed direction are its default rules (each shape once)."""
    seen: set[tuple[str, str, str]] = set()
    for entry in reversed(entries):
        shape = default_shape(entry)
        if shape is None or shape in seen:
            break
        seen.add(shape)
    return len(seen)


def own_entries(entries: Sequence[NetworkAclEntry]) -> tuple[NetworkAclEntry, ...]:
    """A listed direction without its trailing default rules: the entries the ACL's writes replace."""
    return tuple(entries[: len(entries) - default_count(entries)])
