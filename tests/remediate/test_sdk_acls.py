"""The ACL entry provider against the emulator over HTTP with the real SDK, called directly (no engine).

Scenario acl-blocks-rdp: the subnet's ACL has ingress [DROP TCP 3389 from 0.0.0.0/0 "no rdp",
ACCEPT ALL from 0.0.0.0/0] and egress [ACCEPT ALL to 0.0.0.0/0]; DescribeNetworkAcls lists the ACL's
default rules after them (DEFAULTS), which a write never copies into the ACL's own entries.
"""

from __future__ import annotations

import json

import pytest
from tencentcloud.vpc.v20170312 import models as vpc_models
from tencentcloud.vpc.v20170312 import vpc_client

from tcremedy.remediate.limits import LIMITS_ENV, Limits
from tcremedy.remediate.sdk_providers import AclRdpEntryProvider

pytestmark = pytest.mark.emulator(scenario="acl-blocks-rdp")
FIELDS = ("Protocol", "Port", "CidrBlock", "Action", "Description")


@pytest.fixture
def acl_env(emulator, monkeypatch):
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", emulator.secret_id)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", emulator.secret_key)
    monkeypatch.setenv("TCREMEDY_ENDPOINT", emulator.endpoint)
    vpc = emulator.client(vpc_client.VpcClient)
    acl_id = json.loads(vpc.DescribeNetworkAcls(vpc_models.DescribeNetworkAclsRequest()).to_json_string())[
        "NetworkAclSet"
    ][0]["NetworkAclId"]

    def entries(direction: str = "ingress") -> list[tuple]:
        req = vpc_models.DescribeNetworkAclsRequest()
        req.NetworkAclIds = [acl_id]
        acl = json.loads(vpc.DescribeNetworkAcls(req).to_json_string())["NetworkAclSet"][0]
        key = "IngressEntries" if direction == "ingress" else "EgressEntries"
        return [tuple(e[f] for f in FIELDS) for e in acl[key]]

    def set_ingress(*items: dict) -> None:  # an admin rewrites the inbound list by hand
        req = vpc_models.ModifyNetworkAclEntriesRequest()
        req._deserialize({"NetworkAclId": acl_id, "NetworkAclEntrySet": {"Ingress": list(items)}})
        vpc.ModifyNetworkAclEntries(req)

    props = {
        "network_acl_id": acl_id,
        "direction": "ingress",
        "cidr_block": "203.0.113.0/24",
        "protocol": "TCP",
        "port": "3389",
        "action": "ACCEPT",
        "region": emulator.region,
        "description": "tcremedy: RDP from 203.0.113.0/24",
    }
    return props, entries, set_ingress


OURS = ("tcp", "3389", "203.0.113.0/24", "Accept", "tcremedy: RDP from 203.0.113.0/24")
DEFAULTS = [("all", "", "0.0.0.0/0", "Drop", ""), ("all", "", "", "Accept", "")]  # IPv6 ::/0 in the latter


def test_create_is_idempotent_on_top_keeps_every_entry_and_delete_restores_the_list(acl_env):
    props, entries, _ = acl_env
    before, egress = entries(), entries("egress")
    provider = AclRdpEntryProvider()
    first = provider.create(dict(props))
    again = provider.create(dict(props))  # e.g. the engine crashed before recording the first create
    assert before[-2:] == DEFAULTS  # listed after the ACL's own entries
    assert entries() == [OURS, *before]  # one entry, on top, the admin's entries as they were, in order
    assert entries("egress") == egress  # the other direction is not touched
    assert first.outs["adopted"] is False and again.outs["adopted"] is False
    assert provider.diff(first.id, first.outs, dict(props)).changes is False
    provider.delete(first.id, first.outs)
    assert entries() == before
    assert provider.diff(first.id, first.outs, dict(props)).changes is True  # gone: re-created next apply


def test_a_drop_put_above_the_entry_is_drift_and_the_update_moves_it_back_on_top(acl_env):
    props, entries, set_ingress = acl_env
    provider = AclRdpEntryProvider()
    made = provider.create(dict(props))
    drop = {"Protocol": "TCP", "Port": "3000-4000", "CidrBlock": "203.0.113.128/25", "Action": "DROP"}
    current = [dict(zip(FIELDS, e, strict=True)) for e in entries()[:-2]]  # the ACL's own entries
    set_ingress(drop, *current)  # someone adds a DROP over part of the admin range, above tcremedy's entry
    shadowed = entries()
    assert provider.diff(made.id, made.outs, dict(props)).changes is True
    provider.update(made.id, made.outs, dict(props))
    assert entries() == [OURS, shadowed[0], *shadowed[2:]]  # moved, not duplicated; the rest in order
    assert provider.diff(made.id, made.outs, dict(props)).changes is False


def test_the_admins_own_entry_under_the_drop_is_adopted_moved_up_and_never_deleted(acl_env):
    props, entries, set_ingress = acl_env
    drop = {
        "Protocol": "TCP",
        "Port": "3389",
        "CidrBlock": "0.0.0.0/0",
        "Action": "DROP",
        "Description": "no",
    }
    own = {"Protocol": "TCP", "Port": "3389", "CidrBlock": "203.0.113.0/24", "Action": "ACCEPT"}
    rest = {"Protocol": "ALL", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT", "Description": "rest"}
    set_ingress(drop, {**own, "Description": "admin office"}, rest)
    provider = AclRdpEntryProvider()
    made = provider.create(dict(props))
    after = entries()
    assert [e[4] for e in after] == ["admin office", "no", "rest", "", ""] and made.outs["adopted"] is True
    provider.delete(made.id, made.outs)
    assert entries() == after  # adopted: forgotten, never deleted


def test_egress_entries_and_public_cidrs(acl_env, monkeypatch):
    props, entries, _ = acl_env
    provider = AclRdpEntryProvider()
    replies = {**props, "direction": "egress", "port": "49152-65535", "description": "tcremedy: replies"}
    ingress, egress = entries(), entries("egress")
    provider.create(replies)
    assert entries("egress") == [
        ("tcp", "49152-65535", "203.0.113.0/24", "Accept", "tcremedy: replies"),
        *egress,
    ]
    assert entries() == ingress
    check = provider.check({}, {**props, "cidr_block": "0.0.0.0/0"})
    assert check.failures and "allow_public_rdp" in check.failures[0].reason
    public = {**props, "cidr_block": "0.0.0.0/0", "allow_public": True}
    assert provider.check({}, public).failures  # no policy limits in the environment: refused
    limits = Limits(("0.0.0.0/0",), 3389, allow_public_rdp=True, auto=("acl_allow_rdp",))
    monkeypatch.setenv(LIMITS_ENV, limits.to_env())
    assert not provider.check({}, public).failures
