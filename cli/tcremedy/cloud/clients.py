"""Building the SDK clients (the SDK's ``CommonClient`` for CVM, VPC, Monitor, TAT) for one region.

``--endpoint http://127.0.0.1:PORT`` (or ``TCREMEDY_ENDPOINT``) points every service at one host,
as the local emulator expects: ``HttpProfile(endpoint="127.0.0.1:PORT", protocol="http")``.
Without it the SDK's own per-service hosts (``cvm.tencentcloudapi.com``...) are used.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests.adapters
import requests.exceptions
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.common.retry import NoopRetryer

from tcremedy.defaults import DEFAULT_REGION
from tcremedy.errors import CollectionError
from tcremedy.sdk_models import VERSIONS

ENDPOINT_ENV = "TCREMEDY_ENDPOINT"
REGION_ENV = "TENCENTCLOUD_REGION"

# The services tcremedy calls; each gets one SinglePassClient (``call_json``: plain dicts both ways).
SERVICES: tuple[str, ...] = ("cvm", "vpc", "monitor", "tat")
POOL_SIZE = 32  # kept-alive connections per service: cloud.api.DEFAULT_CONCURRENCY requests in flight


@dataclass(frozen=True)
class Endpoint:
    """Where API calls go. ``host == ""`` means Tencent Cloud's public per-service hosts."""

    host: str = ""  # "127.0.0.1:8080" (no scheme), or ""
    protocol: str = "https"

    @property
    def url(self) -> str:
        return f"{self.protocol}://{self.host}" if self.host else ""


def parse_endpoint(text: str | None) -> Endpoint:
    """``http://127.0.0.1:8080`` / ``127.0.0.1:8080`` / ``https://host`` -> Endpoint.

    A bare ``host:port`` on a loopback address means plain HTTP (the emulator); anything else HTTPS.
    """
    text = (text or "").strip().rstrip("/")
    if not text:
        return Endpoint()
    parts = urlsplit(text if "://" in text else f"//{text}")
    if parts.scheme not in ("", "http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise CollectionError(
            f"--endpoint {text!r}: expected host[:port] or http(s)://host[:port], e.g. http://127.0.0.1:8080"
        )
    try:
        port = parts.port
    except ValueError:
        raise CollectionError(f"--endpoint {text!r}: the port is not a number in 1-65535") from None
    name = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname  # IPv6 literal
    host = name + (f":{port}" if port else "")
    protocol = parts.scheme or ("http" if _loopback_host(parts.hostname) else "https")
    return Endpoint(host=host, protocol=protocol)


def resolve_endpoint(option: str | None) -> Endpoint:
    """--endpoint, else TCREMEDY_ENDPOINT, else the public cloud."""
    return parse_endpoint(option or os.environ.get(ENDPOINT_ENV))


def resolve_region(option: str | None) -> str:
    """--region, else TENCENTCLOUD_REGION (the tccli convention; blanks around it dropped), else
    ap-guangzhou."""
    return option or (os.environ.get(REGION_ENV) or "").strip() or DEFAULT_REGION


def _loopback_host(hostname: str) -> bool:
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def is_loopback(endpoint: str | Endpoint) -> bool:
    """True for an endpoint on this machine (where the local emulator runs)."""
    if isinstance(endpoint, str):
        try:
            endpoint = parse_endpoint(endpoint)
        except CollectionError:
            return False
    if not endpoint.host:
        return False
    return _loopback_host(urlsplit(f"//{endpoint.host}").hostname or "")


# Appended to the SDK's RequestClient (X-TC-RequestClient: "SDK_PYTHON_3.x; tcremedy"): the request
# is tcremedy's (support can tell; the local cloud checks, in tests, that every such one passes its
# SDK-model validation).
REQUEST_CLIENT = "tcremedy"


def client_profile(endpoint: Endpoint, timeout: int = 30) -> ClientProfile:
    """The SDK profile: English messages, our own retries (the SDK's retryer stays a no-op)."""
    http = HttpProfile(reqTimeout=timeout)
    if endpoint.host:
        http = HttpProfile(endpoint=endpoint.host, protocol=endpoint.protocol, reqTimeout=timeout)
    return ClientProfile(httpProfile=http, language="en-US", request_client=REQUEST_CLIENT)


