"""Reading wire parameters: presence and type checks that raise the API's own error codes.

The SDK does no client-side validation (tencent-api.md 1.1), so every handler must check what
it reads. These helpers keep the messages uniform: MissingParameter for an absent required
member, InvalidParameter for a wrong type, InvalidParameterValue for an out-of-range value.
"""

from __future__ import annotations

from typing import Any

from tcremedy.emulator.core.errors import InvalidParameter, InvalidParameterValue, MissingParameter

_MISSING = object()


def _get(params: dict[str, Any], name: str, required: bool) -> Any:
    value = params.get(name, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise MissingParameter(name)
        return _MISSING
    return value


def string(
    params: dict[str, Any], name: str, default: str | None = None, *, required: bool = False
) -> str | None:
    value = _get(params, name, required)
    if value is _MISSING:
        return default
    if not isinstance(value, str):
        raise InvalidParameter(f"The parameter `{name}` must be a string.")
    if required and not value:
        raise MissingParameter(name)
    return value


def integer(
    params: dict[str, Any],
    name: str,
    default: int | None = None,
    *,
    required: bool = False,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    value = _get(params, name, required)
    if value is _MISSING:
        return default
    if isinstance(value, bool):
        raise InvalidParameter(f"The parameter `{name}` must be an integer.")
    if isinstance(value, str):  # some official examples send numbers as strings
        try:
            value = int(value)
        except ValueError:
            raise InvalidParameter(f"The parameter `{name}` must be an integer.") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise InvalidParameter(f"The parameter `{name}` must be an integer.")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        bounds = f"[{'' if minimum is None else minimum}, {'' if maximum is None else maximum}]"
        raise InvalidParameterValue(f"The value `{value}` of parameter `{name}` is out of range {bounds}.")
    return value


def boolean(params: dict[str, Any], name: str, default: bool = False) -> bool:
    value = _get(params, name, False)
    if value is _MISSING:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidParameter(f"The parameter `{name}` must be a boolean.")


def obj(params: dict[str, Any], name: str, *, required: bool = False) -> dict[str, Any] | None:
    value = _get(params, name, required)
    if value is _MISSING:
        return None
    if not isinstance(value, dict):
        raise InvalidParameter(f"The parameter `{name}` must be an object.")
    return value


def str_list(
    params: dict[str, Any], name: str, *, required: bool = False, max_items: int | None = None
) -> list[str] | None:
    value = _get(params, name, required)
    if value is _MISSING:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidParameter(f"The parameter `{name}` must be an array of strings.")
    if required and not value:
        raise MissingParameter(name)
    if max_items is not None and len(value) > max_items:
        raise InvalidParameterValue(
            f"The parameter `{name}` accepts at most {max_items} items, got {len(value)}.",
            code="InvalidParameterValue.LimitExceeded",
        )
    return value


def obj_list(params: dict[str, Any], name: str, *, required: bool = False) -> list[dict[str, Any]] | None:
    value = _get(params, name, required)
    if value is _MISSING:
        return None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InvalidParameter(f"The parameter `{name}` must be an array of objects.")
    return value


def filters(
    params: dict[str, Any], *, max_filters: int = 10, max_values: int = 5, error_code: str = "InvalidFilter"
) -> list[tuple[str, list[str]]]:
    """``Filters: [{Name, Values}]`` as (name, values) pairs; AND between, OR within."""
    raw = obj_list(params, "Filters") or []
    if len(raw) > max_filters:
        raise InvalidParameterValue(f"At most {max_filters} filters are allowed.", code=f"{error_code}")
    out = []
    for i, item in enumerate(raw):
        name, values = item.get("Name"), item.get("Values")
        if not isinstance(name, str) or not name:
            raise MissingParameter(f"Filters.{i}.Name")
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise InvalidParameter(f"`Filters.{i}.Values` must be an array of strings.")
        if len(values) > max_values:
            raise InvalidParameterValue(
                f"Filter `{name}` accepts at most {max_values} values.",
                code="InvalidFilterValue.LimitExceeded",
            )
        out.append((name, values))
    return out


def paging(params: dict[str, Any], *, default_limit: int = 20, max_limit: int = 100) -> tuple[int, int]:
    offset = integer(params, "Offset", 0, minimum=0)
    limit = integer(params, "Limit", default_limit, minimum=0, maximum=max_limit)
    assert offset is not None and limit is not None
    return offset, limit
