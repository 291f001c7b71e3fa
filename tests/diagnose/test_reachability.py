"""Security-group and ACL evaluation, one rule form or ordering case per test."""

from __future__ import annotations

from diagnose_builders import entry, group, rule, state_with

from tcremedy.cloud.state import NetworkAcl
from tcremedy.diagnose.model import Access, Coverage
from tcremedy.diagnose.reachability import acl_verdicts, no_acl_verdicts, security_group_verdict
from tcremedy.diagnose.rule_fields import parse_ports

ADMIN = "203.0.113.0/24"


def sg(*groups, **kw):
    return state_with(groups=groups, **kw)


def verdict(state, ids=("sg-a",), source=ADMIN, port=3389):
    return security_group_verdict(state, ids, source, port)


def test_first_match_wins_accept_before_drop():
    v = verdict(
        sg(group("sg-a", rule(0, "ACCEPT", cidr_block=ADMIN), rule(1, "DROP", cidr_block="0.0.0.0/0")))
    )
    assert v.coverage is Coverage.ALL
    assert v.parts[0].decided_by.index == 0 and v.parts[0].decided_by.resource_id == "sg-a"


def test_drop_before_accept_denies_and_names_the_rule():
    v = verdict(
        sg(group("sg-a", rule(0, "DROP", cidr_block="0.0.0.0/0"), rule(1, "ACCEPT", cidr_block=ADMIN)))
    )
    assert v.coverage is Coverage.NONE
    ref = v.parts[0].decided_by
    assert (ref.resource_id, ref.direction, ref.index, ref.action) == ("sg-a", "ingress", 0, "DROP")
    assert ref.rule["cidr_block"] == "0.0.0.0/0"
    assert ref.text == "sg-a ingress #0: DROP TCP 3389 from 0.0.0.0/0"


def test_rules_are_taken_in_policy_index_order_not_list_order():
    v = verdict(sg(group("sg-a", rule(1, "ACCEPT", cidr_block=ADMIN), rule(0, "DROP", cidr_block=ADMIN))))
    assert v.coverage is Coverage.NONE and v.parts[0].decided_by.index == 0


def test_groups_are_concatenated_in_binding_order():
    state = sg(
        group("sg-a", rule(0, "ACCEPT", port="22", cidr_block=ADMIN)),
        group("sg-b", rule(0, "DROP", cidr_block="0.0.0.0/0")),
        group("sg-c", rule(0, "ACCEPT", cidr_block=ADMIN)),
    )
    denied = verdict(state, ("sg-a", "sg-b", "sg-c"))
    assert denied.coverage is Coverage.NONE and denied.parts[0].decided_by.resource_id == "sg-b"
    allowed = verdict(state, ("sg-a", "sg-c", "sg-b"))
    assert allowed.coverage is Coverage.ALL and allowed.parts[0].decided_by.resource_id == "sg-c"


def test_no_rules_or_no_groups_is_default_deny():
    v = verdict(sg(group("sg-a")))
    assert v.coverage is Coverage.NONE and v.parts[0].decided_by.is_default
    assert verdict(sg(), ()).coverage is Coverage.NONE


def test_protocol_all_matches_tcp_and_udp_icmp_do_not():
    assert (
        verdict(sg(group("sg-a", rule(0, protocol="ALL", port="ALL", cidr_block=ADMIN)))).coverage
        is Coverage.ALL
    )
    for proto in ("UDP", "ICMP", "GRE"):
        v = verdict(sg(group("sg-a", rule(0, protocol=proto, port="3389", cidr_block=ADMIN))))
        assert v.coverage is Coverage.NONE, proto


def test_port_forms():
    for port, expected in [
        ("3389", True),
        ("ALL", True),
        ("all", True),
        ("", True),
        ("3389,3390", True),
        ("22,3390", False),
        ("3000-4000", True),
        ("3390-4000", False),
        ("3389-3389", True),
    ]:
        v = verdict(sg(group("sg-a", rule(0, port=port, cidr_block=ADMIN))))
        assert (v.coverage is Coverage.ALL) is expected, port
    assert parse_ports("22, 3000-4000") == ((22, 22), (3000, 4000))
    assert parse_ports("abc") is None and parse_ports("4000-3000") is None


def test_malformed_port_makes_the_rule_uncertain():
    v = verdict(sg(group("sg-a", rule(0, port="33x9", cidr_block=ADMIN))))
    assert v.coverage is Coverage.UNKNOWN
    assert v.parts[0].uncertain_because[0].index == 0


def test_ipv6_source_uses_ipv6_rules_only():
    state = sg(
        group("sg-a", rule(0, cidr_block="0.0.0.0/0"), rule(1, "ACCEPT", ipv6_cidr_block="2001:db8::/32"))
    )
    v = verdict(state, source="2001:db8:1::/48")
    assert v.coverage is Coverage.ALL and v.parts[0].decided_by.index == 1
    assert verdict(state, source="2001:db9::/48").coverage is Coverage.NONE
    assert (
        verdict(sg(group("sg-a", rule(0, cidr_block="0.0.0.0/0"))), source="2001:db8::/64").coverage
        is Coverage.NONE
    )