# The SDK inspects an answer's body for an error only under exactly these content types
# (``_check_error`` in tencentcloud/common/abstract_client.py; tencent-api.md "Responses").
_INSPECTED_CONTENT_TYPES = ("text/plain", "application/json")


class SinglePassClient(CommonClient):
    """The SDK's ``CommonClient`` with a ``call_json`` that decodes each answer once.

    The SDK's own ``call_json`` (tencentcloud-sdk-python-common 3.1.x, abstract_client.py) decodes
    every answer twice: ``_check_error`` parses the body to look for ``Response.Error``, then
    ``call_json`` parses it again to return it. At 200 KB per DescribeInstances page and 500 KB per
    DescribeInvocationTasks page that was a fifth of a fleet collection's client CPU. Everything else
    is the SDK's: the request (``_call``: TC3 signing, its HTTP session), the status check, its
    retryer, and the error it raises (``TencentCloudSDKException(code, message, request id)``, for
    the same bodies and content types as ``_check_error``). One difference: an answer cut off
    halfway is the SDK's ``ClientNetworkError`` (``_body``), not a requests exception."""

    def call_json(
        self, action: str, params: dict[str, Any], headers: Any = None, options: Any = None
    ) -> dict[str, Any]:
        def once() -> dict[str, Any]:
            resp = self._call(action, params, options, headers)
            body = _body(resp)
            self._check_status(resp)
            data = json.loads(body)
            if resp.headers.get("Content-Type") in _INSPECTED_CONTENT_TYPES:
                _raise_error(data["Response"])
            return data

        return (self.profile.retryer or NoopRetryer()).send_request(once)


def _body(resp: Any) -> bytes:
    """The whole answer body. The SDK sends with ``stream=True`` (tencentcloud/common/http/request.py),
    so the body arrives after ``_call`` has returned, outside the SDK's own handler that turns a
    transport failure into ``ClientNetworkError``; a connection lost or timed out halfway through
    the body raised requests' own exception, which the retries never saw. It is the SDK's
    ``ClientNetworkError`` here too, and retried like any other (cloud/retry.py)."""
    try:
        return resp.content
    except requests.exceptions.RequestException as exc:
        raise TencentCloudSDKException("ClientNetworkError", f"the answer was cut off: {exc}") from None


def _raise_error(response: dict[str, Any]) -> None:
    """As the SDK's ``_check_error``: an ``Error`` member is raised; a ``DeprecatedWarning`` warned."""
    if "Error" in response:
        error = response["Error"]
        raise TencentCloudSDKException(error["Code"], error["Message"], response["RequestId"])
    if "DeprecatedWarning" in response:
        warnings.warn(
            f"This action is deprecated, detail: {response['DeprecatedWarning']}", DeprecationWarning, 2
        )


def make_clients(credential: Any, region: str, endpoint: Endpoint, timeout: int = 30) -> dict[str, Any]:
    """One ``SinglePassClient`` per service, all sharing the credential, region and endpoint."""
    clients = {
        name: SinglePassClient(name, VERSIONS[name], credential, region, client_profile(endpoint, timeout))
        for name in SERVICES
    }
    for client in clients.values():
        _no_per_request_environment(client)
    return clients


def _no_per_request_environment(client: Any) -> None:
    """The SDK resolves its proxy (HTTP(S)_PROXY / NO_PROXY) and CA bundle once, when the client is
    made (``tencentcloud/common/http/request.py``) and passes both with every request; requests would
    still walk the whole environment on every request (CPU that adds up over the thousand calls of a
    10,000-instance plan) and could let a ~/.netrc entry replace the signed Authorization header."""
    session = getattr(getattr(getattr(client, "request", None), "conn", None), "_session", None)
    if session is not None:
        session.trust_env = False
        # requests keeps 10 connections per host; the collector runs up to DEFAULT_CONCURRENCY
        # requests of one service at once, and every connection past 10 was opened and thrown away.
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=POOL_SIZE)
        session.mount("https://", adapter)
        session.mount("http://", adapter)


def ensure_reachable(url: str, label: str = "--endpoint") -> None:
    """Fail fast, in one line, when nothing listens at an explicit endpoint (before any retrying).

    Skipped for Tencent Cloud's own hosts (``url == ""``) and when a proxy is configured.
    """
    if not url or any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")):
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=5):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise CollectionError(f"{label} {url}: cannot connect ({reason}); is the endpoint running?") from None
