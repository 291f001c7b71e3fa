"""Check one request's parameters against ``<Action>Request`` of the installed SDK (see package doc)."""

from __future__ import annotations

from typing import Any

from tcremedy.emulator.core.errors import (
    InvalidParameter,
    InvalidParameterValue,
    MissingParameter,
    UnknownParameter,
)
from tcremedy.emulator.validation.rules import MAX_ITEMS, RANGES, REQUIRED
from tcremedy.sdk_models import Field, RequestModelError, model_fields

# Common parameters a legacy (v1-signed) or GET request carries next to the action's own members.
COMMON = frozenset(
    {
        "Action",
        "Version",
        "Region",
        "Timestamp",
        "Nonce",
        "SecretId",
        "Signature",
        "SignatureMethod",
        "Token",
        "Language",
        "RequestClient",
    }
)
_KINDS = {"str": "a string", "int": "an integer", "bool": "a boolean", "float": "a number"}


def validate_request(service: str, action: str, params: dict[str, Any], *, form: bool = False) -> None:
    """Raise the API's error for the first problem; ``form``: a GET request (every scalar is text)."""
    try:
        fields = model_fields(service, f"{action}Request")
    except RequestModelError:
        return  # an action the SDK has no model for is not ours to judge (the router answers it)
    _members(service, fields, params, (), form=form, top=True)
    for path in REQUIRED.get((service, action), ()):
        if _absent(params.get(path)):
            raise MissingParameter(path)
    for name, most in MAX_ITEMS.get((service, action), {}).items():
        value = params.get(name)
        if isinstance(value, list) and len(value) > most:
            raise InvalidParameterValue(
                f"The parameter `{name}` accepts at most {most} items, got {len(value)}.",
                code="InvalidParameterValue.LimitExceeded",
            )
    for name, (low, high) in RANGES.get((service, action), {}).items():
        value = params.get(name)
        if value is None:
            continue
        number = int(value)  # the type check above guarantees an integer (or its text in a form)
        if number > high:
            raise InvalidParameterValue(
                f"The value {number} of `{name}` is above its limit {high}.",
                code="InvalidParameterValue.LimitExceeded",
            )
        if number < low:
            raise InvalidParameterValue(
                f"The value {number} of `{name}` is below its minimum {low}.",
                code="InvalidParameterValue.Range",
            )


def _absent(value: Any) -> bool:
    return value is None or value == "" or value == []


Where = tuple[str | int, ...]  # the path to a member: names and list indexes, rendered only for a message


def _path(where: Where) -> str:
    return ".".join(str(part) for part in where)


def _members(
    service: str,
    fields: dict[str, Field],
    params: dict[str, Any],
    where: Where,
    *,
    form: bool,
    top: bool = False,
) -> None:
    # Paths are built only for an error message: a GetMonitorData request has 50 instances x their
    # dimensions, and formatting every member's path cost more than checking it.
    for name, value in params.items():
        spec = fields.get(name)
        if spec is None:
            if top and name in COMMON:
                continue
            raise UnknownParameter(f"The parameter `{_path((*where, name))}` is not recognized.")
        if value is None or (spec.kind == "str" and type(value) is str and not spec.is_list):
            continue  # a string where the model says str, the common case, is checked without a call
        if spec.is_list:
            if not isinstance(value, list):
                raise InvalidParameter(f"The parameter `{_path((*where, name))}` must be an array.")
            for n, item in enumerate(value):
                _value(service, spec, item, where, name, n, form=form)
        else:
            _value(service, spec, value, where, name, None, form=form)


def _value(
    service: str, spec: Field, value: Any, where: Where, name: str, n: int | None, *, form: bool
) -> None:
    if spec.is_model:
        here = (*where, name) if n is None else (*where, name, n)
        if not isinstance(value, dict):
            raise InvalidParameter(f"The parameter `{_path(here)}` must be an object ({spec.kind}).")
        _members(service, model_fields(service, spec.kind), value, here, form=form)
        return
    if not _scalar_ok(spec.kind, value, form):
        here = (*where, name) if n is None else (*where, name, n)
        raise InvalidParameter(
            f"The parameter `{_path(here)}` must be {_KINDS.get(spec.kind, spec.kind)}, "
            f"got {type(value).__name__} {str(value)[:40]!r}."
        )


def _scalar_ok(kind: str, value: Any, form: bool) -> bool:
    if form and isinstance(value, str):  # GET: every value is text; it must read as the type
        if kind == "int":
            return value.lstrip("-").isdigit()
        if kind == "bool":
            return value.lower() in ("true", "false")
        if kind == "float":
            try:
                float(value)
            except ValueError:
                return False
        return True
    if kind == "str":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return True
