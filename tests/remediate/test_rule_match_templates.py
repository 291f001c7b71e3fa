"""A DROP written with templates shadows an ACCEPT below it (issue 9, item 2, the fix side)."""

from __future__ import annotations

from tcremedy.remediate.rule_match import Templates, rule_drops
from tcremedy.remediate.sdk_rules import _effective

TEMPLATES = Templates(
    services={"ppm-rdp": ("tcp: 3389",), "ppm-web": ("tcp:80,443", "udp:3389")},
    service_groups={"ppmg-admin": ("ppm-web", "ppm-rdp")},
    addresses={"ipm-all": ("0.0.0.0/0",), "ipm-range": ("203.0.113.0-203.0.113.63",)},
    address_groups={"ipmg-all": ("ipm-all",)},
)
ACCEPT = {
    "PolicyIndex": 1,
    "Protocol": "TCP",
    "Port": "3389",
    "CidrBlock": "203.0.113.0/24",
    "Action": "ACCEPT",
}
PROPS = {"protocol": "TCP", "port": 3389, "cidr_block": "203.0.113.0/24", "action": "ACCEPT"}


def drop(service: dict, address: dict) -> dict:
    return {"PolicyIndex": 0, "Action": "DROP", "ServiceTemplate": service, "AddressTemplate": address}


def test_a_template_drop_above_makes_the_accept_ineffective() -> None:
    above = drop({"ServiceId": "ppm-rdp"}, {"AddressId": "ipm-all"})
    assert _effective([above, ACCEPT], PROPS, TEMPLATES) is None  # apply must (re)insert at the top
    assert _effective([ACCEPT], PROPS, TEMPLATES) == 0


def test_groups_and_ranges_are_read() -> None:
    assert rule_drops(
        drop({"ServiceGroupId": "ppmg-admin"}, {"AddressGroupId": "ipmg-all"}),
        "203.0.113.0/24",
        (3389, 3389),
        TEMPLATES,
    )
    assert rule_drops(
        drop({"ServiceId": "ppm-rdp"}, {"AddressId": "ipm-range"}), "203.0.113.0/24", (3389, 3389), TEMPLATES
    )
    assert not rule_drops(
        drop({"ServiceId": "ppm-rdp"}, {"AddressId": "ipm-range"}),
        "198.51.100.10/32",
        (3389, 3389),
        TEMPLATES,
    )


def test_a_template_for_other_ports_does_not_shadow() -> None:
    assert not rule_drops(
        drop({"ServiceId": "ppm-web"}, {"AddressId": "ipm-all"}), "203.0.113.0/24", (3389, 3389), TEMPLATES
    )


def test_an_unreadable_template_drop_counts_as_shadowing() -> None:
    assert rule_drops(
        drop({"ServiceId": "ppm-gone"}, {"AddressId": "ipm-all"}), "203.0.113.0/24", (3389, 3389), TEMPLATES
    )
    assert rule_drops(
        drop({"ServiceId": "ppm-rdp"}, {}) | {"CidrBlock": "0.0.0.0/0"}, "203.0.113.0/24", (3389, 3389), None
    )
