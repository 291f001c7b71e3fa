"""CVM 2017-03-12 through the real SDK: listing, lifecycle, bandwidth, passwords, attributes."""

from __future__ import annotations

import base64
import json
import urllib.parse

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.cvm.v20170312 import cvm_client
from tencentcloud.cvm.v20170312 import models as m
from tencentcloud.vpc.v20170312 import models as vm
from tencentcloud.vpc.v20170312 import vpc_client

REQUIRED_INSTANCE_KEYS = {
    "Placement",
    "InstanceId",
    "InstanceType",
    "CPU",
    "Memory",
    "RestrictState",
    "InstanceName",
    "InstanceChargeType",
    "SystemDisk",
    "PrivateIpAddresses",
    "PublicIpAddresses",
    "InternetAccessible",
    "VirtualPrivateCloud",
    "ImageId",
    "CreatedTime",
    "OsName",
    "SecurityGroupIds",
    "InstanceState",
    "Tags",
    "Uuid",
    "LatestOperation",
    "LatestOperationState",
    "LatestOperationRequestId",
    "IsolatedSource",
    "DefaultLoginUser",
    "DefaultLoginPort",
}


def call(client, action: str, params: dict):
    req = getattr(m, f"{action}Request")()
    req.from_json_string(json.dumps(params))
    return getattr(client, action)(req)


def code_of(client, action: str, params: dict) -> str:
    with pytest.raises(TencentCloudSDKException) as err:
        call(client, action, params)
    return err.value.get_code()


def only_instance(cvm) -> m.Instance:
    (inst,) = call(cvm, "DescribeInstances", {}).InstanceSet
    return inst


def state(cvm, iid: str) -> str:
    return call(cvm, "DescribeInstances", {"InstanceIds": [iid]}).InstanceSet[0].InstanceState


@pytest.mark.emulator(scenario="fleet", fleet_size=230, seed=7)
def test_paging_covers_every_instance_once_and_limit_is_capped(emulator) -> None:
    cvm = emulator.client(cvm_client.CvmClient)
    seen, offset = [], 0
    while True:
        page = call(cvm, "DescribeInstances", {"Offset": offset, "Limit": 100})
        seen += [i.InstanceId for i in page.InstanceSet]
        offset += 100
        if offset >= page.TotalCount:
            break
    assert page.TotalCount == 230 and len(set(seen)) == 230
    assert len(call(cvm, "DescribeInstances", {}).InstanceSet) == 20  # default Limit
    assert code_of(cvm, "DescribeInstances", {"Limit": 101}).startswith("InvalidParameterValue")
    assert (
        code_of(
            cvm,
            "DescribeInstances",
            {"InstanceIds": [seen[0]], "Filters": [{"Name": "zone", "Values": ["x"]}]},
        )
        == "InvalidParameter"
    )


@pytest.mark.emulator(scenario="fleet", fleet_size=120, seed=3)
def test_filters_match_the_listed_fields(emulator) -> None:
    cvm = emulator.client(cvm_client.CvmClient)
    everything = call(cvm, "DescribeInstances", {"Limit": 100}).InstanceSet
    everything += call(cvm, "DescribeInstances", {"Limit": 100, "Offset": 100}).InstanceSet
    sample = next(i for i in everything if i.PublicIpAddresses)

    def ids(filters: list[dict]) -> set[str]:
        out: set[str] = set()
        while True:
            page = call(cvm, "DescribeInstances", {"Filters": filters, "Limit": 100, "Offset": len(out)})
            out |= {i.InstanceId for i in page.InstanceSet}
            if len(out) >= page.TotalCount:
                return out

    def expected(pred) -> set[str]:
        return {i.InstanceId for i in everything if pred(i)}

    assert ids([{"Name": "instance-state", "Values": ["STOPPED"]}]) == expected(
        lambda i: i.InstanceState == "STOPPED"
    )
    assert ids([{"Name": "instance-state", "Values": ["STOPPED"]}])  # the seeded fleet has stopped instances
    sg = sample.SecurityGroupIds[0]
    assert ids([{"Name": "security-group-id", "Values": [sg]}]) == expected(
        lambda i: sg in i.SecurityGroupIds
    )
    assert ids([{"Name": "public-ip-address", "Values": sample.PublicIpAddresses}]) == {sample.InstanceId}
    assert ids([{"Name": "private-ip-address", "Values": sample.PrivateIpAddresses}]) == {sample.InstanceId}
    assert ids([{"Name": "instance-name", "Values": ["lnx-"]}]) == expected(
        lambda i: "Windows" not in i.OsName
    )
    assert ids(
        [
            {"Name": "vpc-id", "Values": [sample.VirtualPrivateCloud.VpcId]},
            {"Name": "zone", "Values": [sample.Placement.Zone]},
            {"Name": "subnet-id", "Values": [sample.VirtualPrivateCloud.SubnetId]},
        ]
    ) == expected(lambda i: i.VirtualPrivateCloud.SubnetId == sample.VirtualPrivateCloud.SubnetId)
    assert (
        code_of(cvm, "DescribeInstances", {"Filters": [{"Name": "colour", "Values": ["x"]}]})
        == "InvalidFilter"
    )
    # unknown ids are simply absent; malformed ones are an error
    assert call(cvm, "DescribeInstances", {"InstanceIds": ["ins-zzzzzzzz"]}).TotalCount == 0
    assert code_of(cvm, "DescribeInstances", {"InstanceIds": ["i-123"]}) == "InvalidInstanceId.Malformed"


