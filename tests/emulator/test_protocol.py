"""API 3.0 protocol: TC3 signature checks, envelopes, routing, forward-proxy form, control API."""

from __future__ import annotations

import hashlib
import http.client
import json
import time

import pytest
from tencentcloud.common import credential
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.common.sign import Sign
from tencentcloud.cvm.v20170312 import cvm_client
from tencentcloud.cvm.v20170312 import models as cvm_models

from tcremedy.emulator.core import signing
from tcremedy.emulator.core.errors import InvalidAuthorization
from tcremedy.emulator.core.protocol import _unflatten


# -- pure signing: the published test vectors (tencent-api.md 1.2) -----------------------------
def test_official_doc_vector_canonical_request_and_signature() -> None:
    payload = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    assert signing.sha256_hex(payload) == "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    headers = {
        "content-type": "application/json; charset=utf-8",
        "host": "cvm.tencentcloudapi.com",
        "x-tc-action": "DescribeInstances",
    }
    canonical = signing.canonical_request(
        "POST",
        "",
        headers,
        ("content-type", "host", "x-tc-action"),
        signing.sha256_hex(payload),
        lower_values=True,
    )
    assert signing.sha256_hex(canonical.encode()) == (
        "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
    )
    # The doc masks its SecretKey but publishes SecretSigning; finish the computation from there.
    import hmac

    secret_signing = bytes.fromhex("b596b923aad85185e2d1f6659d2a062e0a86731226e021e61bfe06f7ed05f5af")
    string_to_sign = "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n" + signing.sha256_hex(
        canonical.encode()
    )
    assert hmac.new(secret_signing, string_to_sign.encode(), hashlib.sha256).hexdigest() == (
        "10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f"
    )


def test_sdk_style_vector() -> None:
    body = b'{"InstanceIds": ["ins-12345678"]}'
    headers = {"content-type": "application/json", "host": "cvm.tencentcloudapi.com"}
    canonical = signing.canonical_request(
        "POST", "", headers, ("content-type", "host"), signing.sha256_hex(body)
    )
    assert canonical.endswith("26dcc027fb407b16fb050bbbf6cfee9f68698a0a9fb283f82abe4ca0e68f0faf")
    sig = signing.signature("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "2023-11-14", "cvm", "1700000000", canonical)
    assert sig == "6ad1d02f0d8abd06b1c9bfefaa13bd0b874d7099364377149d132bc516d3b57b"


@pytest.mark.parametrize(
    "header",
    [
        "",
        "TC3-HMAC-SHA256",
        "HMAC-SHA1 Credential=a/2023-11-14/cvm/tc3_request, SignedHeaders=host, Signature=ab",
        "TC3-HMAC-SHA256 Credential=a/2023-11-14/cvm, SignedHeaders=host, Signature=ab",
        "TC3-HMAC-SHA256 Credential=a/2023-11-14/cvm/tc3_request, Signature=ab",
    ],
)
def test_malformed_authorization_headers_are_rejected(header: str) -> None:
    with pytest.raises(InvalidAuthorization):
        signing.parse_authorization(header)


def test_get_form_parameters_unflatten_zero_based() -> None:
    pairs = [
        ("InstanceIds.0", "ins-a"),
        ("InstanceIds.1", "ins-b"),
        ("Filters.0.Name", "zone"),
        ("Filters.0.Values.0", "ap-guangzhou-3"),
        ("Limit", "5"),
    ]
    assert _unflatten(pairs) == {
        "InstanceIds": ["ins-a", "ins-b"],
        "Limit": "5",
        "Filters": [{"Name": "zone", "Values": ["ap-guangzhou-3"]}],
    }


# -- over HTTP -----------------------------------------------------------------------------------
def raw_call(
    emulator,
    *,
    action: str = "DescribeInstances",
    service: str = "cvm",
    version: str = "2017-03-12",
    body: bytes = b"{}",
    secret_id: str | None = None,
    secret_key: str | None = None,
    timestamp: int | None = None,
    host: str | None = None,
    target: str = "/",
    authorization: str | None = None,
) -> tuple[http.client.HTTPResponse, dict]:
    """A hand-signed request (SDK's Sign.sign_tc3), for paths the SDK cannot produce."""
    ts = int(time.time()) if timestamp is None else timestamp
    date = time.strftime("%Y-%m-%d", time.gmtime(ts))
    host = host or emulator.host_port
    canonical = (
        f"POST\n/\n\ncontent-type:application/json\nhost:{host}\n\ncontent-type;host\n"
        + hashlib.sha256(body).hexdigest()
    )
    to_sign = (
        f"TC3-HMAC-SHA256\n{ts}\n{date}/{service}/tc3_request\n"
        + hashlib.sha256(canonical.encode()).hexdigest()
    )
    sig = Sign.sign_tc3(secret_key or emulator.secret_key, date, service, to_sign)
    auth = (
        authorization
        if authorization is not None
        else (
            f"TC3-HMAC-SHA256 Credential={secret_id or emulator.secret_id}/{date}/{service}/tc3_request, "
            f"SignedHeaders=content-type;host, Signature={sig}"
        )
    )
    conn = http.client.HTTPConnection(emulator.server.host, emulator.server.port, timeout=10)
    conn.putrequest("POST", target, skip_host=True, skip_accept_encoding=True)
    for name, value in (
        ("Host", host),
        ("Content-Type", "application/json"),
        ("X-TC-Action", action),
        ("X-TC-Version", version),
        ("X-TC-Region", emulator.region),
        ("X-TC-Timestamp", str(ts)),
        ("Authorization", auth),
        ("Content-Length", str(len(body))),
    ):
        conn.putheader(name, value)
    conn.endheaders(body)
    resp = conn.getresponse()
    data = json.loads(resp.read())
    conn.close()
    return resp, data


def test_success_envelope_has_exact_content_type_and_request_id(emulator) -> None:
    resp, data = raw_call(emulator)
    assert resp.status == 200
    assert resp.getheader("Content-Type") == "application/json"
    assert data["Response"]["TotalCount"] == 0 and data["Response"]["RequestId"]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"secret_id": "AKIDunknown"}, "AuthFailure.SecretIdNotFound"),
        ({"secret_key": "not-the-key"}, "AuthFailure.SignatureFailure"),
        ({"timestamp": int(time.time()) - 3600}, "AuthFailure.SignatureExpire"),
        ({"authorization": "TC3-HMAC-SHA256 garbage"}, "AuthFailure.InvalidAuthorization"),
        ({"body": b"{not json"}, "InvalidParameter"),
        ({"action": "DescribeNothing"}, "InvalidAction"),
        ({"version": "2099-01-01"}, "NoSuchVersion"),
        ({"service": "nosuchsvc"}, "InvalidAction"),
    ],
)
def test_protocol_errors_are_http_200_envelopes_with_the_real_codes(emulator, kwargs, code) -> None:
    resp, data = raw_call(emulator, **kwargs)
    assert resp.status == 200 and resp.getheader("Content-Type") == "application/json"
    assert data["Response"]["Error"]["Code"] == code
    assert data["Response"]["RequestId"]


