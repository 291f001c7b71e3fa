"""Failures inside Pulumi reach the user as one line per failed step: what, which resource, the
API's error code and message; never a Python traceback (real engine, local cloud over HTTP)."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tcremedy.emulator.testing import RunningEmulator, start_emulator

pytestmark = pytest.mark.engine
TCREMEDY = str(Path(sys.executable).parent / "tcremedy")
FILLER = "\n".join(
    f'      - {{protocol: TCP, port: "{8000 + k}", cidr: 10.9.{k}.0/24, action: ACCEPT}}' for k in range(19)
)
FULL_ACL = f"""
name: acl-full
vpcs: [{{name: demo, cidr: 10.0.0.0/16, subnets: [{{name: app, cidr: 10.0.1.0/24, zone: ap-guangzhou-3}}]}}]
security_groups:
  - name: rdp
    ingress: [{{protocol: TCP, port: "3389", cidr: 203.0.113.0/24, action: ACCEPT}},
              {{protocol: TCP, port: "3389", cidr: 198.51.100.10/32, action: ACCEPT}}]
    egress: [{{protocol: ALL, cidr: 0.0.0.0/0, action: ACCEPT}}]
network_acls:
  - name: app-acl
    vpc: demo
    subnets: [app]
    ingress:
      - {{protocol: TCP, port: "3389", cidr: 0.0.0.0/0, action: DROP}}
{FILLER}
    egress: [{{protocol: ALL, cidr: 0.0.0.0/0, action: ACCEPT}}]
instances:
  - {{name: win-rdp-01, image: windows, subnet: app, security_groups: [rdp], bandwidth: 10,
     load: {{CpuUsage: 12, MemUsage: 38, WanOuttraffic: 0.6, WanIntraffic: 0.3}}}}
"""


def tc(emu: RunningEmulator, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "PULUMI_CONFIG_PASSPHRASE": "test-only"}
    return subprocess.run(
        [TCREMEDY, *args, "--endpoint", emu.endpoint],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )


def failure_lines(stderr: str) -> list[str]:
    """The lines under "the Pulumi update failed:"."""
    assert "Traceback" not in stderr and 'File "' not in stderr, stderr
    tail = stderr.split("the Pulumi update failed:", 1)[1]
    return [line.strip() for line in tail.splitlines() if line.strip()]


def test_a_full_network_acl_is_one_line_per_failed_entry(tmp_path):
    scenario = tmp_path / "acl-full.yaml"
    scenario.write_text(FULL_ACL)
    with start_emulator(scenario=str(scenario), transition_seconds=0.05) as emu:
        out = tc(emu, tmp_path, "apply", "--yes")
        assert out.returncode == 1
        lines = failure_lines(out.stderr)
        assert lines and all(line.startswith("create acl-entry-") for line in lines), lines
        assert all(
            "ModifyNetworkAclEntries failed: LimitExceeded: A network ACL holds at most 20 Ingress entries."
            in line
            for line in lines
        ), lines


def test_a_missing_security_group_is_one_line_with_the_api_code_and_message(tmp_path):
    """The cloud answers the rule insert with ResourceNotFound (the group went away meanwhile)."""
    message = "The specified security group does not exist."
    with start_emulator(scenario="sg-missing-rdp", transition_seconds=0.05) as emu:
        hold = emu.hold("CreateSecurityGroupPolicies")
        with ThreadPoolExecutor(1) as pool:
            run = pool.submit(tc, emu, tmp_path, "apply", "--yes")
            emu.wait_held(hold)
            emu.release(hold, "fail", code="ResourceNotFound", message=message)
            out = run.result(timeout=300)
        assert out.returncode == 1
        lines = failure_lines(out.stderr)
        assert len(lines) == 1 and lines[0].startswith("create sg-rule-"), lines
        assert lines[0].endswith(f": CreateSecurityGroupPolicies failed: ResourceNotFound: {message}")
