"""The provider configuration and the API clients it makes.

Follows ``provider.go`` (schema ~l.180-230, ``providerConfigure`` ~l.2515-2570): ``secret_id``,
``secret_key``, ``security_token``, ``region``, ``protocol`` and ``domain``, each from the Pulumi
provider config (``tencentcloud:secretId`` ...) or else its environment variable
(``TENCENTCLOUD_SECRET_ID``, ``_SECRET_KEY``, ``_SECURITY_TOKEN`` -- not ``_SESSION_TOKEN`` --,
``_REGION``, ``_PROTOCOL`` (default ``HTTPS``, only ``HTTP``/``HTTPS``), ``_DOMAIN``); the region
defaults to ``ap-guangzhou``. Configure makes no API call; a missing SecretId/SecretKey fails the
first API call, as it does in the provider (the tccli-profile fallback ``getProviderConfig`` is not
reproduced). ``connectivity/client.go``: the URL is ``<protocol>://<service>.<domain>/``
(``domain`` defaults to ``tencentcloudapi.com``); proxies come from ``HTTP_PROXY``/``HTTPS_PROXY``
like Go's ``http.DefaultTransport`` (the SDK's own proxy-from-environment here).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tencentcloud.common import credential
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

DEFAULT_REGION = "ap-guangzhou"
# service -> API version (tencentcloud-sdk-go versions the provider uses)
VERSIONS = {"cvm": "2017-03-12", "vpc": "2017-03-12", "tat": "2020-10-28"}
FIELDS = {  # Pulumi config key -> environment variable (provider.go EnvDefaultFunc)
    "secretId": "TENCENTCLOUD_SECRET_ID",
    "secretKey": "TENCENTCLOUD_SECRET_KEY",
    "securityToken": "TENCENTCLOUD_SECURITY_TOKEN",
    "region": "TENCENTCLOUD_REGION",
    "protocol": "TENCENTCLOUD_PROTOCOL",
    "domain": "TENCENTCLOUD_DOMAIN",
}


class ProviderError(Exception):
    """What the provider returns as an error (the engine shows the message on the resource)."""


class ApiCallError(ProviderError):
    def __init__(self, action: str, code: str, message: str) -> None:
        super().__init__(f"[TencentCloudSDKError] Code={code}, Message={message} ({action})")
        self.code = code


@dataclass(frozen=True)
class ProviderConfig:
    secret_id: str = ""
    secret_key: str = ""
    security_token: str = ""
    region: str = DEFAULT_REGION
    protocol: str = "HTTPS"
    domain: str = ""

    @classmethod
    def from_args(cls, args: dict[str, Any]) -> ProviderConfig:
        def get(key: str, default: str = "") -> str:
            value = args.get(key)
            if isinstance(value, str) and value:
                return value
            return os.environ.get(FIELDS[key], default)

        protocol = get("protocol", "HTTPS")
        if protocol not in ("HTTP", "HTTPS"):
            raise ProviderError(f'expected protocol to be one of ["HTTP" "HTTPS"], got {protocol}')
        return cls(
            secret_id=get("secretId"),
            secret_key=get("secretKey"),
            security_token=get("securityToken"),
            region=get("region") or DEFAULT_REGION,
            protocol=protocol,
            domain=get("domain"),
        )

    def call(self, service: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
        """One API call through tencentcloud-sdk-python; errors become ``ApiCallError``."""
        if not self.secret_id or not self.secret_key:
            raise ProviderError("secret_id and secret_key are required (tencentcloud:secretId/secretKey)")
        cred = credential.Credential(self.secret_id, self.secret_key, self.security_token or None)
        http = HttpProfile(
            protocol=self.protocol.lower(),
            endpoint=f"{service}.{self.domain or 'tencentcloudapi.com'}",
        )
        client = CommonClient(service, VERSIONS[service], cred, self.region, ClientProfile(httpProfile=http))
        try:
            return client.call_json(action, params)["Response"]
        except TencentCloudSDKException as exc:
            raise ApiCallError(action, str(exc.code), str(exc.message)) from None


def retry_write(call: Callable[[], dict[str, Any]], attempts: int = 5) -> dict[str, Any]:
    """``common.go`` RetryError: a write is retried on retryable codes (internal errors, limits)."""
    for attempt in range(attempts):
        try:
            return call()
        except ApiCallError as exc:
            if exc.code not in ("InternalError", "RequestLimitExceeded") or attempt == attempts - 1:
                raise
            time.sleep(0.2)
    raise AssertionError("unreachable")


def poll(what: str, probe: Callable[[], bool], timeout: float = 120.0, interval: float = 0.1) -> None:
    """``resource.Retry(timeout, ...)``: poll until ``probe`` holds, else fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise ProviderError(f"timeout while waiting for {what}")
        time.sleep(interval)


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
