"""Holds: the control API stops a named action at a known point until the test releases it.

The SDK call runs on a worker thread (it blocks while held); the test waits for the hold through
the control API, never by sleeping.
"""

from __future__ import annotations

import urllib.error
from concurrent.futures import ThreadPoolExecutor

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.vpc.v20170312 import models as vm
from tencentcloud.vpc.v20170312 import vpc_client

from tcremedy.emulator.testing import RunningEmulator

RULE = {"Protocol": "TCP", "Port": "3389", "CidrBlock": "192.0.2.0/24", "Action": "ACCEPT"}


def group_id(emu: RunningEmulator) -> str:
    vpc = emu.client(vpc_client.VpcClient)
    return vpc.DescribeSecurityGroups(vm.DescribeSecurityGroupsRequest()).SecurityGroupSet[0].SecurityGroupId


def cidrs(emu: RunningEmulator, group: str) -> list[str]:
    req = vm.DescribeSecurityGroupPoliciesRequest()
    req.SecurityGroupId = group
    policies = emu.client(vpc_client.VpcClient).DescribeSecurityGroupPolicies(req).SecurityGroupPolicySet
    return [p.CidrBlock for p in policies.Ingress]


def create_rule(emu: RunningEmulator, group: str) -> str:
    req = vm.CreateSecurityGroupPoliciesRequest()
    req._deserialize({"SecurityGroupId": group, "SecurityGroupPolicySet": {"Ingress": [RULE]}})
    try:
        emu.client(vpc_client.VpcClient).CreateSecurityGroupPolicies(req)
        return "ok"
    except TencentCloudSDKException as exc:
        return exc.get_code()


@pytest.mark.emulator(scenario="sg-missing-rdp")
def test_a_held_request_waits_unrun_and_is_carried_out_on_release(emulator) -> None:
    group = group_id(emulator)
    hold = emulator.hold("CreateSecurityGroupPolicies")
    with ThreadPoolExecutor(1) as pool:
        call = pool.submit(create_rule, emulator, group)
        held = emulator.wait_held(hold)
        assert [h["action"] for h in held["held"]] == ["CreateSecurityGroupPolicies"]
        status = emulator.control("GET", "holds")
        assert [f["state"] for f in status["in_flight"]] == [f"held:{hold}"]
        assert "192.0.2.0/24" not in cidrs(emulator, group)  # not run; the rest of the cloud answers
        released = emulator.release(hold)
        assert released["released"] == 1 and released["held"] == []
        assert "192.0.2.0/24" in cidrs(emulator, group)  # carried out when release returns
        assert call.result(timeout=30) == "ok"
    assert emulator.control("GET", "holds")["in_flight"] == []


@pytest.mark.emulator(scenario="sg-missing-rdp")
def test_after_hold_runs_the_action_and_a_drop_leaves_the_client_without_an_answer(emulator) -> None:
    group = group_id(emulator)
    hold = emulator.hold("CreateSecurityGroupPolicies", when="after")
    with ThreadPoolExecutor(1) as pool:
        call = pool.submit(create_rule, emulator, group)
        emulator.wait_held(hold)
        assert "192.0.2.0/24" in cidrs(emulator, group)  # done in the cloud, the answer not yet sent
        emulator.release(hold, "drop")
        assert call.result(timeout=30) == "ClientNetworkError"


@pytest.mark.emulator(scenario="sg-missing-rdp")
def test_skip_and_count_choose_which_requests_are_held_and_drop_before_never_runs(emulator) -> None:
    group = group_id(emulator)
    before = cidrs(emulator, group)
    hold = emulator.hold("DescribeSecurityGroupPolicies", skip=1)
    assert cidrs(emulator, group) == before  # the first one passes
    with ThreadPoolExecutor(1) as pool:
        call = pool.submit(cidrs, emulator, group)
        emulator.wait_held(hold)
        emulator.release(hold)
        assert call.result(timeout=30) == before
    assert emulator.control("GET", f"holds/{hold}")["remaining"] == 0
    assert cidrs(emulator, group) == before  # count exhausted: no longer held

    drop = emulator.hold("CreateSecurityGroupPolicies")
    with ThreadPoolExecutor(1) as pool:
        call = pool.submit(create_rule, emulator, group)
        emulator.wait_held(drop)
        emulator.release(drop, "drop")
        assert call.result(timeout=30) == "ClientNetworkError"
    assert cidrs(emulator, group) == before  # never arrived


@pytest.mark.emulator(scenario="sg-missing-rdp")
def test_a_release_can_answer_the_held_request_with_an_api_error(emulator) -> None:
    group = group_id(emulator)
    hold = emulator.hold("CreateSecurityGroupPolicies")
    with ThreadPoolExecutor(1) as pool:
        call = pool.submit(create_rule, emulator, group)
        emulator.wait_held(hold)
        emulator.release(hold, "fail", code="LimitExceeded.SecurityGroupPolicySet", message="full")
        assert call.result(timeout=30) == "LimitExceeded.SecurityGroupPolicySet"
    assert "192.0.2.0/24" not in cidrs(emulator, group)


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "holds", {"action": "../etc"}, 400),
        ("POST", "holds", {"action": "StartInstances", "count": 0}, 400),
        ("POST", "holds", {"action": "StartInstances", "when": "later"}, 400),
        ("POST", "holds", {"action": "StartInstances", "colour": "red"}, 400),
        ("POST", "holds/hold-99/release", {}, 404),
        ("POST", "holds/hold-99/release", {"outcome": "explode"}, 400),
        ("POST", "holds/hold-99/wait", {"timeout": 1}, 404),
        ("DELETE", "holds/hold-99", None, 404),
    ],
)
def test_bad_hold_requests_are_answered_with_a_json_error(emulator, method, path, body, status) -> None:
    with pytest.raises(urllib.error.HTTPError) as err:
        emulator.control(method, path, body)
    assert err.value.code == status and "error" in __import__("json").loads(err.value.read())


def test_waiting_for_a_hold_that_catches_nothing_times_out_with_408(emulator) -> None:
    hold = emulator.hold("StartInstances")
    with pytest.raises(urllib.error.HTTPError) as err:
        emulator.wait_held(hold, timeout=0.01)
    assert err.value.code == 408
    emulator.control("DELETE", f"holds/{hold}")
    assert emulator.control("GET", "holds")["holds"] == []
