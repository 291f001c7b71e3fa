"""``SinglePassClient`` answers exactly as the SDK's ``CommonClient`` does, over HTTP to the local cloud:
the same data for an answer, the same TencentCloudSDKException (code, message, request id) for an
error, so reading each answer once changes nothing a caller can see."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from tencentcloud.common import credential
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from tcremedy.cloud.api import CloudApi
from tcremedy.cloud.clients import SinglePassClient


def _both(emulator: Any, service: str, version: str, cred: Any = None) -> tuple[Any, Any]:
    args = (service, version, cred or emulator.credential(), emulator.region, emulator.profile())
    return CommonClient(*args), SinglePassClient(*args)


def _without_request_id(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer["Response"].items() if k != "RequestId"}


@pytest.mark.emulator(scenario="healthy")
def test_an_answer_is_the_sdks_answer(emulator) -> None:
    sdk, single = _both(emulator, "cvm", "2017-03-12")
    expected = sdk.call_json("DescribeInstances", {"Limit": 10})
    got = single.call_json("DescribeInstances", {"Limit": 10})
    assert got["Response"]["InstanceSet"], "the scenario has an instance to describe"
    assert _without_request_id(got) == _without_request_id(expected)


@pytest.mark.parametrize(
    ("action", "params", "cred"),
    [
        ("DescribeInstances", {"InstanceIds": ["not-an-id"]}, None),  # InvalidInstanceId.Malformed
        ("DescribeInstances", {"Limit": 10}, credential.Credential("AKIDnobody", "wrong")),  # AuthFailure
        ("NoSuchAction", {}, None),
    ],
)
def test_an_error_is_the_sdks_error(emulator, action: str, params: dict[str, Any], cred: Any) -> None:
    sdk, single = _both(emulator, "cvm", "2017-03-12", cred)
    with pytest.raises(TencentCloudSDKException) as expected:
        sdk.call_json(action, params)
    with pytest.raises(TencentCloudSDKException) as got:
        single.call_json(action, params)
    assert (got.value.get_code(), got.value.get_message()) == (
        expected.value.get_code(),
        expected.value.get_message(),
    )
    assert got.value.get_code() and got.value.get_request_id()


@pytest.mark.emulator(scenario="healthy")
def test_an_answer_cut_off_halfway_is_the_sdks_network_error_and_the_call_is_retried(emulator) -> None:
    """The connection is lost while the answer's body arrives (a hold released with ``cut``: status,
    headers with the whole Content-Length, half the body). The client raises the SDK's
    ``ClientNetworkError``, not a requests exception, so ``CloudApi`` retries it like a lost request
    and the caller gets the whole answer."""
    single = SinglePassClient("cvm", "2017-03-12", emulator.credential(), emulator.region, emulator.profile())
    hold = emulator.hold("DescribeInstances", when="after")
    with ThreadPoolExecutor(1) as pool:
        call = pool.submit(single.call_json, "DescribeInstances", {"Limit": 10})
        emulator.wait_held(hold)
        emulator.release(hold, "cut")
        with pytest.raises(TencentCloudSDKException) as cut:
            call.result(timeout=30)
    assert cut.value.get_code() == "ClientNetworkError"

    api = CloudApi({"cvm": single}, sleep=lambda _seconds: None)  # the backoff is not waited out
    hold = emulator.hold("DescribeInstances", when="after")
    with ThreadPoolExecutor(1) as pool:
        call = pool.submit(api.call, "cvm", "DescribeInstances", {"Limit": 10})
        emulator.wait_held(hold)
        emulator.release(hold, "cut")
        answer = call.result(timeout=30)
    assert [i["InstanceId"] for i in answer["InstanceSet"]] == emulator.instance_ids()
    assert (api.stats.calls["DescribeInstances"], api.stats.retries["DescribeInstances"]) == (2, 1)
    assert api.stats.codes["ClientNetworkError"] == 1
