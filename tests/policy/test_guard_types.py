"""CrossGuard covers every resource type that can open RDP or starve it: one compliant and one
non-compliant declaration per type (argument names from the installed pulumi-tencentcloud)."""

from __future__ import annotations

import pytest

from tcremedy.policy.loader import load_policy, packaged_default_policy
from tcremedy.remediate import crossguard as guard

ADMIN = "203.0.113.0/24"  # inside the default policy's admin CIDRs
OUTSIDE = "10.0.0.0/8"
TEMPLATES = {"ipm-admin": (ADMIN,), "ipmg-admins": (ADMIN, "198.51.100.10/32"), "ipm-wide": ("0.0.0.0/0",),
             "ppm-web": ("tcp:80,443",), "ppm-rdp": ("udp:53", "tcp:3000-4000"), "ppmg-rdp": ("tcp:all",)}


def resolve(_kind, ref):
    return TEMPLATES.get(ref)


def sg_rule(**source):
    return {"type": "ingress", "policy": "ACCEPT", "ipProtocol": "TCP", "portRange": "3389", **source}


def rule_set(**source):
    return {"ingresses": [{"action": "ACCEPT", "protocol": "TCP", "port": "3389", **source}]}


def quintuple(cidr):
    entry = {"action": "ACCEPT", "protocol": "TCP", "destinationPort": "3389", "sourceCidr": cidr}
    return {"networkAclId": "acl-1", "networkAclQuintupleSet": {"ingresses": [entry]}}


def dyn_rule(cidr):
    return {"security_group_id": "sg-1", "cidr_block": cidr, "protocol": "TCP", "port": "3389",
            "action": "ACCEPT"}


def dyn_acl(cidr):
    return {"network_acl_id": "acl-1", "direction": "ingress", "cidr_block": cidr, "protocol": "TCP",
            "port": "3389", "action": "ACCEPT"}


