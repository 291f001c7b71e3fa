"""IP address templates (``ipm-``) and template groups (``ipmg-``).

Security-group rules may name either as their source (``AddressTemplate``); the collector
resolves them through DescribeAddressTemplates / DescribeAddressTemplateGroups.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tcremedy.emulator.core.errors import InvalidParameter, MissingParameter
from tcremedy.emulator.services.vpc.models.common import (
    check_name,
    coexist,
    lookup,
    malformed,
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
                                addresses_extra: list[dict[str, str]] | None,
                                tags: list[dict[str, str]] | None = None) -> AddressTemplate:
        if not name:
            raise MissingParameter("AddressTemplateName")
        check_name(name, "AddressTemplateName", 60)
        if addresses and addresses_extra:
            raise coexist("Addresses", "AddressesExtra")
        entries: list[AddressEntry] = []
        for i, addr in enumerate(addresses or []):
            entries.append(AddressEntry(check_address(addr, f"Addresses.{i}")))
        for i, item in enumerate(addresses_extra or []):
            addr = item.get("Address")
            if not isinstance(addr, str) or not addr:
                raise MissingParameter(f"AddressesExtra.{i}.Address")
            desc = item.get("Description") or ""
            if not isinstance(desc, str):
                raise InvalidParameter(f"`AddressesExtra.{i}.Description` must be a string.")
            entries.append(AddressEntry(check_address(addr, f"AddressesExtra.{i}.Address"), desc))
        if not entries:
            raise MissingParameter("Addresses")
        now = self.region.now
        tpl = AddressTemplate(template_id=self.region.new_id("ipm"), name=name, created=now, updated=now,
                              addresses=entries, tags=list(tags or []))
        self.address_templates[tpl.template_id] = tpl
        return tpl

    def get_address_template(self, template_id: str, name: str = "AddressTemplateId") -> AddressTemplate:
        return lookup(self.address_templates, template_id, "ipm", name, "address template")

    def create_address_template_group(self, name: str, template_ids: list[str],
                                      tags: list[dict[str, str]] | None = None) -> AddressTemplateGroup:
        if not name:
            raise MissingParameter("AddressTemplateGroupName")
        check_name(name, "AddressTemplateGroupName", 60)
        if not template_ids:
            raise MissingParameter("AddressTemplateIds")
        for i, tid in enumerate(template_ids):
            self.get_address_template(tid, f"AddressTemplateIds.{i}")
        now = self.region.now
        group = AddressTemplateGroup(group_id=self.region.new_id("ipmg"), name=name, created=now, updated=now,
                                     template_ids=list(dict.fromkeys(template_ids)), tags=list(tags or []))
        self.address_template_groups[group.group_id] = group
        return group

    def get_address_template_group(self, group_id: str, name: str = "AddressTemplateGroupId"
                                   ) -> AddressTemplateGroup:
        return lookup(self.address_template_groups, group_id, "ipmg", name, "address template group")
