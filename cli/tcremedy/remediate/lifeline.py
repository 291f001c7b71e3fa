"""A dynamic-provider process ends when the Pulumi engine that started it ends.

The engine starts ``pulumi-resource-pulumi-python`` (a ``sh`` wrapper that runs ``python -m
pulumi.dynamic``) in a process group of its own, so killing apply's process group (SIGKILL, an
OOM kill, a closed terminal) leaves both behind, waiting forever for an engine that is gone.
When a tcremedy provider module is imported inside such a process, ``exit_with_engine`` watches the
engine's pid through a pidfd (woken by the exit itself, no polling) and ends the process then; the
``sh`` wrapper, waiting for it, ends too. ``PR_SET_PDEATHSIG`` (through ``prctl``) covers the
wrapper dying first. Elsewhere (tests, the CLI) it does nothing. Linux only; a no-op elsewhere.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import sys
import threading
from pathlib import Path

ENGINE_COMMAND = "pulumi"  # the engine binary's name (/proc/<pid>/comm)
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
EXIT_ENGINE_GONE = 70
_watching = False


def _stat(pid: int) -> tuple[str, int] | None:
    """(command name, parent pid) of a process, from /proc/<pid>/stat."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    return name, int(text[text.rindex(")") + 2 :].split()[1])


def engine_ancestor(max_depth: int = 4) -> int | None:
    """The pid of the nearest ancestor that is the Pulumi engine, if any."""
    pid = os.getppid()
    for _ in range(max_depth):
        if pid <= 1:
            return None
        stat = _stat(pid)
        if stat is None:
            return None
        if stat[0] == ENGINE_COMMAND:
            return pid
        pid = stat[1]
    return None


def _in_dynamic_provider() -> bool:
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return spec is not None and spec.name.startswith("pulumi.dynamic")


def _set_parent_death_signal(sig: int) -> None:
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)


def _watch(pidfd: int) -> None:
    with contextlib.suppress(OSError):
        select.select([pidfd], [], [])  # readable once the engine has exited
    os._exit(EXIT_ENGINE_GONE)


def exit_with_engine(*, any_plugin: bool = False) -> None:
    """In a ``python -m pulumi.dynamic`` process started by the engine (with ``any_plugin``: in any
    provider plugin process the engine started, e.g. the tests' stand-in for pulumi-tencentcloud):
    exit when the engine exits."""
    global _watching
    if _watching or not sys.platform.startswith("linux") or not (any_plugin or _in_dynamic_provider()):
        return
    engine = engine_ancestor()
    if engine is None:
        return
    try:
        pidfd = os.pidfd_open(engine)
    except OSError:
        os._exit(EXIT_ENGINE_GONE)  # it ended between the lookup and now
    _watching = True
    _set_parent_death_signal(signal.SIGKILL)
    threading.Thread(target=_watch, args=(pidfd,), name="tcremedy-lifeline", daemon=True).start()
