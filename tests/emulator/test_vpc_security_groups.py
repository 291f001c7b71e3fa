"""Security groups and their policies, driven by the real VpcClient over HTTP against the emulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.cvm.v20170312 import cvm_client
from tencentcloud.cvm.v20170312 import models as cvm_models
from tencentcloud.vpc.v20170312 import models, vpc_client

from tcremedy.emulator.defaults import DEFAULT_REGION

Api = Callable[..., dict[str, Any]]
ADMIN = "203.0.113.0/24"


def _caller(client: Any, sdk_models: Any) -> Api:
    """Call ``action`` through the real SDK client and return the response as plain data."""

    def call(action: str, **params: Any) -> dict[str, Any]:
        request = getattr(sdk_models, f"{action}Request")()
        request.from_json_string(json.dumps(params))
        return json.loads(getattr(client, action)(request).to_json_string())

    return call


@pytest.fixture
def vpc(emulator: Any) -> Api:
    return _caller(emulator.client(vpc_client.VpcClient), models)


@pytest.fixture
def cvm(emulator: Any) -> Api:
    return _caller(emulator.client(cvm_client.CvmClient), cvm_models)


def error_code(fn: Callable[[], Any]) -> str:
    with pytest.raises(TencentCloudSDKException) as info:
        fn()
    return str(info.value.get_code())


def new_group(vpc: Api, name: str = "rdp") -> str:
    group = vpc("CreateSecurityGroup", GroupName=name, GroupDescription="test")["SecurityGroup"]
    return str(group["SecurityGroupId"])


def rule(cidr: str = ADMIN, port: str = "3389", action: str = "ACCEPT", protocol: str = "TCP",
         **extra: Any) -> dict[str, Any]:
    return {"Protocol": protocol, "Port": port, "CidrBlock": cidr, "Action": action, **extra}


def policies(vpc: Api, sg: str) -> dict[str, Any]:
    return vpc("DescribeSecurityGroupPolicies", SecurityGroupId=sg)["SecurityGroupPolicySet"]


def ingress_cidrs(vpc: Api, sg: str) -> list[str]:
    return [p["CidrBlock"] for p in policies(vpc, sg)["Ingress"]]


# -- groups ------------------------------------------------------------------------------------


def test_describe_security_groups_pages_and_filters(vpc: Api) -> None:
    ids = [new_group(vpc, f"g{i}") for i in range(3)]

    first = vpc("DescribeSecurityGroups", Limit="2", Offset="0")
    rest = vpc("DescribeSecurityGroups", Limit="2", Offset="2")
    assert first["TotalCount"] == rest["TotalCount"] == 3
    assert [g["SecurityGroupId"] for g in first["SecurityGroupSet"] + rest["SecurityGroupSet"]] == ids

    by_name = vpc("DescribeSecurityGroups", Filters=[{"Name": "security-group-name", "Values": ["g1"]}])
    assert [g["SecurityGroupId"] for g in by_name["SecurityGroupSet"]] == [ids[1]]
    by_id = vpc("DescribeSecurityGroups", Filters=[{"Name": "security-group-id", "Values": [ids[2]]}])
    assert by_id["TotalCount"] == 1
    listed = vpc("DescribeSecurityGroups", SecurityGroupIds=[ids[0]])["SecurityGroupSet"][0]
    assert listed["SecurityGroupName"] == "g0" and listed["ProjectId"] == "0" and listed["IsDefault"] is False

    assert error_code(lambda: vpc("DescribeSecurityGroups", SecurityGroupIds=[ids[0]],
                                  Filters=[{"Name": "security-group-name", "Values": ["g0"]}])) \
        == "InvalidParameter.Coexist"
    assert error_code(lambda: vpc("DescribeSecurityGroups", Filters=[{"Name": "colour", "Values": ["x"]}])) \
        == "InvalidParameter.FilterInvalidKey"
    assert error_code(lambda: vpc("DescribeSecurityGroups", SecurityGroupIds=["sg-00000000"])) \
        == "ResourceNotFound"
    assert error_code(lambda: vpc("DescribeSecurityGroups", Limit="101")) == "InvalidParameterValue.Range"


def test_modify_attribute_and_delete_group(vpc: Api) -> None:
    sg = new_group(vpc, "old")
    vpc("ModifySecurityGroupAttribute", SecurityGroupId=sg, GroupName="new", GroupDescription="d2")
    group = vpc("DescribeSecurityGroups", SecurityGroupIds=[sg])["SecurityGroupSet"][0]
    assert (group["SecurityGroupName"], group["SecurityGroupDesc"]) == ("new", "d2")

    vpc("DeleteSecurityGroup", SecurityGroupId=sg)
    assert vpc("DescribeSecurityGroups")["TotalCount"] == 0
    assert error_code(lambda: vpc("DeleteSecurityGroup", SecurityGroupId=sg)) == "ResourceNotFound"
    assert error_code(lambda: vpc("CreateSecurityGroup", GroupName="x")) == "MissingParameter"


def test_group_referenced_by_another_groups_rule_cannot_be_deleted(vpc: Api) -> None:
    source, target = new_group(vpc, "source"), new_group(vpc, "target")
    vpc("CreateSecurityGroupPolicies", SecurityGroupId=target, SecurityGroupPolicySet={
        "Ingress": [{"Protocol": "TCP", "Port": "3389", "SecurityGroupId": source, "Action": "ACCEPT"}]})

    assert error_code(lambda: vpc("DeleteSecurityGroup", SecurityGroupId=source)) == "ResourceInUse"
    stats = vpc("DescribeSecurityGroupAssociationStatistics", SecurityGroupIds=[source])
    assert stats["SecurityGroupAssociationStatisticsSet"][0]["SG"] == 1


def test_group_bound_to_an_instance_cannot_be_deleted(vpc: Api, cvm: Api) -> None:
    vpc_id = vpc("CreateVpc", VpcName="v", CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = vpc("CreateSubnet", VpcId=vpc_id, SubnetName="s", CidrBlock="10.0.1.0/24",
                 Zone=f"{DEFAULT_REGION}-3")["Subnet"]["SubnetId"]
    sg = new_group(vpc)
    image = cvm("DescribeImages")["ImageSet"][0]["ImageId"]
    instance = cvm("RunInstances", Placement={"Zone": f"{DEFAULT_REGION}-3"}, ImageId=image,
                   VirtualPrivateCloud={"VpcId": vpc_id, "SubnetId": subnet}, SecurityGroupIds=[sg])
    stats = vpc("DescribeSecurityGroupAssociationStatistics", SecurityGroupIds=[sg])
    entry = stats["SecurityGroupAssociationStatisticsSet"][0]
    assert (entry["CVM"], entry["TotalCount"], entry["CLB"], entry["ENI"], entry["CDB"]) == (1, 1, 0, 0, 0)

    assert error_code(lambda: vpc("DeleteSecurityGroup", SecurityGroupId=sg)) == "ResourceInUse"
    assert vpc("DescribeSecurityGroups", SecurityGroupIds=[sg])["TotalCount"] == 1
    assert instance["InstanceIdSet"]


# -- policies ----------------------------------------------------------------------------------


def test_every_policy_member_is_present_even_when_empty(vpc: Api) -> None:
    sg = new_group(vpc)
    vpc("CreateSecurityGroupPolicies", SecurityGroupId=sg, SecurityGroupPolicySet={"Ingress": [rule()]})
    (policy,) = policies(vpc, sg)["Ingress"]
    assert policy["AddressTemplate"] == {"AddressId": "", "AddressGroupId": ""}
    assert policy["ServiceTemplate"] == {"ServiceId": "", "ServiceGroupId": ""}
    assert (policy["SecurityGroupId"], policy["Ipv6CidrBlock"], policy["PolicyDescription"]) == ("", "", "")
    assert (policy["CidrBlock"], policy["Port"], policy["Protocol"]) == (ADMIN, "3389", "TCP")
    assert policy["Action"] == "ACCEPT"
    assert len(policy["ModifyTime"]) == len("2024-01-01 00:00:00")


def test_policy_index_insertion_append_top_and_middle(vpc: Api) -> None:
    sg = new_group(vpc)
    assert policies(vpc, sg)["Version"] == "0"

    def create(cidr: str, **index: Any) -> None:
        vpc("CreateSecurityGroupPolicies", SecurityGroupId=sg,
            SecurityGroupPolicySet={"Ingress": [rule(cidr, **index)]})

    create("10.0.0.1")  # append
    create("10.0.0.2")  # append
    create("10.0.0.3", PolicyIndex=0)  # top
    create("10.0.0.4", PolicyIndex=2)  # before the rule now at 2
    result = policies(vpc, sg)
    assert [p["CidrBlock"] for p in result["Ingress"]] == ["10.0.0.3", "10.0.0.1", "10.0.0.4", "10.0.0.2"]
    assert [p["PolicyIndex"] for p in result["Ingress"]] == [0, 1, 2, 3]
    assert result["Version"] == "4" and result["Egress"] == []
    assert result["PolicyStatistics"]["IngressIPv4TotalCount"] == 4

    # several rules in one request go in as one block at their shared index
    vpc("CreateSecurityGroupPolicies", SecurityGroupId=sg, SecurityGroupPolicySet={
        "Ingress": [rule("10.0.0.5", PolicyIndex=1), rule("10.0.0.6", PolicyIndex=1)]})
    assert ingress_cidrs(vpc, sg)[:4] == ["10.0.0.3", "10.0.0.5", "10.0.0.6", "10.0.0.1"]
    assert error_code(lambda: create("10.0.0.7", PolicyIndex=99)) == "InvalidParameterValue.Range"


def test_version_mismatch_is_refused_and_changes_nothing(vpc: Api) -> None:
    sg = new_group(vpc)
    vpc("CreateSecurityGroupPolicies", SecurityGroupId=sg, SecurityGroupPolicySet={"Ingress": [rule()]})

    stale = {"Version": "0", "Ingress": [rule("10.1.1.1")]}
    assert error_code(lambda: vpc("CreateSecurityGroupPolicies", SecurityGroupId=sg,
                                  SecurityGroupPolicySet=stale)) == "UnsupportedOperation.VersionMismatch"
    assert error_code(lambda: vpc("DeleteSecurityGroupPolicies", SecurityGroupId=sg, SecurityGroupPolicySet={
        "Version": "7", "Ingress": [{"PolicyIndex": 0}]})) == "UnsupportedOperation.VersionMismatch"
    assert policies(vpc, sg)["Version"] == "1" and ingress_cidrs(vpc, sg) == [ADMIN]

    vpc("CreateSecurityGroupPolicies", SecurityGroupId=sg,
        SecurityGroupPolicySet={"Version": "1", "Ingress": [rule("10.1.1.1")]})
    assert policies(vpc, sg)["Version"] == "2"


def test_accepted_input_forms_are_normalised(vpc: Api) -> None:
    sg = new_group(vpc)
    vpc("CreateSecurityGroupPolicies", SecurityGroupId=sg, SecurityGroupPolicySet={"Ingress": [
        rule(port="ALL", protocol="tcp", action="accept"),
        rule(port="3389,3390", action="drop"),
        rule(port="3000-4000"),
        {"Protocol": "all", "Port": "all", "CidrBlock": "0.0.0.0/8", "Action": "DROP"},
        {"Protocol": "icmp", "CidrBlock": "10.0.0.0/8", "Action": "ACCEPT"},
        {"Protocol": "icmpv6", "Ipv6CidrBlock": "::/0", "Action": "ACCEPT"},
    ]})
    got = [(p["Protocol"], p["Port"], p["CidrBlock"] or p["Ipv6CidrBlock"], p["Action"])
           for p in policies(vpc, sg)["Ingress"]]
    assert got == [("TCP", "ALL", ADMIN, "ACCEPT"), ("TCP", "3389,3390", ADMIN, "DROP"),
                   ("TCP", "3000-4000", ADMIN, "ACCEPT"), ("ALL", "ALL", "0.0.0.0/0", "DROP"),
                   ("ICMP", "ALL", "10.0.0.0/8", "ACCEPT"), ("ICMPv6", "ALL", "::/0", "ACCEPT")]
    assert policies(vpc, sg)["PolicyStatistics"]["IngressIPv6TotalCount"] == 1


@pytest.mark.parametrize(("policy_set", "code"), [
    ({"Ingress": [rule(port="3389-")]}, "InvalidParameterValue.Malformed"),
    ({"Ingress": [rule(port="rdp")]}, "InvalidParameterValue.Malformed"),
    ({"Ingress": [rule(port="70000")]}, "InvalidParameterValue.Range"),
    ({"Ingress": [rule(port="4000-3000")]}, "InvalidParameterValue.Range"),
    ({"Ingress": [rule(cidr="10.0.0.300/24")]}, "InvalidParameterValue.Malformed"),
    ({"Ingress": [rule(cidr="10.0.0.0/33")]}, "InvalidParameterValue.Malformed"),
    ({"Ingress": [rule(cidr="2001:db8:10::/48")]}, "InvalidParameterValue.Malformed"),  # IPv6: Ipv6CidrBlock
    ({"Ingress": [rule(action="ALLOW")]}, "InvalidParameterValue.Range"),
    ({"Ingress": [rule(protocol="SCTP")]}, "InvalidParameterValue.Range"),
    ({"Ingress": [rule(protocol="ALL", port="3389")]}, "InvalidParameter.Coexist"),
    ({"Ingress": [rule(Ipv6CidrBlock="::/0")]}, "InvalidParameter.Coexist"),
    ({"Ingress": [{"Protocol": "ICMP", "Ipv6CidrBlock": "::/0", "Action": "ACCEPT"}]},
     "InvalidParameter.Coexist"),
    ({"Ingress": [{"Protocol": "TCP", "Port": "3389", "Action": "ACCEPT"}]}, "InvalidParameterValue.Empty"),
    ({"Ingress": [{"Protocol": "TCP", "Port": "3389", "CidrBlock": ADMIN}]}, "MissingParameter"),
    ({"Ingress": [rule()], "Egress": [rule()]}, "InvalidParameter.Coexist"),
    ({"Ingress": [rule(PolicyIndex=0), rule("10.0.0.9")]}, "InvalidParameterValue.Range"),
    ({"Ingress": [rule(), rule()]}, "UnsupportedOperation.DuplicatePolicy"),
    ({"Ingress": [rule(AddressTemplate={"AddressId": "ipm-00000000"}, cidr="")]}, "ResourceNotFound"),
    ({}, "InvalidParameterValue.Empty"),
])
def test_invalid_policies_are_refused_without_side_effects(vpc: Api, policy_set: dict[str, Any],
                                                           code: str) -> None:
    sg = new_group(vpc)
    assert error_code(lambda: vpc("CreateSecurityGroupPolicies", SecurityGroupId=sg,
                                  SecurityGroupPolicySet=policy_set)) == code
    assert policies(vpc, sg)["Version"] == "0" and policies(vpc, sg)["Ingress"] == []


def test_missing_group_or_policy_set(vpc: Api) -> None:
    sg = new_group(vpc)
    assert error_code(lambda: vpc("CreateSecurityGroupPolicies",
                                  SecurityGroupPolicySet={"Ingress": [rule()]})) == "MissingParameter"
    assert error_code(lambda: vpc("CreateSecurityGroupPolicies", SecurityGroupId=sg)) == "MissingParameter"
    assert error_code(lambda: vpc("DescribeSecurityGroupPolicies", SecurityGroupId="sg-00000000")) \
        == "ResourceNotFound"
    assert error_code(lambda: vpc("DescribeSecurityGroupPolicies", SecurityGroupId="nope")) \
        == "InvalidParameterValue.Malformed"


def test_duplicate_of_an_existing_rule_is_refused(vpc: Api) -> None:
    sg = new_group(vpc)
    vpc("CreateSecurityGroupPolicies", SecurityGroupId=sg, SecurityGroupPolicySet={"Ingress": [rule()]})
    assert error_code(lambda: vpc("CreateSecurityGroupPolicies", SecurityGroupId=sg,
                                  SecurityGroupPolicySet={"Ingress": [rule(PolicyDescription="again")]})) \
        == "UnsupportedOperation.DuplicatePolicy"
    # the same rule in the other direction is a different rule
    vpc("CreateSecurityGroupPolicies", SecurityGroupId=sg, SecurityGroupPolicySet={"Egress": [rule()]})


def test_delete_by_index_and_by_fields(vpc: Api) -> None:
    sg = new_group(vpc)
    vpc("CreateSecurityGroupPolicies", SecurityGroupId=sg, SecurityGroupPolicySet={
        "Ingress": [rule(f"10.0.0.{i}") for i in range(1, 6)]})

    vpc("DeleteSecurityGroupPolicies", SecurityGroupId=sg,
        SecurityGroupPolicySet={"Version": "1", "Ingress": [{"PolicyIndex": 4}, {"PolicyIndex": 0}]})
    assert ingress_cidrs(vpc, sg) == ["10.0.0.2", "10.0.0.3", "10.0.0.4"]

    vpc("DeleteSecurityGroupPolicies", SecurityGroupId=sg,
        SecurityGroupPolicySet={"Ingress": [rule("10.0.0.3", protocol="tcp", action="accept")]})
    assert ingress_cidrs(vpc, sg) == ["10.0.0.2", "10.0.0.4"]
    result = policies(vpc, sg)
    assert result["Version"] == "3" and [p["PolicyIndex"] for p in result["Ingress"]] == [0, 1]

    assert error_code(lambda: vpc("DeleteSecurityGroupPolicies", SecurityGroupId=sg, SecurityGroupPolicySet={
        "Ingress": [rule("10.0.0.3")]})) == "ResourceNotFound"
    assert error_code(lambda: vpc("DeleteSecurityGroupPolicies", SecurityGroupId=sg, SecurityGroupPolicySet={
        "Ingress": [rule("10.0.0.2", port="3390")]})) == "ResourceNotFound"
    assert error_code(lambda: vpc("DeleteSecurityGroupPolicies", SecurityGroupId=sg, SecurityGroupPolicySet={
        "Ingress": [{"PolicyIndex": 0}, rule("10.0.0.4")]})) == "InvalidParameter.Coexist"
    assert error_code(lambda: vpc("DeleteSecurityGroupPolicies", SecurityGroupId=sg, SecurityGroupPolicySet={
        "Ingress": [{"PolicyIndex": 2}]})) == "InvalidParameterValue.Range"
    assert ingress_cidrs(vpc, sg) == ["10.0.0.2", "10.0.0.4"]


def test_replace_one_policy_in_place(vpc: Api) -> None:
    sg = new_group(vpc)
    vpc("CreateSecurityGroupPolicies", SecurityGroupId=sg, SecurityGroupPolicySet={
        "Egress": [rule("10.0.0.1"), rule("10.0.0.2"), rule("10.0.0.3")]})

    vpc("ReplaceSecurityGroupPolicy", SecurityGroupId=sg, SecurityGroupPolicySet={
        "Version": "1", "Egress": [rule("10.9.9.9", port="443", action="DROP", PolicyIndex=1)]})
    egress = policies(vpc, sg)["Egress"]
    assert [(p["CidrBlock"], p["Port"], p["Action"]) for p in egress] == [
        ("10.0.0.1", "3389", "ACCEPT"), ("10.9.9.9", "443", "DROP"), ("10.0.0.3", "3389", "ACCEPT")]
    assert policies(vpc, sg)["Version"] == "2"

    def replace(policy: dict[str, Any]) -> str:
        return error_code(lambda: vpc("ReplaceSecurityGroupPolicy", SecurityGroupId=sg,
                                      SecurityGroupPolicySet={"Egress": [policy]}))

    assert replace(rule("10.1.1.1")) == "MissingParameter"  # no PolicyIndex
    assert replace(rule("10.1.1.1", PolicyIndex=3)) == "InvalidParameterValue.Range"
    assert replace(rule("10.0.0.3", PolicyIndex=0)) == "UnsupportedOperation.DuplicatePolicy"


def test_modify_replaces_everything_and_version_zero_clears(vpc: Api) -> None:
    sg = new_group(vpc)
    vpc("CreateSecurityGroupPolicies", SecurityGroupId=sg,
        SecurityGroupPolicySet={"Ingress": [rule("10.0.0.1")]})

    vpc("ModifySecurityGroupPolicies", SecurityGroupId=sg, SortPolicys=True, SecurityGroupPolicySet={
        "Ingress": [rule("10.0.0.8"), rule("10.0.0.9", action="DROP")],
        "Egress": [{"Protocol": "ALL", "Port": "ALL", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}]})
    result = policies(vpc, sg)
    assert [p["CidrBlock"] for p in result["Ingress"]] == ["10.0.0.8", "10.0.0.9"]
    assert [p["Protocol"] for p in result["Egress"]] == ["ALL"]
    assert result["Version"] == "2"

    assert error_code(lambda: vpc("ModifySecurityGroupPolicies", SecurityGroupId=sg, SecurityGroupPolicySet={
        "Ingress": [rule(PolicyIndex=0)]})) == "InvalidParameter"
    assert error_code(lambda: vpc("ModifySecurityGroupPolicies", SecurityGroupId=sg, SecurityGroupPolicySet={
        "Ingress": [rule(port="x")]})) == "InvalidParameterValue.Malformed"
    assert policies(vpc, sg)["Version"] == "2"

    vpc("ModifySecurityGroupPolicies", SecurityGroupId=sg,
        SecurityGroupPolicySet={"Version": "0", "Ingress": [rule("10.0.0.1")]})
    result = policies(vpc, sg)
    assert (result["Ingress"], result["Egress"], result["Version"]) == ([], [], "3")


def test_describe_policies_filters(vpc: Api) -> None:
    sg = new_group(vpc)
    vpc("ModifySecurityGroupPolicies", SecurityGroupId=sg, SecurityGroupPolicySet={
        "Ingress": [rule("10.0.0.1"), rule("10.0.0.2", protocol="UDP", action="DROP")],
        "Egress": [rule("10.0.0.3")]})

    def described(*flt: tuple[str, str]) -> tuple[list[int], list[int]]:
        got = vpc("DescribeSecurityGroupPolicies", SecurityGroupId=sg,
                  Filters=[{"Name": n, "Values": [v]} for n, v in flt])["SecurityGroupPolicySet"]
        return [p["PolicyIndex"] for p in got["Ingress"]], [p["PolicyIndex"] for p in got["Egress"]]

    assert described(("direction", "INBOUND")) == ([0, 1], [])
    assert described(("protocol-type", "UDP")) == ([1], [])
    assert described(("poly", "ACCEPT"), ("direction", "OUTBOUND")) == ([], [0])
    assert described(("ip", "10.0.0.1")) == ([0], [])


def test_rules_may_reference_address_templates_and_groups(vpc: Api) -> None:
    tpl = vpc("CreateAddressTemplate", AddressTemplateName="admins",
              Addresses=[ADMIN, "198.51.100.10"])["AddressTemplate"]["AddressTemplateId"]
    group = vpc("CreateAddressTemplateGroup", AddressTemplateGroupName="all-admins",
                AddressTemplateIds=[tpl])["AddressTemplateGroup"]["AddressTemplateGroupId"]
    sg = new_group(vpc)
    vpc("CreateSecurityGroupPolicies", SecurityGroupId=sg, SecurityGroupPolicySet={"Ingress": [
        {"Protocol": "TCP", "Port": "3389", "AddressTemplate": {"AddressId": tpl}, "Action": "ACCEPT"},
        {"Protocol": "TCP", "Port": "3389", "AddressTemplate": {"AddressGroupId": group},
         "Action": "ACCEPT"}]})
    refs = [p["AddressTemplate"] for p in policies(vpc, sg)["Ingress"]]
    assert refs == [{"AddressId": tpl, "AddressGroupId": ""}, {"AddressId": "", "AddressGroupId": group}]


def test_unknown_request_member_is_refused(emulator: Any) -> None:
    client = CommonClient("vpc", "2017-03-12", emulator.credential(), emulator.region, emulator.profile())
    assert error_code(lambda: client.call_json("CreateSecurityGroup", {
        "GroupName": "x", "GroupDescription": "d", "GroupDescripton": "typo"})) == "UnknownParameter"