@pytest.mark.emulator(scenario="healthy")
def test_instance_wire_fields_and_tag_filters(emulator) -> None:
    cvm = emulator.client(cvm_client.CvmClient)
    raw = cvm.call_json("DescribeInstances", {})["Response"]["InstanceSet"][0]
    assert set(raw) >= REQUIRED_INSTANCE_KEYS
    assert raw["Placement"]["Zone"] == "ap-guangzhou-3"
    assert raw["InternetAccessible"]["InternetMaxBandwidthOut"] == 10
    assert raw["SystemDisk"]["DiskId"].startswith("disk-")
    assert set(raw["VirtualPrivateCloud"]) >= {"VpcId", "SubnetId"}
    assert "Windows" in raw["OsName"] and raw["DefaultLoginPort"] == 3389
    assert (
        call(cvm, "DescribeInstances", {"Filters": [{"Name": "tag:env", "Values": ["demo"]}]}).TotalCount == 1
    )
    assert (
        call(cvm, "DescribeInstances", {"Filters": [{"Name": "tag:env", "Values": ["prod"]}]}).TotalCount == 0
    )
    assert (
        call(cvm, "DescribeInstances", {"Filters": [{"Name": "tag-key", "Values": ["owner"]}]}).TotalCount
        == 1
    )


@pytest.mark.emulator(scenario="healthy", transition_seconds=30)
def test_stop_start_reboot_transitions_and_wrong_state_errors(emulator) -> None:
    cvm = emulator.client(cvm_client.CvmClient)
    iid = only_instance(cvm).InstanceId
    assert (
        code_of(cvm, "StartInstances", {"InstanceIds": [iid]}) == "UnsupportedOperation.InstanceStateRunning"
    )
    call(cvm, "StopInstances", {"InstanceIds": [iid]})
    early = only_instance(cvm)  # the first describe still reports the previous operation
    assert (early.InstanceState, early.LatestOperation, early.LatestOperationState) == (
        "STOPPING",
        "RunInstances",
        "SUCCESS",
    )
    inst = only_instance(cvm)
    assert (inst.InstanceState, inst.LatestOperation, inst.LatestOperationState) == (
        "STOPPING",
        "StopInstances",
        "OPERATING",
    )
    assert (
        code_of(cvm, "RebootInstances", {"InstanceIds": [iid]})
        == "UnsupportedOperation.InstanceStateStopping"
    )
    emulator.advance(30)
    inst = only_instance(cvm)
    assert (inst.InstanceState, inst.LatestOperationState) == ("STOPPED", "SUCCESS")
    assert (
        code_of(cvm, "StopInstances", {"InstanceIds": [iid]}) == "UnsupportedOperation.InstanceStateStopped"
    )
    assert (
        code_of(cvm, "DescribeInstanceVncUrl", {"InstanceId": iid})
        == "UnsupportedOperation.InstanceStateStopped"
    )
    call(cvm, "StartInstances", {"InstanceIds": [iid]})
    assert state(cvm, iid) == "STARTING"
    emulator.advance(30)
    call(cvm, "RebootInstances", {"InstanceIds": [iid]})
    assert state(cvm, iid) == "REBOOTING"
    emulator.advance(30)
    status = call(cvm, "DescribeInstancesStatus", {"InstanceIds": [iid]}).InstanceStatusSet
    assert [(s.InstanceId, s.InstanceState) for s in status] == [(iid, "RUNNING")]
    assert code_of(cvm, "StopInstances", {"InstanceIds": ["ins-00000000"]}) == "InvalidInstanceId.NotFound"
    assert code_of(cvm, "StopInstances", {"InstanceIds": ["bogus"]}) == "InvalidInstanceId.Malformed"


