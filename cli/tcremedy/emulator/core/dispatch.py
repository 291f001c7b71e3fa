"""The action registry: (service, version, action) -> handler.

A handler translates wire parameters into model calls and the model's result into the response
body (without ``RequestId``, which the protocol layer adds)::

    @action("vpc", "2017-03-12", "DescribeSecurityGroups")
    def describe_security_groups(region: RegionState, params: dict) -> dict: ...

Service packages register their handlers on import; ``load_services()`` imports them all.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tcremedy.emulator.core.errors import InvalidAction, NoSuchVersion

if TYPE_CHECKING:
    from tcremedy.emulator.core.world import RegionState

Handler = Callable[["RegionState", dict[str, Any]], dict[str, Any]]

_HANDLERS: dict[tuple[str, str], dict[str, Handler]] = {}

SERVICE_PACKAGES = ("cvm", "vpc", "monitor", "tat", "cbs", "tag")


def action(service: str, version: str, name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _HANDLERS.setdefault((service, version), {})[name] = fn
        return fn

    return register


def load_services() -> None:
    """Import every service's responses module (registering its handlers).

    A service package that does not exist yet is skipped, so services can be developed apart.
    """
    for pkg in SERVICE_PACKAGES:
        module = f"tcremedy.emulator.services.{pkg}.responses"
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name is None or not module.startswith(exc.name):
                raise


def resolve(service: str, version: str, name: str) -> Handler:
    if not any(svc == service for svc, _ in _HANDLERS):
        raise InvalidAction(f"The requested action `{name}` does not exist for service `{service}`.")
    handlers = _HANDLERS.get((service, version))
    if handlers is None:
        raise NoSuchVersion(f"The API version `{version}` of service `{service}` does not exist.")
    if name not in handlers:
        raise InvalidAction(f"The requested action `{name}` does not exist.")
    return handlers[name]


def registered_actions() -> dict[tuple[str, str], tuple[str, ...]]:
    return {key: tuple(sorted(h)) for key, h in _HANDLERS.items()}
