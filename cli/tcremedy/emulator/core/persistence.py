"""``--state FILE``: the world as one JSON document, written atomically, read at start."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

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


def load(world: World, path: Path) -> bool:
    """Restore ``world`` from ``path``; False if the file does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StateFileError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
        raise StateFileError(f"{path}: not an emulator state file (expected format {STATE_FORMAT!r})")
    with world.lock:
        world.reset()
        world.restore(data)
    return True
