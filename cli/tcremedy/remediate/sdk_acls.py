"""The network ACL entry fix as a Pulumi dynamic provider over tencentcloud-sdk-python.

One resource per (ACL, direction, CIDR): the ACL is read with ``DescribeNetworkAcls`` and the
direction's full entry list written back with ``ModifyNetworkAclEntries`` (which replaces the set
of the directions it is given, and leaves the other alone), tcremedy's entry on top and every
other entry as it was, in order (``acl_entries``). The ACL API has no version to write at, so
each change is read back: the loop ends when the entry is effective, and a concurrent writer
that lost it means another round. A crashed run's entry is found, not duplicated; an identical
entry the admin made is adopted and never removed; delete removes only ``tcremedy:`` entries.
"""

from __future__ import annotations

from typing import Any

import pulumi.dynamic as dyn

from tcremedy.cloud.acl_defaults import own_entries
from tcremedy.cloud.collect_vpc import acl_entry_from_api
from tcremedy.cloud.state import NetworkAclEntry
from tcremedy.remediate.acl_entries import (
    DIRECTIONS,
    WantedEntry,
    effective,
    ensure,
    identical,
    without_owned,
)
from tcremedy.remediate.sdk_common import (
    FixError,
    api_for,
    call,
    diff,
    limit_failures,
    public_cidr_failures,
)

ATTEMPTS = 8
WIRE = {"ingress": ("Ingress", "IngressEntries"), "egress": ("Egress", "EgressEntries")}


def _entries(api: Any, acl_id: str, direction: str) -> tuple[NetworkAclEntry, ...] | None:
    """The direction's own entries in order (not the default rules listed after them, which a
    write never carries: ``acl_defaults``); None when the ACL does not exist."""
    try:
        found = call(api, "vpc", "DescribeNetworkAcls", {"NetworkAclIds": [acl_id]}).get("NetworkAclSet")
    except FixError as exc:
        if "ResourceNotFound" in str(exc) or "NotFound" in str(exc):
            return None
        raise
    acl = next((a for a in found or () if a.get("NetworkAclId") == acl_id), None)
    if acl is None:
        return None
    return own_entries([acl_entry_from_api(e) for e in acl.get(WIRE[direction][1]) or ()])


def entry_to_api(entry: NetworkAclEntry) -> dict[str, Any]:
    """A ``NetworkAclEntry`` request item carrying exactly what was read (no id: the set is replaced)."""
    item: dict[str, Any] = {
        "Protocol": entry.protocol,
        "Action": entry.action,
        "Description": entry.description,
    }
    if entry.protocol.upper() in ("TCP", "UDP"):
        item["Port"] = entry.port
    item["Ipv6CidrBlock" if entry.ipv6_cidr_block else "CidrBlock"] = (
        entry.ipv6_cidr_block or entry.cidr_block
    )
    return item


def _write(api: Any, acl_id: str, direction: str, entries: tuple[NetworkAclEntry, ...]) -> None:
    entry_set = {WIRE[direction][0]: [entry_to_api(e) for e in entries]}
    call(api, "vpc", "ModifyNetworkAclEntries", {"NetworkAclId": acl_id, "NetworkAclEntrySet": entry_set})


def _entry_id(p: dict[str, Any]) -> str:
    return (
        f"{p['network_acl_id']}/{p['direction']}/{p['protocol']}/{p['port']}/{p['cidr_block']}/{p['action']}"
    )


class AclRdpEntryProvider(dyn.ResourceProvider):
    """One ACL entry that passes ``protocol``/``port`` from/to ``cidr_block``, above any DROP."""

    KEYS = ("network_acl_id", "direction", "cidr_block", "protocol", "port", "action", "region")

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        failures: list[dyn.CheckFailure] = []
        if news.get("direction") not in DIRECTIONS:
            failures.append(dyn.CheckFailure("direction", "expected ingress or egress"))
        failures += public_cidr_failures(news) or limit_failures("acl_entry", olds, news)
        return dyn.CheckResult(news, failures)

    def _ensure(self, props: dict[str, Any]) -> dict[str, Any]:
        api, acl_id, direction = api_for(props["region"]), props["network_acl_id"], props["direction"]
        want = WantedEntry.from_params(props)
        for _attempt in range(ATTEMPTS):
            entries = _entries(api, acl_id, direction)
            if entries is None:
                raise FixError(f"network ACL {acl_id} not found")
            merged = ensure(entries, want)
            if merged.entries is None:  # effective (ours, or the admin's: adopted)
                return {**props, "adopted": merged.adopted}
            _write(api, acl_id, direction, merged.entries)
        raise FixError(f"{acl_id} kept changing while tcremedy inserted its {direction} entry; try again")

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        return dyn.CreateResult(id_=_entry_id(props), outs=self._ensure(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(outs=self._ensure(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        def drifted() -> bool:
            entries = _entries(api_for(news["region"]), news["network_acl_id"], news["direction"])
            return entries is None or effective(entries, WantedEntry.from_params(news)) is None

        return diff(olds, news, self.KEYS, ("description",), drifted)

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        entries = _entries(api_for(props["region"]), props["network_acl_id"], props["direction"]) or ()
        want = WantedEntry.from_params(props)
        return dyn.ReadResult(id_=id_ if any(identical(e, want) for e in entries) else None, outs=props)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Remove tcremedy's own entry; an adopted one (or anyone else's identical one) stays."""
        if props.get("adopted"):
            return
        api, acl_id, direction = api_for(props["region"]), props["network_acl_id"], props["direction"]
        want = WantedEntry.from_params(props)
        for _attempt in range(ATTEMPTS):
            entries = _entries(api, acl_id, direction)
            kept = without_owned(entries, want) if entries is not None else None
            if kept is None:
                return  # the ACL is gone, or no entry of ours is left
            _write(api, acl_id, direction, kept)
        raise FixError(f"{acl_id} kept changing while tcremedy removed its {direction} entry")
