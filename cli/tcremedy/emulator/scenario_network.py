"""Scenario-file pieces for templates, template-based/IPv6 rules and QUINTUPLE ACLs.

Top level::

    service_templates: [{name: rdp, services: ["TCP:3389"]}]          # CreateServiceTemplate
    address_templates: [{name: office, addresses: ["203.0.113.0/24"]}] # CreateAddressTemplate

In a security-group rule, instead of protocol/port or cidr: ``service_template: <name>``,
``address_template: <name>``, ``ipv6_cidr: <IPv6 CIDR>``. A network ACL with ``type: QUINTUPLE``
takes quintuple entries: ``{protocol, source_cidr, source_port, destination_cidr, destination_port,
action, description}`` (any omitted CIDR/port = any).
"""

from __future__ import annotations

from typing import Any, Protocol

WIRE_NAMES = (
    ("source_cidr", "SourceCidr"),
    ("source_port", "SourcePort"),
    ("destination_cidr", "DestinationCidr"),
    ("destination_port", "DestinationPort"),
    ("description", "Description"),
)
TEMPLATE_KEYS = {"service_template", "address_template", "ipv6_cidr"}
QUINTUPLE_KEYS = {
    "protocol",
    "source_cidr",
    "source_port",
    "destination_cidr",
    "destination_port",
    "action",
    "description",
}


class Builder(Protocol):
    templates: dict[str, str]

    def fail(self, where: str, message: str) -> Exception: ...

    def call(self, service: str, action: str, params: dict[str, Any], where: str) -> dict[str, Any]: ...


def _items(builder: Builder, doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    raw = doc.get(key) or []
    if not isinstance(raw, list) or not all(isinstance(i, dict) for i in raw):
        raise builder.fail(key, "expected a list of mappings")
    return raw


def templates(builder: Builder, doc: dict[str, Any]) -> None:
    """Create the document's protocol-port and address templates, remembered by name."""
    for i, item in enumerate(_items(builder, doc, "service_templates")):
        where = f"service_templates[{i}]"
        if set(item) - {"name", "services"}:
            raise builder.fail(where, "expected keys name, services")
        made = builder.call(
            "vpc",
            "CreateServiceTemplate",
            {
                "ServiceTemplateName": str(item.get("name", "")),
                "Services": [str(s) for s in item.get("services") or []],
            },
            where,
        )
        builder.templates[str(item["name"])] = made["ServiceTemplate"]["ServiceTemplateId"]
    for i, item in enumerate(_items(builder, doc, "address_templates")):
        where = f"address_templates[{i}]"
        if set(item) - {"name", "addresses"}:
            raise builder.fail(where, "expected keys name, addresses")
        made = builder.call(
            "vpc",
            "CreateAddressTemplate",
            {
                "AddressTemplateName": str(item.get("name", "")),
                "Addresses": [str(a) for a in item.get("addresses") or []],
            },
            where,
        )
        builder.templates[str(item["name"])] = made["AddressTemplate"]["AddressTemplateId"]


def rule_extras(builder: Builder, spec: dict[str, Any], rule: dict[str, Any], where: str) -> dict[str, Any]:
    """Apply ``service_template`` / ``address_template`` / ``ipv6_cidr`` to a security-group rule."""
    for key in ("service_template", "address_template"):
        if key in spec and str(spec[key]) not in builder.templates:
            raise builder.fail(
                f"{where}.{key}", f"unknown template {spec[key]!r}; defined: {sorted(builder.templates)}"
            )
    if "service_template" in spec:
        rule.pop("Protocol", None)
        rule.pop("Port", None)
        rule["ServiceTemplate"] = {"ServiceId": builder.templates[str(spec["service_template"])]}
    if "address_template" in spec:
        rule.pop("CidrBlock", None)
        rule["AddressTemplate"] = {"AddressId": builder.templates[str(spec["address_template"])]}
    if "ipv6_cidr" in spec:
        rule.pop("CidrBlock", None)
        rule["Ipv6CidrBlock"] = str(spec["ipv6_cidr"])
    if not rule.get("CidrBlock"):
        rule.pop("CidrBlock", None)
    return rule


def quintuple_entries(builder: Builder, spec: dict[str, Any], acl_id: str, where: str) -> None:
    """CreateNetworkAclQuintupleEntries for the ACL's ``ingress`` / ``egress`` lists."""
    sets: dict[str, list[dict[str, Any]]] = {}
    for direction in ("ingress", "egress"):
        entries = []
        for k, item in enumerate(spec.get(direction) or []):
            here = f"{where}.{direction}[{k}]"
            if not isinstance(item, dict) or set(item) - QUINTUPLE_KEYS:
                raise builder.fail(here, f"expected a mapping with keys from {sorted(QUINTUPLE_KEYS)}")
            entry = {"Protocol": str(item.get("protocol", "TCP")), "Action": str(item.get("action", ""))}
            for key, wire in (
                ("source_cidr", "SourceCidr"),
                ("source_port", "SourcePort"),
                ("destination_cidr", "DestinationCidr"),
                ("destination_port", "DestinationPort"),
                ("description", "Description"),
            ):
                if key in item:
                    entry[wire] = str(item[key])
            entries.append(entry)
        if entries:
            sets[direction.capitalize()] = entries
    if sets:
        builder.call(
            "vpc",
            "CreateNetworkAclQuintupleEntries",
            {"NetworkAclId": acl_id, "NetworkAclQuintupleSet": sets},
            where,
        )
