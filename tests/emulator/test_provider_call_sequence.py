"""The call sequence of the real pulumi-tencentcloud provider, replayed with the real SDK.

Issue #3 asks for `up` of a program creating a VPC, subnet, security group with rules and a
Windows instance through the real tencentcloud plugin, then a `preview` with no changes, then
`destroy`. That plugin cannot be built here (the Go module proxy refuses the tencentcloudstack
modules), so this test makes the same API calls the provider makes for those resources
(terraform-provider-tencentcloud v1.82.42, see shared/reference/pulumi-engine.md §4): create,
the provider's read (including the fields it dereferences without nil checks), a second read
that must equal the first (what makes a preview show no changes), and the provider's delete
order with its polling.
"""

from __future__ import annotations

from typing import Any

import pytest
from tencentcloud.cbs.v20170312 import cbs_client
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.cvm.v20170312 import cvm_client
from tencentcloud.tag.v20180813 import tag_client
from tencentcloud.vpc.v20170312 import vpc_client

WINDOWS_2019 = "img-1x5mzq8w"
RULE_FIELDS = ("CidrBlock", "Action", "SecurityGroupId", "Protocol", "Port", "PolicyIndex")


def _read_instance(clients: dict[str, Any], iid: str) -> dict[str, Any]:
    """What the provider's Read of tencentcloud_instance calls and dereferences."""
    (inst,) = clients["cvm"].call_json("DescribeInstances", {"InstanceIds": [iid]})["Response"]["InstanceSet"]
    images = clients["cvm"].call_json("DescribeImages", {})["Response"]  # no filter, as the provider does
    assert images["TotalCount"] >= 1 and images["ImageSet"]
    tags = clients["tag"].call_json(
        "DescribeResourceTagsByResourceIds",
        {
            "ServiceType": "cvm",
            "ResourcePrefix": "instance",
            "ResourceRegion": "ap-guangzhou",
            "ResourceIds": [iid],
            "Limit": 100,
        },
    )["Response"]
    disk_id = inst["SystemDisk"]["DiskId"]
    assert disk_id.startswith("disk-")
    disks = clients["cbs"].call_json("DescribeDisks", {"DiskIds": [disk_id]})["Response"]["DiskSet"]
    attrs = clients["cvm"].call_json(
        "DescribeInstancesAttributes", {"InstanceIds": [iid], "Attributes": ["UserData"]}
    )["Response"]
    # dereferenced without nil checks by the provider
    _ = (
        inst["Placement"]["Zone"],
        inst["InternetAccessible"]["InternetMaxBandwidthOut"],
        inst["InternetAccessible"]["InternetChargeType"],
        inst["VirtualPrivateCloud"]["VpcId"],
        inst["VirtualPrivateCloud"]["SubnetId"],
        inst["SystemDisk"]["DiskType"],
        inst["SystemDisk"]["DiskSize"],
        inst["InstanceChargeType"],
        inst["InstanceState"],
    )
    return {
        "instance": {k: v for k, v in inst.items() if k not in ("LatestOperationRequestId",)},
        "tags": tags["Tags"],
        "disks": disks,
        "user_data": attrs["InstanceSet"],
    }


def _read_rules(vpc: Any, sg: str) -> dict[str, Any]:
    policy_set = vpc.call_json("DescribeSecurityGroupPolicies", {"SecurityGroupId": sg})["Response"]
    rules = policy_set["SecurityGroupPolicySet"]["Ingress"] + policy_set["SecurityGroupPolicySet"]["Egress"]
    for rule in rules:  # the provider dereferences these; they must be present, "" when empty
        assert all(rule[f] is not None for f in RULE_FIELDS)
        assert (
            rule["AddressTemplate"]["AddressId"] is not None
            and rule["ServiceTemplate"]["ServiceId"] is not None
        )
    return policy_set["SecurityGroupPolicySet"]


