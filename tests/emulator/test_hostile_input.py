"""The local cloud answers hostile input and never crashes (127.0.0.1 only, bounded).

`tcremedy emulator serve` runs as a process so its own stderr can be read: after everything
below it holds no traceback, and the world is what the scenario built.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from tencentcloud.common import credential
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

from tcremedy.emulator.defaults import LOCAL_SECRET_ID, LOCAL_SECRET_KEY

CMD = [sys.executable, "-c", "from tcremedy.main import run; run()", "emulator", "serve"]
CONCURRENT = 200


class Served:
    """A `tcremedy emulator serve` process; ``stop()`` ends it (once) and returns its stderr."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [*CMD, "--scenario", "sg-missing-rdp", "--port", "0", "--transition-seconds", "0.05"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ},
        )
        assert self.proc.stdout is not None
        host, port = self.proc.stdout.readline().strip().removeprefix("http://").rsplit(":", 1)
        self.host, self.port = host, int(port)
        self.stderr: str | None = None

    def __iter__(self) -> Iterator[object]:
        return iter((self.host, self.port, self))

    def stop(self) -> str:
        if self.stderr is None:
            self.proc.send_signal(signal.SIGTERM)
            self.stderr = self.proc.communicate(timeout=30)[1]
        return self.stderr


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    server = Served()
    assert server.host == "127.0.0.1"
    try:
        yield server
    finally:
        server.stop()


def raw(host: str, port: int, data: bytes) -> bytes:
    """Send raw bytes, half-close, read the whole answer."""
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def envelope_code(answer: bytes) -> str:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    return json.loads(body)["Response"]["Error"]["Code"]


def control(host: str, port: int, method: str, path: str, body: object = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://{host}:{port}/_emulator/{path}", data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def client(host: str, port: int, **http: object) -> CommonClient:
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=f"{host}:{port}", **http))
    cred = credential.Credential(LOCAL_SECRET_ID, LOCAL_SECRET_KEY)
    return CommonClient("cvm", "2017-03-12", cred, "ap-guangzhou", profile=profile)


def instances(host: str, port: int) -> list[str]:
    found = client(host, port).call_json("DescribeInstances", {})["Response"]["InstanceSet"]
    return [i["InstanceId"] for i in found]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "/etc/hostname"}, 400),
        ({"name": "no-such-scenario"}, 404),
        ({"name": 7}, 400),
        ([1, 2], 400),
    ],
)
def test_control_api_errors_are_json_and_leave_the_world_alone(served, body, status) -> None:
    host, port, _ = served
    before = instances(host, port)
    got, payload = control(host, port, "POST", "scenario", body)
    assert got == status and payload["error"]
    assert instances(host, port) == before and before


def test_malformed_or_oversized_bodies_get_the_error_envelope(served) -> None:
    host, port, _ = served
    bad_length = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}"
    assert envelope_code(raw(host, port, bad_length)) == "InvalidParameter"
    huge = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n{}"
    assert envelope_code(raw(host, port, huge)) == "RequestSizeLimitExceeded"
    chunked = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    assert envelope_code(raw(host, port, chunked)) == "InvalidParameter"
    assert raw(host, port, b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n{") == b""  # client went away
    garbage = raw(host, port, b"\x00\xff garbage\r\n\r\n")
    assert garbage.startswith(b"HTTP/1.1 400") and b'"Code":"InvalidParameter"' in garbage
    assert control(host, port, "POST", "faults", None)[0] == 200
    bad_control = b"POST /_emulator/faults HTTP/1.1\r\nContent-Length: -1\r\n\r\n"
    assert raw(host, port, bad_control).startswith(b"HTTP/1.1 400")


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"POST / HTTP/1.1\r\nHost x\r\n", b"400"),  # a field line without a colon
        (b"POST / HTTP/1.1\r\nHost: x\r\n folded\r\n", b"400"),  # obsolete line folding
        (b"POST / HTTP/1.1\r\n" + b"X-A: b\r\n" * 101, b"431"),  # more than 100 fields
        (b"POST / HTTP/1.1\r\nX-A: " + b"b" * 70_000 + b"\r\n", b"431"),  # a field line too long
        (b"POST / HTTP/2.0\r\nHost: x\r\n", b"505"),
        (b"POST / HTTP/one\r\nHost: x\r\n", b"400"),
        (b"POST /\r\n", b"400"),  # HTTP/0.9 knows only GET
    ],
)
def test_a_malformed_request_head_gets_a_status_and_the_error_envelope(served, head, status) -> None:
    host, port, _ = served
    answer = raw(host, port, head + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 " + status), answer[:80]
    assert b'"Code":"InvalidParameter"' in answer and b"Connection: close" in answer


def test_one_connection_carries_requests_until_the_client_says_close(served) -> None:
    host, port, _ = served
    health = b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\n\r\n"
    last = b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(health + health + last)  # no half-close: only the third asks to close
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    assert b"".join(chunks).count(b"HTTP/1.1 200 OK\r\n") == 3


def test_absurd_indexes_and_mixed_shapes_are_invalid_parameters(served) -> None:
    host, port, _ = served
    get = client(host, port, reqMethod="GET")
    for params in ({"InstanceIds.10000000": "ins-00000000"}, {"Filters": "x", "Filters.0.Name": "zone"}):
        with pytest.raises(TencentCloudSDKException) as err:
            get.call_json("DescribeInstances", params)
        assert err.value.get_code() == "InvalidParameter"
    deep = b"[" * 100_000 + b"]" * 100_000
    request = b"POST / HTTP/1.1\r\nContent-Length: %d\r\n\r\n%s" % (len(deep), deep)
    assert envelope_code(raw(host, port, request)) == "AuthFailure.InvalidAuthorization"  # unsigned


def test_200_simultaneous_connections_are_all_answered(served) -> None:
    host, port, _ = served
    opened = [socket.create_connection((host, port), timeout=30) for _ in range(CONCURRENT)]
    try:
        for sock in opened:  # every connection is accepted before any request is sent
            sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")

        def answer(sock: socket.socket) -> bytes:
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
            return b"".join(chunks)

        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(answer, opened))
    finally:
        for sock in opened:
            sock.close()
    assert sum(a.startswith(b"HTTP/1.1 200") for a in answers) == CONCURRENT


def test_last_still_serving_and_no_traceback_on_its_stderr(served) -> None:
    """Runs last in this module (file order): after all of the above, then a clean stop."""
    host, port, _ = served
    assert instances(host, port)
    err = served.stop()
    assert served.proc.returncode == 0 and "Traceback" not in err, err
