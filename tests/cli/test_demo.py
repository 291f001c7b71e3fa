"""`make demo`'s script end to end: emulator with a broken fleet -> plan -> apply -> plan compliant."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.engine


def test_demo_repairs_the_broken_fleet_and_cleans_up(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path), "TCREMEDY": str(Path(sys.executable).parent / "tcremedy")}
    env.pop("TCREMEDY_ENDPOINT", None)
    run = subprocess.run(["bash", str(REPO / "scripts" / "demo.sh")], env=env, capture_output=True, text=True,
                         timeout=300)
    out = run.stdout
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    first_plan, _, rest = out.partition("tcremedy apply --yes")
    for cause in ("SG_BLOCKS_RDP", "BANDWIDTH_ZERO", "INSTANCE_NOT_RUNNING"):
        assert f"\n{cause}  " in first_plan  # a group heading per root cause
    assert "Update succeeded" in rest and "still open" not in rest
    assert "demo: every instance is compliant." in out
    verify_and_oracle = rest.partition("tcremedy verify --detailed-exitcode")[2]
    connect = verify_and_oracle.partition("The emulator's own judge")[0]
    assert "demo: every instance answers the RDP handshake." in connect
    assert " connected" in connect and " timeout" not in connect and " refused" not in connect
    oracle = rest.partition("The emulator's own judge")[2]
    assert "demo: the judge admits every admin range and refuses outsiders" in oracle
    assert " connects" in oracle and " kept out at " in oracle
    assert "NOT ADMITTED" not in oracle and "CONNECTS" not in oracle
    assert "0.0.0.0/0" not in rest  # no fix opens RDP to the internet (the diagnosis may quote a DROP's)
    assert list(tmp_path.iterdir()) == []  # the demo removed its temporary directory
