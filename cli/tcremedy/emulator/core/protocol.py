"""API 3.0 over HTTP, without the sockets: request in, envelope out.

``handle_api`` takes one parsed HTTP request, checks its TC3 signature, routes it on
(service from the credential scope, X-TC-Version, X-TC-Action), runs the handler under the
world lock and returns the JSON envelope. Every outcome is HTTP 200 with
``Content-Type: application/json`` exactly (the SDK ignores error bodies otherwise, tencent-api.md 1.4).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tcremedy.emulator.core import signing
from tcremedy.emulator.core.dispatch import resolve
from tcremedy.emulator.core.errors import (
    ApiError,
    InternalError,
    InvalidParameter,
    MissingParameter,
    TokenFailure,
)
from tcremedy.emulator.core.holds import Holds
from tcremedy.emulator.core.world import World
from tcremedy.emulator.validation import validate_request

CONTENT_TYPE = "application/json"
Admit = Callable[[str, str, str, str], None]  # (secret_id, region, service, action); raises to refuse
READ_PREFIXES = ("Describe", "Get", "Inquiry", "Inquire")
REGIONLESS_SERVICES = frozenset({"tag"})


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str  # origin-form "/" or absolute-form "http://cvm.tencentcloudapi.com/" (forward proxy)
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""

    @property
    def path_and_query(self) -> tuple[str, str]:
        parts = urlsplit(self.target)
        return parts.path or "/", parts.query


@dataclass
class ApiOutcome:
    body: bytes
    service: str = ""
    action: str = ""
    mutated: bool = False  # a successful state-changing action (persistence saves after it)
    error_code: str = ""
    dropped: bool = False  # a hold released with `drop`: close the connection without answering
    cut: bool = False  # a hold released with `cut`: half the answer, then close the connection
    extra: dict[str, Any] = field(default_factory=dict)


def new_request_id() -> str:
    return str(uuid.uuid4())


class PreEncoded(list):  # type: ignore[type-arg]
    """A list of JSON objects that also carries each item's JSON text (cached by a backend).

    In-process callers see an ordinary list; the envelope splices the texts in instead of
    encoding the items again, which keeps large pages (100 instances) cheap to serve.
    """

    def __init__(self, items: list[Any], texts: list[str]) -> None:
        super().__init__(items)
        self.texts = texts


def envelope(payload: dict[str, Any], request_id: str) -> bytes:
    payload["RequestId"] = request_id
    spliced: dict[str, str] = {}
    for key, value in payload.items():
        if isinstance(value, PreEncoded):
            token = f"__tcremedy_pre_encoded_{len(spliced)}__"
            spliced[f'"{token}"'] = "[" + ",".join(value.texts) + "]"
            payload[key] = token
    text = json.dumps({"Response": payload}, ensure_ascii=False, separators=(",", ":"))
    for token, array in spliced.items():
        text = text.replace(token, array, 1)
    return text.encode("utf-8")


def error_envelope(error: ApiError, request_id: str) -> bytes:
    return envelope({"Error": {"Code": error.code, "Message": error.message}}, request_id)


def _unflatten(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """GET form ``InstanceIds.0=a&Filters.0.Name=zone`` -> nested dicts/lists (0-based).

    An index can be at most the number of parameters (a list cannot be longer than what was
    sent), so ``InstanceIds.10000000`` is an ``InvalidParameter``, not ten million slots.
    """
    root: dict[str, Any] = {}
    for key, value in pairs:
        node: Any = root
        parts = key.split(".")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt_is_index = not last and parts[i + 1].isdigit()
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(pairs):
                    raise InvalidParameter(f"The parameter `{key[:100]}` has an index out of range.")
                idx = int(part)
                while len(node) <= idx:
                    node.append(None)
                if last:
                    node[idx] = value
                else:
                    if node[idx] is None:
                        node[idx] = [] if nxt_is_index else {}
                    node = node[idx]
            else:
                if not isinstance(node, dict):
                    raise InvalidParameter(f"The parameter `{key[:100]}` mixes a value and a structure.")
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, [] if nxt_is_index else {})
    return root


def parse_params(request: HttpRequest, query: str) -> dict[str, Any]:
    if request.method == "GET":
        return _unflatten(parse_qsl(query, keep_blank_values=True))
    if not request.body.strip():
        return {}
    try:
        params = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise InvalidParameter("The request body is not valid JSON.") from None
    if not isinstance(params, dict):
        raise InvalidParameter("The request body must be a JSON object.")
    return params


def handle_api(
    request: HttpRequest,
    world: World,
    credentials: Mapping[str, str],
    *,
    default_region: str,
    now: Callable[[], float] | None = None,
    holds: Holds | None = None,
    tokens: Mapping[str, str] | None = None,
    admit: Admit | None = None,
) -> ApiOutcome:
    """Authenticate, route and run one API request; never raises for API-level problems.

    With ``holds``, the request is tracked while in flight and may be held before it runs and
    after it ran (see ``holds.py``). ``tokens``: SecretId -> the session token its requests must
    carry in ``X-TC-Token`` (temporary credentials). ``admit(secret_id, region, service, action)``
    may refuse an authenticated request before it runs by raising an ApiError (the rate limiter,
    ``ratelimit.py``).
    """
    request_id = new_request_id()
    outcome = ApiOutcome(body=b"")
    try:
        _run(
            request, world, credentials, default_region, now, holds, admit, request_id, outcome, tokens or {}
        )
    finally:
        if holds is not None:
            holds.finished(request_id)
    return outcome


def _run(
    request: HttpRequest,
    world: World,
    credentials: Mapping[str, str],
    default_region: str,
    now: Callable[[], float] | None,
    holds: Holds | None,
    admit: Admit | None,
    request_id: str,
    outcome: ApiOutcome,
    tokens: Mapping[str, str],
) -> None:
    try:
        if request.method not in ("POST", "GET"):
            raise ApiError("Only GET and POST over HTTP(S) are supported.", code="UnsupportedProtocol")
        _, query = request.path_and_query
        auth = signing.verify(
            method=request.method,
            query=query if request.method == "GET" else "",
            headers=request.headers,
            body=request.body,
            credentials=credentials,
            now=now() if now else None,
        )
        wanted_token = tokens.get(auth.secret_id)
        if wanted_token is not None and request.headers.get("x-tc-token", "") != wanted_token:
            raise TokenFailure()
        action = request.headers.get("x-tc-action", "")
        version = request.headers.get("x-tc-version", "")
        if not action:
            raise MissingParameter("Action")
        if not version:
            raise MissingParameter("Version")
        outcome.service, outcome.action = auth.service, action
        handler = resolve(auth.service, version, action)
        region_name = request.headers.get("x-tc-region", "")
        if not region_name:
            if auth.service not in REGIONLESS_SERVICES:
                raise MissingParameter("Region")
            region_name = default_region
        if admit is not None:
            admit(auth.secret_id, region_name, auth.service, action)
        params = parse_params(request, query)
        try:
            validate_request(auth.service, action, params, form=request.method == "GET")  # SDK request model
        except ApiError as exc:
            client = request.headers.get("x-tc-requestclient", "") or str(params.get("RequestClient", ""))
            if client.endswith("; tcremedy"):
                world.model_rejections.append(f"{auth.service}.{action}: {exc}")
            raise
        if holds is not None:
            holds.started(request_id, auth.service, action)
            verdict = holds.checkpoint(request_id, auth.service, action, "before")
            if verdict == "drop":
                outcome.dropped = True
                return
            outcome.cut = verdict == "cut"
        with world.lock:
            result = handler(world.region(region_name), params)
        outcome.mutated = not action.startswith(READ_PREFIXES)
        outcome.body = envelope(dict(result), request_id)
        if holds is not None:
            verdict = holds.checkpoint(request_id, auth.service, action, "after")
            outcome.dropped = verdict == "drop"
            outcome.cut = outcome.cut or verdict == "cut"
    except ApiError as exc:
        outcome.error_code = exc.code
        outcome.body = error_envelope(exc, request_id)
    except Exception as exc:  # a bug in a handler must still answer like the cloud does
        outcome.error_code = InternalError.code
        outcome.body = error_envelope(
            InternalError(f"An internal error has occurred: {type(exc).__name__}."), request_id
        )
        outcome.extra["exception"] = exc