def test_referenced_security_group_never_admits_an_admin_cidr():
    v = verdict(sg(group("sg-a", rule(0, source_security_group_id="sg-web"))))
    assert v.coverage is Coverage.NONE and v.parts[0].decided_by.is_default


def test_address_template_and_group_resolve_through_state():
    t = {"ipm-1": ("203.0.113.0/25", "203.0.113.128-203.0.113.255"), "ipm-2": ("2001:db8::1",)}
    state = sg(group("sg-a", rule(0, address_template_id="ipm-1")), address_templates=t)
    assert verdict(state).coverage is Coverage.ALL
    state = sg(
        group("sg-a", rule(0, address_template_group_id="ipmg-1")),
        address_templates=t,
        address_template_groups={"ipmg-1": ("ipm-2", "ipm-1")},
    )
    assert verdict(state).coverage is Coverage.ALL
    assert verdict(state, source="2001:db8::1/128").coverage is Coverage.ALL


def test_unresolvable_template_is_unknown_unless_the_outcome_is_the_same_either_way():
    state = sg(group("sg-a", rule(0, address_template_id="ipm-missing")))
    v = verdict(state)
    assert v.coverage is Coverage.UNKNOWN and v.parts[0].uncertain_because[0].rule["address_template_id"]
    same = sg(group("sg-a", rule(0, address_template_id="ipm-missing"), rule(1, cidr_block="0.0.0.0/0")))
    assert verdict(same).coverage is Coverage.ALL
    drop_first = sg(
        group("sg-a", rule(0, "DROP", address_template_group_id="ipmg-x"), rule(1, cidr_block=ADMIN))
    )
    assert verdict(drop_first).coverage is Coverage.UNKNOWN


def test_missing_group_is_unknown():
    v = verdict(sg(group("sg-a", rule(0, "ACCEPT", port="22", cidr_block=ADMIN))), ("sg-a", "sg-gone"))
    assert v.coverage is Coverage.UNKNOWN
    assert v.parts[0].uncertain_because[0].resource_id == "sg-gone"


def test_partial_overlap_splits_the_admin_cidr():
    state = sg(
        group("sg-a", rule(0, "DROP", cidr_block="203.0.113.64/26"), rule(1, cidr_block="203.0.113.0/25"))
    )
    v = verdict(state)
    assert v.coverage is Coverage.PARTIAL
    assert v.cidrs_with(Access.ALLOW) == ("203.0.113.0/26",)
    assert v.cidrs_with(Access.DENY) == ("203.0.113.64/26", "203.0.113.128/25")
    by_cidr = {c: p for p in v.parts for c in p.cidrs}
    assert by_cidr["203.0.113.64/26"].decided_by.index == 0
    assert by_cidr["203.0.113.128/25"].decided_by.is_default


def test_wider_admin_cidr_than_rule_is_only_admitted_for_part():
    v = verdict(sg(group("sg-a", rule(0, cidr_block="203.0.113.10/32"))))
    assert v.coverage is Coverage.PARTIAL and v.cidrs_with(Access.ALLOW) == ("203.0.113.10/32",)


def test_zero_network_is_widened_like_tencent():
    assert verdict(sg(group("sg-a", rule(0, cidr_block="0.0.0.0/8")))).coverage is Coverage.ALL


def test_acl_inbound_ok_but_return_traffic_dropped():
    acl = NetworkAcl(
        "acl-1", ingress=(entry(port="3389", cidr=ADMIN),), egress=(entry(port="1024-50000"), entry("DROP"))
    )
    inbound, outbound = acl_verdicts(acl, ADMIN, 3389)
    assert inbound.coverage is Coverage.ALL
    assert outbound.coverage is Coverage.PARTIAL
    denied = [p for p in outbound.parts if p.access is Access.DENY]
    assert [(p.ports, p.decided_by.index) for p in denied] == [("50001-65535", 1)]


def test_acl_first_match_and_implicit_drop():
    acl = NetworkAcl(
        "acl-1",
        ingress=(entry("DROP", port="3389", cidr="203.0.113.0/25"), entry(port="3389")),
        egress=(entry(protocol="ALL"),),
    )
    inbound, outbound = acl_verdicts(acl, ADMIN, 3389)
    assert inbound.coverage is Coverage.PARTIAL and outbound.coverage is Coverage.ALL
    empty_in, empty_out = acl_verdicts(NetworkAcl("acl-2"), ADMIN, 3389)
    assert empty_in.parts[0].decided_by.is_default and empty_out.coverage is Coverage.NONE
    udp_only = NetworkAcl("acl-3", ingress=(entry(protocol="UDP"),), egress=(entry(),))
    assert acl_verdicts(udp_only, ADMIN, 3389)[0].coverage is Coverage.NONE


def test_no_acl_allows():
    inbound, outbound = no_acl_verdicts(ADMIN, 3389)
    assert inbound.coverage is Coverage.ALL and outbound.coverage is Coverage.ALL
