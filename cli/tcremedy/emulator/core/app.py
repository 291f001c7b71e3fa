"""The emulated cloud as an application, without a socket: ``Emulator`` holds the world, the
credentials, the fault injector, the rate limiter, holds and persistence, loads scenarios, and runs
one API request (``handle``) after applying the configured faults. ``EmulatorConfig`` is everything
``tcremedy emulator serve`` can set; ``OffsetClock`` lets tests fast-forward transitions.
``tcremedy.emulator.core.server`` puts an ``Emulator`` on an HTTP socket.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tcremedy.emulator.core import persistence
from tcremedy.emulator.core.dispatch import load_services
from tcremedy.emulator.core.errors import InternalError, RequestLimitExceeded
from tcremedy.emulator.core.faults import Fault, FaultConfig, FaultInjector
from tcremedy.emulator.core.holds import Holds
from tcremedy.emulator.core.protocol import (
    ApiOutcome,
    HttpRequest,
    error_envelope,
    handle_api,
    new_request_id,
)
from tcremedy.emulator.core.ratelimit import RateLimiter
from tcremedy.emulator.core.world import DEFAULT_TRANSITION_SECONDS, World
from tcremedy.emulator.defaults import (
    DEFAULT_FLEET_SIZE,
    DEFAULT_HOST,
    DEFAULT_REGION,
    LOCAL_SECRET_ID,
    LOCAL_SECRET_KEY,
)


@dataclass(frozen=True)
class EmulatorConfig:
    host: str = DEFAULT_HOST
    port: int = 0
    scenario: str | None = None  # a shipped scenario name or a YAML file path; None = empty world
    state_file: Path | None = None
    latency_ms: float = 0.0
    throttle_rate: float = 0.0
    error_rate: float = 0.0
    seed: int = 0
    region: str = DEFAULT_REGION
    secret_id: str = LOCAL_SECRET_ID
    secret_key: str = LOCAL_SECRET_KEY
    session_token: str | None = None  # set: the key pair is temporary and needs this X-TC-Token
    fleet_size: int = DEFAULT_FLEET_SIZE
    transition_seconds: float = DEFAULT_TRANSITION_SECONDS
    public_range: str | None = None  # a /24 inside 127.0.0.0/8 for public IPs; None = a random one
    rdp_listeners: bool = True  # real TCP listeners on the guests' public IP:RDP port (EmulatorServer)
    operator_ip: str | None = None  # where verify connects from; None = the scenario's, else its default
    rate_limits: str = "off"  # "documented": Tencent's per-action limits (`serve` defaults to it)
    # this account's own limits, action -> requests a second, where they differ from the documented ones
    account_rate_limits: tuple[tuple[str, float], ...] = ()
    regions: tuple[str, ...] = ()  # more regions, each built from the scenario with its own fleet

    @property
    def faults(self) -> FaultConfig:
        return FaultConfig(self.latency_ms, self.throttle_rate, self.error_rate, self.seed)


class OffsetClock:
    """Wall-clock time plus an adjustable offset, so tests can fast-forward transitions."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class CpuStats:
    """Server-side CPU seconds per action (thread CPU time of the request-handling thread)."""

    by_action: dict[str, list[float]] = field(default_factory=dict)  # action -> [count, cpu_seconds]
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, action: str, cpu: float) -> None:
        with self.lock:
            entry = self.by_action.setdefault(action, [0, 0.0])
            entry[0] += 1
            entry[1] += cpu

    def as_data(self) -> dict[str, Any]:
        with self.lock:
            return {a: {"count": int(c), "cpu_seconds": s} for a, (c, s) in sorted(self.by_action.items())}

    def clear(self) -> None:
        with self.lock:
            self.by_action.clear()


