"""Helpers shared by the VPC models: time stamps, ids, filters, paging, CIDR and port checks.

Every check raises the VPC API's own error code (tencent-api.md 3.x, vpc ``errorcodes.py``).
"""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from tcremedy.emulator.core.errors import (
    ApiError,
    InvalidParameter,
    InvalidParameterValue,
    MissingParameter,
    ResourceNotFound,
)

T = TypeVar("T")

BEIJING_OFFSET = 8 * 3600  # the API reports times in China Standard Time, "YYYY-MM-DD hh:mm:ss"


def api_time(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch + BEIJING_OFFSET))


def malformed(message: str) -> InvalidParameterValue:
    return InvalidParameterValue(message, code="InvalidParameterValue.Malformed")


def out_of_range(message: str) -> InvalidParameterValue:
    return InvalidParameterValue(message, code="InvalidParameterValue.Range")


def too_long(name: str, limit: int) -> InvalidParameterValue:
    return InvalidParameterValue(f"The value of `{name}` is longer than {limit} characters.",
                                 code="InvalidParameterValue.TooLong")


def coexist(*names: str) -> InvalidParameter:
    listed = ", ".join(f"`{n}`" for n in names)
    return InvalidParameter(f"The parameters {listed} cannot be specified together.",
                            code="InvalidParameter.Coexist")


def not_found(kind: str, ident: str) -> ResourceNotFound:
    return ResourceNotFound(f"The {kind} `{ident}` does not exist.")


def in_use(message: str, code: str = "ResourceInUse") -> ApiError:
    return ApiError(message, code=code)


def check_id(ident: Any, prefix: str, name: str) -> str:
    """Reject ids of the wrong shape (``Malformed``); existence is checked by the caller."""
    if not isinstance(ident, str) or not ident:
        raise MissingParameter(name)
    if not re.fullmatch(rf"{re.escape(prefix)}-[0-9a-z]{{1,32}}", ident):
        raise malformed(f"The value `{ident}` of `{name}` is not a valid {prefix}- id.")
    return ident


def lookup(table: dict[str, T], ident: Any, prefix: str, name: str, kind: str) -> T:
    """The resource with id ``ident`` (parameter ``name``): malformed, then unknown, ids raise."""
    check_id(ident, prefix, name)
    if ident not in table:
        raise not_found(kind, ident)
    return table[ident]


def check_name(value: str, name: str, limit: int = 60) -> str:
    if len(value) > limit:
        raise too_long(name, limit)
    return value


def text(value: Any, name: str, default: str = "") -> str:
    """An optional string member of a nested object ("" when absent)."""
    if value is None:
        return default
    if not isinstance(value, str):
        raise InvalidParameter(f"The parameter `{name}` must be a string.")
    return value


def ipv4_cidr(value: str, name: str) -> str:
    """An IPv4 address or network; host bits are allowed (the console accepts ``10.0.0.5/24``)."""
    return _cidr(value, name, 4)


def ipv6_cidr(value: str, name: str) -> str:
    """An IPv6 address or network; host bits are allowed."""
    return _cidr(value, name, 6)


def _cidr(value: str, name: str, version: int) -> str:
    problem = malformed(f"The value `{value}` of `{name}` is not a valid IPv{version} CIDR or address.")
    try:
        net = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise problem from None
    if net.version != version or (version == 4 and (value.count("/") > 1 or ":" in value)):
        raise problem
    return value


def network(value: str, name: str) -> ipaddress.IPv4Network:
    """A strict IPv4 network (VPC and subnet CIDRs must not have host bits set)."""
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise malformed(f"The value `{value}` of `{name}` is not a valid IPv4 CIDR block.") from None
    if not isinstance(net, ipaddress.IPv4Network) or "/" not in value:
        raise malformed(f"The value `{value}` of `{name}` is not a valid IPv4 CIDR block.")
    return net


