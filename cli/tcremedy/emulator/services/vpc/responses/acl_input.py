"""Reading a request's ``NetworkAclEntrySet`` / ``NetworkAclQuintupleSet`` into the models' plain inputs.

The wire shapes (SDK ``NetworkAclEntrySet``/``NetworkAclEntry``, ``NetworkAclQuintupleEntries``/
``NetworkAclQuintupleEntry``) are read and type-checked here; what the values mean is the models'.
"""

from __future__ import annotations

from typing import Any

from tcremedy.emulator.core.errors import InvalidParameter, InvalidParameterValue
from tcremedy.emulator.services.vpc.models.acl_requests import (
    AclEntryRequest,
    AclEntrySets,
    QuintupleRequest,
    QuintupleSets,
)
from tcremedy.emulator.services.vpc.responses.request_params import direction_lists, text_members


def _directions(params: dict[str, Any], name: str, *, needs: str) -> dict[str, list[dict[str, Any]]]:
    """The set ``name``'s given directions (a list each). ``needs``: "entries" (all empty is
    ``InvalidParameterValue.Empty``), "direction" (none given is), "" (nothing is)."""
    _, lists = direction_lists(params, name, "entries")
    out = {direction: value for direction, value in lists.items() if value is not None}
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


_ENTRY_MEMBERS = {"protocol": "Protocol", "port": "Port", "action": "Action", "cidr_block": "CidrBlock",
                  "ipv6_cidr_block": "Ipv6CidrBlock", "description": "Description",
                  "v4_id": "NetworkAclIpv4EntryId", "v6_id": "NetworkAclIpv6EntryId"}
_QUINTUPLE_MEMBERS = {"protocol": "Protocol", "source_port": "SourcePort",
                      "destination_port": "DestinationPort", "action": "Action", "source_cidr": "SourceCidr",
                      "source_ipv6_cidr": "SourceIPv6Cidr",
                      "destination_cidr": "DestinationCidr", "destination_ipv6_cidr": "DestinationIPv6Cidr",
                      "description": "Description", "entry_id": "NetworkAclQuintupleEntryId"}


def _entry(raw: dict[str, Any], where: str) -> AclEntryRequest:
    members = text_members(raw, where, _ENTRY_MEMBERS)
    v4_id, v6_id = members.pop("v4_id"), members.pop("v6_id")
    return AclEntryRequest(where=where, entry_id=v4_id or v6_id, **members)


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
    return QuintupleRequest(where=where, priority=priority, **text_members(raw, where, _QUINTUPLE_MEMBERS))