TABLE = [
    ("GroupRule IPv4", guard.GROUP_RULE, sg_rule(cidrIp=ADMIN), sg_rule(cidrIp="0.0.0.0/0")),
    ("GroupRule IPv6", guard.GROUP_RULE, sg_rule(cidrIp=ADMIN), sg_rule(cidrIp="::/0")),
    ("GroupRule address template", guard.GROUP_RULE, sg_rule(addressTemplate={"templateId": "ipm-admin"}),
     sg_rule(addressTemplate={"templateId": "ipm-wide"})),
    ("GroupRule template group", guard.GROUP_RULE, sg_rule(addressTemplate={"groupId": "ipmg-admins"}),
     sg_rule(addressTemplate={"groupId": "ipmg-unknown"})),
    ("GroupLiteRule", guard.GROUP_LITE_RULE, {"ingresses": [f"ACCEPT#{ADMIN}#3389#TCP"]},
     {"ingresses": [f"ACCEPT#{OUTSIDE}#3389#TCP"]}),
    ("GroupLiteRule template", guard.GROUP_LITE_RULE, {"ingresses": ["ACCEPT#ipm-admin#3389#TCP"]},
     {"ingresses": ["ACCEPT#ipm-wide#ALL#ALL"]}),
    ("GroupRuleSet", guard.GROUP_RULE_SET, rule_set(cidrBlock=ADMIN), rule_set(cidrBlock=OUTSIDE)),
    ("GroupRuleSet IPv6", guard.GROUP_RULE_SET, rule_set(cidrBlock=ADMIN),
     rule_set(ipv6CidrBlock="2001:db8::/32")),
    ("GroupRuleSet template", guard.GROUP_RULE_SET, rule_set(addressTemplateId="ipm-admin"),
     rule_set(addressTemplateGroup="ipmg-nowhere")),
    ("Acl", guard.NETWORK_ACL, {"ingresses": [f"ACCEPT#{ADMIN}#3389#TCP", "DROP#0.0.0.0/0#ALL#ALL"]},
     {"ingresses": ["ACCEPT#0.0.0.0/0#ALL#ALL"]}),
    ("NetworkAclQuintuple", guard.ACL_QUINTUPLE, quintuple(ADMIN), quintuple("0.0.0.0/0")),
    ("GroupRule protocol template", guard.GROUP_RULE,
     sg_rule(cidrIp="0.0.0.0/0", protocolTemplate={"templateId": "ppm-web"}),
     sg_rule(cidrIp="0.0.0.0/0", protocolTemplate={"groupId": "ppmg-rdp"})),
    ("GroupLiteRule protocol template", guard.GROUP_LITE_RULE,
     {"ingresses": ["ACCEPT#0.0.0.0/0#ALL#ppm-web"]}, {"ingresses": ["ACCEPT#0.0.0.0/0#ALL#ppm-rdp"]}),
    ("GroupRuleSet service template", guard.GROUP_RULE_SET,
     {"ingresses": [{"action": "ACCEPT", "cidrBlock": "0.0.0.0/0", "serviceTemplateId": "ppm-web"}]},
     {"ingresses": [{"action": "ACCEPT", "cidrBlock": "0.0.0.0/0", "serviceTemplateGroup": "ppmg-unknown"}]}),
    ("Instance bandwidth", guard.INSTANCE, {"internetMaxBandwidthOut": 10}, {"internetMaxBandwidthOut": 1}),
    ("Instance set bandwidth", guard.INSTANCE_SET, {"internetMaxBandwidthOut": 10},
     {"internetMaxBandwidthOut": 1}),
    ("Launch template bandwidth", guard.LAUNCH_TEMPLATE,
     {"internetAccessible": {"internetMaxBandwidthOut": 5}},
     {"internetAccessible": {"internetMaxBandwidthOut": 4}}),
    ("EIP bandwidth", guard.EIP, {"internetMaxBandwidthOut": 100}, {"internetMaxBandwidthOut": 0}),
    ("Bandwidth package", guard.BANDWIDTH_PACKAGE, {"internetMaxBandwidth": -1}, {"internetMaxBandwidth": 2}),
    ("tcremedy SecurityGroupIngressRule", guard.DYN_SG_RULE, dyn_rule(ADMIN), dyn_rule("0.0.0.0/0")),
    ("tcremedy AclRdpEntry", guard.DYN_ACL_ENTRY, dyn_acl(ADMIN), dyn_acl(OUTSIDE)),
    ("tcremedy InstanceBandwidth", guard.DYN_BANDWIDTH, {"instance_id": "ins-1", "target_mbps": 10},
     {"instance_id": "ins-1", "target_mbps": 1}),
]  # fmt: skip


@pytest.fixture(scope="module")
def policy():
    return load_policy(packaged_default_policy())


@pytest.mark.parametrize(("label", "type_", "good", "bad"), TABLE, ids=[row[0] for row in TABLE])
def test_one_compliant_and_one_non_compliant_declaration_per_type(policy, label, type_, good, bad):
    assert guard.declared_violations(policy, type_, good, resolve) == []
    assert guard.declared_violations(policy, type_, bad, resolve), label


def test_a_source_unknown_at_preview_cannot_pass(policy):
    (message,) = guard.declared_violations(policy, guard.GROUP_RULE, sg_rule(cidrIp=guard.UNKNOWN))
    assert "cannot be resolved" in message
    assert guard.declared_violations(policy, guard.INSTANCE, {"internetMaxBandwidthOut": guard.UNKNOWN})


def test_address_template_forms():
    assert guard.template_addresses(guard.ADDRESS_TEMPLATE, {"addresses": ["10.0.0.1", "10.0.1.0/24"]}) == (
        "10.0.0.1/32",
        "10.0.1.0/24",
    )
    extra = {"addressesExtras": [{"address": "10.0.0.0-10.0.0.3"}]}
    assert guard.template_addresses(guard.ADDRESS_EXTRA_TEMPLATE, extra) == ("10.0.0.0/30",)
    assert guard.template_addresses(guard.ADDRESS_TEMPLATE, {"addresses": ["not-an-ip"]}) is None
    assert guard.template_services(guard.PROTOCOL_TEMPLATE, {"protocols": ["tcp:3389", "icmp"]}) == (
        "tcp:3389",
        "icmp",
    )