def _port_number(text_: str, name: str) -> int:
    if not text_.isdigit():
        raise malformed(f"The port `{text_}` in `{name}` is not a number.")
    port = int(text_)
    if not 1 <= port <= 65535:
        raise out_of_range(f"The port `{port}` in `{name}` is outside 1-65535.")
    return port


def port_spec(value: str, name: str, *, allow_list: bool) -> str:
    """Validate ``ALL`` | ``3389`` | ``3389,3390`` (security groups only) | ``3000-4000``; normalised."""
    value = value.strip()
    if value.upper() == "ALL":
        return "ALL"
    if "-" in value:
        low, _, high = value.partition("-")
        lo, hi = _port_number(low.strip(), name), _port_number(high.strip(), name)
        if lo > hi:
            raise out_of_range(f"The port range `{value}` in `{name}` starts after it ends.")
        return f"{lo}-{hi}"
    if "," in value:
        if not allow_list:
            raise malformed(f"The value `{value}` of `{name}` must be ALL, a port or a range such as 10-20.")
        return ",".join(str(_port_number(p.strip(), name)) for p in value.split(","))
    return str(_port_number(value, name))


# ---------------------------------------------------------------------------------------------
# Selecting and paging typed items (the requests' Filters/Offset/Limit are read in the responses
# layer: ``responses.request_params``)












def page(items: list[T], offset: int, limit: int) -> tuple[list[T], int]:
    return items[offset:offset + limit], len(items)




def select(items: Iterable[T], flt: list[tuple[str, list[str]]],
           match: Callable[[T, str, list[str]], bool]) -> list[T]:
    return [item for item in items if all(match(item, name, values) for name, values in flt)]




def tag_match(tags: list[dict[str, str]], name: str, values: list[str]) -> bool | None:
    """The shared ``tag-key`` / ``tag:<key>`` filters; None when ``name`` is not a tag filter."""
    if name == "tag-key":
        return any(t["Key"] in values for t in tags)
    if name.startswith("tag:"):
        key = name[4:]
        return any(t["Key"] == key and t["Value"] in values for t in tags)
    return None


def with_tags(match: Callable[[T, str, list[str]], bool]) -> Callable[[T, str, list[str]], bool]:
    """``match`` (a ``select`` matcher) extended with the tag filters, for items with ``.tags``."""

    def tagged_match(item: T, name: str, values: list[str]) -> bool:
        tagged = tag_match(item.tags, name, values)  # type: ignore[attr-defined]
        return match(item, name, values) if tagged is None else tagged

    return tagged_match


def ensure(condition: bool, error: ApiError) -> None:
    if not condition:
        raise error


def template_members(plain: list[str] | None, extra: list[tuple[str, str]] | None, plain_name: str,
                     extra_name: str, key: str, check: Callable[[str, str], str]) -> list[tuple[str, str]]:
    """A new template's members, (value, description): plain values or the ``XExtra`` items'
    (value, description) (read by ``responses.request_params.extra_members``), never both
    (CreateAddressTemplate / CreateServiceTemplate take ``X`` or ``XExtra``)."""
    if plain and extra:
        raise coexist(plain_name, extra_name)
    members = [(check(value, f"{plain_name}.{i}"), "") for i, value in enumerate(plain or [])]
    for i, (value, desc) in enumerate(extra or []):
        members.append((check(value, f"{extra_name}.{i}.{key}"), desc))
    if not members:
        raise MissingParameter(plain_name)
    return members


def template_group_members(name: str, name_field: str, template_ids: list[str], ids_field: str,
                           get: Callable[[str, str], object]) -> list[str]:
    """A new template group's member ids, each an existing template, duplicates folded."""
    if not name:
        raise MissingParameter(name_field)
    check_name(name, name_field, 60)
    if not template_ids:
        raise MissingParameter(ids_field)
    for i, tid in enumerate(template_ids):
        get(tid, f"{ids_field}.{i}")
    return list(dict.fromkeys(template_ids))
