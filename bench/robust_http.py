"""Robustness figures: hostile HTTP against `tcremedy emulator serve` (127.0.0.1 only, bounded).

Starts the local cloud as a process (so its own stderr can be read; the helpers of
``tests/emulator/test_hostile_input.py``), then:

* opens 200 connections at once, each sent a request only once all are open, three rounds
  (target: every one answered 200);
* 200 signed SDK calls (DescribeInstances) from 200 threads at once (target: every one answered);
* a table of hostile requests: malformed or duplicated ``Content-Length``, oversized and chunked
  bodies, garbage, deep JSON, absurd indexes (``InstanceIds.10000000``, negative, 30 digits),
  mixed shapes, bad control-API requests (path-like scenario names, wrong types, unknown holds,
  bad fault rates, unknown control paths) (target: each answered with the API's error envelope or,
  for the control API, a 4xx JSON error);
* the world is what the scenario built afterwards, and the server's stderr holds no traceback
  after a clean stop (target 0).

    .venv/bin/python bench/robust_http.py
"""

from __future__ import annotations

import json
import socket
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "emulator"))

from tencentcloud.common.exception.tencent_cloud_sdk_exception import (  # noqa: E402
    TencentCloudSDKException,
)
from test_hostile_input import CONCURRENT, Served, client, control, instances  # noqa: E402

ROUNDS = 3


def envelope(answer: bytes) -> str:
    """The error code of an API error envelope, '' when ``answer`` is not one."""
    head, _, body = answer.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 "):
        return ""
    try:
        return str(json.loads(body)["Response"]["Error"]["Code"])
    except (ValueError, KeyError, TypeError):
        return ""


def raw(host: str, port: int, data: bytes) -> bytes:
    """Send raw bytes, half-close, read the answer (a server may answer before it read everything)."""
    with socket.create_connection((host, port), timeout=30) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # answered and closed early: read what it said
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except OSError:
            pass
    return b"".join(chunks)


def request(body: bytes, *headers: str, path: str = "/") -> bytes:
    head = "".join(f"{h}\r\n" for h in headers)
    return f"POST {path} HTTP/1.1\r\nHost: x\r\n{head}\r\n".encode() + body


def connections_round(host: str, port: int) -> int:
    opened = [socket.create_connection((host, port), timeout=60) for _ in range(CONCURRENT)]
    try:
        for sock in opened:  # every connection is open before any request is sent
            sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")

        def answer(sock: socket.socket) -> bytes:
            chunks = []
            try:
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
            except OSError:
                pass
            return b"".join(chunks)

        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(answer, opened))
    finally:
        for sock in opened:
            sock.close()
    return sum(a.startswith(b"HTTP/1.1 200") for a in answers)


def sdk_burst(host: str, port: int) -> tuple[int, dict[str, int]]:
    """Answered calls (a result, or an API error such as the documented rate limit's
    RequestLimitExceeded: an answer, as Tencent Cloud gives it) and the error codes seen."""

    def one(_: int) -> str:
        try:
            answer = client(host, port, reqTimeout=60).call_json("DescribeInstances", {})
            return "ok" if "InstanceSet" in answer["Response"] else "no InstanceSet"
        except TencentCloudSDKException as exc:
            return str(exc.get_code())

    with ThreadPoolExecutor(CONCURRENT) as pool:
        codes = Counter(pool.map(one, range(CONCURRENT)))
    lost = ("ClientNetworkError", "no InstanceSet", "None")
    unanswered = sum(n for code, n in codes.items() if code in lost)
    return CONCURRENT - unanswered, dict(codes)


def api_cases(host: str, port: int) -> list[tuple[str, bool]]:
    """(case, answered with an error envelope)."""
    deep = b"[" * 100_000 + b"]" * 100_000
    raws = {
        "Content-Length abc": request(b"{}", "Content-Length: abc"),
        "Content-Length -1": request(b"{}", "Content-Length: -1"),
        "Content-Length 1e3": request(b"{}", "Content-Length: 1e3"),
        "Content-Length 99999999999": request(b"{}", "Content-Length: 99999999999"),
        "Content-Length 40 digits": request(b"{}", "Content-Length: " + "9" * 40),
        "two Content-Length": request(b"{}", "Content-Length: 2", "Content-Length: 3"),
        "chunked body": request(b"0\r\n\r\n", "Transfer-Encoding: chunked"),
        "oversized body (11 MiB)": request(b"x" * 65_536, f"Content-Length: {11 << 20}"),
        "deep JSON body": request(deep, f"Content-Length: {len(deep)}"),
        "JSON null body": request(b"null", "Content-Length: 4"),
        "garbage request line": b"\x00\xff garbage\r\n\r\n",
        "header without colon": b"POST / HTTP/1.1\r\nHost x\r\n\r\n",
        "10,000 headers": b"POST / HTTP/1.1\r\n" + b"X-A: b\r\n" * 10_000 + b"\r\n",
        "65 KiB request line": b"GET /" + b"a" * 65_536 + b" HTTP/1.1\r\n\r\n",
    }
    found = [(name, envelope(raw(host, port, data)) != "") for name, data in raws.items()]
    get = client(host, port, reqMethod="GET")
    post = client(host, port)
    params: list[tuple[str, Any, dict[str, Any]]] = [
        ("InstanceIds.10000000", get, {"InstanceIds.10000000": "ins-00000000"}),
        ("InstanceIds.-1", get, {"InstanceIds.-1": "ins-00000000"}),
        ("InstanceIds.<30 digits>", get, {"InstanceIds." + "9" * 30: "ins-00000000"}),
        ("Filters mixed shapes", get, {"Filters": "x", "Filters.0.Name": "zone"}),
        ("Limit 1e9", post, {"Limit": 1_000_000_000}),
        ("Limit -5", post, {"Limit": -5}),
        ("Offset NaN", get, {"Offset": "NaN"}),
        ("InstanceIds 10,000 items", post, {"InstanceIds": ["ins-00000000"] * 10_000}),
        ("Filters nested 50 deep", post, {"Filters": [{"Name": "zone", "Values": [[[[["x"]]]]]}]}),
    ]
    for name, cli, p in params:
        try:
            cli.call_json("DescribeInstances", p)
            found.append((name, False))  # an absurd request must not succeed
        except TencentCloudSDKException as exc:
            found.append((name, bool(exc.get_code()) and exc.get_code() != "ClientNetworkError"))
    return found


