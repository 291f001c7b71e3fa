"""The console script's exit-code contract: 0 ok, 1 error (bad input too), 2 drift / not compliant.

Run as a subprocess, because the entry point (``tcremedy.main:run``) is what maps option errors
to 1 and keeps 2 for drift; CliRunner tests call the typer app beneath it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

TCREMEDY = str(Path(sys.executable).parent / "tcremedy")


def tcremedy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TCREMEDY, *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "args",
    [
        ("apply", "--bogus"),
        ("emulator", "serve", "--port", "99999"),
        ("check", "--concurrency", "many"),
        ("no-such-command",),
    ],
)
def test_bad_input_exits_1_with_a_message_and_no_traceback(args):
    run = tcremedy(*args)
    assert run.returncode == 1
    assert "error" in run.stderr.lower() and "Traceback" not in run.stderr + run.stdout


@pytest.mark.emulator(scenario="sg-missing-rdp")
def test_drift_exits_2_and_help_exits_0(emulator):
    assert tcremedy("plan", "--endpoint", emulator.endpoint, "--detailed-exitcode", "-q").returncode == 2
    assert tcremedy("check", "--endpoint", emulator.endpoint, "-q").returncode == 2
    assert tcremedy("plan", "--endpoint", emulator.endpoint, "-q").returncode == 0
    assert tcremedy("--help").returncode == 0
