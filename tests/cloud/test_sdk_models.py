"""Request parameters take their names and types from the installed SDK's request models."""

from __future__ import annotations

import pytest

from tcremedy.sdk_models import RequestModelError, conform_request, request_fields


def test_paging_types_follow_each_actions_model() -> None:
    # models.py: DescribeNetworkAclsRequest.Offset/Limit are int; DescribeSubnetsRequest and the
    # address-template requests declare them str.
    assert conform_request("vpc", "DescribeNetworkAcls", {"Offset": "0", "Limit": 100}) == {
        "Offset": 0,
        "Limit": 100,
    }
    for action in ("DescribeSubnets", "DescribeAddressTemplates", "DescribeAddressTemplateGroups"):
        assert conform_request("vpc", action, {"Offset": 0, "Limit": 100}) == {"Offset": "0", "Limit": "100"}


def test_nested_models_are_checked() -> None:
    params = {
        "Namespace": "QCE/CVM",
        "MetricName": "CpuUsage",
        "Period": 60,
        "Instances": [{"Dimensions": [{"Name": "InstanceId", "Value": "ins-1"}]}],
    }
    assert conform_request("monitor", "GetMonitorData", params) == params
    with pytest.raises(RequestModelError, match=r"Instances\[0\]\.Dimensions\[0\]\.Nme"):
        conform_request("monitor", "GetMonitorData", {"Instances": [{"Dimensions": [{"Nme": "InstanceId"}]}]})


@pytest.mark.parametrize(
    ("action", "params", "message"),
    [
        ("DescribeInstances", {"InstanceId": ["ins-1"]}, "not a parameter"),
        ("DescribeInstances", {"Limit": "ten"}, "expected an integer"),
        ("DescribeInstances", {"InstanceIds": "ins-1"}, "expected a list"),
    ],
)
def test_requests_that_do_not_fit_the_model_are_refused(action: str, params: dict, message: str) -> None:
    with pytest.raises(RequestModelError, match=message):
        conform_request("cvm", action, params)


def test_fields_come_from_the_model() -> None:
    fields = request_fields("tat", "RunCommand")
    assert fields["InstanceIds"].is_list and fields["InstanceIds"].kind == "str"
    assert fields["Timeout"].kind == "int" and fields["SaveCommand"].kind == "bool"
