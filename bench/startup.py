"""Start-up cost of the CLI: `tcremedy --help` and `tcremedy plan --help`, median of 10 runs each.

Target (issue 10): <= 250 ms each on this machine, bytecode compiled. Commands import what they
need when they run (``tcremedy.commands.*`` keep their heavy imports inside the function), so help
pays only for Python, typer and the option definitions. Baselines are printed for context: the
interpreter alone and ``import typer``, the floor no lazy import can go below.

Usage: .venv/bin/python bench/startup.py
"""

from __future__ import annotations

import compileall
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 250.0
RUNS = 10


def median_ms(argv: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    compileall.compile_dir(str(ROOT / "cli"), quiet=1)
    exe = str(Path(sys.executable).parent / "tcremedy")
    rows = [
        ("python -c pass (floor)", [sys.executable, "-c", "pass"], None),
        ("python -c 'import typer' (floor)", [sys.executable, "-c", "import typer"], None),
        ("tcremedy --help", [exe, "--help"], TARGET_MS),
        ("tcremedy plan --help", [exe, "plan", "--help"], TARGET_MS),
    ]
    failed = False
    for label, argv, target in rows:
        ms = median_ms(argv)
        verdict = ""
        if target is not None:
            ok = ms <= target
            failed |= not ok
            verdict = f"  target <= {target:.0f} ms: {'ok' if ok else 'OVER'}"
        print(f"{label:36s} {ms:8.1f} ms (median of {RUNS}){verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