@pytest.mark.emulator(scenario="healthy", transition_seconds=30)
def test_run_instances_validates_network_and_starts_pending(emulator) -> None:
    cvm = emulator.client(cvm_client.CvmClient)
    ref = only_instance(cvm)
    params = {
        "Placement": {"Zone": "ap-guangzhou-3"},
        "ImageId": "img-1x5mzq8w",
        "InstanceName": "extra",
        "VirtualPrivateCloud": {
            "VpcId": ref.VirtualPrivateCloud.VpcId,
            "SubnetId": ref.VirtualPrivateCloud.SubnetId,
        },
        "SecurityGroupIds": ref.SecurityGroupIds,
        "InstanceCount": 2,
        "InternetAccessible": {"InternetMaxBandwidthOut": 5, "PublicIpAssigned": True},
        "TagSpecification": [{"ResourceType": "instance", "Tags": [{"Key": "team", "Value": "a"}]}],
    }
    new_ids = call(cvm, "RunInstances", params).InstanceIdSet
    assert len(new_ids) == 2 and all(state(cvm, i) == "PENDING" for i in new_ids)
    emulator.advance(30)
    made = call(cvm, "DescribeInstances", {"InstanceIds": new_ids}).InstanceSet
    assert {i.InstanceState for i in made} == {"RUNNING"}
    assert {i.InstanceName for i in made} == {"extra-1", "extra-2"}
    assert len({i.PrivateIpAddresses[0] for i in made} | set(ref.PrivateIpAddresses)) == 3
    bad_subnet = {
        **params,
        "VirtualPrivateCloud": {"VpcId": ref.VirtualPrivateCloud.VpcId, "SubnetId": "subnet-00000000"},
    }
    assert code_of(cvm, "RunInstances", bad_subnet) == "InvalidParameterValue.SubnetNotExist"
    assert code_of(cvm, "RunInstances", {**params, "SecurityGroupIds": ["sg-00000000"]}) == (
        "InvalidSecurityGroupId.NotFound"
    )
    assert code_of(cvm, "RunInstances", {**params, "Placement": {"Zone": "ap-beijing-1"}}) == (
        "InvalidZone.MismatchRegion"
    )
    assert (
        code_of(cvm, "RunInstances", {k: v for k, v in params.items() if k != "ImageId"})
        == "MissingParameter"
    )


@pytest.mark.emulator(scenario="healthy", transition_seconds=30)
def test_terminate_removes_the_instance_after_a_transition(emulator) -> None:
    cvm = emulator.client(cvm_client.CvmClient)
    iid = only_instance(cvm).InstanceId
    call(cvm, "TerminateInstances", {"InstanceIds": [iid]})
    assert state(cvm, iid) == "TERMINATING"
    emulator.advance(30)
    assert call(cvm, "DescribeInstances", {}).TotalCount == 0


@pytest.mark.emulator(scenario="healthy")
def test_bandwidth_reset_rules_by_charge_type(emulator) -> None:
    cvm = emulator.client(cvm_client.CvmClient)
    inst = only_instance(cvm)
    iid = inst.InstanceId
    assert inst.InternetAccessible.InternetChargeType == "TRAFFIC_POSTPAID_BY_HOUR"
    call(
        cvm,
        "ResetInstancesInternetMaxBandwidth",
        {"InstanceIds": [iid], "InternetAccessible": {"InternetMaxBandwidthOut": 2}},
    )
    only_instance(cvm)  # reports the previous operation once
    inst = only_instance(cvm)
    assert inst.InternetAccessible.InternetMaxBandwidthOut == 2
    assert inst.LatestOperation == "ResetInstancesInternetMaxBandwidth"
    assert (
        code_of(
            cvm,
            "ResetInstancesInternetMaxBandwidth",
            {
                "InstanceIds": [iid],
                "InternetAccessible": {"InternetMaxBandwidthOut": 20},
                "StartTime": "2025-01-01",
                "EndTime": "2025-02-01",
            },
        )
        == "InvalidParameter"
    )
    assert (
        code_of(
            cvm,
            "ResetInstancesInternetMaxBandwidth",
            {"InstanceIds": [iid], "InternetAccessible": {"InternetMaxBandwidthOut": 5000}},
        )
        == "InvalidParameterValue.Range"
    )
    assert code_of(cvm, "ResetInstancesInternetMaxBandwidth", {"InstanceIds": [iid]}) == "MissingParameter"
    price = call(
        cvm,
        "InquiryPriceResetInstancesInternetMaxBandwidth",
        {"InstanceIds": [iid], "InternetAccessible": {"InternetMaxBandwidthOut": 20}},
    ).Price
    assert price.BandwidthPrice.ChargeUnit == "GB"


