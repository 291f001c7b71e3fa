"""Plain Python values <-> ``PropertyValue`` (numbers travel as floats on the wire)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pulumi.provider.experimental.property_value import Computed, PropertyValue


def plain(value: PropertyValue) -> Any:
    inner = value.value
    if isinstance(inner, Computed):
        return Computed()
    if isinstance(inner, float) and inner.is_integer():
        return int(inner)
    if isinstance(inner, tuple):
        return [plain(v) for v in inner]
    if isinstance(inner, Mapping):
        return {k: plain(v) for k, v in inner.items()}
    return inner


def plain_map(values: Mapping[str, PropertyValue]) -> dict[str, Any]:
    return {k: plain(v) for k, v in values.items()}


def secret_keys(values: Mapping[str, PropertyValue]) -> set[str]:
    return {k for k, v in values.items() if v.is_secret}


def wire(value: Any, secret: bool = False) -> PropertyValue:
    if isinstance(value, PropertyValue):
        return value
    if isinstance(value, bool) or value is None or isinstance(value, str):
        out = PropertyValue(value)
    elif isinstance(value, int | float):
        out = PropertyValue(float(value))
    elif isinstance(value, Mapping):
        out = PropertyValue({k: wire(v) for k, v in value.items()})
    elif isinstance(value, Iterable):
        out = PropertyValue([wire(v) for v in value])
    else:
        raise TypeError(f"cannot send {type(value).__name__}")
    return out.with_secret(True) if secret else out


def wire_map(values: Mapping[str, Any], secrets: Iterable[str] = ()) -> dict[str, PropertyValue]:
    hidden = set(secrets)
    return {k: wire(v, k in hidden) for k, v in values.items() if v is not None}
