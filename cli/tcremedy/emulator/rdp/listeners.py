"""Real TCP listeners for the emulated guests' RDP ports, on their loopback public addresses.

Every instance with a public address (inside 127.0.0.0/8, see ``World.allocate_public``) gets a
listening socket on ``<public ip>:<guest RDP port>``; ``sync`` re-binds when addresses or ports change
(the server calls it after every request). One selector thread serves them all. Each accepted
connection is judged by ``answer.decide`` as coming from the operator's address (the scenario's
``operator_ip``, default the first address of the first admin range, or the control API):

* dropped on the way: the connection stays open and silent until the client gives up;
* reached the guest, nothing listening: closed with a TCP reset;
* RDP listening: the X.224 Connection Request is read and answered (``answer.negotiate``).

Connecting to a port no listener holds is refused by the kernel, as a guest whose RDP port moved.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tcremedy.emulator.rdp.answer import Action, decide, negotiate
from tcremedy.verify import rdp

MAX_LISTENERS = 512  # a bigger fleet (benchmarks) gets no sockets at all
Key = tuple[str, int]  # (address, port)


@dataclass
class _Conn:
    sock: socket.socket
    region: str
    instance_id: str
    port: int
    buf: bytes = b""
    silent: bool = False


@dataclass
class RdpListeners:
    """The listening sockets of one emulator; ``close`` stops the thread and every socket."""

    world: Any  # tcremedy.emulator.core.world.World
    operator_ip: Callable[[], str]
    enabled: bool = True
    _listening: dict[Key, tuple[socket.socket, str, str]] = field(default_factory=dict)
    _conns: dict[int, _Conn] = field(default_factory=dict)
    _sel: selectors.BaseSelector = field(default_factory=selectors.DefaultSelector)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None
    _stop: bool = False
    errors: dict[Key, str] = field(default_factory=dict)  # addresses that could not be bound

    def __post_init__(self) -> None:
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        # One pending byte wakes the loop; never block on a full pair (~270 posts before the loop runs
        # filled it: a 300-instance fleet hung at start). A full pair means a wake-up is already pending.
        self._wake_w.setblocking(False)
        self._sel.register(self._wake_r, selectors.EVENT_READ, None)

    # -- which sockets should exist -----------------------------------------------------------
    def desired(self) -> dict[Key, tuple[str, str]]:
        """(public ip, RDP port) -> (region, instance id), for every instance with a public address."""
        out: dict[Key, tuple[str, str]] = {}
        with self.world.lock:
            regions = self.world.regions
            if sum(len(r.cvm.instances) for r in regions.values()) > MAX_LISTENERS:
                return out
            for name, region in regions.items():
                region.cvm.settle()  # due lifecycle steps and scheduled guest reverts first
                for inst in region.cvm.instances.values():
                    for ip in inst.public_ips:
                        out[(ip, inst.guest.rdp_port)] = (name, inst.instance_id)
        return out

    def sync(self) -> None:
        """Bind what should listen and close what should not (cheap when nothing changed)."""
        if not self.enabled or self._stop:
            return
        want = self.desired()
        with self._lock:
            for key in [k for k in self._listening if k not in want or want[k] != self._listening[k][1:]]:
                self._close_listener(self._listening.pop(key)[0])
            for key, (region, iid) in want.items():
                if key in self._listening or key in self.errors:
                    continue
                try:
                    sock = socket.create_server(key, backlog=64)
                except OSError as exc:  # another run holds it: that address stays unanswered
                    self.errors[key] = str(exc)
                    continue
                sock.setblocking(False)
                self._listening[key] = (sock, region, iid)
                self._post(("listen", sock, region, iid, key[1]))
        if self._thread is None and self._listening:
            self._thread = threading.Thread(target=self._loop, name="tcremedy-rdp-listeners", daemon=True)
            self._thread.start()

    def addresses(self) -> dict[str, list[int]]:
        """Instance id -> ports listened on (control API view)."""
        out: dict[str, list[int]] = {}
        with self._lock:
            for (_, port), (_, _, iid) in self._listening.items():
                out.setdefault(iid, []).append(port)
        return out

    def close(self) -> None:
        self._stop = True
        self._post(("stop",))
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with self._lock:
            for sock, _, _ in self._listening.values():
                sock.close()
            self._listening.clear()
        for conn in list(self._conns.values()):
            conn.sock.close()
        self._conns.clear()
        self._sel.close()
        self._wake_r.close()
        self._wake_w.close()

    # -- the selector thread ------------------------------------------------------------------
    _queue: list[tuple[Any, ...]] = field(default_factory=list)

    def _post(self, item: tuple[Any, ...]) -> None:
        self._queue.append(item)
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    def _close_listener(self, sock: socket.socket) -> None:
        """Close now (the address may be bound again at once): through the loop when it runs."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            sock.close()
            return
        done = threading.Event()
        self._post(("close", sock, done))
        done.wait(5)

    def _drain(self) -> bool:
        with contextlib.suppress(OSError):
            self._wake_r.recv(4096)
        while self._queue:
            item = self._queue.pop(0)
            if item[0] == "stop":
                return False
            if item[0] == "listen":
                _, sock, region, iid, port = item
                self._sel.register(sock, selectors.EVENT_READ, ("listen", region, iid, port))
            elif item[0] == "close":
                with contextlib.suppress(KeyError, ValueError):
                    self._sel.unregister(item[1])
                item[1].close()
                item[2].set()
        return True

    def _loop(self) -> None:
        while not self._stop:
            for key, _ in self._sel.select(timeout=1.0):
                if key.data is None:
                    if not self._drain():
                        return
                elif key.data[0] == "listen":
                    self._accept(key.fileobj, *key.data[1:])  # type: ignore[arg-type]
                else:
                    self._read(key.data[1])

    def _accept(self, lsock: socket.socket, region: str, iid: str, port: int) -> None:
        try:
            sock, _ = lsock.accept()
        except OSError:
            return
        sock.setblocking(False)
        conn = _Conn(sock, region, iid, port)
        with self.world.lock:
            decision = decide(self.world.region(region), iid, self.operator_ip(), port)
        if decision.action is Action.RESET:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
            return
        conn.silent = decision.action is Action.SILENT
        self._conns[sock.fileno()] = conn
        self._sel.register(sock, selectors.EVENT_READ, ("conn", conn))

    def _read(self, conn: _Conn) -> None:
        try:
            data = conn.sock.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._drop(conn)
            return
        if conn.silent:
            return  # swallowed: the client hears nothing until it gives up
        conn.buf += data
        event = rdp.parse_request(conn.buf)
        if isinstance(event, rdp.NeedData):
            return
        if isinstance(event, rdp.ConnectionRequest):
            with self.world.lock:
                inst = self.world.region(conn.region).cvm.instances.get(conn.instance_id)
                reply = negotiate(inst.guest, event) if inst is not None else b""
            with contextlib.suppress(OSError):
                conn.sock.sendall(reply)
        self._drop(conn)  # answered (or not RDP: 3.3.5.3.1 drops the connection)

    def _drop(self, conn: _Conn) -> None:
        self._conns.pop(conn.sock.fileno(), None)
        with contextlib.suppress(KeyError, ValueError):
            self._sel.unregister(conn.sock)
        conn.sock.close()