@pytest.mark.emulator(scenario="healthy")
def test_prepaid_bandwidth_needs_dates_and_cannot_decrease(emulator) -> None:
    cvm = emulator.client(cvm_client.CvmClient)
    ref = only_instance(cvm)
    (iid,) = call(
        cvm,
        "RunInstances",
        {
            "Placement": {"Zone": "ap-guangzhou-3"},
            "ImageId": "img-1x5mzq8w",
            "VirtualPrivateCloud": {
                "VpcId": ref.VirtualPrivateCloud.VpcId,
                "SubnetId": ref.VirtualPrivateCloud.SubnetId,
            },
            "InternetAccessible": {"InternetChargeType": "BANDWIDTH_PREPAID", "InternetMaxBandwidthOut": 10},
        },
    ).InstanceIdSet
    emulator.advance(1)
    reset = {"InstanceIds": [iid], "InternetAccessible": {"InternetMaxBandwidthOut": 20}}
    assert code_of(cvm, "ResetInstancesInternetMaxBandwidth", reset) == "MissingParameter"
    dates = {"StartTime": "2025-01-01", "EndTime": "2025-02-01"}
    lower = {**reset, **dates, "InternetAccessible": {"InternetMaxBandwidthOut": 5}}
    assert code_of(cvm, "ResetInstancesInternetMaxBandwidth", lower) == "InvalidParameterValue.Range"
    call(cvm, "ResetInstancesInternetMaxBandwidth", {**reset, **dates})
    assert (
        call(cvm, "DescribeInstances", {"InstanceIds": [iid]})
        .InstanceSet[0]
        .InternetAccessible.InternetMaxBandwidthOut
        == 20
    )


@pytest.mark.emulator(scenario="healthy", transition_seconds=30)
def test_password_reset_rules_and_force_stop_cycle(emulator) -> None:
    cvm = emulator.client(cvm_client.CvmClient)
    iid = only_instance(cvm).InstanceId
    for weak in ("short1A!", "alllowercaseletters", "/Startsslash1A!", "Administrator#2024x"):
        assert (
            code_of(
                cvm, "ResetInstancesPassword", {"InstanceIds": [iid], "Password": weak, "ForceStop": True}
            )
            == "InvalidParameterValue.InvalidPassword"
        )
    good = {"InstanceIds": [iid], "Password": "Str0ng-Passw0rd!"}
    assert code_of(cvm, "ResetInstancesPassword", good) == "UnsupportedOperation.InstanceStateRunning"
    call(cvm, "ResetInstancesPassword", {**good, "ForceStop": True})
    only_instance(cvm)  # reports the previous operation once
    inst = only_instance(cvm)
    assert (inst.InstanceState, inst.LatestOperation, inst.LatestOperationState) == (
        "STOPPING",
        "ResetInstancesPassword",
        "OPERATING",
    )
    emulator.advance(200)
    inst = only_instance(cvm)
    assert (inst.InstanceState, inst.LatestOperationState) == ("RUNNING", "SUCCESS")


@pytest.mark.emulator(scenario="password-reset-failed")
def test_failed_password_reset_is_reported_and_a_retry_succeeds(emulator) -> None:
    cvm = emulator.client(cvm_client.CvmClient)
    inst = only_instance(cvm)
    assert (inst.InstanceState, inst.LatestOperation, inst.LatestOperationState) == (
        "RUNNING",
        "ResetInstancesPassword",
        "FAILED",
    )
    assert inst.LatestOperationErrorMsg
    call(
        cvm,
        "ResetInstancesPassword",
        {"InstanceIds": [inst.InstanceId], "Password": "Str0ng-Passw0rd!", "ForceStop": True},
    )
    emulator.advance(10)
    inst = only_instance(cvm)
    assert (inst.InstanceState, inst.LatestOperationState) == ("RUNNING", "SUCCESS")


