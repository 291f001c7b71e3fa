"""TC3-HMAC-SHA256: parse the Authorization header and verify a request's signature (pure).

The recipe follows tencent-api.md 1.2: canonical headers are rebuilt from the SignedHeaders the
client declared, in that order, with the values as received (and, as the official example does,
lower-cased as a fallback); the payload hash is over the raw body bytes; the Host header is used
exactly as received.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from tcremedy.emulator.core.errors import (
    InvalidAuthorization,
    SecretIdNotFound,
    SignatureExpire,
    SignatureFailure,
)

ALGORITHM = "TC3-HMAC-SHA256"
MAX_SKEW_SECONDS = 300
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


@dataclass(frozen=True)
class Authorization:
    secret_id: str
    date: str  # yyyy-mm-dd of the credential scope
    service: str
    signed_headers: tuple[str, ...]
    signature: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.service}/tc3_request"


def parse_authorization(header: str) -> Authorization:
    """Split ``TC3-HMAC-SHA256 Credential=id/date/svc/tc3_request, SignedHeaders=..., Signature=...``."""
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != ALGORITHM or not rest:
        raise InvalidAuthorization()
    parts: dict[str, str] = {}
    for item in rest.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            raise InvalidAuthorization()
        parts[key.strip()] = value.strip()
    try:
        credential, signed, signature = parts["Credential"], parts["SignedHeaders"], parts["Signature"]
    except KeyError:
        raise InvalidAuthorization() from None
    scope = credential.split("/")
    if len(scope) != 4 or scope[3] != "tc3_request" or not all(scope) or not signed or not signature:
        raise InvalidAuthorization()
    return Authorization(
        scope[0], scope[1], scope[2], tuple(h.strip().lower() for h in signed.split(";")), signature.lower()
    )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_request(
    method: str,
    query: str,
    headers: Mapping[str, str],
    signed_headers: tuple[str, ...],
    payload_hash: str,
    *,
    lower_values: bool = False,
) -> str:
    lines = []
    for name in signed_headers:
        value = headers.get(name, "").strip()
        lines.append(f"{name}:{value.lower() if lower_values else value}\n")
    return "\n".join([method.upper(), "/", query, "".join(lines), ";".join(signed_headers), payload_hash])


@lru_cache(maxsize=256)
def signing_key(secret_key: str, date: str, service: str) -> bytes:
    def mac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()

    return mac(mac(mac(("TC3" + secret_key).encode("utf-8"), date), service), "tc3_request")


def signature(secret_key: str, date: str, service: str, timestamp: str, canonical: str) -> str:
    string_to_sign = "\n".join(
        [ALGORITHM, timestamp, f"{date}/{service}/tc3_request", sha256_hex(canonical.encode("utf-8"))]
    )
    return hmac.new(
        signing_key(secret_key, date, service), string_to_sign.encode("utf-8"), hashlib.sha256
    ).hexdigest()


def verify(
    *,
    method: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    credentials: Mapping[str, str],
    now: float | None = None,
) -> Authorization:
    """Check a request's TC3 signature; return the parsed Authorization or raise an AuthFailure.

    ``headers`` must be keyed by lower-case names. Order of checks: header format, SecretId,
    timestamp skew, signature.
    """
    auth_header = headers.get("authorization")
    if not auth_header:
        raise InvalidAuthorization("The request is missing the Authorization header.")
    auth = parse_authorization(auth_header)
    secret_key = credentials.get(auth.secret_id)
    if secret_key is None:
        raise SecretIdNotFound()
    timestamp = headers.get("x-tc-timestamp", "")
    try:
        skew = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        raise InvalidAuthorization("X-TC-Timestamp is missing or not an integer.") from None
    if skew > MAX_SKEW_SECONDS:
        raise SignatureExpire()
    if auth.date != time.strftime("%Y-%m-%d", time.gmtime(int(timestamp))):
        raise SignatureFailure("The credential scope date does not match X-TC-Timestamp (UTC).")
    if headers.get("x-tc-content-sha256", "") == UNSIGNED_PAYLOAD:
        payload_hash = sha256_hex(UNSIGNED_PAYLOAD.encode())
    else:
        payload_hash = sha256_hex(body)
    for lower in (False, True):
        canonical = canonical_request(
            method, query, headers, auth.signed_headers, payload_hash, lower_values=lower
        )
        expected = signature(secret_key, auth.date, auth.service, timestamp, canonical)
        if hmac.compare_digest(expected, auth.signature):
            return auth
    raise SignatureFailure()
