"""Start-up cost of the CLI: `tcremedy --help` and `tcremedy plan --help`, median of 10 runs each.

Target (issue 10): <= 250 ms each on this machine, bytecode compiled. What is measured is the
installed console script (``<venv>/bin/tcremedy``, the interpreter running this bench), in a fresh
process each run. Before measuring, every module those commands load (``cli/`` and the venv's
site-packages they use) is compiled and then checked: the environment sets
PYTHONDONTWRITEBYTECODE=1, so a module without fresh bytecode would be recompiled on every run.

Printed: the floors (interpreter alone, ``import typer``); the two figures in the shared form
``figure <name>: <value> (target <target>) OK|MISS`` with the CPU time (steadier than wall-clock on
a shared machine) and the load average at the time; and the budget of one start, in-process
(interpreter, typer, tcremedy's command modules, typer building the command tree from the
signatures, rendering the help). Exits 1 if a figure misses. Run it on a
quiet machine (see ``uptime``): the figures are wall-clock times.

Usage: .venv/bin/python bench/startup.py
"""

from __future__ import annotations

import compileall
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 250.0
RUNS = 10
COMMANDS = (["--help"], ["plan", "--help"])
EXE = Path(sys.executable).parent / "tcremedy"

# Runs the console script's code for each command line; prints the files of every loaded module.
LOADED = """
import contextlib, io, json, runpy, sys
script, command_lines = sys.argv[1], json.loads(sys.argv[2])
for argv in command_lines:
    sys.argv = [script, *argv]
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            runpy.run_path(script, run_name="__main__")
        except SystemExit:
            pass
import tcremedy
print(json.dumps({"package": tcremedy.__file__, "files": sorted(
    m.__file__ for m in list(sys.modules.values()) if (getattr(m, "__file__", None) or "").endswith(".py"))}))
"""

# One start, timed by phase, in-process (the budget breakdown).
PHASES = """
import contextlib, io, json, sys, time
t0 = time.perf_counter()
import typer, typer.main
t1 = time.perf_counter()
from tcremedy.main import app
t2 = time.perf_counter()
command = typer.main.get_command(app)
t3 = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    command.main(args=json.loads(sys.argv[1]), prog_name="tcremedy", standalone_mode=False)
t4 = time.perf_counter()
print(json.dumps([t1 - t0, t2 - t1, t3 - t2, t4 - t3]))
"""


def loaded_files() -> tuple[str, list[str]]:
    argv = [sys.executable, "-c", LOADED, str(EXE), json.dumps(COMMANDS)]
    done = subprocess.run(argv, check=True, capture_output=True, text=True)
    result = json.loads(done.stdout)
    return result["package"], result["files"]


def stale(source: str) -> bool:
    """True when ``source`` has no bytecode the import system would use as is."""
    cached = importlib.util.cache_from_source(source)
    try:
        header = Path(cached).read_bytes()[:16]
    except OSError:
        return True
    if header[:4] != importlib.util.MAGIC_NUMBER:
        return True
    flags = int.from_bytes(header[4:8], "little")
    if flags & 0b1:  # hash-based (PEP 552)
        return header[8:16] != importlib.util.source_hash(Path(source).read_bytes())
    st = os.stat(source)
    mtime, size = int.from_bytes(header[8:12], "little"), int.from_bytes(header[12:16], "little")
    return mtime != int(st.st_mtime) & 0xFFFFFFFF or size != st.st_size & 0xFFFFFFFF


def compile_bytecode() -> None:
    """Compile cli/ and every file the measured commands load, then check nothing is left stale."""
    if not EXE.is_file():
        raise SystemExit(f"no console script at {EXE}: run this bench with the venv's python (make venv)")
    compileall.compile_dir(str(ROOT / "cli"), quiet=1)
    package, files = loaded_files()
    for source in files:
        if stale(source):
            compileall.compile_file(source, quiet=1)
    left = [source for source in files if stale(source)]
    if left:
        raise SystemExit(f"no fresh bytecode for {len(left)} loaded modules (not writable?), e.g. {left[0]}")
    print(f"console script {EXE} (tcremedy from {Path(package).parent})")
    print(f"bytecode fresh for all {len(files)} modules the two commands load")


def median_ms(argv: list[str]) -> tuple[float, float]:
    """Median wall-clock and CPU (user + system) milliseconds of a fresh process running ``argv``."""
    walls, cpus = [], []
    for _ in range(RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        walls.append((time.perf_counter() - start) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def budget(argv: list[str], floor_ms: float) -> str:
    """Median of each start-up phase, measured in-process."""
    runs = []
    for _ in range(RUNS):
        done = subprocess.run(
            [sys.executable, "-c", PHASES, json.dumps(argv)], check=True, capture_output=True, text=True
        )
        runs.append(json.loads(done.stdout))
    typer_ms, tcremedy_ms, build_ms, help_ms = (statistics.median(p) * 1000 for p in zip(*runs, strict=True))
    return (
        f"interpreter {floor_ms:.0f} + import typer {typer_ms:.0f} + tcremedy modules {tcremedy_ms:.0f}"
        f" + command tree {build_ms:.0f} + help {help_ms:.0f} ms"
    )


def main() -> int:
    compile_bytecode()
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    floor_ms, floor_cpu = median_ms([sys.executable, "-c", "pass"])
    typer_ms, typer_cpu = median_ms([sys.executable, "-c", "import typer"])
    print(f"floor: python -c pass {floor_ms:.0f} ms (cpu {floor_cpu:.0f}),", end=" ")
    print(f"python -c 'import typer' {typer_ms:.0f} ms (cpu {typer_cpu:.0f})")
    failed = False
    for argv in COMMANDS:
        ms, cpu = median_ms([str(EXE), *argv])
        ok = ms <= TARGET_MS
        failed |= not ok
        name = "startup_" + "_".join(a.strip("-") for a in argv)
        print(
            f"figure {name}: {ms:.0f} ms (target {TARGET_MS:.0f} ms) {'OK' if ok else 'MISS'}"
            f"  [tcremedy {' '.join(argv)}, median of {RUNS}; cpu {cpu:.0f} ms; load {load}]"
        )
        print(f"  budget: {budget(argv, floor_ms)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
