"""Garbage collection tuned for fleet-sized work: many long-lived objects, few reference cycles.

With CPython's default gen-0 threshold (700 allocations) a 10,000-instance plan rescanned its growing
live state thousands of times: about a quarter of the client's CPU (``bench/plan_fleet.py`` measured
~1.0 ms per instance with it, ~0.75 ms without). Cycles are still collected, just rarely.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

FLEET_THRESHOLDS = (50_000, 20, 20)


def settle_long_lived() -> None:
    """For a long-running process (the local cloud): what exists now is never scanned again."""
    gc.freeze()
    gc.set_threshold(*FLEET_THRESHOLDS)


@contextmanager
def fleet_allocation() -> Iterator[None]:
    """Collect rarely while the block builds fleet state; the previous thresholds come back after."""
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*FLEET_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()
