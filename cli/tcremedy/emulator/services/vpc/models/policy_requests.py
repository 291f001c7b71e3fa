"""The plain inputs of the security-group policy mutations (Create/Delete/Replace/Modify...Policies).

The responses layer reads the wire ``SecurityGroupPolicySet`` into these (``responses.policy_input``);
the model checks what they mean (``models.security_groups``).
"""

from __future__ import annotations

from dataclasses import dataclass

from tcremedy.emulator.core.errors import InvalidParameterValue
from tcremedy.emulator.services.vpc.models.common import coexist


@dataclass(frozen=True)
class PolicyRequest:
    """One policy of a mutation request, its members as given ("" when absent), read by the responses
    layer (``responses.policy_input``). ``where`` names it in errors: ``SecurityGroupPolicySet.Ingress.0``."""

    where: str
    action: str = ""
    protocol: str = ""
    port: str = ""
    cidr_block: str = ""
    ipv6_cidr_block: str = ""
    security_group_id: str = ""
    address_id: str = ""
    address_group_id: str = ""
    service_id: str = ""
    service_group_id: str = ""
    description: str = ""
    policy_index: int | None = None


@dataclass(frozen=True)
class PolicyInput:
    """A ``SecurityGroupPolicySet`` of a mutation request."""

    version: str | None  # None = not given
    direction: str | None  # the only non-empty direction (Create/Delete/Replace), None if none
    ingress: list[PolicyRequest] | None
    egress: list[PolicyRequest] | None


def single_direction(ps: PolicyInput) -> tuple[str, list[PolicyRequest]]:
    """Create/Delete/Replace act on exactly one direction per request."""
    if ps.ingress and ps.egress:
        raise coexist("SecurityGroupPolicySet.Ingress", "SecurityGroupPolicySet.Egress")
    if ps.direction is None:
        raise InvalidParameterValue("`SecurityGroupPolicySet` must contain Ingress or Egress policies.",
                                    code="InvalidParameterValue.Empty")
    rules = ps.ingress if ps.direction == "Ingress" else ps.egress
    assert rules is not None
    return ps.direction, rules
