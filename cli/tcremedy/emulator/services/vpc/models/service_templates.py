"""Protocol-port templates (``ppm-``) and template groups (``ppmg-``).

A security-group rule may name either in ``ServiceTemplate`` instead of Protocol+Port. A member
is ``PROTOCOL`` or ``PROTOCOL:PORTS`` with TCP, UDP, ICMP or GRE and a single port, a comma list,
a range or ``all`` (CreateServiceTemplate, https://cloud.tencent.com/document/api/215/16710:
"支持单个端口、多个端口、连续端口及所有端口,协议支持:TCP、UDP、ICMP、GRE 协议", example
``TCP:8080``; the documented output spells the member ``tcp: 8080`` in ServiceSet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tcremedy.emulator.core.errors import MissingParameter
from tcremedy.emulator.services.vpc.models.common import (
    check_name,
    lookup,
    malformed,
    port_spec,
    template_group_members,
    template_members,
)

if TYPE_CHECKING:
    from tcremedy.emulator.core.world import RegionState

SERVICE_PROTOCOLS = ("TCP", "UDP", "ICMP", "GRE")


@dataclass
class ServiceEntry:
    service: str  # normalised "tcp:3389", "udp:all", "icmp"
    description: str = ""


@dataclass
class ServiceTemplate:
    template_id: str
    name: str
    created: float
    updated: float
    services: list[ServiceEntry] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)


@dataclass
class ServiceTemplateGroup:
    group_id: str
    name: str
    created: float
    updated: float
    template_ids: list[str] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)


def check_service(value: str, where: str) -> str:
    """``TCP:3389`` / ``tcp: 80,443`` / ``UDP:all`` / ``ICMP`` -> normalised lower-case text."""
    proto, sep, ports = (part.strip() for part in value.partition(":"))
    if proto.upper() not in SERVICE_PROTOCOLS:
        raise malformed(f"`{where}` = `{value}`: the protocol must be one of {', '.join(SERVICE_PROTOCOLS)}.")
    if proto.upper() in ("ICMP", "GRE"):
        if sep and ports.upper() not in ("", "ALL"):
            raise malformed(f"`{where}` = `{value}`: {proto.upper()} takes no port.")
        return proto.lower()
    if not sep or not ports:
        raise malformed(f"`{where}` = `{value}`: expected {proto.upper()}:<ports>.")
    return f"{proto.lower()}:{port_spec(ports, where, allow_list=True).lower()}"


class ServiceTemplateMixin:
    region: RegionState
    service_templates: dict[str, ServiceTemplate]
    service_template_groups: dict[str, ServiceTemplateGroup]

    def create_service_template(self, name: str, services: list[str] | None,
                                services_extra: list[tuple[str, str]] | None,
                                tags: list[dict[str, str]] | None = None) -> ServiceTemplate:
        if not name:
            raise MissingParameter("ServiceTemplateName")
        check_name(name, "ServiceTemplateName", 60)
        members = template_members(services, services_extra, "Services", "ServicesExtra", "Service",
                                   check_service)
        now = self.region.now
        tpl = ServiceTemplate(template_id=self.region.new_id("ppm"), name=name, created=now, updated=now,
                              services=[ServiceEntry(v, d) for v, d in members], tags=list(tags or []))
        self.service_templates[tpl.template_id] = tpl
        return tpl

    def get_service_template(self, template_id: str, name: str = "ServiceTemplateId") -> ServiceTemplate:
        return lookup(self.service_templates, template_id, "ppm", name, "service template")

    def create_service_template_group(self, name: str, template_ids: list[str],
                                      tags: list[dict[str, str]] | None = None) -> ServiceTemplateGroup:
        ids = template_group_members(name, "ServiceTemplateGroupName", template_ids, "ServiceTemplateIds",
                                     self.get_service_template)
        now = self.region.now
        group = ServiceTemplateGroup(group_id=self.region.new_id("ppmg"), name=name, created=now, updated=now,
                                     template_ids=ids, tags=list(tags or []))
        self.service_template_groups[group.group_id] = group
        return group

    def get_service_template_group(self, group_id: str, name: str = "ServiceTemplateGroupId"
                                   ) -> ServiceTemplateGroup:
        return lookup(self.service_template_groups, group_id, "ppmg", name, "service template group")
