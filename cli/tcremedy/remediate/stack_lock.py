"""The stack's lock on a file backend: who holds it, whether that process still runs, releasing it.

Pulumi's file (DIY) backend locks a stack for a preview or an update by writing one JSON file per
holder under ``<backend>/.pulumi/locks/<org>/<project>/<stack>/<id>.json`` with the holder's
``pid``, ``hostname`` and ``timestamp``; unlocking deletes that file
(pulumi/pkg/v3 backend/diy/lock.go: lockContent, stackLockDir, Unlock). A run killed mid-update
leaves its file behind and every later run fails "the stack is currently locked".

Used by apply (a stale lock is cleared before the engine starts) and `tcremedy apply --unlock`.
Needs no engine: only the files.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tcremedy.errors import EngineError

UNLOCK_HINT = "tcremedy apply --unlock"


@dataclass(frozen=True)
class Lock:
    path: Path
    pid: int
    host: str
    since: str
    readable: bool = True

    @property
    def here(self) -> bool:
        return not self.host or self.host == socket.gethostname()

    @property
    def live(self) -> bool:
        """Held by a process that still runs on this machine (a lock from elsewhere cannot be checked)."""
        return self.readable and self.here and alive(self.pid)

    def holder(self) -> str:
        where = f" on {self.host}" if self.host and not self.here else ""
        return f"pid {self.pid}{where}, since {self.since or '?'}" if self.readable else "unreadable lock"


def lock_files(backend_url: str, project: str, stack: str) -> list[Path]:
    """The stack's lock files (none when the backend is not a file backend)."""
    if not backend_url.startswith("file://"):
        return []
    root = Path(urlsplit(backend_url).path) / ".pulumi" / "locks"
    if not root.is_dir():
        return []
    return sorted(
        p for p in root.rglob("*.json") if p.parent.name == stack and p.parent.parent.name == project
    )


def read_lock(path: Path) -> Lock:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        pid = info.get("pid")
        if not isinstance(info, dict) or not isinstance(pid, int) or isinstance(pid, bool):
            raise ValueError(path)
        return Lock(path, pid, str(info.get("hostname") or ""), str(info.get("timestamp") or ""))
    except (OSError, ValueError, AttributeError, RecursionError):
        return Lock(path, 0, "", "", readable=False)


def locks(backend_url: str, project: str, stack: str) -> list[Lock]:
    return [read_lock(p) for p in lock_files(backend_url, project, stack)]


def busy_message(stack: str, lock: Lock) -> str:
    """A live run holds the stack (or one on another machine, which cannot be checked from here)."""
    if not lock.here:
        return (
            f"stack {stack} is locked by a run on {lock.host} (pid {lock.pid}, since {lock.since or '?'}); "
            f"wait for it to finish, or if that run is dead release the lock ({lock.path}) "
            f"with `{UNLOCK_HINT}`"
        )
    return (
        f"stack {stack} is being changed by a running tcremedy apply ({lock.holder()}); wait for it "
        f"to finish (if it is killed, the next apply or `{UNLOCK_HINT}` releases its lock {lock.path})"
    )


def release(backend_url: str, project: str, stack: str) -> list[str]:
    """`tcremedy apply --unlock`: delete the stack's locks whose process is gone; say what was done.

    Refuses (EngineError, nothing removed) while a process on this machine that holds one still runs.
    A lock written on another machine cannot be checked: the user asked, so it is released (said so).
    """
    if not backend_url.startswith("file://"):
        raise EngineError(
            f"--unlock works on a file backend (file://...); {backend_url.split('://', 1)[0]}:// "
            "backends hold their locks themselves"
        )
    found = locks(backend_url, project, stack)
    if not found:
        return [f"stack {stack} is not locked; nothing to release"]
    if live := [lk for lk in found if lk.live]:
        raise EngineError(
            f"stack {stack} is held by a running tcremedy apply ({live[0].holder()}); not unlocked: "
            "wait for it to finish or stop it first"
        )
    done = []
    for lk in found:
        with contextlib.suppress(FileNotFoundError):
            lk.path.unlink()
        why = "its process is gone" if lk.here else f"written on {lk.host}, not checked from here"
        done.append(f"released the lock of stack {stack} ({lk.holder()}; {why}): {lk.path}")
    return done


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs here; a zombie (killed, not yet reaped) does not."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OverflowError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True
