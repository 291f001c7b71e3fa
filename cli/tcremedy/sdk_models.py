"""The installed SDK's request models as the one source of parameter names and types.

Every request tcremedy sends is a plain dict (the SDK's ``call_json``), but its names and types are
checked against — and scalar types coerced to — the request model the SDK ships for that action
(``tencentcloud/<svc>/<ver>/models.py``: ``<Action>Request``, each property's ``:rtype:``). So
``DescribeNetworkAcls`` gets integer ``Offset``/``Limit`` and ``DescribeSubnets`` string ones because
the models say so, not because someone remembered. Neutral module: the collector and the local
cloud's request validation both use it.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

# service -> API version tcremedy speaks (X-TC-Version; the SDK package is tencentcloud/<svc>/v<yyyymmdd>/)
VERSIONS: dict[str, str] = {
    "cvm": "2017-03-12",
    "vpc": "2017-03-12",
    "monitor": "2018-07-24",
    "tat": "2020-10-28",
    "cbs": "2017-03-12",
    "tag": "2018-08-13",
}

SCALARS = frozenset({"str", "int", "bool", "float"})
_RTYPE = re.compile(r":rtype:\s*(.+)")
_INIT_TYPE = re.compile(r":type (\w+):\s*(.+)")
_CLASS = re.compile(r":class:`[\w.]*\.(\w+)`")


class RequestModelError(ValueError):
    """A request that does not fit the SDK's model for its action (a bug in the caller)."""


@dataclass(frozen=True, slots=True)
class Field:
    """One declared attribute: a scalar kind (``str``/``int``/``bool``/``float``) or a model name."""

    kind: str
    is_list: bool = False
    is_model: bool = field(init=False, compare=False)  # kept, not derived per member checked

    def __post_init__(self) -> None:
        object.__setattr__(self, "is_model", self.kind not in SCALARS)


def _parse_rtype(text: str) -> Field:
    text = text.strip()
    is_list = text.startswith("list of ")
    if is_list:
        text = text[len("list of ") :]
    match = _CLASS.match(text)
    kind = match.group(1) if match else text.split()[0]  # "int non-negative" -> int
    return Field(kind, is_list)


@cache
def models_module(service: str) -> Any:
    try:
        version = VERSIONS[service]
    except KeyError:
        raise RequestModelError(f"unknown service {service!r}") from None
    return importlib.import_module(f"tencentcloud.{service}.v{version.replace('-', '')}.models")


@cache
def model_fields(service: str, model: str) -> dict[str, Field]:
    """Attribute name -> Field for the SDK model class ``model`` of ``service``."""
    cls = getattr(models_module(service), model, None)
    if cls is None:
        raise RequestModelError(f"the SDK has no model {service}.{model}")
    out: dict[str, Field] = {}
    for name, attr in vars(cls).items():
        if isinstance(attr, property) and attr.fget is not None and not name.startswith("_"):
            match = _RTYPE.search(attr.fget.__doc__ or "")
            if match:
                out[name] = _parse_rtype(match.group(1))
    # Deprecated members (e.g. StopInstancesRequest.ForceStop) keep a property without a docstring;
    # their type is still declared in __init__'s ":type Name:" lines, and they remain parameters.
    for match in _INIT_TYPE.finditer(cls.__init__.__doc__ or ""):
        out.setdefault(match.group(1), _parse_rtype(match.group(2)))
    return out


def request_fields(service: str, action: str) -> dict[str, Field]:
    """Parameter name -> Field of ``<action>Request``."""
    return model_fields(service, f"{action}Request")


class _Retry(Exception):
    """Raised in fast mode (no paths built); conform_request re-runs with paths for the message."""


def _fail(where: str | None, message: str) -> RequestModelError:
    if where is None:
        raise _Retry
    return RequestModelError(f"{where}{message}")


def _scalar(kind: str, value: Any, where: str | None) -> Any:
    if kind == "str":
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise _fail(where, f": expected a string, got {type(value).__name__}")
        return str(value)
    if kind == "int":
        if isinstance(value, bool):
            raise _fail(where, ": expected an integer, got bool")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.lstrip("-").isdigit():
            return int(value)
        raise _fail(where, f": expected an integer, got {value!r}")
    if kind == "bool":
        if not isinstance(value, bool):
            raise _fail(where, f": expected a boolean, got {value!r}")
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(where, f": expected a number, got {value!r}")
        return value
    raise _fail(where, f": unsupported type {kind}")  # pragma: no cover


def _conform(service: str, model: str, params: Any, where: str | None) -> dict[str, Any]:
    if not isinstance(params, dict):
        raise _fail(where, f": expected an object, got {type(params).__name__}")
    fields = model_fields(service, model)
    out: dict[str, Any] = {}
    for name, value in params.items():
        spec = fields.get(name)
        if spec is None:
            raise _fail(where, f".{name}: not a parameter of the SDK model {model}")
        if value is None:
            continue
        kind = spec.kind
        if not spec.is_list:
            # a string where the model says str, the common case, is taken without a call
            out[name] = (
                value
                if kind == "str" and type(value) is str
                else _value(service, spec, value, (None if where is None else f"{where}.{name}"))
            )
            continue
        if not isinstance(value, list | tuple):
            raise _fail(where, f".{name}: expected a list, got {type(value).__name__}")
        if kind == "str" and all(type(v) is str for v in value):  # the common case, checked cheaply
            out[name] = list(value)
        elif spec.is_model and where is None:
            out[name] = [_conform(service, kind, v, None) for v in value]
        elif spec.is_model:
            out[name] = [_conform(service, kind, v, f"{where}.{name}[{n}]") for n, v in enumerate(value)]
        else:
            out[name] = [
                _scalar(kind, v, (None if where is None else f"{where}.{name}[{n}]"))
                for n, v in enumerate(value)
            ]
    return out


def _value(service: str, spec: Field, value: Any, where: str | None) -> Any:
    if spec.is_model:
        return _conform(service, spec.kind, value, where)
    return _scalar(spec.kind, value, where)


def conform_request(service: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` checked against ``<action>Request`` (names, nesting, types) with scalars coerced to
    the declared type (``1`` -> ``"1"`` where the model says str). Raises RequestModelError."""
    try:
        return _conform(service, f"{action}Request", params, None)  # fast: no path strings
    except _Retry:
        _conform(service, f"{action}Request", params, action)  # again, to name the offending path
        raise AssertionError("unreachable") from None  # pragma: no cover
