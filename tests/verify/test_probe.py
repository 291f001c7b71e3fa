"""The TCP probe against real loopback sockets: each outcome, bounded by the timeout."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tcremedy.verify import rdp
from tcremedy.verify.probe import Outcome, Target, probe, probe_all


@contextmanager
def server(reply: bytes | None, *, close_first: bool = False) -> Iterator[int]:
    """A one-connection server: reads the request, then answers ``reply`` (None: stays silent)."""
    lsock = socket.create_server(("127.0.0.1", 0))
    port = lsock.getsockname()[1]
    got: list[bytes] = []
    done = threading.Event()

    def serve() -> None:
        conn, _ = lsock.accept()
        with conn:
            if not close_first:
                got.append(conn.recv(1024))
                if reply is not None:
                    conn.sendall(reply)
                else:
                    done.wait(5)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        done.set()
        thread.join(5)
        lsock.close()
    if got:
        assert rdp.parse_request(got[0]) == rdp.ConnectionRequest(rdp.DEFAULT_REQUESTED, 0)


def test_connected_reports_the_selected_protocol() -> None:
    with server(rdp.connection_confirm(rdp.Selected(rdp.PROTOCOL_HYBRID))) as port:
        result = probe("127.0.0.1", port, 2)
    assert (result.outcome, result.protocol) == (Outcome.CONNECTED, "credssp")
    with server(rdp.connection_confirm(rdp.Failure(rdp.SSL_NOT_ALLOWED_BY_SERVER))) as port:
        result = probe("127.0.0.1", port, 2)
    assert (result.outcome, result.protocol) == (Outcome.CONNECTED, "rdp")


def test_refused_timeout_and_not_rdp() -> None:
    lsock = socket.create_server(("127.0.0.1", 0))
    free = lsock.getsockname()[1]
    lsock.close()
    assert probe("127.0.0.1", free, 2).outcome is Outcome.REFUSED
    with server(None, close_first=True) as port:
        assert probe("127.0.0.1", port, 2).outcome is Outcome.REFUSED
    with server(None) as port:
        result = probe("127.0.0.1", port, 0.2)
    assert result.outcome is Outcome.TIMEOUT and "accepted" in result.detail
    with server(b"SSH-2.0-OpenSSH_9.6\r\n") as port:
        assert probe("127.0.0.1", port, 2).outcome is Outcome.NOT_RDP
    with server(rdp.connection_confirm(rdp.Selected(rdp.PROTOCOL_SSL))[:7]) as port:
        assert probe("127.0.0.1", port, 2).outcome is Outcome.NOT_RDP


def test_probe_all_marks_instances_without_an_address() -> None:
    results = probe_all([Target("ins-a", None, 3389)], timeout=0.1)
    assert results["ins-a"].outcome is Outcome.NO_ADDRESS
