"""The emulator process: one HTTP listener for every service and the control API, in front of an
``Emulator`` (``tcremedy.emulator.core.app``: world + faults + persistence + scenario).
``EmulatorServer`` puts it on a socket. In-process use (tests)::

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
from email.utils import formatdate
from functools import lru_cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tcremedy.emulator.core.app import Emulator, EmulatorConfig, OffsetClock
from tcremedy.emulator.core.errors import ApiError, InternalError, InvalidParameter, RequestSizeLimitExceeded
from tcremedy.emulator.core.http_head import BadHead, parse_request_line, read_fields
from tcremedy.emulator.core.protocol import CONTENT_TYPE, HttpRequest, error_envelope, new_request_id
from tcremedy.emulator.core.world import World
from tcremedy.emulator.defaults import CONTROL_PREFIX

# A body above this answers RequestSizeLimitExceeded (a common error code of API 3.0,
# tencent-api.md "common error codes"); the size is the emulator's own bound, not a documented one.
MAX_BODY_BYTES = 10 * 1024 * 1024
LISTEN_BACKLOG = 1024  # socketserver's default of 5 resets bursts of connections (the kernel caps it)


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

    def parse_request(self) -> bool:
        """The request line and header fields (``http_head``: no mail parser per request), with
        ``http.server``'s rules for keeping the connection and for ``Expect: 100-continue``."""
        self.command, self.request_version, self.close_connection = "", "HTTP/0.9", True
        self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        try:
            method, target, version = parse_request_line(self.raw_requestline)
            self.command, self.path = method, target
            self.request_version = f"HTTP/{version[0]}.{version[1]}"
            self.headers = read_fields(self.rfile)  # type: ignore[assignment]
        except BadHead as exc:
            self.send_error(exc.status, exc.message)
            return False
        if self.path.startswith("//"):  # a path, not a network location
            self.path = "/" + self.path.lstrip("/")
        connection = (self.headers.get("Connection") or "").lower()
        self.close_connection = connection == "close" or (version < (1, 1) and connection != "keep-alive")
        if version >= (1, 1) and (self.headers.get("Expect") or "").lower() == "100-continue":
            return self.handle_expect_100()
        return True

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
        if outcome.cut:  # a hold released with `cut`: the connection is lost halfway through the body
            self.close_connection = True
        self._send(200, outcome.body, cut=outcome.cut)

    def _send(self, status: int, body: bytes, *, cut: bool = False) -> None:
        """The status line, the headers ``send_response`` wrote (Server, Date) and ours, and the body,
        in one write (``cut``: only its first half, under the whole body's Content-Length)."""
        head = (
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\nServer: {self.version_string()}\r\n"
            f"Date: {_http_date(int(time.time()))}\r\nContent-Type: {CONTENT_TYPE}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self.wfile.write(head.encode("latin-1") + (body[: len(body) // 2] if cut else body))


@lru_cache(maxsize=4)
def _http_date(second: int) -> str:
    """The Date header's text (RFC 9110 5.6.7), once per second."""
    return formatdate(second, usegmt=True)


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
