"""The VPC backend of one region: plain dicts of dataclasses, one mixin per resource family."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tcremedy.emulator.services.vpc.models.acls import AclEntry, NetworkAcl, NetworkAclMixin
from tcremedy.emulator.services.vpc.models.networks import NetworkMixin, Subnet, Vpc
from tcremedy.emulator.services.vpc.models.security_groups import Policy, SecurityGroup, SecurityGroupMixin
from tcremedy.emulator.services.vpc.models.service_templates import (
    ServiceTemplate,
    ServiceTemplateGroup,
    ServiceTemplateMixin,
)
from tcremedy.emulator.services.vpc.models.templates import (
    AddressTemplate,
    AddressTemplateGroup,
    AddressTemplateMixin,
)
from tcremedy.serde import from_data, to_data

if TYPE_CHECKING:
    from tcremedy.emulator.core.world import RegionState

__all__ = ["AclEntry", "AddressTemplate", "AddressTemplateGroup", "NetworkAcl", "Policy", "SecurityGroup",
           "ServiceTemplate", "ServiceTemplateGroup", "Subnet", "Vpc", "VpcBackend"]

# attribute -> record type; the snapshot keeps each dict in insertion (= creation) order
_STORES: dict[str, type] = {
    "vpcs": Vpc,
    "subnets": Subnet,
    "security_groups": SecurityGroup,
    "network_acls": NetworkAcl,
    "address_templates": AddressTemplate,
    "address_template_groups": AddressTemplateGroup,
    "service_templates": ServiceTemplate,
    "service_template_groups": ServiceTemplateGroup,
}


class VpcBackend(
    NetworkMixin, SecurityGroupMixin, NetworkAclMixin, AddressTemplateMixin, ServiceTemplateMixin
):
    """All VPC-service state of one region.

    Sibling backends may call: ``get_vpc``, ``get_subnet``, ``security_group_exists``,
    ``get_security_group``, ``allocate_private_ip``, ``release_private_ips``.
    It asks the CVM backend (when present) for ``instances_in_security_group(sg_id) -> list[str]``.
    """

    def __init__(self, region: RegionState) -> None:
        self.region = region
        self.vpcs: dict[str, Vpc] = {}
        self.subnets: dict[str, Subnet] = {}
        self.security_groups: dict[str, SecurityGroup] = {}
        self.network_acls: dict[str, NetworkAcl] = {}
        self.address_templates: dict[str, AddressTemplate] = {}
        self.address_template_groups: dict[str, AddressTemplateGroup] = {}
        self.service_templates: dict[str, ServiceTemplate] = {}
        self.service_template_groups: dict[str, ServiceTemplateGroup] = {}

    def snapshot(self) -> dict[str, Any]:
        return {name: [to_data(record) for record in getattr(self, name).values()] for name in _STORES}

    def restore(self, data: dict[str, Any]) -> None:
        for name, record_type in _STORES.items():
            records = [from_data(record_type, item) for item in data.get(name, [])]
            setattr(self, name, {_key(record): record for record in records})


def _key(record: Any) -> str:
    for attr in ("vpc_id", "subnet_id", "security_group_id", "network_acl_id", "template_id", "group_id"):
        if hasattr(record, attr):
            return getattr(record, attr)
    raise AssertionError(f"no id on {type(record).__name__}")
