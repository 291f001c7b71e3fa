"""World state: every region's backends, one lock, an injectable clock and id source.

Like moto's BackendDict, a region's state is created lazily. Each service backend lives in
``tcremedy.emulator.services.<svc>.models`` and is one class with:

* ``__init__(self, region: RegionState)``: empty state; it may reach sibling backends through
  ``region`` (e.g. CVM validates security-group ids against ``region.vpc``);
* ``snapshot(self) -> dict``: JSON-ready plain data of all its state;
* ``restore(self, data: dict) -> None``: the inverse, used by ``--state FILE`` persistence.

Handlers run under ``World.lock``; models need no locking of their own.
"""

from __future__ import annotations

import importlib
import importlib.util
import ipaddress
import itertools
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from tcremedy.emulator.defaults import DEFAULT_REGION

BACKENDS: dict[str, str] = {
    "cvm": "tcremedy.emulator.services.cvm.models:CvmBackend",
    "vpc": "tcremedy.emulator.services.vpc.models:VpcBackend",
    "monitor": "tcremedy.emulator.services.monitor.models:MonitorBackend",
    "tat": "tcremedy.emulator.services.tat.models:TatBackend",
    "cbs": "tcremedy.emulator.services.cbs.models:CbsBackend",
    "tag": "tcremedy.emulator.services.tag.models:TagBackend",
}


def _load(path: str) -> type:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


class IdSource:
    """Deterministic resource ids: ``new("ins")`` -> ``ins-0a1b2c3d`` (8 lowercase hex/alnum)."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)
        self._seen: set[str] = set()

    def new(self, prefix: str) -> str:
        alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
        for _ in itertools.count():
            ident = f"{prefix}-" + "".join(self._rng.choice(alphabet) for _ in range(8))
            if ident not in self._seen:
                self._seen.add(ident)
                return ident
        raise AssertionError("unreachable")


class RegionState:
    """All service backends of one region."""

    def __init__(self, world: World, name: str) -> None:
        self.world = world
        self.name = name
        self._backends: dict[str, Any] = {}

    def backend(self, service: str) -> Any:
        if service not in self._backends:
            self._backends[service] = _load(BACKENDS[service])(self)
        return self._backends[service]

    # Attribute access for readability in models and handlers: region.cvm, region.vpc, ...
    def __getattr__(self, service: str) -> Any:
        if service in BACKENDS:
            return self.backend(service)
        raise AttributeError(service)

    @property
    def now(self) -> float:
        return self.world.clock()

    def new_id(self, prefix: str) -> str:
        return self.world.ids.new(prefix)

    def snapshot(self) -> dict[str, Any]:
        """Plain data of the backends created so far (an untouched service has no state)."""
        return {svc: backend.snapshot() for svc, backend in self._backends.items()}

    def created(self, service: str) -> Any | None:
        """The service's backend if something already made it, else None (nothing is created)."""
        return self._backends.get(service)

    def has_service(self, service: str) -> bool:
        """Whether the service's backend exists in this build (the VPC package may be absent)."""
        module = BACKENDS[service].partition(":")[0]
        try:
            return importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            return False

    def restore(self, data: dict[str, Any]) -> None:
        for svc, svc_data in data.items():
            self.backend(svc).restore(svc_data)


DEFAULT_TRANSITION_SECONDS = 1.0
LOOPBACK_FIRST = int(ipaddress.IPv4Address("127.1.0.0"))  # 127.0.0.0/16 is left to the API listener
LOOPBACK_SPAN = int(ipaddress.IPv4Address("127.255.255.0")) - LOOPBACK_FIRST


def public_range_start(public_range: str | None = None) -> int:
    """Where this run's public addresses start: inside 127.0.0.0/8 (all loopback on Linux), so the
    emulated guests can listen on them; a random /24 per run unless ``public_range`` names one, so
    parallel test runs do not collide."""
    if public_range:
        net = ipaddress.IPv4Network(public_range, strict=False)
        if not net.subnet_of(ipaddress.IPv4Network("127.0.0.0/8")):
            raise ValueError(f"public range {public_range} is not inside 127.0.0.0/8")
        return int(net.network_address)
    return LOOPBACK_FIRST + random.SystemRandom().randrange(LOOPBACK_SPAN // 256) * 256


class World:
    """The whole emulated cloud.

    ``clock`` drives every time-dependent behaviour (instance state transitions, metric
    timestamps); ``transition_seconds`` is how long PENDING/STARTING/STOPPING/REBOOTING last.
    ``meta`` holds plain data about how the world was built (scenario name, expectations).
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: Callable[[], float] = time.time,
        transition_seconds: float = DEFAULT_TRANSITION_SECONDS,
        public_range: str | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.public_start = public_range_start(public_range)
        self.public_next = 0
        self.clock = clock
        self.seed = seed
        self.transition_seconds = transition_seconds
        self.ids = IdSource(seed)
        self.meta: dict[str, Any] = {}
        self._regions: dict[str, RegionState] = {}
        # tcremedy's own requests (RequestClient "...; tcremedy") the SDK-model validation refused:
        # "service.Action: Code message" (tests fail on any; tcremedy.emulator.testing)
        self.model_rejections: list[str] = []
        self.rejections_reported = 0  # how many of them a test has been told of

    def reset(self) -> None:
        """Forget everything (like moto's reset): no regions, fresh id stream, no meta."""
        self.ids = IdSource(self.seed)
        self.meta = {}
        self._regions = {}
        self.public_next = 0

    def allocate_public(self) -> str:
        """The next public address of this run's loopback range (unique across regions)."""
        n = self.public_next
        self.public_next += 1
        block, host = divmod(n, 253)  # hosts .2-.254 of each /24
        offset = (self.public_start - LOOPBACK_FIRST + 256 * block + host + 2) % LOOPBACK_SPAN
        return str(ipaddress.IPv4Address(LOOPBACK_FIRST + offset))

    def region(self, name: str = DEFAULT_REGION) -> RegionState:
        if name not in self._regions:
            self._regions[name] = RegionState(self, name)
        return self._regions[name]

    @property
    def regions(self) -> dict[str, RegionState]:
        return dict(self._regions)

    def snapshot(self) -> dict[str, Any]:
        return {
            "format": "tcremedy.emulator.world/v1",
            "seed": self.seed,
            "ids": sorted(self.ids._seen),
            "meta": self.meta,
            "public_next": self.public_next,
            "regions": {name: r.snapshot() for name, r in self._regions.items()},
        }

    def restore(self, data: dict[str, Any]) -> None:
        self.ids._seen.update(data.get("ids", ()))
        self.meta = dict(data.get("meta", {}))
        self.public_next = max(self.public_next, int(data.get("public_next", 0)))
        for name, region_data in data.get("regions", {}).items():
            self.region(name).restore(region_data)
