"""Reading a request's ``SecurityGroupPolicySet`` into the model's plain inputs.

The wire shapes (tencent-api.md 3.2, SDK ``SecurityGroupPolicySet`` / ``SecurityGroupPolicy``) are
read and type-checked here; what the values mean (ACCEPT|DROP, one source, ports...) is the model's
(``models.security_groups``). Each policy keeps its place in the request (``where``) for the errors.
"""

from __future__ import annotations

from typing import Any

from tcremedy.emulator.core.errors import InvalidParameter
from tcremedy.emulator.services.vpc.models.common import malformed, out_of_range
from tcremedy.emulator.services.vpc.models.policy_requests import PolicyInput, PolicyRequest
from tcremedy.emulator.services.vpc.models.security_groups import DIRECTIONS
from tcremedy.emulator.services.vpc.responses.request_params import direction_lists, text_members


def policy_set(params: dict[str, Any], name: str = "SecurityGroupPolicySet", *, shape_only: bool = False
               ) -> PolicyInput:
    """The set ``name``; ``shape_only``: its policies are not read (an informational set)."""
    raw, lists = direction_lists(params, name, "SecurityGroupPolicy objects")
    version = raw.get("Version")
    if version is not None and not isinstance(version, (str, int)):
        raise InvalidParameter(f"`{name}.Version` must be a string.")
    given = [d for d in DIRECTIONS if lists[d]]
    read: dict[str, list[PolicyRequest] | None] = {}
    for direction in DIRECTIONS:
        raws = None if shape_only else lists[direction]
        read[direction] = None if raws is None else [
            policy(r, f"{name}.{direction}.{i}") for i, r in enumerate(raws)]
    return PolicyInput(version=None if version in (None, "") else str(version),
                       direction=given[0] if len(given) == 1 else None,
                       ingress=read["Ingress"], egress=read["Egress"])


_MEMBERS = {"action": "Action", "protocol": "Protocol", "port": "Port", "cidr_block": "CidrBlock",
            "ipv6_cidr_block": "Ipv6CidrBlock", "security_group_id": "SecurityGroupId",
            "description": "PolicyDescription"}


def policy(raw: dict[str, Any], where: str) -> PolicyRequest:
    """One wire ``SecurityGroupPolicy``: its members as strings ("" when absent), its PolicyIndex."""
    service = raw.get("ServiceTemplate") or {}
    address = raw.get("AddressTemplate") or {}
    if not isinstance(service, dict) or not isinstance(address, dict):
        raise InvalidParameter(f"`{where}.ServiceTemplate`/`AddressTemplate` must be objects.")
    return PolicyRequest(
        where=where,
        **text_members(raw, where, _MEMBERS),
        **text_members(address, f"{where}.AddressTemplate",
                       {"address_id": "AddressId", "address_group_id": "AddressGroupId"}),
        **text_members(service, f"{where}.ServiceTemplate",
                       {"service_id": "ServiceId", "service_group_id": "ServiceGroupId"}),
        policy_index=policy_index(raw, where),
    )


def policy_index(raw: dict[str, Any], where: str) -> int | None:
    value = raw.get("PolicyIndex")
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidParameter(f"`{where}.PolicyIndex` must be an integer.")
    if isinstance(value, str):
        if not value.strip().lstrip("-").isdigit():
            raise malformed(f"`{where}.PolicyIndex` must be an integer, got `{value}`.")
        value = int(value)
    if value < 0:
        raise out_of_range(f"`{where}.PolicyIndex` must be >= 0, got {value}.")
    return value
