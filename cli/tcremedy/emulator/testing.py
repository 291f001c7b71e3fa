"""Helpers for tests and benchmarks: an in-process emulator plus real SDK clients pointed at it.

with start_emulator(scenario="healthy") as emu:
    cvm = emu.client(CvmClient)
    cvm.DescribeInstances(cvm_models.DescribeInstancesRequest())
"""

from __future__ import annotations

import json
import urllib.request
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

from tcremedy.emulator.core.app import EmulatorConfig
from tcremedy.emulator.core.server import EmulatorServer, running
from tcremedy.emulator.core.world import World
from tcremedy.emulator.defaults import CONTROL_PREFIX

C = TypeVar("C")


@dataclass
class RunningEmulator:
    server: EmulatorServer

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:PORT``"""
        return self.server.endpoint

    @property
    def host_port(self) -> str:
        """``127.0.0.1:PORT`` (what ``HttpProfile(endpoint=...)`` wants, with ``protocol="http"``)."""
        return f"{self.server.host}:{self.server.port}"

    @property
    def config(self) -> EmulatorConfig:
        return self.server.emulator.config

    @property
    def secret_id(self) -> str:
        return self.config.secret_id

    @property
    def secret_key(self) -> str:
        return self.config.secret_key

    @property
    def region(self) -> str:
        return self.config.region

    @property
    def world(self) -> World:
        return self.server.world

    def credential(self) -> credential.Credential:
        return credential.Credential(self.secret_id, self.secret_key)

    def profile(self, *, language: str = "en-US", req_timeout: int = 10, **http: Any) -> ClientProfile:
        hp = HttpProfile(protocol="http", endpoint=self.host_port, reqTimeout=req_timeout, **http)
        return ClientProfile(httpProfile=hp, language=language)

    def client(
        self,
        client_cls: type[C],
        *,
        region: str | None = None,
        cred: credential.Credential | None = None,
        profile: ClientProfile | None = None,
    ) -> C:
        """A real SDK client (``CvmClient``, ``VpcClient``, ...) talking to this emulator."""
        return client_cls(cred or self.credential(), region or self.region, profile or self.profile())  # type: ignore[call-arg]

    def control(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, timeout: float = 10
    ) -> dict[str, Any]:
        """Call the control API (``path`` relative to ``/_emulator``); raises on HTTP errors."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            f"{self.endpoint}{CONTROL_PREFIX}/{path.lstrip('/')}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read())

    def hold(self, action: str, *, count: int = 1, when: str = "before", skip: int = 0) -> str:
        """Hold the next ``count`` requests of ``action`` (see ``core/holds.py``); returns the hold id."""
        spec = {"action": action, "count": count, "when": when, "skip": skip}
        return str(self.control("POST", "holds", spec)["id"])

    def wait_held(self, hold_id: str, *, count: int = 1, timeout: float = 120) -> dict[str, Any]:
        """Block until the hold has caught ``count`` requests (HTTP 408 -> ``HTTPError`` on timeout)."""
        body = {"timeout": timeout, "count": count}
        return self.control("POST", f"holds/{hold_id}/wait", body, timeout=timeout + 10)

    def release(
        self, hold_id: str, outcome: str = "run", *, code: str = "", message: str = ""
    ) -> dict[str, Any]:
        """Let the held requests go on (``run``: carried out), end unanswered (``drop``), answer the
        API error ``code``/``message`` (``fail``) or carry them out and cut their answer off halfway
        through the body (``cut``)."""
        body = {"outcome": outcome, "code": code, "message": message}
        return self.control("POST", f"holds/{hold_id}/release", body, timeout=40)

    def advance(self, seconds: float) -> None:
        """Move the emulator clock forward (finishes lifecycle transitions without sleeping)."""
        self.server.emulator.clock.advance(seconds)

    def instance_ids(self, region: str | None = None) -> list[str]:
        with self.world.lock:
            return list(self.world.region(region or self.region).cvm.instances)


@contextmanager
def start_emulator(**config: Any) -> Iterator[RunningEmulator]:
    """Start an emulator on a free loopback port; keyword arguments are ``EmulatorConfig`` fields."""
    config.setdefault("port", 0)
    with running(EmulatorConfig(**config)) as server:
        emu = RunningEmulator(server)
        STARTED.add(emu.world)
        yield emu


# The worlds of the emulators started in this process, for the tests' check that every request
# tcremedy sent passed the SDK-model validation (``World.model_rejections``; tests/conftest.py).
STARTED: weakref.WeakSet[World] = weakref.WeakSet()


def new_model_rejections() -> list[str]:
    """tcremedy's requests refused by SDK-model validation since the last call, in every live world."""
    found = []
    for world in list(STARTED):
        found += world.model_rejections[world.rejections_reported :]
        world.rejections_reported = len(world.model_rejections)
    return found
