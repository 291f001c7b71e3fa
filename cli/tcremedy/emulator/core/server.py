"""The emulator process: one HTTP listener for every service, the control API, faults, persistence.

``Emulator`` is the application (world + faults + persistence + scenario); ``EmulatorServer``
puts it on a socket. In-process use (tests)::

    with running(EmulatorConfig(scenario="healthy")) as server:
        server.endpoint   # "http://127.0.0.1:PORT"

Requests may arrive in origin form (``POST /``) or, when the emulator is used as an HTTP forward
proxy, in absolute form (``POST http://cvm.tencentcloudapi.com/``); both are routed the same way.

Hostile input is answered, never crashes a thread: a malformed ``Content-Length``, a chunked or
oversized body get the API's error envelope (the control API: a JSON 400) and the connection is
closed; a bug anywhere in a request answers ``InternalError``; nothing is printed on stderr.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tcremedy.emulator.core import persistence
from tcremedy.emulator.core.dispatch import load_services
from tcremedy.emulator.core.errors import (
    ApiError,
    InternalError,
    InvalidParameter,
    RequestLimitExceeded,
    RequestSizeLimitExceeded,
)
from tcremedy.emulator.core.faults import Fault, FaultConfig, FaultInjector
from tcremedy.emulator.core.holds import Holds
from tcremedy.emulator.core.protocol import (
    CONTENT_TYPE,
    ApiOutcome,
    HttpRequest,
    error_envelope,
    handle_api,
    new_request_id,
)
from tcremedy.emulator.core.ratelimit import RateLimiter
from tcremedy.emulator.core.world import DEFAULT_TRANSITION_SECONDS, World
from tcremedy.emulator.defaults import (
    CONTROL_PREFIX,
    DEFAULT_FLEET_SIZE,
    DEFAULT_HOST,
    DEFAULT_REGION,
    LOCAL_SECRET_ID,
    LOCAL_SECRET_KEY,
)

# A body above this answers RequestSizeLimitExceeded (a common error code of API 3.0,
# tencent-api.md "common error codes"); the size is the emulator's own bound, not a documented one.
MAX_BODY_BYTES = 10 * 1024 * 1024
LISTEN_BACKLOG = 1024  # socketserver's default of 5 resets bursts of connections (the kernel caps it)


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
        self.rate_limiter = RateLimiter(config.rate_limits)
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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes; avoid delayed-ACK stalls
    server: _HttpServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests and the CLI own stdout
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """An unparsable request (bad request line, huge headers): a status line and the API's
        error envelope, never HTTP/0.9's bare body or an HTML page."""
        self.close_connection = True
        self.request_version = "HTTP/1.1"
        what = message or "Malformed HTTP request"
        body = error_envelope(InvalidParameter(f"{what}."[:200]), new_request_id())
        self.send_response(code, message)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_one_request(self) -> None:
        self._action = ""
        start = time.thread_time()
        super().handle_one_request()
        if self._action:
            self.server.emulator.stats.add(self._action, time.thread_time() - start)

    def do_POST(self) -> None:
        self._dispatch()

    def do_GET(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        control = urlsplit(self.path).path.startswith(CONTROL_PREFIX)
        try:
            body = self._read_body()
        except ApiError as exc:
            self.close_connection = True  # where this body ends is unknown: no next request
            if control:
                self._send(400, json.dumps({"error": exc.message, "code": exc.code}).encode())
            else:
                self._send(200, error_envelope(exc, new_request_id()))
            return
        if body is None:  # the client went away mid-body
            self.close_connection = True
            return
        try:
            self._answer(control, body)
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception as exc:  # a bug: answer like the cloud does, keep serving
            self.close_connection = True
            if control:
                self._send(500, json.dumps({"error": f"internal error: {type(exc).__name__}"}).encode())
            else:
                self._send(200, error_envelope(InternalError(), new_request_id()))

    def _read_body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding"):
            raise InvalidParameter("Transfer-Encoding is not supported; send a Content-Length.")
        raw = self.headers.get("Content-Length")
        if raw is None or not raw.strip():
            return b""
        if not raw.strip().isdigit():
            raise InvalidParameter(f"The Content-Length header {raw[:40]!r} is not a number.")
        length = int(raw)
        if length > MAX_BODY_BYTES:
            raise RequestSizeLimitExceeded(
                f"The request body ({length} bytes) exceeds the limit of {MAX_BODY_BYTES} bytes."
            )
        body = self.rfile.read(length) if length else b""
        return body if len(body) == length else None

    def _answer(self, control: bool, body: bytes) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = HttpRequest(self.command, self.path, headers, body)
        emulator = self.server.emulator
        if control:
            from tcremedy.emulator.core.control import handle_control

            status, payload = handle_control(emulator, request)
            emulator.network_changed()
            self._send(status, json.dumps(payload, separators=(",", ":")).encode())
            return
        _fault, outcome = emulator.handle(request)
        if outcome is not None and outcome.mutated:
            emulator.network_changed()
        if outcome is None:  # injected connection drop (or dropped hold): no status line at all
            self.close_connection = True
            return
        self._action = outcome.action or "-"
        self._send(200, outcome.body)

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = LISTEN_BACKLOG
    emulator: Emulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that resets or vanishes is not the emulator's error (no traceback)."""


class EmulatorServer:
    """An ``Emulator`` on a loopback socket. ``serve_forever`` blocks; ``start`` runs a thread."""

    def __init__(self, config: EmulatorConfig, *, clock: OffsetClock | None = None) -> None:
        self.emulator = Emulator(config, clock=clock)
        self._httpd = _HttpServer((config.host, config.port), _Handler)
        self._httpd.emulator = self.emulator
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def world(self) -> World:
        return self.emulator.world

    def serve_forever(self) -> None:
        self.start_listeners()
        self._httpd.serve_forever(poll_interval=0.05)

    def start_listeners(self) -> None:
        """The guests' RDP listeners (``tcremedy.emulator.rdp``), once."""
        from tcremedy.emulator.rdp.listeners import RdpListeners

        emulator = self.emulator
        if emulator.listeners is None:
            emulator.listeners = RdpListeners(
                emulator.world, emulator.operator_ip, enabled=emulator.config.rdp_listeners
            )
            emulator.network_changed()

    def start(self) -> EmulatorServer:
        self.start_listeners()
        self._thread = threading.Thread(target=self.serve_forever, name="tcremedy-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (if serving), close the socket and save the state file."""
        self.emulator.holds.clear()  # held requests run on; nothing waits for a release any more
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()
        if self.emulator.listeners is not None:
            self.emulator.listeners.close()
            self.emulator.listeners = None
        self.emulator.close()


@contextmanager
def running(
    config: EmulatorConfig | None = None, *, clock: OffsetClock | None = None
) -> Iterator[EmulatorServer]:
    """Run an emulator in a background thread for the duration of the block."""
    server = EmulatorServer(config or EmulatorConfig(), clock=clock).start()
    try:
        yield server
    finally:
        server.stop()
