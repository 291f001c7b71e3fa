"""`tcremedy apply --unlock`: releases the lock a killed apply left on its stack, refuses while the
apply holding it still runs, and the lock-conflict message names it (not `pulumi cancel`).

The engine test holds the first apply inside its update at CreateSecurityGroupPolicies (the local
cloud's control API), so the stack's real lock file exists while the others run; no sleeps.
The file-only tests write lock files in the engine's format (pulumi/pkg/v3 backend/diy/lock.go:
pid, hostname, timestamp under .pulumi/locks/<org>/<project>/<stack>/) for the cases a single
machine cannot produce (a lock from another host) and need no engine.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from cli_entry import invoke
from test_crash_apply import kill_apply, rdp_cidrs, run_until_held, tc

from tcremedy.emulator.testing import start_emulator

ENDPOINT = "http://127.0.0.1:9"  # --unlock never calls the cloud
STACK = "emu-127-0-0-1-9-ap-guangzhou"


def lock_files(cwd: Path) -> list[Path]:
    return sorted((cwd / ".tcremedy" / "state" / ".pulumi" / "locks").rglob("*.json"))


@pytest.mark.engine
def test_unlock_refuses_while_the_apply_runs_and_releases_its_lock_once_killed(tmp_path: Path) -> None:
    with start_emulator(scenario="sg-missing-rdp", transition_seconds=0.05) as emu:
        hold = emu.hold("CreateSecurityGroupPolicies")
        proc = run_until_held(emu, tmp_path, hold)
        try:
            assert len(lock_files(tmp_path)) == 1
            second = tc(emu, tmp_path, "apply", "--yes")
            assert second.returncode == 1 and "Traceback" not in second.stderr
            assert "tcremedy apply --unlock" in second.stderr and "pulumi cancel" not in second.stderr
            refused = tc(emu, tmp_path, "apply", "--unlock")
            assert refused.returncode == 1, refused.stdout + refused.stderr
            assert "held by a running tcremedy apply" in refused.stderr and len(lock_files(tmp_path)) == 1
        finally:
            orphans = kill_apply(proc, tmp_path)
        emu.release(hold, "drop")
        assert orphans == [] and len(lock_files(tmp_path)) == 1  # the killed run's lock stays
        released = tc(emu, tmp_path, "apply", "--unlock")
        assert released.returncode == 0, released.stdout + released.stderr
        assert "released the lock of stack" in released.stdout and lock_files(tmp_path) == []
        assert rdp_cidrs(emu) == []  # --unlock applied nothing
        again = tc(emu, tmp_path, "apply", "--unlock")
        assert again.returncode == 0 and "is not locked" in again.stdout


def write_lock(cwd: Path, pid: int, host: str) -> Path:
    folder = cwd / ".tcremedy" / "state" / ".pulumi" / "locks" / "organization" / "tcremedy-remediation"
    path = folder / STACK / f"{pid}-{host}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": pid, "username": "u", "hostname": host, "timestamp": "2026-01-01"}))
    return path


def dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    return int(proc.stdout)


def test_unlock_releases_stale_and_foreign_locks_and_keeps_a_live_one(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    live = write_lock(tmp_path, 1, socket.gethostname())  # pid 1 always runs
    run = invoke("apply", "--unlock", "--endpoint", ENDPOINT)
    assert run.code == 1 and "held by a running tcremedy apply (pid 1" in run.err and live.exists()
    live.unlink()
    stale = write_lock(tmp_path, dead_pid(), socket.gethostname())
    foreign = write_lock(tmp_path, 1, "elsewhere")
    run = invoke("apply", "--unlock", "--endpoint", ENDPOINT)
    assert run.code == 0, run
    assert "its process is gone" in run.out and "written on elsewhere, not checked" in run.out
    assert not stale.exists() and not foreign.exists()


def test_unlock_on_a_lock_it_cannot_read_or_a_remote_backend(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    bad = write_lock(tmp_path, 1, "h")
    bad.write_text("{not json")
    run = invoke("apply", "--unlock", "--endpoint", ENDPOINT)
    assert run.code == 0 and "unreadable lock" in run.out and not bad.exists()
    run = invoke("apply", "--unlock", "--endpoint", ENDPOINT, "--backend-url", "s3://bucket")
    assert run.code == 1 and run.err.count("\n") == 1 and "--unlock works on a file backend" in run.err
