"""The provider path through the real engine: ``tcremedy apply --path provider`` with the stand-in
``pulumi-resource-tencentcloud`` plugin (``tests/standin``) on PATH, against the emulator over HTTP.

The day the real plugin is built, put it on PATH instead of ``STANDIN_BIN`` and these tests run
against it unchanged.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tcremedy.emulator.testing import RunningEmulator

TCREMEDY = str(Path(sys.executable).parent / "tcremedy")
STANDIN_BIN = Path(__file__).resolve().parents[1] / "standin" / "bin"


def provider_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "PULUMI_CONFIG_PASSPHRASE": "test-only"}
    env["PATH"] = os.pathsep.join([str(STANDIN_BIN), env.get("PATH", "")])
    for name in ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SESSION_TOKEN"):
        env.pop(name, None)
    env.update(extra)
    return env


def tc(
    emu: RunningEmulator, cwd: Path, *args: str, timeout: float = 180, **env: str
) -> subprocess.CompletedProcess[str]:
    """``tcremedy ARGS --endpoint EMU`` with the stand-in plugin on PATH."""
    return subprocess.run(
        [TCREMEDY, *args, "--endpoint", emu.endpoint],
        cwd=cwd,
        env=provider_env(**env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def apply(emu: RunningEmulator, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return tc(emu, cwd, "apply", "--yes", "--path", "provider", *args, **env)
