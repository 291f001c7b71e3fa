"""Shared fixtures. The emulator fixtures start a real HTTP server in-process (port 0).

Use ``emulator`` for one server per test, configured by a marker::

    @pytest.mark.emulator(scenario="sg-missing-rdp")
    def test_x(emulator):
        cvm = emulator.client(CvmClient)          # real SDK client over HTTP
        emulator.control("POST", "instances/ins-.../guest", {"RdpPort": 3390})

or ``emulator_factory(**EmulatorConfig fields)`` to start several (all stopped at teardown).
Defaults for tests: ``transition_seconds=0.05`` (lifecycle steps barely wait; call
``emulator.advance(s)`` to jump the clock), no faults, documented local credentials.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from tcremedy.emulator.testing import RunningEmulator, start_emulator

# Keep any proxy configured in the environment away from loopback requests made by the SDK.
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")

TEST_DEFAULTS: dict[str, Any] = {"transition_seconds": 0.05}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "emulator(**config): EmulatorConfig fields for the `emulator` fixture")


@pytest.fixture
def emulator_factory() -> Iterator[Callable[..., RunningEmulator]]:
    with ExitStack() as stack:

        def start(**config: Any) -> RunningEmulator:
            return stack.enter_context(start_emulator(**{**TEST_DEFAULTS, **config}))

        yield start


@pytest.fixture
def emulator(
    request: pytest.FixtureRequest, emulator_factory: Callable[..., RunningEmulator]
) -> RunningEmulator:
    marker = request.node.get_closest_marker("emulator")
    return emulator_factory(**(marker.kwargs if marker else {}))
