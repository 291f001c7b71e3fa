"""Credential discovery, endpoint parsing and retry accounting (no emulator needed)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from tcremedy.cloud.clients import Endpoint, is_loopback, parse_endpoint, resolve_region
from tcremedy.cloud.credentials import resolve_credential
from tcremedy.cloud.retry import CallStats, RetryPolicy, call_with_retry
from tcremedy.emulator.defaults import LOCAL_SECRET_ID
from tcremedy.errors import CollectionError

ENV = (
    "TENCENTCLOUD_SECRET_ID",
    "TENCENTCLOUD_SECRET_KEY",
    "TENCENTCLOUD_SESSION_TOKEN",
    "TCCLI_PROFILE",
    "TENCENTCLOUD_REGION",
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty home directory and no credential variables."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_environment_wins_and_carries_the_session_token(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", "AKIDenv")
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "envkey")
    monkeypatch.setenv("TENCENTCLOUD_SESSION_TOKEN", "tok")
    (home / ".tencentcloud").mkdir()
    (home / ".tencentcloud" / "credentials").write_text("[default]\nsecret_id = AKIDini\nsecret_key = k\n")
    found = resolve_credential("https://cvm.tencentcloudapi.com")
    assert found.source == "environment"
    assert found.credential.get_credential_info() == ("AKIDenv", "envkey", "tok")
    assert "envkey" not in repr(found)


def test_credentials_file_then_tccli_default_profile(home: Path) -> None:
    (home / ".tccli").mkdir()
    (home / ".tccli" / "default.credential").write_text(json.dumps({"secretId": "AKIDcli", "secretKey": "c"}))
    assert resolve_credential("").credential.secret_id == "AKIDcli"
    (home / ".tencentcloud").mkdir()
    (home / ".tencentcloud" / "credentials").write_text("[default]\nsecret_id = AKIDini\nsecret_key = k\n")
    assert resolve_credential("").credential.secret_id == "AKIDini"


def test_named_tccli_profile_from_option_or_variable(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (home / ".tccli").mkdir()
    (home / ".tccli" / "ops.credential").write_text(json.dumps({"secretId": "AKIDops", "secretKey": "o"}))
    assert resolve_credential("", profile="ops").source == "tccli profile 'ops'"
    monkeypatch.setenv("TCCLI_PROFILE", "ops")
    assert resolve_credential("").credential.secret_id == "AKIDops"
    with pytest.raises(CollectionError, match=r"tccli profile 'prod' not found: expected .*prod\.credential"):
        resolve_credential("", profile="prod")


def test_loopback_endpoint_falls_back_to_the_emulator_credentials(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = resolve_credential("http://127.0.0.1:8080")
    assert (found.source, found.credential.secret_id) == ("emulator", LOCAL_SECRET_ID)
    # the core says nothing itself; the CLI prints this note (see tests/cli/test_plan_cli.py)
    assert "local emulator's credentials" in found.note("http://127.0.0.1:8080")
    assert capsys.readouterr().err == ""


def test_real_cloud_without_credentials_is_a_clear_error(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(CollectionError, match="TENCENTCLOUD_SECRET_ID"):
        resolve_credential("https://cvm.tencentcloudapi.com", try_cvm_role=False)
    assert capsys.readouterr().err == ""  # no emulator note for a non-loopback endpoint


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://127.0.0.1:8080", Endpoint("127.0.0.1:8080", "http")),
        ("127.0.0.1:8080", Endpoint("127.0.0.1:8080", "http")),
        ("localhost:9000/", Endpoint("localhost:9000", "http")),
        ("cvm.tencentcloudapi.com", Endpoint("cvm.tencentcloudapi.com", "https")),
        ("https://10.1.2.3:8443", Endpoint("10.1.2.3:8443", "https")),
        ("", Endpoint()),
    ],
)
def test_endpoint_forms(text: str, expected: Endpoint) -> None:
    assert parse_endpoint(text) == expected


@pytest.mark.parametrize("text", ["ftp://host", "http://127.0.0.1:99999", "http://host/path"])
def test_bad_endpoints_are_rejected(text: str) -> None:
    with pytest.raises(CollectionError, match="--endpoint"):
        parse_endpoint(text)


def test_loopback_detection_and_region_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert is_loopback("http://127.0.0.1:1") and is_loopback("localhost:2") and is_loopback("http://[::1]:3")
    assert not is_loopback("https://cvm.tencentcloudapi.com") and not is_loopback("")
    monkeypatch.delenv("TENCENTCLOUD_REGION", raising=False)
    assert resolve_region(None) == "ap-guangzhou"
    monkeypatch.setenv("TENCENTCLOUD_REGION", "ap-shanghai")
    assert resolve_region(None) == "ap-shanghai" and resolve_region("ap-beijing") == "ap-beijing"


def test_retries_retryable_errors_and_counts_them() -> None:
    outcomes = [
        TencentCloudSDKException("RequestLimitExceeded", "slow down"),
        TencentCloudSDKException("ClientNetworkError", "reset"),
        "ok",
    ]
    waits: list[float] = []

    def call() -> str:
        item = outcomes.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    stats = CallStats()
    assert (
        call_with_retry("DescribeInstances", call, stats, RetryPolicy(base_delay=0.1), sleep=waits.append)
        == "ok"
    )
    assert stats.calls["DescribeInstances"] == 3 and stats.retries["DescribeInstances"] == 2
    assert len(waits) == 2 and 0 <= waits[0] <= 0.1 and 0 <= waits[1] <= 0.2


def test_non_retryable_errors_and_exhaustion_are_raised() -> None:
    stats = CallStats()

    def denied() -> None:
        raise TencentCloudSDKException("UnauthorizedOperation", "no")

    with pytest.raises(TencentCloudSDKException):
        call_with_retry("RunCommand", denied, stats, sleep=lambda _: None)
    assert stats.calls["RunCommand"] == 1 and stats.errors["RunCommand"] == 1

    def busy() -> None:
        raise TencentCloudSDKException("InternalError", "boom")

    now = [0.0]  # a fake clock: each wait moves it on; the deadline (not a count) ends the retries

    def wait(seconds: float) -> None:
        now[0] += seconds

    policy = RetryPolicy(deadline=10.0, base_delay=1.0, max_delay=1.0)
    with pytest.raises(TencentCloudSDKException):
        call_with_retry(
            "GetMonitorData", busy, stats, policy, sleep=wait, clock=lambda: now[0], rng=random.Random(1)
        )
    assert now[0] <= 10.0 and stats.retries["GetMonitorData"] == stats.calls["GetMonitorData"] - 1 >= 10
    assert stats.errors["GetMonitorData"] == 1
    assert stats.codes["InternalError"] == stats.calls["GetMonitorData"]