@pytest.mark.emulator(scenario="healthy")
def test_vnc_url_and_images(emulator) -> None:
    cvm = emulator.client(cvm_client.CvmClient)
    iid = only_instance(cvm).InstanceId
    url = urllib.parse.unquote(call(cvm, "DescribeInstanceVncUrl", {"InstanceId": iid}).InstanceVncUrl)
    assert url.startswith("wss://") and "isWindows=true" in url
    images = call(cvm, "DescribeImages", {})
    assert images.TotalCount == len(images.ImageSet) > 0
    windows = call(cvm, "DescribeImages", {"Filters": [{"Name": "platform", "Values": ["Windows"]}]})
    assert windows.TotalCount and {i.Platform for i in windows.ImageSet} == {"Windows"}


@pytest.mark.emulator(scenario="healthy")
def test_modify_attributes_replaces_security_groups_in_order_and_user_data(emulator) -> None:
    cvm = emulator.client(cvm_client.CvmClient)
    vpc = emulator.client(vpc_client.VpcClient)
    inst = only_instance(cvm)
    req = vm.CreateSecurityGroupRequest()
    req.GroupName, req.GroupDescription = "extra", "extra"
    extra = vpc.CreateSecurityGroup(req).SecurityGroup.SecurityGroupId
    order = [extra, *inst.SecurityGroupIds]
    call(
        cvm,
        "ModifyInstancesAttribute",
        {"InstanceIds": [inst.InstanceId], "SecurityGroups": order, "InstanceName": "renamed"},
    )
    inst = only_instance(cvm)
    assert inst.SecurityGroupIds == order and inst.InstanceName == "renamed"
    assert code_of(
        cvm, "ModifyInstancesAttribute", {"InstanceIds": [inst.InstanceId], "SecurityGroups": ["sg-00000000"]}
    ) == ("InvalidSecurityGroupId.NotFound")
    user_data = base64.b64encode(b"<powershell>echo hi</powershell>").decode()
    call(cvm, "ModifyInstancesAttribute", {"InstanceIds": [inst.InstanceId], "UserData": user_data})
    attrs = call(
        cvm, "DescribeInstancesAttributes", {"InstanceIds": [inst.InstanceId], "Attributes": ["UserData"]}
    )
    assert attrs.InstanceSet[0].Attributes.UserData == user_data


@pytest.mark.emulator(scenario="sg-second-group-drops")
def test_associate_and_disassociate_security_groups_change_the_bound_order(emulator) -> None:
    cvm = emulator.client(cvm_client.CvmClient)
    vpc = emulator.client(vpc_client.VpcClient)
    inst = only_instance(cvm)
    iid, bound = inst.InstanceId, list(inst.SecurityGroupIds)
    req = vm.CreateSecurityGroupRequest()
    req.from_json_string(json.dumps({"GroupName": "extra", "GroupDescription": "extra"}))
    extra = vpc.CreateSecurityGroup(req).SecurityGroup.SecurityGroupId

    call(cvm, "AssociateSecurityGroups", {"InstanceIds": [iid], "SecurityGroupIds": [extra]})
    assert only_instance(cvm).SecurityGroupIds == [*bound, extra]  # appended: evaluated last
    assert code_of(cvm, "AssociateSecurityGroups", {"InstanceIds": [iid], "SecurityGroupIds": [extra]}) == (
        "FailedOperation.SecurityGroupActionFailed"
    )
    assert code_of(
        cvm, "AssociateSecurityGroups", {"InstanceIds": [iid], "SecurityGroupIds": ["sg-00000000"]}
    ) == ("InvalidSecurityGroupId.NotFound")
    assert code_of(
        cvm, "AssociateSecurityGroups", {"InstanceIds": [iid], "SecurityGroupIds": [extra, bound[0]]}
    ) == ("InvalidParameterValue.LimitExceeded")

    call(cvm, "DisassociateSecurityGroups", {"InstanceIds": [iid], "SecurityGroupIds": [bound[0]]})
    assert only_instance(cvm).SecurityGroupIds == [*bound[1:], extra]
    remaining = only_instance(cvm).SecurityGroupIds
    for sg in remaining[:-1]:
        call(cvm, "DisassociateSecurityGroups", {"InstanceIds": [iid], "SecurityGroupIds": [sg]})
    assert code_of(
        cvm, "DisassociateSecurityGroups", {"InstanceIds": [iid], "SecurityGroupIds": [extra]}
    ) == (
        "FailedOperation.SecurityGroupActionFailed"  # an instance keeps at least one group
    )
