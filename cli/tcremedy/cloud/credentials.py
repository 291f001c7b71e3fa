"""Finding API credentials the way the Tencent Cloud ecosystem does.

Order (first hit wins):

1. ``--profile NAME`` / ``TCCLI_PROFILE``: that tccli profile, ``~/.tccli/NAME.credential``
   (JSON ``secretId`` / ``secretKey`` [/ ``token``]). Asking for a profile that is missing is an error.
2. Environment: ``TENCENTCLOUD_SECRET_ID`` / ``TENCENTCLOUD_SECRET_KEY`` (SDK
   ``EnvironmentVariableCredential``), plus ``TENCENTCLOUD_SESSION_TOKEN`` when set.
3. ``~/.tencentcloud/credentials`` (INI, ``[default]`` ``secret_id`` / ``secret_key``;
   SDK ``ProfileCredential``).
4. The tccli ``default`` profile, ``~/.tccli/default.credential``.
5. The CVM role of the machine we run on (SDK ``CVMRoleCredential``), only when the metadata
   service answers, and never for a loopback endpoint.

For a loopback endpoint (the local emulator) with nothing configured, the emulator's documented
local credentials are used and a note goes to stderr. Secrets never leave this module in text:
``ResolvedCredential`` says where the key came from, never what it is.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tencentcloud.common import credential as sdk_credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from tcremedy.cloud.clients import is_loopback
from tcremedy.defaults import LOCAL_SECRET_ID, LOCAL_SECRET_KEY
from tcremedy.errors import CollectionError

METADATA_HOST = "metadata.tencentyun.com"


@dataclass(frozen=True)
class ResolvedCredential:
    """An SDK credential object and a human description of its source (no secret in it)."""

    credential: Any
    source: str

    def __repr__(self) -> str:  # never show the key, even in a debugger or a log line
        return f"ResolvedCredential(source={self.source!r})"

    def note(self, endpoint: str) -> str:
        """What the CLI says once per command when it fell back to the emulator's credentials."""
        if self.source != "emulator":
            return ""
        return ("note: no Tencent Cloud credentials configured; "
                f"using the local emulator's credentials for {endpoint}")


def resolve_credential(
    endpoint: str = "", profile: str | None = None, try_cvm_role: bool = True
) -> ResolvedCredential:
    """Return the first credential found (see module docstring); raise CollectionError if none."""
    profile = profile or os.environ.get("TCCLI_PROFILE") or None
    if profile:
        return _tccli_profile(profile, required=True)  # type: ignore[return-value]
    found = _from_env() or _from_ini() or _tccli_profile("default", required=False)
    if found:
        return found
    if is_loopback(endpoint):
        return ResolvedCredential(sdk_credential.Credential(LOCAL_SECRET_ID, LOCAL_SECRET_KEY), "emulator")
    if try_cvm_role and _metadata_reachable():
        role = sdk_credential.CVMRoleCredential()
        if role.get_credential() is not None:
            return ResolvedCredential(role, "CVM role")
    raise CollectionError(
        "no Tencent Cloud credentials found: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY, "
        "write ~/.tencentcloud/credentials ([default] secret_id/secret_key), or use a tccli profile "
        "(--profile NAME, ~/.tccli/NAME.credential)"
    )


def _make(
    secret_id: str | None, secret_key: str | None, token: str | None, source: str
) -> ResolvedCredential:
    try:
        return ResolvedCredential(sdk_credential.Credential(secret_id, secret_key, token or None), source)
    except TencentCloudSDKException as exc:
        raise CollectionError(f"invalid credentials from {source}: {exc.get_message()}") from None


def _from_env() -> ResolvedCredential | None:
    try:  # the SDK's Credential refuses a blank or space-padded id/key (tencentcloud/common/credential.py)
        found = sdk_credential.EnvironmentVariableCredential().get_credential()
    except TencentCloudSDKException as exc:
        raise CollectionError(
            "invalid credentials in TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY: "
            f"{exc.get_message()}"
        ) from None
    if found is None:
        return None
    token = os.environ.get("TENCENTCLOUD_SESSION_TOKEN")
    return _make(found.secret_id, found.secret_key, token, "environment")


def _from_ini() -> ResolvedCredential | None:
    try:  # ~/.tencentcloud/credentials, else /etc/tencentcloud/credentials
        found = sdk_credential.ProfileCredential().get_credential()
    except TencentCloudSDKException as exc:
        raise CollectionError(f"~/.tencentcloud/credentials: {exc.get_message()}") from None
    except Exception as exc:  # configparser errors on a malformed file
        raise CollectionError(
            f"~/.tencentcloud/credentials: not a valid INI file ({exc.__class__.__name__})"
        ) from None
    return _make(found.secret_id, found.secret_key, None, "credentials file") if found else None


def _tccli_profile(name: str, required: bool) -> ResolvedCredential | None:
    path = Path.home() / ".tccli" / f"{name}.credential"
    if not path.is_file():
        if required:
            raise CollectionError(f"tccli profile {name!r} not found: expected {path}")
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CollectionError(
            f"{path}: not a readable JSON credential file ({exc.__class__.__name__})"
        ) from None
    secret_id, secret_key = data.get("secretId"), data.get("secretKey")
    if not secret_id or not secret_key:
        if required:
            raise CollectionError(f"{path}: expected the keys secretId and secretKey")
        return None
    return _make(secret_id, secret_key, data.get("token"), f"tccli profile {name!r}")


def _metadata_reachable(timeout: float = 1.0) -> bool:
    """True when the CVM metadata service answers (the SDK's own lookup has no timeout)."""
    result: list[bool] = []

    def attempt() -> None:
        try:
            with socket.create_connection((METADATA_HOST, 80), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout * 2)
    return bool(result and result[0])
