"""The CrossGuard checks on declared resources: never widen RDP beyond the policy."""

from __future__ import annotations

import dataclasses

import pytest

from tcremedy.policy.loader import load_policy, packaged_default_policy
from tcremedy.remediate.crossguard import (
    DYNAMIC,
    GROUP_LITE_RULE,
    GROUP_RULE,
    GROUP_RULE_SET,
    INSTANCE,
    NETWORK_ACL,
    declared_violations,
)


@pytest.fixture(scope="module")
def policy():
    return load_policy(packaged_default_policy())  # admin CIDRs 203.0.113.0/24, 198.51.100.10/32


def _group_rule(cidr, port="3389", protocol="TCP", action="ACCEPT", direction="ingress"):
    return {"type": direction, "policy": action, "cidrIp": cidr, "portRange": port, "ipProtocol": protocol,
            "securityGroupId": "sg-1"}


@pytest.mark.parametrize("cidr", ["203.0.113.0/24", "203.0.113.64/26", "198.51.100.10/32"])
def test_rdp_from_inside_the_admin_cidrs_passes(policy, cidr):
    assert declared_violations(policy, GROUP_RULE, _group_rule(cidr)) == []


@pytest.mark.parametrize("cidr", ["0.0.0.0/0", "0.0.0.0/8", "::/0"])
def test_rdp_from_the_internet_is_refused_without_allow_public_rdp(policy, cidr):
    (message,) = declared_violations(policy, GROUP_RULE, _group_rule(cidr))
    assert "whole internet" in message and "allow_public_rdp" in message


def test_allow_public_rdp_lets_the_internet_in(policy):
    public = dataclasses.replace(policy, rdp=dataclasses.replace(policy.rdp, allow_public_rdp=True))
    assert declared_violations(public, GROUP_RULE, _group_rule("0.0.0.0/0")) == []


@pytest.mark.parametrize(
    ("cidr", "port", "protocol"),
    [("198.51.100.0/24", "3389", "TCP"), ("10.0.0.0/8", "ALL", "ALL"), ("192.0.2.7/32", "3000-4000", "tcp")],
)
def test_rdp_from_outside_the_admin_cidrs_is_refused(policy, cidr, port, protocol):
    (message,) = declared_violations(policy, GROUP_RULE, _group_rule(cidr, port, protocol))
    assert "outside the policy's admin CIDRs" in message and cidr in message


@pytest.mark.parametrize(
    "rule",
    [
        _group_rule("0.0.0.0/0", port="443"),
        _group_rule("0.0.0.0/0", action="DROP"),
        _group_rule("0.0.0.0/0", protocol="UDP"),
        _group_rule("0.0.0.0/0", direction="egress"),
        _group_rule("sg-other"),
    ],
)
def test_rules_that_do_not_admit_tcp_rdp_from_a_cidr_are_not_judged(policy, rule):
    assert declared_violations(policy, GROUP_RULE, rule) == []


def test_lite_rule_and_rule_set_declarations_are_read(policy):
    lite = {"securityGroupId": "sg-1",
            "ingresses": ["ACCEPT#203.0.113.0/24#3389#TCP", "ACCEPT#0.0.0.0/0#ALL#ALL"]}
    assert len(declared_violations(policy, GROUP_LITE_RULE, lite)) == 1
    outside = {"action": "ACCEPT", "cidrBlock": "192.0.2.0/24", "protocol": "TCP", "port": "3389"}
    rule_set = {"ingresses": [outside]}
    assert len(declared_violations(policy, GROUP_RULE_SET, rule_set)) == 1


def test_tcremedy_dynamic_rule_is_read(policy):
    props = {"security_group_id": "sg-1", "cidr_block": "0.0.0.0/0", "protocol": "TCP", "port": "3389",
             "action": "ACCEPT"}
    assert declared_violations(policy, DYNAMIC, props)


def test_instance_bandwidth_and_running_flag(policy):
    assert declared_violations(policy, INSTANCE, {"internetMaxBandwidthOut": 10, "runningFlag": True}) == []
    messages = declared_violations(policy, INSTANCE, {"internetMaxBandwidthOut": 1, "runningFlag": False})
    assert any("below the policy minimum 5" in m for m in messages)
    assert any("RUNNING" in m for m in messages)
    assert declared_violations(policy, DYNAMIC, {"instance_id": "ins-1", "target_mbps": 2})


def _acl(*ingresses):
    return {"vpcId": "vpc-1", "name": "app", "ingresses": list(ingresses),
            "egresses": ["ACCEPT#0.0.0.0/0#ALL#ALL"]}


def test_an_acl_passing_rdp_only_from_the_admin_cidrs_passes_even_with_accept_all_below_a_drop(policy):
    declared = _acl("ACCEPT#203.0.113.0/24#3389#TCP#TCREMEDY: RDP", "ACCEPT#198.51.100.10/32#3389#TCP",
                    "DROP#0.0.0.0/0#3389#TCP#no rdp", "ACCEPT#0.0.0.0/0#ALL#ALL")
    assert declared_violations(policy, NETWORK_ACL, declared) == []


@pytest.mark.parametrize(
    ("ingresses", "expected"),
    [
        (("ACCEPT#0.0.0.0/0#ALL#ALL",), "whole internet (0.0.0.0/0)"),
        (("ACCEPT#192.0.2.0/24#3000-4000#TCP", "DROP#0.0.0.0/0#ALL#ALL"), "from 192.0.2.0/24, outside"),
        # the DROP of the admin range comes first: what the broad ACCEPT passes is everything else
        (("DROP#203.0.113.0/24#ALL#ALL", "ACCEPT#0.0.0.0/1#3389#TCP"), "from 0.0.0.0/1, outside"),
    ],
)
def test_an_acl_passing_rdp_from_outside_the_admin_cidrs_is_refused(policy, ingresses, expected):
    (message,) = declared_violations(policy, NETWORK_ACL, _acl(*ingresses))
    assert expected in message and "network ACL" in message


def test_allow_public_rdp_lets_an_acl_pass_the_internet(policy):
    public = dataclasses.replace(policy, rdp=dataclasses.replace(policy.rdp, allow_public_rdp=True))
    assert declared_violations(public, NETWORK_ACL, _acl("ACCEPT#0.0.0.0/0#ALL#ALL")) == []


def test_tcremedy_dynamic_acl_entry_is_read_inbound_only(policy):
    entry = {"network_acl_id": "acl-1", "direction": "ingress", "cidr_block": "192.0.2.0/24",
             "protocol": "TCP", "port": "3389", "action": "ACCEPT"}
    assert "outside the policy's admin CIDRs" in declared_violations(policy, DYNAMIC, entry)[0]
    replies = {**entry, "direction": "egress", "port": "49152-65535"}
    assert declared_violations(policy, DYNAMIC, replies) == []
