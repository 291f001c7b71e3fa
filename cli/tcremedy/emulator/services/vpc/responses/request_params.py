"""Reading the VPC Describe requests' common members: ``Filters``, id lists, ``Offset``/``Limit``,
``OrderField``/``OrderDirection``, ``Tags`` (VPC flavour of the error codes, vpc ``errorcodes.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from tcremedy.emulator.core import params as p
from tcremedy.emulator.core.errors import InvalidParameter, InvalidParameterValue, MissingParameter
from tcremedy.emulator.services.vpc.models.common import check_id, coexist, malformed, out_of_range, text

T = TypeVar("T")
MAX_LIMIT = 100
MAX_IDS = 100

def filters(params: dict[str, Any], allowed: Iterable[str], *, prefixes: tuple[str, ...] = ()
            ) -> list[tuple[str, list[str]]]:
    """``Filters: [{Name, Values}]`` -> (name, values); AND between filters, OR within one."""
    raw = params.get("Filters")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise InvalidParameter("The parameter `Filters` must be an array.")
    allowed = set(allowed)
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise InvalidParameter(f"`Filters.{i}` is not a Name/Values object.",
                                   code="InvalidParameter.FilterNotDict")
        name, values = item.get("Name"), item.get("Values")
        if not isinstance(name, str) or not name:
            raise MissingParameter(f"Filters.{i}.Name")
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise InvalidParameter(f"`Filters.{i}.Values` must be an array of strings.",
                                   code="InvalidParameter.FilterValuesNotList")
        if name not in allowed and not name.startswith(prefixes or ("\0",)):
            valid = ", ".join(sorted(allowed))
            raise InvalidParameter(f"The filter `{name}` is not supported; valid filters: {valid}.",
                                   code="InvalidParameter.FilterInvalidKey")
        out.append((name, values))
    return out

def id_list(params: dict[str, Any], name: str, prefix: str) -> list[str] | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise InvalidParameter(f"The parameter `{name}` must be an array of strings.")
    if len(raw) > MAX_IDS:
        raise InvalidParameterValue(f"`{name}` accepts at most {MAX_IDS} ids.",
                                    code="InvalidParameterValue.LimitExceeded")
    return [check_id(v, prefix, f"{name}.{i}") for i, v in enumerate(raw)]

def ids_or_filters(params: dict[str, Any], ids_name: str) -> None:
    if params.get(ids_name) is not None and params.get("Filters") is not None:
        raise coexist(ids_name, "Filters")

def _as_int(value: Any, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise InvalidParameter(f"The parameter `{name}` must be an integer.")
    if isinstance(value, str):
        if not value.strip().isdigit():
            raise malformed(f"The value `{value}` of `{name}` is not a non-negative integer.")
        value = int(value)
    if not isinstance(value, int):
        raise InvalidParameter(f"The parameter `{name}` must be an integer.")
    return value

def paging(params: dict[str, Any], *, default_limit: int = 20) -> tuple[int, int]:
    """Offset/Limit as string (most VPC Describe actions) or int (DescribeNetworkAcls)."""
    offset = _as_int(params.get("Offset"), "Offset", 0)
    limit = _as_int(params.get("Limit"), "Limit", default_limit)
    if offset < 0:
        raise out_of_range(f"`Offset` must be >= 0, got {offset}.")
    if not 0 <= limit <= MAX_LIMIT:
        raise out_of_range(f"`Limit` must be between 0 and {MAX_LIMIT}, got {limit}.")
    return offset, limit

def order(items: list[T], params: dict[str, Any], keys: dict[str, Callable[[T], Any]]) -> list[T]:
    """Apply ``OrderField``/``OrderDirection`` (creation order when no field is given)."""
    field_name = params.get("OrderField")
    direction = params.get("OrderDirection") or "ASC"
    if direction not in ("ASC", "DESC"):
        raise out_of_range(f"`OrderDirection` must be ASC or DESC, got `{direction}`.")
    if field_name is None or field_name == "":
        return list(reversed(items)) if direction == "DESC" else list(items)
    if field_name not in keys:
        raise out_of_range(f"`OrderField` must be one of {', '.join(keys)}, got `{field_name}`.")
    return sorted(items, key=keys[field_name], reverse=direction == "DESC")

def tags_in(params: dict[str, Any]) -> list[dict[str, str]]:
    raw = params.get("Tags")
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise InvalidParameter("The parameter `Tags` must be an array of {Key, Value} objects.")
    out = []
    for i, tag in enumerate(raw):
        key = text(tag.get("Key"), f"Tags.{i}.Key")
        if not key:
            raise MissingParameter(f"Tags.{i}.Key")
        out.append({"Key": key, "Value": text(tag.get("Value"), f"Tags.{i}.Value")})
    return out


def extra_members(params: dict[str, Any], name: str, key: str) -> list[tuple[str, str]] | None:
    """``AddressesExtra`` / ``ServicesExtra``: each ``{key, Description}`` item as (value, description)."""
    items = p.obj_list(params, name)
    if items is None:
        return None
    out = []
    for i, item in enumerate(items):
        value = item.get(key)
        if not isinstance(value, str) or not value:
            raise MissingParameter(f"{name}.{i}.{key}")
        desc = item.get("Description") or ""
        if not isinstance(desc, str):
            raise InvalidParameter(f"`{name}.{i}.Description` must be a string.")
        out.append((value, desc))
    return out


def direction_lists(params: dict[str, Any], name: str, noun: str
                    ) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]] | None]]:
    """A required ``{Ingress: [...], Egress: [...]}`` set (SecurityGroupPolicySet, NetworkAclEntrySet,
    NetworkAclQuintupleSet): the object, and each direction's list of ``noun`` objects (None: absent)."""
    raw = params.get(name)
    if raw is None:
        raise MissingParameter(name)
    if not isinstance(raw, dict):
        raise InvalidParameter(f"The parameter `{name}` must be an object.")
    lists: dict[str, list[dict[str, Any]] | None] = {}
    for direction in ("Ingress", "Egress"):
        value = raw.get(direction)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, dict) for v in value)):
            raise InvalidParameter(f"`{name}.{direction}` must be an array of {noun}.")
        lists[direction] = value
    return raw, lists


def text_members(raw: dict[str, Any], where: str, names: dict[str, str]) -> dict[str, str]:
    """The string members of the object ``raw`` (at ``where``): field -> value ("" when absent)."""
    return {field: text(raw.get(member), f"{where}.{member}") for field, member in names.items()}