@pytest.mark.emulator(scenario=None)
def test_program_up_read_again_without_changes_then_destroy(emulator) -> None:
    clients = {
        "cvm": emulator.client(cvm_client.CvmClient),
        "vpc": emulator.client(vpc_client.VpcClient),
        "tag": emulator.client(tag_client.TagClient),
        "cbs": emulator.client(cbs_client.CbsClient),
    }
    vpc = clients["vpc"]

    # up: tencentcloud.Vpc, Subnet, security.Group + GroupRule, tencentcloud.Instance
    vpc_id = vpc.call_json("CreateVpc", {"VpcName": "rdp", "CidrBlock": "10.8.0.0/16"})["Response"]["Vpc"][
        "VpcId"
    ]
    subnet_id = vpc.call_json(
        "CreateSubnet",
        {"VpcId": vpc_id, "SubnetName": "app", "CidrBlock": "10.8.1.0/24", "Zone": "ap-guangzhou-3"},
    )["Response"]["Subnet"]["SubnetId"]
    sg = vpc.call_json(
        "CreateSecurityGroup", {"GroupName": "rdp-admin", "GroupDescription": "RDP from admins"}
    )["Response"]["SecurityGroup"]["SecurityGroupId"]
    vpc.call_json(
        "CreateSecurityGroupPolicies",
        {
            "SecurityGroupId": sg,
            "SecurityGroupPolicySet": {
                "Ingress": [
                    {"Protocol": "tcp", "Port": "3389", "CidrBlock": "203.0.113.0/24", "Action": "accept"}
                ]
            },
        },
    )
    run = clients["cvm"].call_json(
        "RunInstances",
        {
            "Placement": {"Zone": "ap-guangzhou-3"},
            "ImageId": WINDOWS_2019,
            "InstanceType": "S5.MEDIUM4",
            "InstanceName": "win-rdp",
            "ClientToken": "tcremedy-test-1",
            "VirtualPrivateCloud": {"VpcId": vpc_id, "SubnetId": subnet_id},
            "SecurityGroupIds": [sg],
            "InternetAccessible": {
                "InternetChargeType": "TRAFFIC_POSTPAID_BY_HOUR",
                "InternetMaxBandwidthOut": 10,
                "PublicIpAssigned": True,
            },
            "LoginSettings": {"Password": "Tcremedy-Test-2026!"},
        },
    )["Response"]
    (iid,) = run["InstanceIdSet"]
    emulator.advance(60)  # the provider polls DescribeInstances until RUNNING
    first = _read_instance(clients, iid)
    assert first["instance"]["InstanceState"] == "RUNNING"
    assert first["instance"]["OsName"].startswith("Windows")
    rules = _read_rules(vpc, sg)
    assert [(r["Protocol"], r["Port"], r["CidrBlock"], r["Action"]) for r in rules["Ingress"]] == [
        ("TCP", "3389", "203.0.113.0/24", "ACCEPT")
    ]

    # preview after up: a second read returns the same state (no diff)
    assert _read_instance(clients, iid) == first
    assert _read_rules(vpc, sg) == rules

    # destroy, in the provider's order: instance (poll until gone, then used IPs), rule, group
    clients["cvm"].call_json("TerminateInstances", {"InstanceIds": [iid]})
    emulator.advance(60)
    assert (
        clients["cvm"].call_json("DescribeInstances", {"InstanceIds": [iid]})["Response"]["TotalCount"] == 0
    )
    ips = first["instance"]["PrivateIpAddresses"]
    used = vpc.call_json(
        "DescribeUsedIpAddress", {"VpcId": vpc_id, "SubnetId": subnet_id, "IpAddresses": ips}
    )
    assert not used["Response"]["IpAddressStates"]
    stats = vpc.call_json("DescribeSecurityGroupAssociationStatistics", {"SecurityGroupIds": [sg]})[
        "Response"
    ]
    (stat,) = stats["SecurityGroupAssociationStatisticsSet"]
    assert all(stat[k] == 0 for k in ("CVM", "CLB", "CDB", "ENI", "SG"))
    vpc.call_json(
        "DeleteSecurityGroupPolicies",
        {
            "SecurityGroupId": sg,
            "SecurityGroupPolicySet": {
                "Ingress": [
                    {"Protocol": "TCP", "Port": "3389", "CidrBlock": "203.0.113.0/24", "Action": "ACCEPT"}
                ]
            },
        },
    )
    assert _read_rules(vpc, sg)["Ingress"] == []
    vpc.call_json("DeleteSecurityGroup", {"SecurityGroupId": sg})
    with pytest.raises(TencentCloudSDKException) as gone:
        vpc.call_json("DescribeSecurityGroupPolicies", {"SecurityGroupId": sg})
    assert gone.value.get_code() == "ResourceNotFound"
