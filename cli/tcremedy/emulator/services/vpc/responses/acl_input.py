"""Reading a request's ``NetworkAclEntrySet`` / ``NetworkAclQuintupleSet`` into the models' plain inputs.

The wire shapes (SDK ``NetworkAclEntrySet``/``NetworkAclEntry``, ``NetworkAclQuintupleEntries``/
``NetworkAclQuintupleEntry``) are read and type-checked here; what the values mean is the models'.
"""

from __future__ import annotations

from typing import Any

from tcremedy.emulator.core.errors import InvalidParameter, InvalidParameterValue, MissingParameter
from tcremedy.emulator.services.vpc.models.acl_requests import (
    AclEntryRequest,
    AclEntrySets,
    QuintupleRequest,
    QuintupleSets,
)
from tcremedy.emulator.services.vpc.models.common import text

DIRECTIONS = ("Ingress", "Egress")


def _directions(params: dict[str, Any], name: str, *, needs: str) -> dict[str, list[dict[str, Any]]]:
    """The set ``name``'s given directions (a list each). ``needs``: "entries" (all empty is
    ``InvalidParameterValue.Empty``), "direction" (none given is), "" (nothing is)."""
    raw = params.get(name)
    if raw is None:
        raise MissingParameter(name)
    if not isinstance(raw, dict):
        raise InvalidParameter(f"The parameter `{name}` must be an object.")
    out = {}
    for direction in DIRECTIONS:
        value = raw.get(direction)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise InvalidParameter(f"`{name}.{direction}` must be an array of entries.")
        out[direction] = value
    if (needs == "entries" and not any(out.values())) or (needs == "direction" and not out):
        raise InvalidParameterValue(f"`{name}` must contain Ingress or Egress entries.",
                                    code="InvalidParameterValue.Empty")
    return out


def acl_entry_sets(params: dict[str, Any]) -> AclEntrySets:
    """``NetworkAclEntrySet``: a given direction may be empty (Modify resets it)."""
    return {
        direction: [_entry(raw, f"NetworkAclEntrySet.{direction}.{i}") for i, raw in enumerate(raws)]
        for direction, raws in _directions(params, "NetworkAclEntrySet", needs="direction").items()
    }


def _entry(raw: dict[str, Any], where: str) -> AclEntryRequest:
    return AclEntryRequest(
        where=where,
        protocol=text(raw.get("Protocol"), f"{where}.Protocol"),
        port=text(raw.get("Port"), f"{where}.Port"),
        action=text(raw.get("Action"), f"{where}.Action"),
        cidr_block=text(raw.get("CidrBlock"), f"{where}.CidrBlock"),
        ipv6_cidr_block=text(raw.get("Ipv6CidrBlock"), f"{where}.Ipv6CidrBlock"),
        description=text(raw.get("Description"), f"{where}.Description"),
        entry_id=(text(raw.get("NetworkAclIpv4EntryId"), f"{where}.NetworkAclIpv4EntryId")
                  or text(raw.get("NetworkAclIpv6EntryId"), f"{where}.NetworkAclIpv6EntryId")),
    )


def quintuple_sets(params: dict[str, Any], *, reset: bool = False) -> QuintupleSets:
    """``NetworkAclQuintupleSet``; for a ``reset`` (ModifyNetworkAclEntries) it may hold nothing, and
    a direction given empty is kept (it clears that direction)."""
    return {
        direction: [_quintuple(raw, f"NetworkAclQuintupleSet.{direction}.{i}") for i, raw in enumerate(raws)]
        for direction, raws in _directions(
            params, "NetworkAclQuintupleSet", needs="" if reset else "entries"
        ).items()
    }


def _quintuple(raw: dict[str, Any], where: str) -> QuintupleRequest:
    priority = raw.get("Priority")
    if priority is not None and (isinstance(priority, bool) or not isinstance(priority, int)):
        raise InvalidParameter(f"`{where}.Priority` must be an integer.")
    members = {
        field: text(raw.get(member), f"{where}.{member}")
        for field, member in (
            ("protocol", "Protocol"),
            ("source_port", "SourcePort"),
            ("destination_port", "DestinationPort"),
            ("action", "Action"),
            ("source_cidr", "SourceCidr"),
            ("source_ipv6_cidr", "SourceIPv6Cidr"),
            ("destination_cidr", "DestinationCidr"),
            ("destination_ipv6_cidr", "DestinationIPv6Cidr"),
            ("description", "Description"),
            ("entry_id", "NetworkAclQuintupleEntryId"),
        )
    }
    return QuintupleRequest(where=where, priority=priority, **members)
