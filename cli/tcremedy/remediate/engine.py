"""Where the Pulumi engine lives and the environment it runs in.

The engine (the ``pulumi`` CLI and its helper scripts) is built from Go modules by
``engine/build.sh`` into a cache outside the repository; users never touch PATH. This module only
locates it; ``driver.py`` is the one place that runs it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from tcremedy.errors import EngineError

# Must equal PULUMI_VERSION in engine/build.sh (a test checks it).
ENGINE_VERSION = "v3.274.1"
TENCENTCLOUD_PLUGIN = "pulumi-resource-tencentcloud"


def default_engine_root() -> Path:
    """``$TCREMEDY_ENGINE_ROOT``, else ``~/.cache/tcremedy/engine/<version>`` (as build.sh uses)."""
    if explicit := os.environ.get("TCREMEDY_ENGINE_ROOT"):
        return Path(explicit)
    base = os.environ.get("TCREMEDY_ENGINE_CACHE")
    if base is None:
        cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        base = str(Path(cache) / "tcremedy" / "engine")
    return Path(base) / ENGINE_VERSION


@dataclass(frozen=True)
class Engine:
    """A located engine: ``root/bin`` holds ``pulumi`` and the plugins built beside it."""

    root: Path

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def pulumi(self) -> Path:
        return self.bin / "pulumi"

    def plugin(self, name: str) -> Path | None:
        """Path of a plugin binary next to the CLI, or None when it was not built."""
        path = self.bin / name
        return path if path.is_file() and os.access(path, os.X_OK) else None

    def env(self, pulumi_home: Path) -> dict[str, str]:
        """Environment for every engine run: offline, quiet, with this venv's python first.

        The venv's ``bin`` comes first so that ``pulumi-resource-pulumi-python`` (dynamic
        providers) starts a python that has ``pulumi`` and tcremedy installed.
        """
        path = os.pathsep.join([str(Path(sys.executable).parent), str(self.bin), os.environ.get("PATH", "")])
        return {
            "PATH": path,
            "PULUMI_HOME": str(pulumi_home),
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "false",
        }


def locate_engine(root: Path | None = None) -> Engine:
    """Find the built engine, or explain how to build it."""
    engine = Engine(root or default_engine_root())
    try:
        built = engine.pulumi.is_file()
    except (OSError, ValueError):  # a name too long for the file system, say ($TCREMEDY_ENGINE_ROOT)
        built = False
    if not built:
        where = str(engine.root) if str(engine.root).isprintable() else repr(str(engine.root))
        raise EngineError(
            f"the Pulumi engine is not built at {where[:300]} (expected its bin/pulumi; "
            "$TCREMEDY_ENGINE_ROOT names another place); run `make engine` (needs the go command, "
            "~3-20 min cold)"
        )
    return engine
