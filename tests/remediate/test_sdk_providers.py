"""The SDK dynamic providers against the emulator over HTTP, called directly (no engine needed):
creates are idempotent (a re-run after a crash makes no duplicate), deletes remove only tcremedy's rule."""

from __future__ import annotations

import json

import pytest
from tencentcloud.vpc.v20170312 import models as vpc_models
from tencentcloud.vpc.v20170312 import vpc_client

from tcremedy.remediate.sdk_providers import SecurityGroupIngressRuleProvider


@pytest.fixture
def sg_env(emulator, monkeypatch):
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", emulator.secret_id)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", emulator.secret_key)
    monkeypatch.setenv("TCREMEDY_ENDPOINT", emulator.endpoint)
    vpc = emulator.client(vpc_client.VpcClient)
    groups = json.loads(
        vpc.DescribeSecurityGroups(vpc_models.DescribeSecurityGroupsRequest()).to_json_string()
    )
    group = groups["SecurityGroupSet"][0]["SecurityGroupId"]

    def ingress() -> list[dict]:
        req = vpc_models.DescribeSecurityGroupPoliciesRequest()
        req.SecurityGroupId = group
        return json.loads(vpc.DescribeSecurityGroupPolicies(req).to_json_string())["SecurityGroupPolicySet"][
            "Ingress"
        ]

    props = {
        "security_group_id": group,
        "cidr_block": "203.0.113.0/24",
        "protocol": "TCP",
        "port": "3389",
        "action": "ACCEPT",
        "policy_index": 0,
        "region": emulator.region,
        "description": "tcremedy: RDP",
    }
    return props, ingress


@pytest.mark.emulator(scenario="sg-missing-rdp")
def test_rule_create_is_idempotent_and_inserted_at_the_top(sg_env):
    props, ingress = sg_env
    provider = SecurityGroupIngressRuleProvider()
    first = provider.create(dict(props))
    again = provider.create(dict(props))  # e.g. the engine crashed before recording the first create
    ours = [r for r in ingress() if r["CidrBlock"] == "203.0.113.0/24" and r["Port"] == "3389"]
    assert len(ours) == 1 and ours[0]["PolicyIndex"] == 0
    assert first.outs["adopted"] is False and again.outs["adopted"] is False
    assert provider.diff(first.id, first.outs, dict(props)).changes is False
    provider.delete(first.id, first.outs)
    assert not [r for r in ingress() if r["CidrBlock"] == "203.0.113.0/24"]
    assert (
        provider.diff(first.id, first.outs, dict(props)).changes is True
    )  # gone: the next apply re-creates it


@pytest.mark.emulator(scenario="sg-missing-rdp")
def test_public_cidr_is_rejected_without_allow_public(sg_env):
    props, _ = sg_env
    check = SecurityGroupIngressRuleProvider().check({}, {**props, "cidr_block": "0.0.0.0/0"})
    assert check.failures and "allow_public_rdp" in check.failures[0].reason


@pytest.mark.emulator(scenario="sg-drop-before-accept")
def test_a_pre_existing_rule_under_a_drop_is_moved_on_top_adopted_and_never_deleted(sg_env):
    """The admin's own ACCEPT sits below a DROP: the provider copies it above the DROP with the
    admin's description, removes the shadowed original, and records it as adopted, so removing
    the fix later forgets the rule instead of deleting someone else's access."""
    props, ingress = sg_env
    provider = SecurityGroupIngressRuleProvider()
    made = provider.create(dict(props))
    rules = [r for r in ingress() if r["CidrBlock"] == "203.0.113.0/24"]
    drop = next(r for r in ingress() if r["Action"] == "DROP")
    assert len(rules) == 1 and rules[0]["PolicyIndex"] < drop["PolicyIndex"]
    assert rules[0]["PolicyDescription"] == "admin office" and made.outs["adopted"] is True
    assert provider.diff(made.id, made.outs, dict(props)).changes is False
    provider.delete(made.id, made.outs)
    assert [r["PolicyDescription"] for r in ingress() if r["CidrBlock"] == "203.0.113.0/24"] == [
        "admin office"
    ]
