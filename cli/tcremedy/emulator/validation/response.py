"""Check a response body against ``<Action>Response`` of the installed SDK: every declared member
present, each of its declared type (nested structures too). For the emulator's tests.

The member's own documentation decides two exceptions: "可能返回 null" allows null, and a member
documented as input-only or not always returned ("仅用于 RunInstances", "仅用于入参", "则不返回") may be
absent.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from tcremedy.sdk_models import Field, RequestModelError, model_fields, models_module

_TYPES: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "bool": (bool,), "float": (int, float)}


def check_response(
    service: str, action: str, body: dict[str, Any], *, allow_null: frozenset[str] = frozenset()
) -> list[str]:
    """Problems with ``body`` (the ``Response`` object, RequestId optional); [] when it fits.

    ``allow_null``: member paths the model documents as "可能返回 null" that the emulator leaves null.
    """
    try:
        fields = model_fields(service, f"{action}Response")
    except RequestModelError as exc:
        return [str(exc)]
    problems: list[str] = []
    _object(service, f"{action}Response", fields, body, action, problems, allow_null, skip={"RequestId"})
    return problems


@cache
def _documented(service: str, model: str, name: str) -> tuple[bool, bool]:
    """(may be null, may be absent) as the member's SDK docstring says."""
    prop = getattr(getattr(models_module(service), model, None), name, None)
    doc = (prop.fget.__doc__ or "") if isinstance(prop, property) and prop.fget else ""
    optional = any(w in doc for w in ("仅用于 RunInstances", "仅用于入参", "则不返回"))
    return "可能返回 null" in doc, optional


def _object(
    service: str,
    model: str,
    fields: dict[str, Field],
    data: Any,
    where: str,
    problems: list[str],
    allow_null: frozenset[str],
    skip: set[str] | None = None,
) -> None:
    if not isinstance(data, dict):
        problems.append(f"{where}: expected an object, got {type(data).__name__}")
        return
    for name, spec in fields.items():
        if skip and name in skip:
            continue
        path = f"{where}.{name}"
        nullable, optional = _documented(service, model, name)
        if name not in data:
            if not optional:
                problems.append(f"{path}: missing")
            continue
        value = data[name]
        if value is None:
            if not nullable and name not in allow_null and path not in allow_null:
                problems.append(f"{path}: null")
            continue
        if spec.is_list:
            if not isinstance(value, list):
                problems.append(f"{path}: expected a list, got {type(value).__name__}")
                continue
            for n, item in enumerate(value):
                _one(service, spec, item, f"{path}[{n}]", problems, allow_null)
        else:
            _one(service, spec, value, path, problems, allow_null)


def _one(
    service: str, spec: Field, value: Any, path: str, problems: list[str], allow_null: frozenset[str]
) -> None:
    if spec.is_model:
        _object(service, spec.kind, model_fields(service, spec.kind), value, path, problems, allow_null)
        return
    wanted = _TYPES.get(spec.kind)
    if wanted and (not isinstance(value, wanted) or (spec.kind != "bool" and isinstance(value, bool))):
        problems.append(f"{path}: expected {spec.kind}, got {type(value).__name__}")
