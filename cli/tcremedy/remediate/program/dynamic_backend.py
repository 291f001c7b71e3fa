"""SdkDynamicBackend: the fixes as Pulumi dynamic resources over tencentcloud-sdk-python.

This is the fallback when the ``pulumi-resource-tencentcloud`` plugin is not available; it is
never presented as the plugin path. What each fix declares lives in its own module
(``tcremedy.remediate.fixes``: ``dynamic_type``, ``dynamic_provider``, ``dynamic_outputs``,
``dynamic_order``, ``dynamic_inputs``); the resource classes are made from the registry here. The
providers live in the installed package (``tcremedy.remediate.sdk_*``) because the engine's python
unpickles them by reference.
"""

from __future__ import annotations

import importlib
import types
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi.dynamic as dyn

from tcremedy.remediate.fixes import FIXES, Fix, FixResource

PATH = "sdk-dynamic"


def resource_class(fix: Fix) -> type[dyn.Resource]:
    """The dynamic resource class of ``fix`` (type ``pulumi-python:dynamic/tcremedy:<dynamic_type>``)."""
    module, _, name = fix.dynamic_provider.partition(":")
    provider = getattr(importlib.import_module(module), name)
    outputs = dict.fromkeys(fix.dynamic_outputs)

    def __init__(
        self: dyn.Resource, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        dyn.Resource.__init__(self, provider(), name, {**props, **outputs}, opts)

    def body(namespace: dict[str, Any]) -> None:
        namespace.update(__init__=__init__, __module__=__name__, __qualname__=fix.dynamic_type)

    keywords = {"module": "tcremedy", "name": fix.dynamic_type}
    return types.new_class(fix.dynamic_type, (dyn.Resource,), keywords, body)


CLASSES: dict[str, type[dyn.Resource]] = {}  # dynamic type name (``Fix.dynamic_type``) -> class
for _fix in FIXES.automatic():
    if _fix.dynamic_type not in CLASSES:
        CLASSES[_fix.dynamic_type] = resource_class(_fix)
globals().update(CLASSES)  # importable by name (SecurityGroupIngressRule, AclRdpEntry, ...)


class SdkDynamicBackend:
    """Declares each fix as one dynamic resource. ``passwords``: instance id -> new password."""

    path = PATH

    def __init__(self, passwords: Mapping[str, str] | None = None) -> None:
        self._passwords = dict(passwords or {})

    def _declare(self, res: FixResource, depends_on: Sequence[pulumi.Resource]) -> pulumi.Resource:
        fix = FIXES.of(res)
        opts = pulumi.ResourceOptions(depends_on=list(depends_on))
        return CLASSES[fix.dynamic_type](res.key, fix.dynamic_inputs(res, self._passwords), opts)

    def security_group_rule(self, res: FixResource, after: pulumi.Resource | None = None) -> pulumi.Resource:
        return self._declare(res, [after] if after is not None else [])

    def network_acl_entries(self, acl_id: str, entries: Sequence[FixResource]) -> list[pulumi.Resource]:
        """One resource per entry, one after the other: each reads the ACL and rewrites a direction."""
        made: list[pulumi.Resource] = []
        for res in sorted(entries, key=lambda r: r.key):
            made.append(self._declare(res, made[-1:]))
        return made

    def instance_fixes(self, instance_id: str, fixes: Sequence[FixResource]) -> list[pulumi.Resource]:
        """One after the other in ``dynamic_order``: a guest fix only once the instance is started,
        its password reset and reboot are done (each of those waits until it is RUNNING again)."""
        made: list[pulumi.Resource] = []
        for res in sorted(fixes, key=lambda r: (FIXES.of(r).dynamic_order, r.key)):
            made.append(self._declare(res, list(made)))
        return made
