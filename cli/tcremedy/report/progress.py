"""A rich progress bar for collection, shown only on an interactive stderr."""

from __future__ import annotations

import sys
import threading
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class RichProgress:
    """Implements ``tcremedy.cloud.api.Progress``: one bar whose total grows as requests are planned."""

    def __init__(self, console: Console) -> None:
        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task = self._bar.add_task("collecting", total=0)
        self._lock = threading.Lock()

    def phase(self, name: str) -> None:
        self._bar.update(self._task, description=f"reading {name}")

    def expect(self, n: int) -> None:
        with self._lock:
            self._bar.update(self._task, total=(self._bar.tasks[0].total or 0) + n)

    def advance(self, n: int = 1) -> None:
        self._bar.advance(self._task, n)

    def __enter__(self) -> RichProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object | TracebackType) -> None:
        self._bar.stop()


def progress_for(quiet: bool) -> RichProgress | None:
    """A progress bar when stderr is a terminal and not ``--quiet``; else None."""
    if quiet or not sys.stderr.isatty():
        return None
    return RichProgress(Console(stderr=True))
