"""``--state FILE``: the world as one JSON document, written atomically, read at start.

Writes happen off the request threads (``StateWriter``): a change marks the world dirty and the
writer saves it once the changes pause for ``DEBOUNCE_SECONDS`` (a 3,000-instance world is ~5 MB;
saving it after every call cost ~1.5 s of the caller's time), on ``flush()`` (the control API's
``POST /_emulator/state/flush``) and at shutdown. Every write is atomic: a temporary file,
fsync, rename.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from tcremedy.emulator.core.world import World

STATE_FORMAT = "tcremedy.emulator.world/v1"


class StateFileError(Exception):
    """The state file exists but is not a world snapshot this emulator can read."""


def save(world: World, path: Path) -> None:
    """Write the snapshot to a temporary file beside ``path`` and rename it over ``path``."""
    with world.lock:
        data = world.snapshot()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, separators=(",", ":"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


MAX_STATE_BYTES = 256 * 1024 * 1024  # a stated limit (docs/limits.md)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number an emulator state file may hold")


def load(world: World, path: Path) -> bool:
    """Restore ``world`` from ``path``; False if the file does not exist."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_STATE_BYTES + 1)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StateFileError(f"{path}: cannot read the emulator state file ({exc.strerror or exc})") from None
    if len(raw) > MAX_STATE_BYTES:
        raise StateFileError(f"{path}: larger than {MAX_STATE_BYTES >> 20} MiB (a stated limit)")
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise StateFileError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise StateFileError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    except ValueError as exc:  # NaN / Infinity
        raise StateFileError(f"{path}: {exc}") from None
    except RecursionError:
        raise StateFileError(f"{path}: nested too deeply to be an emulator state file") from None
    if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
        raise StateFileError(f"{path}: not an emulator state file (expected format {STATE_FORMAT!r})")
    with world.lock:
        world.reset()
        try:
            world.restore(data)
        except (LookupError, TypeError, ValueError, AttributeError, AssertionError, RecursionError) as exc:
            world.reset()  # nothing half-restored
            detail = f"{type(exc).__name__}: {exc}"[:200]
            raise StateFileError(f"{path}: not a world snapshot this emulator can read ({detail})") from None
    return True


DEBOUNCE_SECONDS = 0.5


class StateWriter:
    """Saves ``world`` to ``path`` on a background thread, after changes pause, and on demand."""

    def __init__(self, world: World, path: Path, *, delay: float = DEBOUNCE_SECONDS) -> None:
        self.world = world
        self.path = path
        self.delay = delay
        self.error: OSError | None = None  # the last background write's failure, raised by flush()
        self._cond = threading.Condition()
        self._io = threading.Lock()
        self._dirty = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="tcremedy-state-writer", daemon=True)
        self._thread.start()

    def changed(self) -> None:
        with self._cond:
            self._dirty = True
            self._cond.notify_all()

    def flush(self) -> None:
        """Write the world now (atomically), whether or not it changed."""
        with self._io:
            with self._cond:
                self._dirty = False
            save(self.world, self.path)
            self.error = None

    def close(self) -> None:
        """Stop the writer and write the world one last time."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout=30)
        self.flush()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._dirty or self._closed)
                if self._closed:
                    return
                # let a burst of changes settle: wait until closed or the delay has passed
                if self._cond.wait_for(lambda: self._closed, timeout=self.delay):
                    return
            try:
                self.flush()
            except OSError as exc:  # kept for flush()/the control API; the next change retries
                self.error = exc