class Emulator:
    """The emulated cloud behind the socket: world, credentials, faults, scenario, persistence."""

    def __init__(self, config: EmulatorConfig, *, clock: OffsetClock | None = None) -> None:
        load_services()
        self.config = config
        self.clock = clock or OffsetClock()
        self.world = World(
            seed=config.seed,
            clock=self.clock,
            transition_seconds=config.transition_seconds,
            public_range=config.public_range,
        )
        self.listeners: Any = None  # RdpListeners once on a socket (EmulatorServer)
        self.operator_override: str | None = config.operator_ip
        self.credentials = {config.secret_id: config.secret_key}
        self.faults = FaultInjector(config.faults)
        self.stats = CpuStats()
        self.holds = Holds()
        self.rate_limiter = RateLimiter(config.rate_limits, overrides=dict(config.account_rate_limits))
        restored = config.state_file is not None and persistence.load(self.world, config.state_file)
        self.writer = (
            persistence.StateWriter(self.world, config.state_file) if config.state_file is not None else None
        )
        if not restored:
            self.load_scenario(config.scenario)

    # -- world management (also used by the control API) -------------------------------------
    def load_scenario(self, scenario: str | None) -> None:
        """Replace the world by ``scenario``; on any error the world is left as it was."""
        with self.world.lock:
            before = self.world.snapshot()
            self.world.reset()
            try:
                if scenario:
                    from tcremedy.emulator import scenarios  # late: scenarios import every service

                    built: dict[str, str | None] = {}
                    for name in dict.fromkeys((self.config.region, *self.config.regions)):
                        loaded = scenarios.load(
                            self.world, scenario, region=name, fleet_size=self.config.fleet_size
                        )
                        built.update(loaded.instances)
                    self.world.meta["instances"] = built
            except BaseException:
                self.world.reset()
                self.world.restore(before)
                raise
        self.changed()

    def warm(self) -> None:
        """Prepare what the first requests would otherwise build (the instances' wire forms)."""
        with self.world.lock:
            for region in self.world.regions.values():
                if (cvm := region.created("cvm")) is not None:
                    cvm.warm()

    def reset(self) -> None:
        self.load_scenario(self.world.meta.get("scenario_ref", self.config.scenario))

    def operator_ip(self) -> str:
        """The address the operator connects from: control API, else the scenario's, else its default."""
        from tcremedy.emulator.scenarios import default_operator_ip

        return self.operator_override or self.world.meta.get("operator_ip") or default_operator_ip()

    def network_changed(self) -> None:
        """Re-bind the guests' RDP listeners after a change (call without holding the world lock)."""
        if self.listeners is not None:
            self.listeners.sync()

    def set_faults(self, **changes: float) -> FaultConfig:
        """Change latency/throttle/error rates at run time (control API); the seed stays."""
        unknown = set(changes) - {"latency_ms", "throttle_rate", "error_rate"}
        if unknown:
            raise ValueError(
                f"unknown fault field(s) {sorted(unknown)}; expected latency_ms, throttle_rate, error_rate"
            )
        for name, value in changes.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"`{name}` must be a number")
        config = replace(self.config, **changes)
        self.faults = FaultInjector(config.faults)  # validates the rates
        self.config = config
        return config.faults

    def changed(self) -> None:
        """The world changed: the state file (if any) is written soon, off this thread."""
        if self.writer is not None:
            self.writer.changed()

    def flush(self) -> None:
        """Write the state file now (control API ``POST /_emulator/state/flush``)."""
        if self.writer is not None:
            self.writer.flush()

    def close(self) -> None:
        """Write the state file a last time and stop its writer; held requests run on."""
        self.holds.clear()
        if self.writer is not None:
            self.writer.close()

    # -- API --------------------------------------------------------------------------------
    def handle(self, request: HttpRequest) -> tuple[Fault, ApiOutcome | None]:
        """Apply faults, then run the request. ``(DROP, None)`` means: close without answering."""
        cfg = self.config
        if cfg.latency_ms:
            time.sleep(cfg.latency_ms / 1000.0)
        fault = self.faults.decide()
        if fault is Fault.DROP:
            return fault, None
        if fault is Fault.THROTTLE:
            return fault, ApiOutcome(
                body=error_envelope(RequestLimitExceeded(), new_request_id()),
                error_code=RequestLimitExceeded.code,
            )
        if fault is Fault.INTERNAL_ERROR:
            return fault, ApiOutcome(
                body=error_envelope(InternalError(), new_request_id()), error_code=InternalError.code
            )
        outcome = handle_api(
            request,
            self.world,
            self.credentials,
            default_region=cfg.region,
            holds=self.holds,
            tokens={cfg.secret_id: cfg.session_token} if cfg.session_token else None,
            admit=self.rate_limiter.admit,
        )
        if outcome.mutated:  # (an `after` hold failed on release: done all the same)
            self.changed()
        if outcome.dropped:
            return Fault.DROP, None
        return fault, outcome
