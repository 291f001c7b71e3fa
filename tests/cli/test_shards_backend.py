"""Shards on one shared S3-compatible Pulumi backend (moto's server on loopback standing in for COS):
two shards applying at once, each on its own stack, both converge; two runs on one stack: one
proceeds, the other fails clearly. The run in progress is held by the local cloud (no sleeps)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tcremedy.emulator.testing import RunningEmulator, start_emulator

pytestmark = pytest.mark.engine
moto_server = pytest.importorskip("moto.server", reason="moto[server] is a test dependency")
TCREMEDY = str(Path(sys.executable).parent / "tcremedy")
AWS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1"}


@pytest.fixture
def backend() -> Iterator[str]:
    """An S3 bucket on a loopback moto server, as a Pulumi backend URL."""
    import boto3

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1", **_keys())
        s3.create_bucket(Bucket="tcremedy-state")
        yield f"s3://tcremedy-state?endpoint=http://127.0.0.1:{port}&s3ForcePathStyle=true&region=us-east-1"
    finally:
        server.stop()


def _keys() -> dict[str, str]:
    return {
        "aws_access_key_id": AWS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": AWS["AWS_SECRET_ACCESS_KEY"],
    }


def apply(emu: RunningEmulator, cwd: Path, backend: str) -> subprocess.Popen[str]:
    env = {**os.environ, **AWS, "NO_PROXY": "127.0.0.1,localhost", "PULUMI_CONFIG_PASSPHRASE": "test-only"}
    return subprocess.Popen(
        [TCREMEDY, "apply", "--yes", "--endpoint", emu.endpoint, "--backend-url", backend],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=300)
    return proc.returncode, out


def test_two_shards_apply_at_once_on_one_backend(backend: str, tmp_path: Path) -> None:
    with start_emulator(scenario="sg-missing-rdp") as a, start_emulator(scenario="sg-missing-rdp") as b:
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        runs = [apply(a, tmp_path / "a", backend), apply(b, tmp_path / "b", backend)]
        for code, out in map(finish, runs):
            assert code == 0, out
            assert "closed" in out
        again = [finish(apply(emu, tmp_path, backend)) for emu in (a, b)]
        assert all(code == 0 and "Preview: no changes." in out for code, out in again), again


def test_two_runs_on_one_stack_one_proceeds_the_other_fails_clearly(backend: str, tmp_path: Path) -> None:
    with start_emulator(scenario="sg-missing-rdp") as emu:
        hold = emu.hold("CreateSecurityGroupPolicies")  # the first run stops inside its update
        first = apply(emu, tmp_path, backend)
        emu.wait_held(hold)
        code, out = finish(apply(emu, tmp_path, backend))
        assert code == 1, out
        assert "Traceback" not in out and "lock" in out.lower(), out
        emu.release(hold)
        code, out = finish(first)
        assert code == 0 and "closed" in out, out
