"""An IPv6 admin range end to end on the default (sdk-dynamic) path, on the shipped scenario
sg-ipv6-admin-missing with the shipped policy policies/examples/ipv6-admin.yaml: diagnosed, repaired
with an ``Ipv6CidrBlock`` rule (an IPv6 source in ``CidrBlock`` is InvalidParameterValue.Malformed),
and the emulator's judge then admits an address of that range (through the subnet ACL's listed
default rule for IPv6) and nobody outside the ranges the group admits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tcremedy.emulator.testing import start_emulator

pytestmark = pytest.mark.engine
TCREMEDY = str(Path(sys.executable).parent / "tcremedy")
POLICY = Path(__file__).resolve().parents[2] / "policies" / "examples" / "ipv6-admin.yaml"


def tc(endpoint: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "PULUMI_CONFIG_PASSPHRASE": "test-only"}
    return subprocess.run(
        [TCREMEDY, *args, "--endpoint", endpoint, "--policy", str(cwd / "p.yaml")],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_an_ipv6_admin_range_is_diagnosed_repaired_and_admitted(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(POLICY.read_text())
    with start_emulator(scenario="sg-ipv6-admin-missing", transition_seconds=0.05) as emu:
        plan = json.loads(tc(emu.endpoint, tmp_path, "plan", "--json").stdout)
        [inst] = plan["instances"]
        assert inst["root_cause"]["evidence"]["not_admitted"] == ["2001:db8:10::/48"]
        applied = tc(emu.endpoint, tmp_path, "apply", "--yes")
        assert applied.returncode == 0 and "STILL OPEN" not in applied.stdout, applied.stdout + applied.stderr
        assert tc(emu.endpoint, tmp_path, "plan", "--detailed-exitcode", "-q").returncode == 0
        iid = inst["instance_id"]
        for ip, reachable in (
            ("2001:db8:10::7", True),
            ("203.0.113.9", True),
            ("2001:db8:77::1", False),
            ("192.0.2.99", False),
        ):
            verdict = emu.control("POST", "reachability", {"instance_id": iid, "source_ip": ip, "port": 3389})
            assert verdict["reachable"] is reachable, (ip, verdict)
