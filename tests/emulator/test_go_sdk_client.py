"""The emulator as the Go side sees it: tencentcloud-sdk-go through HTTP_PROXY.

The pulumi-tencentcloud plugin cannot be built here (the module proxy refuses it), but the SDK
layer it signs and sends with, ``tencentcloud-sdk-go/tencentcloud/common``, is served. The small
client in tests/gosdk configures it as the provider does (``protocol=HTTP``, a root domain, so the
URL is ``http://cvm.tencentcloudapi.com/``) and reaches the emulator the way the provider would
offline: ``HTTP_PROXY`` pointing at it, absolute-form requests, the Go SDK's own TC3 signature.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tcremedy.emulator.testing import RunningEmulator

SOURCE = Path(__file__).resolve().parents[1] / "gosdk"
DOMAIN = "tencentcloudapi.com"  # never resolved: every request goes to the proxy


@pytest.fixture(scope="module")
def go_client() -> Path:
    """Build the Go client once per source version, cached outside the repository."""
    if shutil.which("go") is None:
        pytest.fail("the go command is required (it also builds the Pulumi engine)")
    digest = hashlib.sha256(b"".join((SOURCE / f).read_bytes() for f in ("go.mod", "go.sum", "main.go")))
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tcremedy" / "gosdk"
    binary = cache / digest.hexdigest()[:16] / "gosdk-client"
    if not binary.exists():
        binary.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"}
        subprocess.run(["go", "build", "-o", str(binary), "."], cwd=SOURCE, env=env, check=True, timeout=600)
    return binary


def go_calls(
    binary: Path, emulator: RunningEmulator, calls: list[dict[str, Any]], secret_key: str | None = None
) -> list[dict[str, Any]]:
    env = {
        **os.environ,
        "HTTP_PROXY": emulator.endpoint,
        "NO_PROXY": "",
        "no_proxy": "",
        "TENCENTCLOUD_SECRET_ID": emulator.secret_id,
        "TENCENTCLOUD_SECRET_KEY": secret_key or emulator.secret_key,
    }
    run = subprocess.run(
        [str(binary), emulator.region, DOMAIN],
        input=json.dumps(calls),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    return [json.loads(line) for line in run.stdout.splitlines()]


def cvm(action: str, **params: Any) -> dict[str, Any]:
    return {"service": "cvm", "version": "2017-03-12", "action": action, "params": params}


def vpc(action: str, **params: Any) -> dict[str, Any]:
    return {"service": "vpc", "version": "2017-03-12", "action": action, "params": params}


@pytest.mark.emulator(scenario="sg-missing-rdp")
def test_the_go_sdk_through_http_proxy_reads_and_inserts_a_rule_like_the_provider(go_client, emulator):
    (listed,) = go_calls(go_client, emulator, [cvm("DescribeInstances", Limit=10)])
    (inst,) = listed["body"]["Response"]["InstanceSet"]
    group = inst["SecurityGroupIds"][0]

    rule = {
        "Protocol": "TCP",
        "Port": "3389",
        "CidrBlock": "203.0.113.0/24",
        "Action": "ACCEPT",
        "PolicyDescription": "tcremedy: admin RDP",
        "PolicyIndex": 0,
    }
    created, described = go_calls(
        go_client,
        emulator,
        [
            vpc(
                "CreateSecurityGroupPolicies",
                SecurityGroupId=group,
                SecurityGroupPolicySet={"Ingress": [rule]},
            ),
            vpc("DescribeSecurityGroupPolicies", SecurityGroupId=group),
        ],
    )
    assert "error_code" not in created, created
    ingress = described["body"]["Response"]["SecurityGroupPolicySet"]["Ingress"]
    top = ingress[0]
    assert (top["PolicyIndex"], top["Protocol"], top["Port"], top["CidrBlock"], top["Action"]) == (
        0,
        "TCP",
        "3389",
        "203.0.113.0/24",
        "ACCEPT",
    )
    # fields the provider's Read dereferences without nil checks are always there
    assert all(r["AddressTemplate"]["AddressId"] == "" and r["SecurityGroupId"] == "" for r in ingress)


@pytest.mark.emulator(scenario="healthy")
def test_the_go_sdk_gets_the_real_error_codes(go_client, emulator):
    (bad_sig,) = go_calls(go_client, emulator, [cvm("DescribeInstances")], secret_key="not-the-key")
    assert bad_sig["error_code"] == "AuthFailure.SignatureFailure"
    malformed, unknown = go_calls(
        go_client,
        emulator,
        [
            cvm("DescribeInstances", InstanceIds=["bogus"]),
            {"service": "cvm", "version": "2017-03-12", "action": "NoSuchAction", "params": {}},
        ],
    )
    assert malformed["error_code"] == "InvalidInstanceId.Malformed"
    assert unknown["error_code"] == "InvalidAction"
