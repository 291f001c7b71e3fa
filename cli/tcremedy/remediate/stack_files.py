"""What an interrupted run leaves on disk, repaired or kept for the next one.

* ``repair_checkpoint``: a kill while the file backend writes can leave ``<stack>.json.attrs``
  (the blob store's attribute sidecar) or ``<stack>.json`` empty or cut short; every later run
  then fails "failed to load checkpoint: EOF". The sidecar is removed, the checkpoint restored
  from its ``.bak``; each repair is said in a note.
* ``StagedOutputs``: the engine writes a stack's outputs (tcremedy's record of fixes) only when an
  update succeeds. The driver stages them in a file first (atomically) and merges a staged file a
  killed run left behind, so the next run still declares every fix the killed one may have made.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tcremedy.errors import EngineError


def repair_checkpoint(backend_url: str, project: str, stack: str) -> list[str]:
    """Repair the file backend's checkpoint files of ``stack``; return what was done."""
    if not backend_url.startswith("file://"):
        return []
    folder = Path(urlsplit(backend_url).path) / ".pulumi" / "stacks" / project
    if not folder.is_dir():
        return []
    done = []
    for path in sorted(folder.glob(f"{stack}.json*.attrs")):
        if not valid_json(path):
            path.unlink()
            done.append(f"removed the empty or truncated file {path} left by an interrupted run")
    checkpoint, backup = folder / f"{stack}.json", folder / f"{stack}.json.bak"
    if checkpoint.exists() and not valid_json(checkpoint):
        if not backup.exists() or not valid_json(backup):
            raise EngineError(
                f"the checkpoint {checkpoint} of stack {stack} is damaged and has no readable backup "
                f"({backup}); move it away to start the stack afresh"
            )
        os.replace(backup, checkpoint)
        done.append(f"restored the damaged checkpoint {checkpoint} from its backup")
    return done


class StagedOutputs:
    """List-valued outputs a program will export, kept on disk until the update that exports them
    succeeds. Items with the same ``key`` field replace older ones when merged."""

    def __init__(self, home: Path, stack: str, backend_url: str) -> None:
        scope = hashlib.sha256(backend_url.encode()).hexdigest()[:12]
        self.path = home.resolve() / "staged" / f"{stack}-{scope}.json"
        self.notes: list[str] = []

    def read(self) -> dict[str, list[Any]]:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            self.notes.append(f"note: ignored the unreadable staged record {self.path}")
            return {}
        return {k: v for k, v in data.items() if isinstance(v, list)} if isinstance(data, dict) else {}

    def merged_into(self, outputs: dict[str, Any]) -> dict[str, Any]:
        for key, items in self.read().items():
            outputs[key] = union(outputs.get(key), items)
        return outputs

    def write(self, outputs: Mapping[str, Sequence[Any]]) -> None:
        """Add ``outputs`` to what is staged: atomically (temporary file, fsync, rename)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        merged = {k: union(v, outputs.get(k, [])) for k, v in self.read().items()}
        merged.update({k: list(v) for k, v in outputs.items() if k not in merged})
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".staged-")
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(merged, fh, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def clear(self) -> None:
        """The engine has recorded the outputs."""
        self.path.unlink(missing_ok=True)


def valid_json(path: Path) -> bool:
    try:
        json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return True


def union(old: Any, new: Sequence[Any]) -> list[Any]:
    """``old`` items, replaced or extended by ``new`` ones (same ``key`` field, or equal)."""

    def ident(item: Any) -> str:
        key = item.get("key") if isinstance(item, dict) else None
        return json.dumps(key if key is not None else item, sort_keys=True, default=str)

    merged = {ident(i): i for i in (old if isinstance(old, list) else [])}
    merged.update({ident(i): i for i in new})
    return list(merged.values())
