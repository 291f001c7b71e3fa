"""Which remediation path runs.

* ``tencentcloud-provider``: the pulumi-tencentcloud resources (the production path). Needs the
  ``pulumi-resource-tencentcloud`` plugin (on PATH, next to the engine, or in the plugin cache)
  AND a real Tencent Cloud endpoint.
* ``sdk-dynamic``: the same fixes as Pulumi dynamic resources over tencentcloud-sdk-python. Used
  otherwise, and always said so plainly with the reason.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tcremedy.errors import EngineError
from tcremedy.remediate.engine import TENCENTCLOUD_PLUGIN, Engine
from tcremedy.remediate.fixes import FIXES
from tcremedy.remediate.limits import LIMITS_ENV
from tcremedy.remediate.planner import FixPlan
from tcremedy.remediate.provider_config import provider_env

PROVIDER_PATH = "tencentcloud-provider"
SDK_PATH = "sdk-dynamic"
# Why the plugin is missing on this machine (see docs and engine/tencentcloud/go.mod); said once.
PLUGIN_BUILD_BLOCKER = "it cannot be built here: the Go module proxy refuses its modules (403)"
PATH_CHOICES = ("auto", "provider", "sdk-dynamic")


@dataclass(frozen=True)
class PathChoice:
    path: str
    reason: str
    plugin: Path | None = None

    def describe(self) -> str:
        return f"path: {self.path} ({self.reason})"


def find_tencentcloud_plugin(engine: Engine, pulumi_home: Path) -> Path | None:
    """PATH, then next to the engine's ``pulumi``, then ``$PULUMI_HOME/plugins/resource-tencentcloud-v*``."""
    on_path = shutil.which(TENCENTCLOUD_PLUGIN)
    if on_path:
        return Path(on_path)
    beside = engine.plugin(TENCENTCLOUD_PLUGIN)
    if beside:
        return beside
    for cache in sorted((pulumi_home / "plugins").glob("resource-tencentcloud-v*"), reverse=True):
        candidate = cache / TENCENTCLOUD_PLUGIN
        if candidate.is_file() and os.access(candidate, os.X_OK) and not Path(f"{cache}.partial").exists():
            return candidate
    return None


def choose_path(
    plugin: Path | None, endpoint_url: str, searched: str = "", forced: str = "auto"
) -> PathChoice:
    """The provider path only with the plugin AND the real cloud; otherwise the SDK path, with why.

    ``forced`` (``--path``): ``provider`` runs the pulumi-tencentcloud resources whatever the
    endpoint (a local cloud is reached through the plugin's proxy settings) and fails without the
    plugin; ``sdk-dynamic`` always runs the dynamic resources.
    """
    if forced not in PATH_CHOICES:
        raise EngineError(f"option --path: expected one of {', '.join(PATH_CHOICES)}, got {forced!r}")
    if forced == "sdk-dynamic":
        return PathChoice(SDK_PATH, "forced by --path sdk-dynamic", plugin)
    if forced == "provider":
        if plugin is None:
            where = f" (searched {searched})" if searched else ""
            raise EngineError(
                f"--path provider: {TENCENTCLOUD_PLUGIN} not found{where}; {PLUGIN_BUILD_BLOCKER}"
            )
        reason = f"forced by --path provider; pulumi-tencentcloud through {plugin}"
        return PathChoice(PROVIDER_PATH, reason, plugin)
    if plugin is None:
        where = f" (searched {searched})" if searched else ""
        return PathChoice(
            SDK_PATH,
            f"tencentcloud plugin not available: {TENCENTCLOUD_PLUGIN} not found{where}; "
            f"{PLUGIN_BUILD_BLOCKER}",
        )
    if endpoint_url:
        return PathChoice(
            SDK_PATH,
            f"the endpoint {endpoint_url} is not Tencent Cloud; the tencentcloud plugin "
            f"({plugin}) is used only against the real cloud unless --path provider",
            plugin,
        )
    return PathChoice(PROVIDER_PATH, f"pulumi-tencentcloud resources through {plugin}", plugin)


def engine_env(
    path: str, credential: Any, region: str, endpoint_url: str, limits: str = ""
) -> dict[str, str]:
    """The engine's environment. The SDK path's dynamic providers read credentials from it; the
    provider path gets them through the provider's own configuration (``provider_config``).
    ``limits``: the policy's limits (``limits.Limits.to_env``), the SDK providers' last guard."""
    if path == PROVIDER_PATH:
        return {"NO_PROXY": "127.0.0.1,localhost", **provider_env(endpoint_url)}
    env = {
        LIMITS_ENV: limits,
        "TENCENTCLOUD_SECRET_ID": credential.secret_id,
        "TENCENTCLOUD_SECRET_KEY": credential.secret_key,
        "TENCENTCLOUD_REGION": region,
        "TCREMEDY_ENDPOINT": endpoint_url,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    if getattr(credential, "token", None):
        env["TENCENTCLOUD_SESSION_TOKEN"] = credential.token
    return env


def backend_for(
    path: str,
    state: Any,
    region: str,
    passwords: dict[str, str],
    api: Any,
    in_state: dict[str, dict[str, Any]],
) -> Any:
    """The remediation program's backend for ``path``; the provider one gates guest fixes on the
    instance being ready (``effects.instance_ready``) and knows what the stack holds."""
    if path == PROVIDER_PATH:
        from tcremedy.remediate.effects import instance_ready
        from tcremedy.remediate.program.provider_backend import TencentCloudProviderBackend

        return TencentCloudProviderBackend(
            state,
            region=region,
            passwords=passwords,
            ready=lambda iid, step: instance_ready(api, iid, step, agent=True),
            in_state=in_state,
        )
    from tcremedy.remediate.program.dynamic_backend import SdkDynamicBackend

    return SdkDynamicBackend(passwords=passwords)


def provider_path_plan(plan: FixPlan) -> FixPlan:
    """The plan with each step the provider path cannot carry (``Fix.provider_manual``) as the
    manual step that says exactly what to do by hand; the other steps as they are."""
    steps = []
    for step in plan.steps:
        fix = FIXES.get(step.fix) if step.applies else None
        why = fix.provider_manual(step) if fix is not None else ""
        steps.append(replace(step, auto=False, resource=None, manual=why) if why else step)
    return replace(plan, steps=tuple(steps))
