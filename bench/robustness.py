"""Issue 14's robustness figures, all in one table.

Runs every ``bench/robust_*.py`` beside this file (each in its own process, one after another: the
machine has 2 cores), collects the lines they print in the form
``figure <name>: <value> (target <target>) OK|MISS`` and prints them as a table. Exits 1 when any
figure misses, or when a script fails without printing a figure (its stderr tail is shown).

    .venv/bin/python bench/robustness.py               # every part
    .venv/bin/python bench/robustness.py fuzz http     # only robust_fuzz.py and robust_http.py
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIGURE = re.compile(
    r"^figure (?P<name>[^:]+): (?P<value>.*?) \(target (?P<target>.*)\) (?P<verdict>OK|MISS)\s*$"
)
TIMEOUT = 3600  # seconds per part: a part that hangs is a miss, not a hung benchmark


def parts(names: list[str]) -> list[Path]:
    found = sorted(HERE.glob("robust_*.py"))
    if names:
        found = [p for p in found if p.stem.removeprefix("robust_") in names]
    return found


def run_part(path: Path) -> tuple[list[dict[str, str]], int, str, float]:
    start = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, str(path)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            cwd=HERE.parent,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return [], -1, f"did not finish within {TIMEOUT} s", time.monotonic() - start
    figures = [m.groupdict() for line in proc.stdout.splitlines() if (m := FIGURE.match(line.strip()))]
    tail = "\n".join(proc.stderr.strip().splitlines()[-8:])
    return figures, proc.returncode, tail, time.monotonic() - start


def main(argv: list[str]) -> int:
    selected = parts(argv)
    if not selected:
        print(f"no bench/robust_*.py matches {argv}", file=sys.stderr)
        return 1
    rows: list[tuple[str, str, str, str, str]] = []
    failed = False
    for path in selected:
        print(f"running {path.name} ...", file=sys.stderr, flush=True)
        figures, code, tail, seconds = run_part(path)
        for f in figures:
            rows.append((path.stem, f["name"], f["value"], f["target"], f["verdict"]))
            failed |= f["verdict"] != "OK"
        if code != 0 and not any(f["verdict"] == "MISS" for f in figures):
            rows.append((path.stem, "(script failed)", f"exit {code}", "exit 0", "MISS"))
            failed = True
            print(f"{path.name} failed (exit {code}):\n{tail}", file=sys.stderr)
        print(f"{path.name}: {seconds:.0f} s", file=sys.stderr, flush=True)
    header = ("part", "figure", "value", "target", "")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    print(f"{sum(r[4] == 'OK' for r in rows)} of {len(rows)} figures on target")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
