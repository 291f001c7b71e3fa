"""The local cloud follows the SDK models: request members, types, required members and limits are
checked before any handler runs, and every response carries every member its model declares."""

from __future__ import annotations

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.cvm.v20170312 import cvm_client
from tencentcloud.monitor.v20180724 import monitor_client
from tencentcloud.tat.v20201028 import tat_client
from tencentcloud.vpc.v20170312 import vpc_client

from tcremedy.emulator.validation import check_response

CLIENTS = {
    "cvm": cvm_client.CvmClient,
    "vpc": vpc_client.VpcClient,
    "tat": tat_client.TatClient,
    "monitor": monitor_client.MonitorClient,
}


def code_of(emulator, service: str, action: str, params: dict) -> str:
    with pytest.raises(TencentCloudSDKException) as err:
        emulator.client(CLIENTS[service]).call_json(action, params)
    return err.value.get_code()


@pytest.mark.parametrize(
    ("service", "action", "params", "code"),
    [
        ("cvm", "DescribeInstances", {"Bogus": 1}, "UnknownParameter"),
        (
            "vpc",
            "DescribeSecurityGroupPolicies",
            {"SecurityGroupId": "sg-1", "Direction": "x"},
            "UnknownParameter",
        ),
        (
            "vpc",
            "CreateSecurityGroupPolicies",
            {"SecurityGroupId": "sg-12345678", "SecurityGroupPolicySet": {"Ingress": [{"Actoin": "ACCEPT"}]}},
            "UnknownParameter",
        ),  # nested members are checked too
        ("vpc", "DescribeNetworkAcls", {"Limit": "10"}, "InvalidParameter"),  # integer in the model
        ("vpc", "DescribeSubnets", {"Limit": 10}, "InvalidParameter"),  # string in the model
        ("cvm", "StopInstances", {"InstanceIds": ["ins-12345678"], "ForceStop": "true"}, "InvalidParameter"),
        ("cvm", "DescribeInstances", {"InstanceIds": "ins-12345678"}, "InvalidParameter"),
        ("cvm", "StartInstances", {}, "MissingParameter"),
        ("tat", "RunCommand", {"InstanceIds": ["ins-12345678"]}, "MissingParameter"),
        ("vpc", "DescribeNetworkAclQuintupleEntries", {}, "MissingParameter"),
        ("cvm", "DescribeInstances", {"Limit": 101}, "InvalidParameterValue.LimitExceeded"),
        (
            "cvm",
            "StartInstances",
            {"InstanceIds": [f"ins-{n:08d}" for n in range(101)]},
            "InvalidParameterValue.LimitExceeded",
        ),
        (
            "tat",
            "RunCommand",
            {"Content": "ZWNobw==", "InstanceIds": [f"ins-{n:08d}" for n in range(201)]},
            "InvalidParameterValue.LimitExceeded",
        ),
        (
            "tat",
            "RunCommand",
            {"Content": "ZWNobw==", "InstanceIds": ["ins-12345678"], "Timeout": 86401},
            "InvalidParameterValue.LimitExceeded",
        ),
    ],
)
def test_requests_that_do_not_fit_the_model_get_the_apis_error(
    emulator, service, action, params, code
) -> None:
    assert code_of(emulator, service, action, params) == code


# Null where the model does not say "可能返回 null": ExpiredTime of a postpaid instance (the documented
# example fills it only for prepaid ones).
NULLABLE = frozenset({"ExpiredTime"})
# Absent on purpose, each with its reason:
ABSENT = {
    # the DescribeInstances example returns LoginSettings with KeyIds only: a password is never read back
    "LoginSettings.Password",
    "LoginSettings.KeepImageLogin",
    # SecurityGroupPolicy.Priority (SDK >= 3.1.193) has no documented base; PolicyIndex is the order
    "].Priority",
    # StackType's documented values are DualStack and IPv6Only: nothing for an IPv4-only network
    "].StackType",
}


