"""`tcremedy emulator serve` as a process: endpoint first on stdout, SIGTERM saves state, bad input."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.cvm.v20170312 import cvm_client
from tencentcloud.cvm.v20170312 import models as cm

CMD = [sys.executable, "-c", "from tcremedy.main import run; run()", "emulator", "serve"]


def test_serve_prints_endpoint_first_and_persists_on_sigterm(tmp_path) -> None:
    state = tmp_path / "state.json"
    proc = subprocess.Popen(
        [
            *CMD,
            "--scenario",
            "instance-stopped",
            "--state",
            str(state),
            "--port",
            "0",
            "--secret-id",
            "AKIDcustom",
            "--secret-key",
            "custom-key",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    try:
        endpoint = proc.stdout.readline().strip()
        assert endpoint.startswith("http://127.0.0.1:")
        hp = HttpProfile(protocol="http", endpoint=endpoint.removeprefix("http://"))
        cvm = cvm_client.CvmClient(
            credential.Credential("AKIDcustom", "custom-key"), "ap-guangzhou", ClientProfile(httpProfile=hp)
        )
        (inst,) = cvm.DescribeInstances(cm.DescribeInstancesRequest()).InstanceSet
        assert inst.InstanceState == "STOPPED"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    assert inst.InstanceId in state.read_text()


def test_serve_rejects_bad_input_without_traceback(tmp_path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    for args, text in (
        (["--scenario", "no-such-scenario"], "unknown scenario"),
        (["--state", str(bad)], "broken.json"),
        (["--throttle-rate", "0.7", "--error-rate", "0.6"], "must not exceed 1"),
    ):
        out = subprocess.run([*CMD, *args], capture_output=True, text=True, timeout=30)
        assert out.returncode == 1 and text in out.stderr and "Traceback" not in out.stderr
        assert out.stdout == ""
