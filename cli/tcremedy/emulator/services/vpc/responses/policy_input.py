"""Reading a request's ``SecurityGroupPolicySet`` into the model's plain inputs.

The wire shapes (tencent-api.md 3.2, SDK ``SecurityGroupPolicySet`` / ``SecurityGroupPolicy``) are
read and type-checked here; what the values mean (ACCEPT|DROP, one source, ports...) is the model's
(``models.security_groups``). Each policy keeps its place in the request (``where``) for the errors.
"""

from __future__ import annotations

from typing import Any

from tcremedy.emulator.core.errors import InvalidParameter, MissingParameter
from tcremedy.emulator.services.vpc.models.common import malformed, out_of_range, text
from tcremedy.emulator.services.vpc.models.policy_requests import PolicyInput, PolicyRequest
from tcremedy.emulator.services.vpc.models.security_groups import DIRECTIONS


def policy_set(params: dict[str, Any], name: str = "SecurityGroupPolicySet", *, shape_only: bool = False
               ) -> PolicyInput:
    """The set ``name``; ``shape_only``: its policies are not read (an informational set)."""
    raw = params.get(name)
    if raw is None:
        raise MissingParameter(name)
    if not isinstance(raw, dict):
        raise InvalidParameter(f"The parameter `{name}` must be an object.")
    lists: dict[str, list[dict[str, Any]] | None] = {}
    for direction in DIRECTIONS:
        value = raw.get(direction)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, dict) for v in value)):
            raise InvalidParameter(f"`{name}.{direction}` must be an array of SecurityGroupPolicy objects.")
        lists[direction] = value
    version = raw.get("Version")
    if version is not None and not isinstance(version, (str, int)):
        raise InvalidParameter(f"`{name}.Version` must be a string.")
    given = [d for d in DIRECTIONS if lists[d]]
    read: dict[str, list[PolicyRequest] | None] = {}
    for direction in DIRECTIONS:
        raws = [] if shape_only else lists[direction]
        read[direction] = None if raws is None else [
            policy(r, f"{name}.{direction}.{i}") for i, r in enumerate(raws)]
    return PolicyInput(version=None if version in (None, "") else str(version),
                       direction=given[0] if len(given) == 1 else None,
                       ingress=read["Ingress"], egress=read["Egress"])


def policy(raw: dict[str, Any], where: str) -> PolicyRequest:
    """One wire ``SecurityGroupPolicy``: its members as strings ("" when absent), its PolicyIndex."""
    service = raw.get("ServiceTemplate") or {}
    address = raw.get("AddressTemplate") or {}
    if not isinstance(service, dict) or not isinstance(address, dict):
        raise InvalidParameter(f"`{where}.ServiceTemplate`/`AddressTemplate` must be objects.")
    return PolicyRequest(
        where=where,
        action=text(raw.get("Action"), f"{where}.Action"),
        protocol=text(raw.get("Protocol"), f"{where}.Protocol"),
        port=text(raw.get("Port"), f"{where}.Port"),
        cidr_block=text(raw.get("CidrBlock"), f"{where}.CidrBlock"),
        ipv6_cidr_block=text(raw.get("Ipv6CidrBlock"), f"{where}.Ipv6CidrBlock"),
        security_group_id=text(raw.get("SecurityGroupId"), f"{where}.SecurityGroupId"),
        address_id=text(address.get("AddressId"), f"{where}.AddressTemplate.AddressId"),
        address_group_id=text(address.get("AddressGroupId"), f"{where}.AddressTemplate.AddressGroupId"),
        service_id=text(service.get("ServiceId"), f"{where}.ServiceTemplate.ServiceId"),
        service_group_id=text(service.get("ServiceGroupId"), f"{where}.ServiceTemplate.ServiceGroupId"),
        description=text(raw.get("PolicyDescription"), f"{where}.PolicyDescription"),
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
