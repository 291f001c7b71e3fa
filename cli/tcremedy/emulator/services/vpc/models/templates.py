"""IP address templates (``ipm-``) and template groups (``ipmg-``).

Security-group rules may name either as their source (``AddressTemplate``); the collector
resolves them through DescribeAddressTemplates / DescribeAddressTemplateGroups.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tcremedy.emulator.core.errors import MissingParameter
from tcremedy.emulator.services.vpc.models.common import (
    check_name,
    lookup,
    malformed,
    template_group_members,
    template_members,
)

if TYPE_CHECKING:
    from tcremedy.emulator.core.world import RegionState


@dataclass
class AddressEntry:
    address: str  # an IP, a CIDR or a range "a-b"
    description: str = ""


@dataclass
class AddressTemplate:
    template_id: str
    name: str
    created: float
    updated: float
    addresses: list[AddressEntry] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)


@dataclass
class AddressTemplateGroup:
    group_id: str
    name: str
    created: float
    updated: float
    template_ids: list[str] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)


def check_address(value: str, where: str) -> str:
    value = value.strip()
    try:
        if "-" in value:
            low, high = (ipaddress.ip_address(p.strip()) for p in value.split("-", 1))
            if low.version != high.version or low > high:
                raise ValueError
        else:
            ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise malformed(f"`{where}` = `{value}` is not an IP, a CIDR or an IP range a-b.") from None
    return value


class AddressTemplateMixin:
    region: RegionState
    address_templates: dict[str, AddressTemplate]
    address_template_groups: dict[str, AddressTemplateGroup]

    def create_address_template(self, name: str, addresses: list[str] | None,
                                addresses_extra: list[tuple[str, str]] | None,
                                tags: list[dict[str, str]] | None = None) -> AddressTemplate:
        if not name:
            raise MissingParameter("AddressTemplateName")
        check_name(name, "AddressTemplateName", 60)
        members = template_members(addresses, addresses_extra, "Addresses", "AddressesExtra", "Address",
                                   check_address)
        now = self.region.now
        tpl = AddressTemplate(template_id=self.region.new_id("ipm"), name=name, created=now, updated=now,
                              addresses=[AddressEntry(a, d) for a, d in members], tags=list(tags or []))
        self.address_templates[tpl.template_id] = tpl
        return tpl

    def get_address_template(self, template_id: str, name: str = "AddressTemplateId") -> AddressTemplate:
        return lookup(self.address_templates, template_id, "ipm", name, "address template")

    def create_address_template_group(self, name: str, template_ids: list[str],
                                      tags: list[dict[str, str]] | None = None) -> AddressTemplateGroup:
        ids = template_group_members(name, "AddressTemplateGroupName", template_ids, "AddressTemplateIds",
                                     self.get_address_template)
        now = self.region.now
        group = AddressTemplateGroup(group_id=self.region.new_id("ipmg"), name=name, created=now, updated=now,
                                     template_ids=ids, tags=list(tags or []))
        self.address_template_groups[group.group_id] = group
        return group

    def get_address_template_group(self, group_id: str, name: str = "AddressTemplateGroupId"
                                   ) -> AddressTemplateGroup:
        return lookup(self.address_template_groups, group_id, "ipmg", name, "address template group")
