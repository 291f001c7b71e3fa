"""IP address templates, protocol-port templates and their groups."""

from __future__ import annotations

from typing import Any

from tcremedy.emulator.core import params as p
from tcremedy.emulator.services.vpc.models import (
    AddressTemplate,
    AddressTemplateGroup,
    ServiceTemplate,
    ServiceTemplateGroup,
    VpcBackend,
)
from tcremedy.emulator.services.vpc.models.common import select
from tcremedy.emulator.services.vpc.responses.base import paged, required, vpc_action
from tcremedy.emulator.services.vpc.responses.request_params import extra_members, filters, order, tags_in
from tcremedy.emulator.services.vpc.responses.wire import (
    address_template_group_wire,
    address_template_wire,
    service_template_group_wire,
    service_template_wire,
)


@vpc_action("CreateAddressTemplate")
def create_address_template(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    extra = extra_members(params, "AddressesExtra", "Address")
    tpl = vpc.create_address_template(p.string(params, "AddressTemplateName", required=True) or "",
                                      p.str_list(params, "Addresses"), extra, tags_in(params))
    return {"AddressTemplate": address_template_wire(tpl)}


def _template_match(item: AddressTemplate, name: str, values: list[str]) -> bool:
    return {
        "address-template-name": lambda: item.name in values,
        "address-template-id": lambda: item.template_id in values,
        "address-ip": lambda: any(a.address in values for a in item.addresses),
    }[name]()


@vpc_action("DescribeAddressTemplates")
def describe_address_templates(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    flt = filters(params, ("address-template-name", "address-template-id", "address-ip"))
    items = select(vpc.address_templates.values(), flt, _template_match)
    items = order(items, params, {"AddressTemplateId": lambda t: t.template_id,
                                  "CreatedTime": lambda t: t.created, "UpdateTime": lambda t: t.updated})
    shown, total = paged(items, params)
    return {"TotalCount": total, "AddressTemplateSet": [address_template_wire(t) for t in shown]}


@vpc_action("CreateAddressTemplateGroup")
def create_address_template_group(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    group = vpc.create_address_template_group(required(params, "AddressTemplateGroupName"),
                                              p.str_list(params, "AddressTemplateIds", required=True) or [],
                                              tags_in(params))
    return {"AddressTemplateGroup": address_template_group_wire(vpc, group)}


def _group_match(item: AddressTemplateGroup, name: str, values: list[str]) -> bool:
    return {
        "address-template-group-name": lambda: item.name in values,
        "address-template-group-id": lambda: item.group_id in values,
    }[name]()


@vpc_action("DescribeAddressTemplateGroups")
def describe_address_template_groups(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    flt = filters(params, ("address-template-group-name", "address-template-group-id"))
    items = select(vpc.address_template_groups.values(), flt, _group_match)
    items = order(items, params, {"AddressTemplateGroupId": lambda g: g.group_id,
                                  "CreatedTime": lambda g: g.created, "UpdateTime": lambda g: g.updated})
    shown, total = paged(items, params)
    return {"TotalCount": total,
            "AddressTemplateGroupSet": [address_template_group_wire(vpc, g) for g in shown]}


# -- protocol-port templates (DescribeServiceTemplates / DescribeServiceTemplateGroups) ------------


@vpc_action("CreateServiceTemplate")
def create_service_template(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    tpl = vpc.create_service_template(required(params, "ServiceTemplateName"), p.str_list(params, "Services"),
                                      extra_members(params, "ServicesExtra", "Service"), tags_in(params))
    return {"ServiceTemplate": service_template_wire(tpl)}


def _service_match(item: ServiceTemplate, name: str, values: list[str]) -> bool:
    return {
        "service-template-name": lambda: item.name in values,
        "service-template-id": lambda: item.template_id in values,
        "service-port": lambda: any(s.service.partition(":")[2] in values for s in item.services),
    }[name]()


@vpc_action("DescribeServiceTemplates")
def describe_service_templates(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    flt = filters(params, ("service-template-name", "service-template-id", "service-port"))
    items = select(vpc.service_templates.values(), flt, _service_match)
    items = order(items, params, {"ServiceTemplateId": lambda t: t.template_id,
                                  "CreatedTime": lambda t: t.created, "UpdateTime": lambda t: t.updated})
    shown, total = paged(items, params)
    return {"TotalCount": total, "ServiceTemplateSet": [service_template_wire(t) for t in shown]}


@vpc_action("CreateServiceTemplateGroup")
def create_service_template_group(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    group = vpc.create_service_template_group(required(params, "ServiceTemplateGroupName"),
                                              p.str_list(params, "ServiceTemplateIds", required=True) or [],
                                              tags_in(params))
    return {"ServiceTemplateGroup": service_template_group_wire(vpc, group)}


def _service_group_match(item: ServiceTemplateGroup, name: str, values: list[str]) -> bool:
    return {
        "service-template-group-name": lambda: item.name in values,
        "service-template-group-id": lambda: item.group_id in values,
        "service-template-id": lambda: any(t in values for t in item.template_ids),
    }[name]()


@vpc_action("DescribeServiceTemplateGroups")
def describe_service_template_groups(vpc: VpcBackend, params: dict[str, Any]) -> dict[str, Any]:
    flt = filters(params, ("service-template-group-name", "service-template-group-id", "service-template-id"))
    items = select(vpc.service_template_groups.values(), flt, _service_group_match)
    items = order(items, params, {"ServiceTemplateGroupId": lambda g: g.group_id,
                                  "CreatedTime": lambda g: g.created, "UpdateTime": lambda g: g.updated})
    shown, total = paged(items, params)
    return {"TotalCount": total,
            "ServiceTemplateGroupSet": [service_template_group_wire(vpc, g) for g in shown]}
