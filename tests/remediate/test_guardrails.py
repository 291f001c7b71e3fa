"""Guardrails on preview steps (pure)."""

from __future__ import annotations

from tcremedy.remediate.guardrails import PROVIDER_ACL, PROVIDER_INSTANCE, StepOp, changes, violations

RULE = "pulumi-python:dynamic/tcremedy:SecurityGroupIngressRule"
BANDWIDTH = "pulumi-python:dynamic/tcremedy:InstanceBandwidth"
ACL_ENTRY = "pulumi-python:dynamic/tcremedy:AclRdpEntry"


def _op(op: str, rtype: str, name: str = "x", keys: tuple[str, ...] = ()) -> StepOp:
    return StepOp(op, f"urn:pulumi:s::p::{rtype}::{name}", rtype, keys)


def test_instance_replacement_is_refused_with_the_reason():
    found = violations(
        [
            _op("replace", PROVIDER_INSTANCE, "instance-ins-1", ("imageId",)),
            _op("create-replacement", BANDWIDTH, "bandwidth-ins-1"),
        ]
    )
    assert len(found) == 2
    assert "instance-ins-1" in found[0] and "imageId" in found[0] and "never replaces an instance" in found[0]


def test_deleting_what_tcremedy_does_not_own_is_refused_but_its_own_fixes_may_go():
    assert violations([_op("delete", PROVIDER_INSTANCE)])
    assert violations([_op("delete", "tencentcloud:Vpc/vpc:Vpc")])
    assert violations([_op("replace", "tencentcloud:Security/group:Group")])
    assert not violations(
        [
            _op("delete", RULE),
            _op("replace", RULE),
            _op("delete", BANDWIDTH),
            _op("create", RULE),
            _op("update", PROVIDER_INSTANCE),
            _op("same", PROVIDER_INSTANCE),
            _op("delete", "pulumi:providers:pulumi-python"),
        ]
    )


def test_changes_count_real_steps_only():
    ops = [
        _op("create", RULE),
        _op("create", RULE, "y"),
        _op("same", BANDWIDTH),
        _op("update", BANDWIDTH),
        _op("create", "pulumi:pulumi:Stack"),
    ]
    assert changes(ops) == {"create": 2, "update": 1}


def test_tcremedys_acl_entries_may_change_or_go_but_the_acl_itself_is_never_deleted_or_replaced():
    assert not violations(
        [
            _op("update", ACL_ENTRY),
            _op("replace", ACL_ENTRY),
            _op("delete", ACL_ENTRY),
            _op("update", PROVIDER_ACL),
        ]
    )
    refused = violations(
        [_op("delete", PROVIDER_ACL, "network-acl-acl-1"), _op("replace", PROVIDER_ACL, "a2")]
    )
    assert len(refused) == 2 and all("did not create it" in m for m in refused)
    assert "network-acl-acl-1" in refused[0]
