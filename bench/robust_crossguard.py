"""Robustness figure (issue 14 item 4): CrossGuard misses over the type table.

Previews the table of ``tests/engine/guard_table.py`` once through the real engine with the pack
(one compliant and one non-compliant declaration per resource type or form that can open RDP or
starve it) and counts the rows the pack gets wrong: a non-compliant declaration it lets through or
a compliant one it refuses. Needs the engine (``make engine``).

    .venv/bin/python bench/robust_crossguard.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "engine")]

from guard_table import ROWS, misses, preview_table  # noqa: E402


def main() -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="robust-crossguard-") as work:
        wrong = misses(preview_table(Path(work)))
    for line in wrong:
        print(f"  miss: {line}")
    status = "OK" if not wrong else "MISS"
    rows = len(ROWS)
    print(f"figure CrossGuard misses: {len(wrong)} over {rows} types (target 0) {status}")
    print(f"  ({rows} rows x 2 declarations in one preview, {time.monotonic() - started:.1f} s)")
    return 0 if not wrong else 1


if __name__ == "__main__":
    sys.exit(main())
