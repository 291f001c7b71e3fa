"""Security groups and their ordered Ingress/Egress policies.

What the API documents (tencent-api.md 3.2-3.4), and what this model enforces:

* A rule's position in its direction list is its ``PolicyIndex`` (0 = top = evaluated first);
  every change re-numbers the list 0..n-1 and bumps the group's ``Version`` by one.
* ``Version`` is optimistic concurrency for Create/Delete/Replace: when given and different from
  the current one the call fails with ``UnsupportedOperation.VersionMismatch``; when omitted no
  check is made. ModifySecurityGroupPolicies resets the group; ``Version`` "0" there means
  "clear every rule and ignore the given sets".
* One direction per Create/Delete/Replace call. Create inserts its rules as one block at the
  shared ``PolicyIndex`` (0 = top) or appends them when no index is given.
* Per rule: Protocol TCP|UDP|ICMP|ICMPv6|GRE|ALL (input case-insensitive); Port ``ALL``, ``3389``,
  ``3389,3390`` or ``3000-4000``, only for TCP/UDP; ``Action`` ACCEPT|DROP; one source among
  CidrBlock, Ipv6CidrBlock, SecurityGroupId, AddressTemplate; Protocol+Port xor ServiceTemplate;
  ``0.0.0.0/n`` is stored as ``0.0.0.0/0``; an identical rule in the same direction is refused
  with ``UnsupportedOperation.DuplicatePolicy``.

Evaluation (done by the diagnosis code, not here): stateful, first match wins top-down across the
instance's groups in binding order, no match = drop.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tcremedy.emulator.core.errors import ApiError, InvalidParameter, InvalidParameterValue, MissingParameter
from tcremedy.emulator.services.vpc.models.common import (
    check_name,
    coexist,
    in_use,
    ipv4_cidr,
    ipv6_cidr,
    lookup,
    not_found,
    out_of_range,
    port_spec,
    too_long,
)
from tcremedy.emulator.services.vpc.models.policy_requests import PolicyInput, PolicyRequest, single_direction

if TYPE_CHECKING:
    from tcremedy.emulator.core.world import RegionState

DIRECTIONS = ("Ingress", "Egress")
PROTOCOLS = {"TCP": "TCP", "UDP": "UDP", "ICMP": "ICMP", "ICMPV6": "ICMPv6", "GRE": "GRE", "ALL": "ALL"}
PORTED = ("TCP", "UDP")
MAX_POLICIES_PER_DIRECTION = 1000


def version_mismatch(given: str, current: str) -> ApiError:
    return ApiError(f"The security group policy version `{given}` does not match the current version "
                    f"`{current}`.", code="UnsupportedOperation.VersionMismatch")


def duplicate_policy() -> ApiError:
    return ApiError("The security group policies are repeated.", code="UnsupportedOperation.DuplicatePolicy")


@dataclass
class Policy:
    """One rule. ``protocol`` and ``port`` are "" when a ServiceTemplate is used instead."""

    action: str
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
    modify_time: float = 0.0

    def key(self) -> tuple[str, ...]:
        """What makes two rules the same rule (description and time do not)."""
        return (self.action, self.protocol, self.port, self.cidr_block, self.ipv6_cidr_block,
                self.security_group_id, self.address_id, self.address_group_id, self.service_id,
                self.service_group_id)


@dataclass
class SecurityGroup:
    security_group_id: str
    name: str
    description: str
    project_id: str
    created: float
    updated: float
    version: int = 0
    is_default: bool = False
    tags: list[dict[str, str]] = field(default_factory=list)
    ingress: list[Policy] = field(default_factory=list)
    egress: list[Policy] = field(default_factory=list)

    def rules(self, direction: str) -> list[Policy]:
        return self.ingress if direction == "Ingress" else self.egress

    def set_rules(self, direction: str, rules: list[Policy]) -> None:
        if direction == "Ingress":
            self.ingress = rules
        else:
            self.egress = rules


class SecurityGroupMixin:
    region: RegionState
    security_groups: dict[str, SecurityGroup]

    # -- groups ----------------------------------------------------------------------------------
    def create_security_group(self, name: str, description: str, project_id: str = "0",
                              tags: list[dict[str, str]] | None = None) -> SecurityGroup:
        check_name(name, "GroupName", 60)
        if len(description) > 100:
            raise too_long("GroupDescription", 100)
        now = self.region.now
        sg = SecurityGroup(security_group_id=self.region.new_id("sg"), name=name, description=description,
                           project_id=project_id or "0", created=now, updated=now, tags=list(tags or []))
        self.security_groups[sg.security_group_id] = sg
        return sg

    def get_security_group(self, sg_id: str, name: str = "SecurityGroupId") -> SecurityGroup:
        return lookup(self.security_groups, sg_id, "sg", name, "security group")

    def security_group_exists(self, sg_id: str) -> bool:
        """For sibling backends (CVM validates SecurityGroupIds with it)."""
        return sg_id in self.security_groups

    def modify_security_group_attribute(self, sg_id: str, name: str | None, description: str | None) -> None:
        sg = self.get_security_group(sg_id)
        if name is not None:
            check_name(name, "GroupName", 60)
        if description is not None and len(description) > 100:
            raise too_long("GroupDescription", 100)
        if name is not None:
            sg.name = name
        if description is not None:
            sg.description = description
        sg.updated = self.region.now

    def referencing_groups(self, sg_id: str) -> list[str]:
        """Other groups whose rules name ``sg_id`` as their source/destination."""
        return [other.security_group_id for other in self.security_groups.values()
                if other.security_group_id != sg_id
                and any(p.security_group_id == sg_id for p in other.ingress + other.egress)]

    def bound_instances(self, sg_id: str) -> list[str]:
        """Ids of CVM instances bound to ``sg_id``, read from the CVM backend when this build has one.

        Uses ``region.cvm.instances_in_security_group(sg_id)`` if CVM offers it, else scans
        ``region.cvm.instances`` (records with ``security_group_ids``).
        """
        if not self.region.has_service("cvm"):
            return []
        cvm = self.region.cvm
        lookup = getattr(cvm, "instances_in_security_group", None)
        if lookup is not None:
            return list(lookup(sg_id))
        return [iid for iid, inst in getattr(cvm, "instances", {}).items()
                if sg_id in getattr(inst, "security_group_ids", ())]

    def delete_security_group(self, sg_id: str) -> None:
        sg = self.get_security_group(sg_id)
        if sg.is_default:
            raise ApiError(f"The default security group `{sg_id}` cannot be deleted.",
                           code="UnsupportedOperation")
        bound = self.bound_instances(sg_id)
        if bound:
            raise in_use(f"The security group `{sg_id}` is bound to instances {', '.join(bound)}; "
                         "disassociate it first.")
        referencing = self.referencing_groups(sg_id)
        if referencing:
            raise in_use(f"The security group `{sg_id}` is referenced by the rules of "
                         f"{', '.join(referencing)}; change those rules first.")
        del self.security_groups[sg_id]

    # -- policy checking -----------------------------------------------------------------------
    def parse_policy(self, req: PolicyRequest) -> Policy:
        """Check one requested policy (tencent-api.md 3.2) and make it a Policy."""
        where = req.where
        action = req.action.upper()
        if not action:
            raise MissingParameter(f"{where}.Action")
        if action not in ("ACCEPT", "DROP"):
            raise out_of_range(f"`{where}.Action` must be ACCEPT or DROP, got `{req.action}`.")

        service_id, service_group_id = req.service_id, req.service_group_id
        protocol_in, port_in = req.protocol, req.port
        if service_id or service_group_id:
            if protocol_in or port_in:
                raise coexist(f"{where}.Protocol/Port", f"{where}.ServiceTemplate")
            if service_id and service_group_id:
                raise coexist(f"{where}.ServiceTemplate.ServiceId", f"{where}.ServiceTemplate.ServiceGroupId")
            if service_id:
                self.get_service_template(  # type: ignore[attr-defined]
                    service_id, f"{where}.ServiceTemplate.ServiceId")
            else:
                self.get_service_template_group(  # type: ignore[attr-defined]
                    service_group_id, f"{where}.ServiceTemplate.ServiceGroupId")
            protocol, port = "", ""
        else:
            if not protocol_in:
                raise MissingParameter(f"{where}.Protocol")
            protocol = PROTOCOLS.get(protocol_in.upper(), "")
            if not protocol:
                raise out_of_range(f"`{where}.Protocol` must be one of TCP, UDP, ICMP, ICMPv6, GRE, ALL; "
                                   f"got `{protocol_in}`.")
            if protocol in PORTED:
                port = port_spec(port_in, f"{where}.Port", allow_list=True) if port_in else "ALL"
            else:
                if port_in and port_in.strip().upper() != "ALL":
                    raise coexist(f"{where}.Protocol={protocol}", f"{where}.Port")
                port = "ALL"

        cidr, ipv6 = req.cidr_block.strip(), req.ipv6_cidr_block.strip()
        ref_sg = req.security_group_id.strip()
        address_id, address_group_id = req.address_id, req.address_group_id
        sources = [n for n, v in (("CidrBlock", cidr), ("Ipv6CidrBlock", ipv6), ("SecurityGroupId", ref_sg),
                                  ("AddressTemplate", address_id or address_group_id)) if v]
        if len(sources) > 1:
            raise coexist(*(f"{where}.{s}" for s in sources))
        if not sources:
            raise InvalidParameterValue(
                f"`{where}` needs one of CidrBlock, Ipv6CidrBlock, SecurityGroupId or AddressTemplate.",
                code="InvalidParameterValue.Empty")
        if cidr:
            ipv4_cidr(cidr, f"{where}.CidrBlock")
            if ipaddress.ip_network(cidr, strict=False).network_address == ipaddress.ip_address("0.0.0.0"):
                cidr = "0.0.0.0/0"  # documented: 0.0.0.0/n is mapped to 0.0.0.0/0
        if ipv6:
            ipv6_cidr(ipv6, f"{where}.Ipv6CidrBlock")
            if protocol == "ICMP":
                raise coexist(f"{where}.Ipv6CidrBlock", f"{where}.Protocol=ICMP (use ICMPV6)")
        if ref_sg:
            self.get_security_group(ref_sg, f"{where}.SecurityGroupId")
        if address_id and address_group_id:
            raise coexist(f"{where}.AddressTemplate.AddressId", f"{where}.AddressTemplate.AddressGroupId")
        if address_id:
            self.get_address_template(address_id, f"{where}.AddressTemplate.AddressId")  # type: ignore[attr-defined]
        if address_group_id:
            self.get_address_template_group(  # type: ignore[attr-defined]
                address_group_id, f"{where}.AddressTemplate.AddressGroupId")

        if len(req.description) > 100:
            raise too_long(f"{where}.PolicyDescription", 100)
        return Policy(action=action, protocol=protocol, port=port, cidr_block=cidr, ipv6_cidr_block=ipv6,
                      security_group_id=ref_sg, address_id=address_id, address_group_id=address_group_id,
                      service_id=service_id, service_group_id=service_group_id, description=req.description,
                      modify_time=self.region.now)

    def _parse_all(self, rules: list[PolicyRequest]) -> list[Policy]:
        return [self.parse_policy(req) for req in rules]

    # -- policy mutations (each validates fully before changing anything) ------------------------
    @staticmethod
    def _check_version(sg: SecurityGroup, given: str | None) -> None:
        if given is not None and given != str(sg.version):
            raise version_mismatch(given, str(sg.version))

    @staticmethod
    def _check_unique(existing: list[Policy], new: list[Policy]) -> None:
        seen = {p.key() for p in existing}
        for policy in new:
            if policy.key() in seen:
                raise duplicate_policy()
            seen.add(policy.key())
        if len(existing) + len(new) > MAX_POLICIES_PER_DIRECTION:
            raise ApiError(f"A direction holds at most {MAX_POLICIES_PER_DIRECTION} policies.",
                           code="LimitExceeded.SecurityGroupPolicySet")

    def _commit(self, sg: SecurityGroup, direction: str, rules: list[Policy]) -> None:
        sg.set_rules(direction, rules)
        sg.version += 1
        sg.updated = self.region.now

    def create_security_group_policies(self, sg_id: str, ps: PolicyInput) -> None:
        sg = self.get_security_group(sg_id)
        direction, reqs = single_direction(ps)
        where = f"SecurityGroupPolicySet.{direction}"
        indexes = {req.policy_index for req in reqs}
        if len(indexes) > 1:
            raise InvalidParameterValue(f"All policies of one request must carry the same PolicyIndex "
                                        f"({where}).", code="InvalidParameterValue.Range")
        (index,) = indexes
        new = self._parse_all(reqs)
        self._check_version(sg, ps.version)
        current = sg.rules(direction)
        if index is not None and index > len(current):
            raise out_of_range(f"`{where}.PolicyIndex` {index} is beyond the {len(current)} policies.")
        self._check_unique(current, new)
        at = len(current) if index is None else index
        self._commit(sg, direction, current[:at] + new + current[at:])

    def delete_security_group_policies(self, sg_id: str, ps: PolicyInput) -> None:
        """Delete by ``PolicyIndex`` (all rules give one) or by matching fields (none gives one)."""
        sg = self.get_security_group(sg_id)
        direction, reqs = single_direction(ps)
        where = f"SecurityGroupPolicySet.{direction}"
        current = sg.rules(direction)
        indexes = [req.policy_index for req in reqs]
        if all(i is not None for i in indexes):
            doomed = set()
            for n, i in enumerate(indexes):
                assert i is not None
                if i >= len(current):
                    raise out_of_range(f"`{where}.{n}.PolicyIndex` {i} does not exist "
                                       f"({len(current)} policies).")
                doomed.add(i)
        elif any(i is not None for i in indexes):
            raise coexist(f"{where}.PolicyIndex", f"{where} policies without PolicyIndex")
        else:
            doomed = set()
            for n, req in enumerate(reqs):
                wanted = self.parse_policy(req).key()
                match = [i for i, p in enumerate(current) if p.key() == wanted and i not in doomed]
                if not match:
                    raise not_found("security group policy", f"{where}.{n}")
                doomed.add(match[0])
        self._check_version(sg, ps.version)
        self._commit(sg, direction, [p for i, p in enumerate(current) if i not in doomed])

    def replace_security_group_policy(self, sg_id: str, ps: PolicyInput) -> None:
        sg = self.get_security_group(sg_id)
        direction, reqs = single_direction(ps)
        where = f"SecurityGroupPolicySet.{direction}"
        if len(reqs) != 1:
            raise InvalidParameterValue(f"`{where}` must hold exactly one policy to replace.",
                                        code="InvalidParameterValue.LimitExceeded")
        index = reqs[0].policy_index
        if index is None:
            raise MissingParameter(f"{where}.0.PolicyIndex")
        new = self.parse_policy(reqs[0])
        self._check_version(sg, ps.version)
        current = sg.rules(direction)
        if index >= len(current):
            raise out_of_range(f"`{where}.0.PolicyIndex` {index} does not exist ({len(current)} policies).")
        self._check_unique([p for i, p in enumerate(current) if i != index], [new])
        self._commit(sg, direction, [*current[:index], new, *current[index + 1:]])

    def modify_security_group_policies(self, sg_id: str, ps: PolicyInput,
                                       sort_policies: bool = False) -> None:
        """Reset both directions to the given sets (a missing direction becomes empty).

        ``SortPolicys`` asks the API to keep exactly the given order; this model always does.
        """
        del sort_policies
        sg = self.get_security_group(sg_id)
        if ps.version == "0":
            new_sets = {"Ingress": [], "Egress": []}
        else:
            new_sets = {}
            for direction, reqs in (("Ingress", ps.ingress or []), ("Egress", ps.egress or [])):
                for req in reqs:
                    if req.policy_index is not None:
                        raise InvalidParameter(f"`{req.where}.PolicyIndex` is not supported by "
                                               "ModifySecurityGroupPolicies.")
                parsed = self._parse_all(reqs)
                self._check_unique([], parsed)
                new_sets[direction] = parsed
        sg.ingress, sg.egress = new_sets["Ingress"], new_sets["Egress"]
        sg.version += 1
        sg.updated = self.region.now

    # -- reads -------------------------------------------------------------------------------------
    def policy_matches(self, policy: Policy, name: str, values: list[str]) -> bool:
        """The DescribeSecurityGroupPolicies filters (direction is handled by the caller)."""
        wanted = {v.upper() for v in values}
        if name == "security-group-id":
            return policy.security_group_id in values
        if name == "ip":
            return policy.cidr_block in values or policy.ipv6_cidr_block in values
        if name == "address-module":
            return bool({policy.address_id, policy.address_group_id} & set(values))
        if name == "service-module":
            return bool({policy.service_id, policy.service_group_id} & set(values))
        if name == "protocol-type":
            return "ALL" in wanted or policy.protocol.upper() in wanted
        if name == "port":
            return policy.port.upper() in wanted
        if name == "poly":
            return "ALL" in wanted or policy.action in wanted
        if name == "description":
            return policy.description in values
        return True