def test_sdk_sees_auth_failures_as_exceptions(emulator) -> None:
    bad = emulator.client(cvm_client.CvmClient, cred=credential.Credential(emulator.secret_id, "wrong-key"))
    with pytest.raises(TencentCloudSDKException) as err:
        bad.DescribeInstances(cvm_models.DescribeInstancesRequest())
    assert err.value.get_code() == "AuthFailure.SignatureFailure"
    assert err.value.get_request_id()


def test_missing_required_parameter(emulator) -> None:
    cvm = emulator.client(cvm_client.CvmClient)
    with pytest.raises(TencentCloudSDKException) as err:
        cvm.StartInstances(cvm_models.StartInstancesRequest())
    assert err.value.get_code() == "MissingParameter"
    assert "InstanceIds" in err.value.get_message()


def test_get_requests_are_signed_over_the_query_string(emulator) -> None:
    profile = ClientProfile(
        httpProfile=HttpProfile(protocol="http", endpoint=emulator.host_port, reqMethod="GET")
    )
    cvm = emulator.client(cvm_client.CvmClient, profile=profile)
    req = cvm_models.DescribeInstancesRequest()
    req.Limit = 5
    assert cvm.DescribeInstances(req).TotalCount == 0


def test_endpoint_with_scheme_in_host_header_still_verifies(emulator) -> None:
    """The SDK copies an endpoint like http://127.0.0.1:PORT verbatim into Host (tencent-api.md 1.6)."""
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=emulator.endpoint))
    client = CommonClient("cvm", "2017-03-12", emulator.credential(), emulator.region, profile)
    assert client.call_json("DescribeImages", {})["Response"]["TotalCount"] > 0


@pytest.mark.emulator(scenario="healthy")
def test_forward_proxy_form_through_the_sdk_proxy_setting(emulator) -> None:
    hp = HttpProfile(protocol="http", endpoint="cvm.tencentcloudapi.com", proxy=emulator.endpoint)
    cvm = cvm_client.CvmClient(emulator.credential(), emulator.region, ClientProfile(httpProfile=hp))
    assert cvm.DescribeInstances(cvm_models.DescribeInstancesRequest()).TotalCount == 1


def test_forward_proxy_absolute_target_routes_on_the_credential_scope(emulator) -> None:
    _, data = raw_call(
        emulator,
        service="tat",
        action="DescribeInvocations",
        version="2020-10-28",
        host="tat.tencentcloudapi.com",
        target="http://tat.tencentcloudapi.com/",
    )
    assert data["Response"]["TotalCount"] == 0


@pytest.mark.emulator(scenario="healthy")
def test_control_api_health_scenario_and_errors(emulator) -> None:
    assert emulator.control("GET", "health")["status"] == "ok"
    scen = emulator.control("GET", "scenario")
    assert scen["scenario"] == "healthy" and scen["expect"] == {"root_cause": None}
    import urllib.error

    with pytest.raises(urllib.error.HTTPError) as err:
        emulator.control("POST", "instances/ins-00000000/guest", {"RdpPort": 3390})
    assert err.value.code == 404
    (iid,) = scen["instances"]
    with pytest.raises(urllib.error.HTTPError) as err:
        emulator.control("POST", f"instances/{iid}/guest", {"RdpPort": "x"})
    assert err.value.code == 400
