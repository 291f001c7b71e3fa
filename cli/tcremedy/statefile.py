"""Read a saved live state (``plan --save-state`` / ``--from-state``): schema-checked, bounded, total.

The file is JSON written by ``LiveState.to_json``. It is validated against the ``LiveState``
dataclasses with pydantic (types, no NaN/Infinity, no unknown shapes), so a hand-edited or
damaged file is refused with one line naming the file and the field, never a traceback later in
the diagnosis. Limits: 64 MiB, nesting as deep as the format needs (the JSON parser's own depth
limit is caught).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from tcremedy.cloud.state import LiveState
from tcremedy.errors import TcremedyError

MAX_STATE_BYTES = 64 * 1024 * 1024
STATE_FORMAT = "tcremedy.livestate/v1"


# A saved state that cannot be used is a plain TcremedyError (the JSON error's "type" is a contract).
StateFileError = TcremedyError


def load_state_file(path: Path) -> LiveState:
    """Read and validate a ``--save-state`` file."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_STATE_BYTES + 1)
    except FileNotFoundError:
        raise StateFileError(f"{path}: state file not found") from None
    except IsADirectoryError:
        raise StateFileError(f"{path}: is a directory; expected a state file") from None
    except OSError as exc:
        raise StateFileError(f"{path}: cannot read the state file ({exc.strerror or exc})") from None
    if len(raw) > MAX_STATE_BYTES:
        raise StateFileError(f"{path}: larger than {MAX_STATE_BYTES >> 20} MiB (a stated limit)")
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise StateFileError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise StateFileError(f"{path}: not JSON ({exc.msg} at {where})") from None
    except ValueError as exc:  # NaN / Infinity
        raise StateFileError(f"{path}: {exc}") from None
    except RecursionError:
        raise StateFileError(f"{path}: nested too deeply to be a live-state file") from None
    if not isinstance(data, dict):
        raise StateFileError(f"{path}: not a tcremedy live-state file (expected a JSON object)")
    if data.get("format") != STATE_FORMAT:
        found = data.get("format")
        raise StateFileError(
            f"{path}: not a tcremedy live-state file (format {found!r}, expected {STATE_FORMAT!r})"
        )
    return _validate(path, data)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a live-state file may hold")


def _validate(path: Path, data: dict[str, Any]) -> LiveState:
    from pydantic import ValidationError

    try:
        return _wrapper()(state=data).state
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"][1:]) or "document"
        raise StateFileError(f"{path}: not a tcremedy live-state file ({where}: {err['msg']})") from None
    except RecursionError:
        raise StateFileError(f"{path}: nested too deeply to be a live-state file") from None


@cache
def _wrapper() -> Any:
    from pydantic import BaseModel, ConfigDict

    class StateDocument(BaseModel):
        model_config = ConfigDict(allow_inf_nan=False)
        state: LiveState

    return StateDocument