def test_ipv6_sources_in_every_rule_form(policy):
    """Issue 9 item 3 (the CrossGuard part): ::/0 and IPv6 ranges outside the admin CIDRs are caught
    in every form; an IPv6 admin range in the policy admits its own subnets."""
    import dataclasses

    for type_, props in [
        (guard.GROUP_RULE, sg_rule(cidrIp="::/0")),
        (guard.GROUP_LITE_RULE, {"ingresses": ["ACCEPT#::/0#3389#TCP"]}),
        (guard.GROUP_RULE_SET, rule_set(ipv6CidrBlock="::/0")),
        (guard.NETWORK_ACL, {"ingresses": ["ACCEPT#::/0#ALL#ALL"]}),
        (guard.DYN_SG_RULE, dyn_rule("::/0")),
    ]:
        (message,) = guard.declared_violations(policy, type_, props)
        assert "::/0" in message, type_
    rdp = dataclasses.replace(policy.rdp, admin_cidrs=(ADMIN, "2001:db8::/32"))
    v6 = dataclasses.replace(policy, rdp=rdp)
    inside, outside = rule_set(ipv6CidrBlock="2001:db8:1::/48"), rule_set(ipv6CidrBlock="2001:db9::/32")
    assert guard.declared_violations(v6, guard.GROUP_RULE_SET, inside) == []
    assert guard.declared_violations(v6, guard.GROUP_RULE_SET, outside)


def test_a_lite_rule_built_from_outputs_is_refused_as_unverifiable(policy):
    """``pulumi.Output.concat("ACCEPT#", template.id, "#3389#TCP")`` is one unknown string at a first
    preview: neither its action nor its source can be read, so the pack says so."""
    lite = {"ingresses": [guard.UNKNOWN]}
    (message,) = guard.declared_violations(policy, guard.GROUP_LITE_RULE, lite, resolve)
    assert "an ingress rule is unknown at preview" in message and "preview again" in message


GROUPS = {
    "sg-admin": [{"Action": "ACCEPT", "Protocol": "TCP", "Port": "3389", "CidrBlock": ADMIN}],
    "sg-open": [{"Action": "DROP", "Protocol": "TCP", "Port": "22", "CidrBlock": "0.0.0.0/0"},
                {"Action": "ACCEPT", "Protocol": "ALL", "Port": "ALL", "Ipv6CidrBlock": "::/0"}],
    "sg-template": [{"Action": "ACCEPT", "AddressTemplate": {"AddressId": "ipm-wide"},
                     "ServiceTemplate": {"ServiceId": "ppm-rdp"}}],
}  # fmt: skip


@pytest.mark.parametrize(
    ("type_", "field", "wrap"),
    [
        (guard.SG_ATTACHMENT, "securityGroupId", lambda g: g),
        (guard.INSTANCE, "orderlySecurityGroups", lambda g: [g]),
        (guard.INSTANCE_SET, "securityGroups", lambda g: [g]),
        (guard.LAUNCH_TEMPLATE, "securityGroupIds", lambda g: [g]),
    ],
)
def test_binding_an_existing_group_is_judged_by_its_rules_in_the_cloud(policy, type_, field, wrap):
    def judge(group):
        return guard.declared_violations(policy, type_, {field: wrap(group)}, resolve, GROUPS.get)

    assert judge("sg-admin") == []
    (message,) = judge("sg-open")
    assert message.startswith("binds security group sg-open") and "whole internet (::/0)" in message
    assert "from ipm-wide opens RDP (port 3389) to the whole internet (0.0.0.0/0)" in judge("sg-template")[0]
    assert judge("sg-unreadable") == []  # documented: a group that cannot be read is not judged
