"""`tcremedy apply` over several regions: one stack per account + region, so the regions are applied
one after another, each on its own stack; the real engine against the local cloud serving two regions
(`--regions`) over HTTP, through the console script."""

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
SCENARIO = """\
name: two-causes
description: Security group and bandwidth causes, fixable as code; one fleet per region.
generator: fleet
fleet:
  causes: [SG_BLOCKS_RDP, BANDWIDTH_ZERO]
  healthy_share: 0
"""


def tc(endpoint: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "PULUMI_CONFIG_PASSPHRASE": "test-only"}
    env.pop("TENCENTCLOUD_REGION", None)
    return subprocess.run(
        [TCREMEDY, *args, "--endpoint", endpoint],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_apply_over_two_regions_repairs_each_on_its_own_stack(tmp_path: Path) -> None:
    scenario = tmp_path / "two-causes.yaml"
    scenario.write_text(SCENARIO)
    config = {"scenario": str(scenario), "fleet_size": 2, "regions": ("ap-shanghai",)}
    with start_emulator(**config, transition_seconds=0.05) as emu:
        before = tc(emu.endpoint, tmp_path, "check", "--all-regions", "--json", "-q")
        assert before.returncode == 2, before.stdout + before.stderr
        doc = json.loads(before.stdout)
        assert [(r["region"], r["compliant"]) for r in doc["regions"]] == [
            ("ap-guangzhou", False),
            ("ap-shanghai", False),
        ]

        applied = tc(emu.endpoint, tmp_path, "apply", "--yes", "--all-regions")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        out = applied.stdout
        first = out.index("== region ap-guangzhou (1 of 2)")
        second = out.index("== region ap-shanghai (2 of 2)")
        assert first < out.index("closed", first) < second < out.index("closed", second)
        assert "STILL OPEN" not in out

        stacks = sorted(p.stem for p in (tmp_path / ".tcremedy").rglob("stacks/*/*.json"))
        assert [s.split("-")[-2:] for s in stacks] == [["ap", "guangzhou"], ["ap", "shanghai"]], stacks

        two = ("--region", "ap-shanghai", "--region", "ap-guangzhou")
        after = tc(emu.endpoint, tmp_path, "check", *two, "-q")
        assert after.returncode == 0, after.stdout
        again = tc(emu.endpoint, tmp_path, "apply", "--yes", *two)  # idempotent, region by region
        assert again.returncode == 0 and again.stdout.count("No fix to apply as code.") == 2, again.stdout
