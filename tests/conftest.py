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

import contextlib
import os
import select
import signal
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tcremedy.emulator.testing import RunningEmulator, new_model_rejections, start_emulator

# Keep any proxy configured in the environment away from loopback requests made by the SDK.
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")

TEST_DEFAULTS: dict[str, Any] = {"transition_seconds": 0.05}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "emulator(**config): EmulatorConfig fields for the `emulator` fixture")


@pytest.fixture(autouse=True)
def tcremedy_requests_pass_the_sdk_models() -> Iterator[None]:
    """Issue 9: every request tcremedy sends passes the local cloud's SDK-model validation, in the
    whole suite. tcremedy tags its requests (RequestClient "...; tcremedy", cloud/clients.py); the
    local cloud records any of them its validation refuses (``World.model_rejections``), and a test
    during which one was refused fails here, whatever tcremedy made of the error."""
    new_model_rejections()  # what earlier tests' shared emulators saw is theirs
    yield
    refused = new_model_rejections()
    if refused:
        listed = "\n  ".join(refused)
        pytest.fail(f"requests tcremedy sent were refused by the SDK-model validation:\n  {listed}")


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


def _processes_of(workdir: Path) -> list[int]:
    """Processes started for an apply in ``workdir`` (their environment names its .tcremedy)."""
    marker = str(workdir.resolve() / ".tcremedy").encode()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            with contextlib.suppress(OSError):  # gone, or not ours to read
                if marker in Path(f"/proc/{entry}/environ").read_bytes():
                    found.append(int(entry))
    return found


@pytest.fixture
def no_orphans(tmp_path: Path) -> Iterator[Path]:
    """For tests that SIGKILL apply in ``tmp_path``: at teardown every engine and provider process
    of that work dir must have ended (waited on pidfds, no polling, up to 30 s); any left over is
    killed, and the test fails naming it (an orphan is a product bug, issue 14 item 5)."""
    yield tmp_path
    left = []
    for pid in _processes_of(tmp_path):
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        try:
            if not select.select([fd], [], [], 30)[0]:
                left.append(pid)
        finally:
            os.close(fd)
    names = []
    for pid in left:
        with contextlib.suppress(OSError):
            names.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120])
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"processes outlived apply: {names}"
