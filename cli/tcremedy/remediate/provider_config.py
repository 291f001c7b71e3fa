"""What the ``tencentcloud`` provider plugin is told on the provider path: its own configuration.

terraform-provider-tencentcloud v1.82.42 reads ``secret_id``, ``secret_key``, ``security_token``
and ``region`` (``tencentcloud/provider.go`` ~l.180-230; as environment variables only
``TENCENTCLOUD_SECRET_ID``/``_SECRET_KEY``/``_SECURITY_TOKEN``/``_REGION`` -- never
``TENCENTCLOUD_SESSION_TOKEN``). tcremedy passes them as the stack's provider configuration
(``tencentcloud:secretId``, ``secretKey``, ``securityToken``, ``region``), the keys as Pulumi
secrets (encrypted with the stack's passphrase, never in plain text), so STS, CVM-role and
tccli-profile-with-token credentials reach the provider exactly as resolved.

Against the local cloud (an ``--endpoint``), the plugin builds ``http://<service>.tencentcloudapi.com/``
from ``tencentcloud:protocol`` HTTP (``connectivity/client.go``) and is pointed at the emulator as
its HTTP proxy (Go's ``http.DefaultTransport`` honours ``HTTP_PROXY``); the emulator routes
absolute-form requests by Host.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ConfigEntry:
    value: str
    secret: bool = False

    def __repr__(self) -> str:  # never show a secret, even in a debugger or a log line
        return f"ConfigEntry({'<secret>' if self.secret else self.value!r})"


def credential_parts(credential: Any) -> tuple[str, str, str]:
    """(SecretId, SecretKey, token) of an SDK credential object, refreshed when it can be."""
    if hasattr(credential, "get_credential_info"):
        secret_id, secret_key, token = credential.get_credential_info()
    else:
        secret_id, secret_key = credential.secret_id, credential.secret_key
        token = getattr(credential, "token", None)
    return str(secret_id or ""), str(secret_key or ""), str(token or "")


def provider_config(credential: Any, region: str, endpoint_url: str) -> dict[str, ConfigEntry]:
    """The ``tencentcloud:*`` stack configuration for this run."""
    secret_id, secret_key, token = credential_parts(credential)
    config = {
        "tencentcloud:secretId": ConfigEntry(secret_id, secret=True),
        "tencentcloud:secretKey": ConfigEntry(secret_key, secret=True),
        "tencentcloud:securityToken": ConfigEntry(token, secret=True),
        "tencentcloud:region": ConfigEntry(region),
    }
    if endpoint_url:
        config["tencentcloud:protocol"] = ConfigEntry("HTTP")
    return config


def provider_env(endpoint_url: str) -> dict[str, str]:
    """Engine environment for the provider path: only the route to a local cloud, no credential."""
    if not endpoint_url:
        return {}
    return {"HTTP_PROXY": endpoint_url.rstrip("/")}
