"""Shared by the VPC handlers: registration with the unknown-member check, paging, id lookups.

Request members are checked against the SDK's own request models, so a misspelt member fails
with ``UnknownParameter`` as the real API answers, instead of being silently ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from tencentcloud.vpc.v20170312 import models as sdk_models

from tcremedy.emulator.core import params as p
from tcremedy.emulator.core.dispatch import Handler, action
from tcremedy.emulator.core.errors import UnknownParameter
from tcremedy.emulator.core.world import RegionState
from tcremedy.emulator.services.vpc.models import VpcBackend
from tcremedy.emulator.services.vpc.models.common import not_found, page, select
from tcremedy.emulator.services.vpc.responses.request_params import filters, id_list, ids_or_filters, paging

T = TypeVar("T")
SERVICE, VERSION = "vpc", "2017-03-12"
# Common parameters that legacy (v1-signed / GET) requests carry next to the action's own members.
_COMMON = frozenset({"Action", "Version", "Region", "Timestamp", "Nonce", "SecretId", "Signature",
                     "SignatureMethod", "Token", "Language", "RequestClient"})


def _members(name: str) -> frozenset[str]:
    request = getattr(sdk_models, f"{name}Request")()
    return frozenset(attr.lstrip("_") for attr in vars(request))


def vpc_action(name: str) -> Callable[[Callable[[VpcBackend, dict[str, Any]], dict[str, Any]]], Handler]:
    """Register a handler that receives the region's VpcBackend, after the unknown-member check."""
    allowed = _members(name) | _COMMON

    def register(fn: Callable[[VpcBackend, dict[str, Any]], dict[str, Any]]) -> Handler:
        def handler(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
            for key in params:
                if key not in allowed:
                    raise UnknownParameter(f"The parameter `{key}` is not recognized.")
            return fn(region.vpc, params)

        handler.__name__ = fn.__name__
        handler.__doc__ = fn.__doc__
        return action(SERVICE, VERSION, name)(handler)

    return register


def required(params: dict[str, Any], name: str) -> str:
    """A required string member ("" never reaches the models: MissingParameter first)."""
    return p.string(params, name, required=True) or ""


def paged(items: list[Any], params: dict[str, Any]) -> tuple[list[Any], int]:
    """One page of ``items`` (``Offset`` / ``Limit``) and the total count."""
    offset, limit = paging(params)
    return page(items, offset, limit)


def by_ids(store: dict[str, Any], ids: list[str], kind: str) -> list[Any]:
    """The items by id, each once, in request order; an unknown id is ResourceNotFound."""
    for ident in ids:
        if ident not in store:
            raise not_found(kind, ident)
    return [store[i] for i in dict.fromkeys(ids)]


def described(
    params: dict[str, Any],
    store: dict[str, T],
    match: Callable[[T, str, list[str]], bool],
    *,
    ids: str,
    prefix: str,
    kind: str,
    filter_names: tuple[str, ...],
    prefixes: tuple[str, ...] = (),
) -> list[T]:
    """What a Describe call selects: the ``ids`` list (each must exist) or else the ``Filters``.

    Both given is an error; malformed ids and unknown filters are refused before any lookup.
    """
    ids_or_filters(params, ids)
    wanted = id_list(params, ids, prefix)
    flt = filters(params, filter_names, prefixes=prefixes)
    return by_ids(store, wanted, kind) if wanted else select(store.values(), flt, match)