def control_cases(host: str, port: int) -> list[tuple[str, bool]]:
    cases: list[tuple[str, str, str, Any]] = [
        ("scenario /etc/hostname", "POST", "scenario", {"name": "/etc/hostname"}),
        ("scenario ../../etc/passwd", "POST", "scenario", {"name": "../../etc/passwd"}),
        ("scenario no-such", "POST", "scenario", {"name": "no-such-scenario"}),
        ("scenario name 7", "POST", "scenario", {"name": 7}),
        ("scenario body a list", "POST", "scenario", [1, 2]),
        ("faults throttle_rate 2", "POST", "faults", {"throttle_rate": 2}),
        ("faults latency_ms -1", "POST", "faults", {"latency_ms": -1}),
        ("faults error_rate string", "POST", "faults", {"error_rate": "x"}),
        ("holds without action", "POST", "holds", {"count": 1}),
        ("holds count -1", "POST", "holds", {"action": "DescribeInstances", "count": -1}),
        ("holds when sometime", "POST", "holds", {"action": "DescribeInstances", "when": "sometime"}),
        ("release an unknown hold", "POST", "holds/h-999999/release", {"outcome": "run"}),
        ("wait on an unknown hold", "POST", "holds/h-999999/wait", {"timeout": 0.01}),
        ("clock advance -5", "POST", "clock", {"advance": -5}),
        ("clock advance string", "POST", "clock", {"advance": "x"}),
        ("unknown instance guest", "POST", "instances/ins-zzzzzzzz/guest", {"AgentStatus": "Online"}),
        ("operator ip not an IP", "POST", "operator", {"ip": "not-an-ip"}),
        ("reachability empty", "POST", "reachability", {}),
        ("unknown control path", "GET", "nowhere", None),
    ]
    found = []
    for name, method, path, body in cases:
        try:
            status, payload = control(host, port, method, path, body)
            found.append((name, 400 <= status < 500 and isinstance(payload, dict) and "error" in payload))
        except (OSError, ValueError):
            found.append((name, False))
    return found


def main() -> int:
    start = time.monotonic()
    server = Served()
    host, port = server.host, server.port
    try:
        before = sorted(instances(host, port))
        answered = sum(connections_round(host, port) for _ in range(ROUNDS))
        sdk, codes = sdk_burst(host, port)
        hostile = api_cases(host, port) + control_cases(host, port)
        after = sorted(instances(host, port))
    finally:
        stderr = server.stop()
    tracebacks = stderr.count("Traceback")
    for name, ok in hostile:
        print(f"# {'ok  ' if ok else 'MISS'} {name}")
    print(f"# SDK burst answers: {codes}")
    print(f"# in {time.monotonic() - start:.0f} s; server exit {server.proc.returncode}")
    good = sum(ok for _, ok in hostile)
    connections = CONCURRENT * ROUNDS
    n = len(hostile)
    same = before == after and bool(before)
    figures = [
        ("concurrent connections answered", f"{answered}/{connections}", f"{connections}/{connections}",
         answered == connections),
        ("concurrent SDK calls answered", f"{sdk}/{CONCURRENT}", f"{CONCURRENT}/{CONCURRENT}",
         sdk == CONCURRENT),
        ("hostile requests answered with an error", f"{good}/{n}", f"{n}/{n}", good == n),
        ("world unchanged by hostile requests", "yes" if same else "no", "yes", same),
        ("emulator stderr tracebacks", str(tracebacks), "0", tracebacks == 0),
    ]  # fmt: skip
    for name, value, target, ok in figures:
        print(f"figure {name}: {value} (target {target}) {'OK' if ok else 'MISS'}")
    return 0 if all(ok for *_, ok in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
