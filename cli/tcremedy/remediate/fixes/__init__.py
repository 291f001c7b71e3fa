"""The fix registry: one module per fix, registered by name (``base.FIXES``).

Importing this package imports every module in it, which registers every fix. Adding one: a module
with a ``Fix`` subclass decorated ``@FIXES.register`` (name, the codes it closes, opt-in, resource
kind, both backends' types, ``steps``, ``still_wanted``, ``violations``, and what it declares on the
pulumi-tencentcloud path: ``provider_resource`` / ``provider_inputs`` / ``provider_group``, and on
the sdk-dynamic path: ``dynamic_provider``, ``dynamic_outputs``, ``dynamic_order``, ``dynamic_inputs``),
and its test (docs/adding-a-fix.md). The check that finds the cause names the fix (``Check.fix``); the
policy's ``FIX_NAMES`` lists the automatic ones. Manual fixes (no resource kind) only say what to do
by hand.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from typing import Any

from tcremedy.remediate.fixes.base import (
    DYNAMIC,
    FIXES,
    HOLD,
    MANUAL,
    Fix,
    FixResource,
    FixStep,
    StepInput,
    hand_step,
    manual_step,
)
from tcremedy.remediate.fixes.guest_common import GuestFix
from tcremedy.remediate.limits import Limits

# Every module of this package, in name order (the registry's order): each fix registers itself.
MODULES = tuple(
    importlib.import_module(f"{__name__}.{found.name}")
    for found in sorted(pkgutil.iter_modules(__path__), key=lambda found: found.name)
)

__all__ = [
    "DYNAMIC",
    "FIXES",
    "HOLD",
    "MANUAL",
    "MODULES",
    "Fix",
    "FixResource",
    "FixStep",
    "StepInput",
    "fix_for",
    "hand_step",
    "manual_step",
    "resource_violations",
]


def fix_for(kind: str, params: Mapping[str, Any]) -> str:
    """The fix a provider's resource of ``kind`` stands for (guest fixes: by their script)."""
    names = FIXES.kind_fixes(kind)
    if kind != "guest_fix":
        return names[0] if names else ""
    for name in names:
        fix = FIXES.get(name)
        if isinstance(fix, GuestFix) and params.get("script") in fix.scripts():
            return name
    return ""


def resource_violations(kind: str, fix: str, params: Mapping[str, Any], limits: Limits) -> list[str]:
    """Why a fix resource of ``kind`` with ``params`` goes beyond the policy; [] when it does not."""
    if kind not in FIXES.kinds():
        return [f"unknown fix resource kind {kind!r}"]
    if not fix:
        return [f"no tcremedy fix makes this {kind} resource"]
    found: list[str] = []
    made = FIXES.get(fix)
    if made is None or made.kind != kind:
        return [f"fix {fix!r} does not make a {kind} resource"]
    if fix not in limits.auto:
        found.append(f"fix {fix!r} is not listed in the policy's fixes.auto")
    return found + made.violations(params, limits)
