"""The last guard: every SDK dynamic provider's ``check`` refuses inputs beyond the policy's limits
(which apply passes through the engine's environment), and refuses to run without them. ``check``
makes no API call, so the providers are called directly."""

from __future__ import annotations

from typing import Any

import pytest

from tcremedy.policy.values import FIX_NAMES
from tcremedy.remediate.limits import LIMITS_ENV, Limits
from tcremedy.remediate.sdk_providers import (
    AclRdpEntryProvider,
    GuestFixProvider,
    InstanceBandwidthProvider,
    InstancePasswordProvider,
    InstanceRebootProvider,
    InstanceRunningProvider,
    SecurityGroupIngressRuleProvider,
)

LIMITS = Limits(("203.0.113.0/24",), 3389, allow_public_rdp=False, auto=FIX_NAMES, password_env="NEW_PW")
RULE = {
    "security_group_id": "sg-1",
    "cidr_block": "203.0.113.0/24",
    "protocol": "TCP",
    "port": "3389",
    "action": "ACCEPT",
    "policy_index": 0,
    "region": "ap-guangzhou",
}
ENTRY = {**RULE, "network_acl_id": "acl-1", "direction": "egress", "port": "49152-65535"}
INSTANCE = {"instance_id": "ins-1", "region": "ap-guangzhou", "trigger": "X@t"}
GOOD: list[tuple[Any, dict[str, Any]]] = [
    (SecurityGroupIngressRuleProvider(), RULE),
    (AclRdpEntryProvider(), ENTRY),
    (InstanceBandwidthProvider(), {**INSTANCE, "target_mbps": 5}),
    (InstanceRunningProvider(), INSTANCE),
    (InstanceRebootProvider(), INSTANCE),
    (InstancePasswordProvider(), {**INSTANCE, "password_env": "NEW_PW"}),
    (GuestFixProvider(), {**INSTANCE, "script": "align-rdp-port", "port": 3389}),
]
BAD: list[tuple[Any, dict[str, Any], str]] = [
    (SecurityGroupIngressRuleProvider(), {**RULE, "cidr_block": "10.0.0.0/8"}, "admin CIDRs"),
    (SecurityGroupIngressRuleProvider(), {**RULE, "cidr_block": "0.0.0.0/0", "allow_public": True}, "admin"),
    (SecurityGroupIngressRuleProvider(), {**RULE, "action": "DROP"}, "not ACCEPT"),
    (SecurityGroupIngressRuleProvider(), {**RULE, "port": "1-65535"}, "is not 3389"),
    (
        SecurityGroupIngressRuleProvider(),
        {**RULE, "cidr_block": "10.0.0.0/8", "hold": True},
        "admin",
    ),  # new + held: judged
    (AclRdpEntryProvider(), {**ENTRY, "port": "3389"}, "is not 49152-65535"),
    (AclRdpEntryProvider(), {**ENTRY, "protocol": "ALL"}, "not TCP"),
    (InstanceBandwidthProvider(), {**INSTANCE, "target_mbps": 10_000}, "target_mbps"),
    (InstancePasswordProvider(), {**INSTANCE, "password_env": "OTHER"}, "password_env"),
    (GuestFixProvider(), {**INSTANCE, "script": "align-rdp-port", "port": 22}, "RDP port"),
    (GuestFixProvider(), {**INSTANCE, "script": "format-c"}, "no tcremedy fix makes"),
]


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LIMITS_ENV, LIMITS.to_env())


@pytest.mark.parametrize(("provider", "props"), GOOD)
def test_inputs_within_the_policy_pass_and_nothing_passes_without_limits(provider, props, monkeypatch):
    monkeypatch.delenv(LIMITS_ENV, raising=False)
    assert "tcremedy apply" in provider.check({}, dict(props)).failures[0].reason
    monkeypatch.setenv(LIMITS_ENV, LIMITS.to_env())
    assert provider.check({}, dict(props)).failures == []


@pytest.mark.usefixtures("limits")
@pytest.mark.parametrize(("provider", "props", "reason"), BAD)
def test_inputs_beyond_the_policy_are_refused_by_the_provider(provider, props, reason):
    failures = provider.check({}, dict(props)).failures
    assert failures and any(reason in f.reason for f in failures), [f.reason for f in failures]


@pytest.mark.usefixtures("limits")
def test_a_fix_not_in_fixes_auto_is_refused_unless_kept_from_an_earlier_run(monkeypatch):
    only_sg = Limits(LIMITS.admin_cidrs, 3389, allow_public_rdp=False, auto=("sg_allow_rdp",))
    monkeypatch.setenv(LIMITS_ENV, only_sg.to_env())
    reboot = InstanceRebootProvider()
    assert "fixes.auto" in reboot.check({}, dict(INSTANCE)).failures[0].reason
    held = {**INSTANCE, "hold": True}
    assert reboot.check(dict(held), held).failures == []  # already in the stack, kept as it is
