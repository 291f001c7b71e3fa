"""The one piece of verify that touches the network: a TCP connect plus the RDP negotiation.

Read-only and credential-free: it sends one X.224 Connection Request carrying the protocols it can
speak (``rdp.connection_request``, no cookie, no user name) and closes after the server's answer.
Every wait is bounded by ``timeout`` seconds, the whole probe included.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum

from tcremedy.verify import DEFAULT_TIMEOUT, rdp

MAX_PARALLEL = 32


class Outcome(StrEnum):
    CONNECTED = "connected"  # an RDP server answered the negotiation
    REFUSED = "refused"  # nothing listens (RST), or the connection was closed before any answer
    TIMEOUT = "timeout"  # no answer within the timeout: dropped somewhere on the path
    NOT_RDP = "not-rdp"  # something answered, but not an X.224 Connection Confirm
    NO_ADDRESS = "no-address"  # the instance has no public address to connect to


@dataclass(frozen=True)
class ProbeResult:
    outcome: Outcome
    protocol: str | None = None  # rdp | tls | credssp | rdstls | rdsaad, when connected
    detail: str = ""  # what happened, in one line


def _classify(event: rdp.ClientEvent) -> ProbeResult:
    if isinstance(event, rdp.Selected):
        return ProbeResult(Outcome.CONNECTED, event.name, f"server selected {event.name}")
    if isinstance(event, rdp.Failure):
        # A Negotiation Failure is still an RDP server answering; the code says what it speaks.
        protocol = rdp.FAILURE_PROTOCOL.get(event.code)
        return ProbeResult(Outcome.CONNECTED, protocol, f"negotiation failure {event.name}")
    if isinstance(event, rdp.LegacyConfirm):
        return ProbeResult(Outcome.CONNECTED, "rdp", "connection confirm without negotiation data")
    assert isinstance(event, rdp.NotRdp)
    return ProbeResult(Outcome.NOT_RDP, None, event.reason)


def probe(address: str, port: int, timeout: float = DEFAULT_TIMEOUT) -> ProbeResult:
    """Connect to ``address:port`` and run the negotiation; never raises for network conditions."""
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection((address, port), timeout=timeout)
    except ConnectionRefusedError:
        return ProbeResult(Outcome.REFUSED, None, f"connection to {address}:{port} refused")
    except ConnectionResetError:  # accepted, then reset before connect() returned
        return ProbeResult(Outcome.REFUSED, None, f"connection to {address}:{port} reset")
    except TimeoutError:
        return ProbeResult(Outcome.TIMEOUT, None, f"no answer to the TCP handshake within {timeout:g}s")
    except OSError as exc:  # unreachable network/host (an ICMP answer) or a local error
        return ProbeResult(Outcome.TIMEOUT, None, f"cannot connect: {exc.strerror or exc}")
    nego = rdp.ClientNegotiation()
    received = 0
    with sock:
        try:
            sock.sendall(nego.request_bytes())
            while isinstance(event := nego.next_event(), rdp.NeedData):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                sock.settimeout(left)
                data = sock.recv(1024)
                received += len(data)
                if data:
                    nego.receive_data(data)
                elif received == 0:
                    return ProbeResult(Outcome.REFUSED, None, "connection closed without an answer")
                else:
                    nego.receive_eof()
        except TimeoutError:
            if received:
                return ProbeResult(
                    Outcome.NOT_RDP, None, f"incomplete answer ({received} bytes) then silence"
                )
            return ProbeResult(
                Outcome.TIMEOUT, None, f"connection accepted but no answer within {timeout:g}s"
            )
        except OSError as exc:  # reset by the peer
            if received:
                return ProbeResult(Outcome.NOT_RDP, None, f"connection reset after {received} bytes")
            return ProbeResult(Outcome.REFUSED, None, f"connection reset ({exc.strerror or exc})")
    return _classify(event)


@dataclass(frozen=True)
class Target:
    key: str  # the caller's name for it (an instance id)
    address: str | None
    port: int


def probe_all(
    targets: Sequence[Target],
    timeout: float = DEFAULT_TIMEOUT,
    prober: Callable[[str, int, float], ProbeResult] = probe,
) -> dict[str, ProbeResult]:
    """Probe every target in parallel (bounded), keyed by ``Target.key``."""
    results: dict[str, ProbeResult] = {
        t.key: ProbeResult(Outcome.NO_ADDRESS, None, "no public IP address") for t in targets if not t.address
    }
    todo = [t for t in targets if t.address]
    if todo:
        with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(todo))) as pool:
            futures = {t.key: pool.submit(prober, t.address or "", t.port, timeout) for t in todo}
            results.update({key: f.result() for key, f in futures.items()})
    return results