@pytest.mark.emulator(scenario="acl-blocks-rdp")
def test_every_read_answers_every_member_its_model_declares(emulator) -> None:
    vpc = emulator.client(vpc_client.VpcClient)
    ppm = vpc.call_json("CreateServiceTemplate", {"ServiceTemplateName": "rdp", "Services": ["TCP:3389"]})
    ppm_id = ppm["Response"]["ServiceTemplate"]["ServiceTemplateId"]
    vpc.call_json(
        "CreateServiceTemplateGroup", {"ServiceTemplateGroupName": "g", "ServiceTemplateIds": [ppm_id]}
    )
    ipm = vpc.call_json(
        "CreateAddressTemplate", {"AddressTemplateName": "a", "Addresses": ["203.0.113.0/24"]}
    )
    ipm_id = ipm["Response"]["AddressTemplate"]["AddressTemplateId"]
    vpc.call_json(
        "CreateAddressTemplateGroup", {"AddressTemplateGroupName": "g", "AddressTemplateIds": [ipm_id]}
    )
    vpc_id = vpc.call_json("DescribeVpcs", {})["Response"]["VpcSet"][0]["VpcId"]
    acl = vpc.call_json(
        "CreateNetworkAcl", {"VpcId": vpc_id, "NetworkAclName": "q", "NetworkAclType": "QUINTUPLE"}
    )
    acl_id = acl["Response"]["NetworkAcl"]["NetworkAclId"]
    vpc.call_json(
        "CreateNetworkAclQuintupleEntries",
        {
            "NetworkAclId": acl_id,
            "NetworkAclQuintupleSet": {
                "Ingress": [
                    {
                        "Protocol": "TCP",
                        "SourceCidr": "203.0.113.0/24",
                        "DestinationPort": "3389",
                        "Action": "ACCEPT",
                    }
                ]
            },
        },
    )
    sg_id = vpc.call_json("DescribeSecurityGroups", {})["Response"]["SecurityGroupSet"][0]["SecurityGroupId"]
    reads = [
        ("cvm", "DescribeInstances", {}),
        ("cvm", "DescribeInstancesStatus", {}),
        ("vpc", "DescribeSecurityGroups", {}),
        ("vpc", "DescribeSecurityGroupPolicies", {"SecurityGroupId": sg_id}),
        ("vpc", "DescribeNetworkAcls", {}),
        ("vpc", "DescribeSubnets", {}),
        ("vpc", "DescribeVpcs", {}),
        ("vpc", "DescribeNetworkAclQuintupleEntries", {"NetworkAclId": acl_id}),
        ("vpc", "DescribeAddressTemplates", {}),
        ("vpc", "DescribeAddressTemplateGroups", {}),
        ("vpc", "DescribeServiceTemplates", {}),
        ("vpc", "DescribeServiceTemplateGroups", {}),
        ("tat", "DescribeAutomationAgentStatus", {}),
    ]
    problems = []
    for service, action, params in reads:
        body = emulator.client(CLIENTS[service]).call_json(action, params)["Response"]
        problems += [
            p
            for p in check_response(service, action, body, allow_null=NULLABLE)
            if not any(f"{a}: missing" in p for a in ABSENT)
        ]
    assert problems == [], "\n".join(problems)


def test_a_request_of_tcremedys_refused_by_the_models_is_recorded_for_the_suites_check(emulator) -> None:
    """tcremedy's clients tag their requests; one the validation refuses is recorded (and the autouse
    check in tests/conftest.py fails the test it happened in), one of another client is not."""
    from tencentcloud.common import credential

    from tcremedy.cloud.clients import make_clients, parse_endpoint
    from tcremedy.emulator.testing import new_model_rejections

    ours = make_clients(
        credential.Credential(emulator.secret_id, emulator.secret_key),
        emulator.region,
        parse_endpoint(emulator.endpoint),
    )["vpc"]
    with pytest.raises(TencentCloudSDKException) as err:
        ours.call_json("DescribeNetworkAcls", {"Offset": "0"})  # an integer in the model
    assert err.value.code == "InvalidParameter"
    other = emulator.client(vpc_client.VpcClient)
    with pytest.raises(TencentCloudSDKException):
        other.call_json("DescribeNetworkAcls", {"Nope": 1})
    assert new_model_rejections() == [f"vpc.DescribeNetworkAcls: InvalidParameter: {err.value.message}"]
