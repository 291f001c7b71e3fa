"""Which remediation path runs, and where the remediation program lives.

* ``tencentcloud-provider``: the pulumi-tencentcloud resources (the production path). Needs the
  ``pulumi-resource-tencentcloud`` plugin (on PATH, next to the engine, or in the plugin cache)
  AND a real Tencent Cloud endpoint.
* ``sdk-dynamic``: the same fixes as Pulumi dynamic resources over tencentcloud-sdk-python. Used
  otherwise, and always said so plainly with the reason.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from tcremedy.errors import EngineError
from tcremedy.remediate.engine import TENCENTCLOUD_PLUGIN, Engine

PROVIDER_PATH = "tencentcloud-provider"
SDK_PATH = "sdk-dynamic"
STACKS_ENV = "TCREMEDY_STACKS_DIR"
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
            f"({plugin}) is used only against the real cloud",
            plugin,
        )
    return PathChoice(PROVIDER_PATH, f"pulumi-tencentcloud resources through {plugin}", plugin)


def stacks_dir() -> Path:
    """``$TCREMEDY_STACKS_DIR``, else ``stacks/`` of the checkout this package runs from."""
    explicit = os.environ.get(STACKS_ENV)
    return Path(explicit) if explicit else Path(__file__).resolve().parents[3] / "stacks"


def load_remediation(module: str = "program") -> ModuleType:
    """Import ``remediation.<module>`` from the stacks directory (the remediation program)."""
    root = stacks_dir()
    if not (root / "remediation" / "program.py").is_file():
        raise EngineError(
            f"the remediation program is missing: expected {root / 'remediation' / 'program.py'} "
            f"(set {STACKS_ENV} to the directory holding remediation/)"
        )
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return importlib.import_module(f"remediation.{module}")
