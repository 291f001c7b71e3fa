"""tcremedy installed from its wheel works outside the repository: `emulator serve`, `plan --out` and
`apply PLAN --yes` from an empty directory, with the packaged policy and the packaged remediation program.

The wheel is built by the project's build backend (offline: setuptools comes with the test extras) and
installed with pip into a fresh virtualenv outside the checkout. To stay fast, the dependencies are not
installed again: a ``.pth`` line makes the test venv see this venv's site-packages as a plain path (its
``.pth`` files, among them the editable install of tcremedy, are not processed), so ``tcremedy`` itself
can only come from the wheel; the test asserts that.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vpc.v20170312 import vpc_client

from tcremedy.defaults import DEFAULT_REGION, LOCAL_SECRET_ID, LOCAL_SECRET_KEY

pytestmark = pytest.mark.engine
ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "cli")


def run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{cmd}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding tcremedy from its wheel; returns its bin directory."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    for name in SOURCES:  # a clean copy: the build writes build/ and *.egg-info next to the sources
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            src.mkdir(exist_ok=True)
            shutil.copy(source, src / name)
    wheels = base / "dist"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(wheels),
            str(src),
        ]
    )
    (wheel,) = wheels.glob("tcremedy-*.whl")
    venv = base / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    target = Path(
        run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip()
    )
    (target / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)])
    where = run([str(python), "-c", "import tcremedy; print(tcremedy.__file__)"], cwd=base).stdout.strip()
    assert where.startswith(str(target)), where  # the wheel's copy, not the checkout
    return venv / "bin"


def test_the_installed_wheel_serves_plans_and_applies_from_an_empty_directory(installed, tmp_path) -> None:
    work = tmp_path / "empty"
    work.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TENCENTCLOUD_", "TCREMEDY_", "TCCLI_"))},
        "PATH": f"{installed}{os.pathsep}{os.environ.get('PATH', '')}",
        "PULUMI_CONFIG_PASSPHRASE": "wheel-test",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    tcremedy = str(installed / "tcremedy")
    server = subprocess.Popen(
        [tcremedy, "emulator", "serve", "--scenario", "sg-missing-rdp"],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        endpoint = server.stdout.readline().strip()
        assert endpoint.startswith("http://127.0.0.1:"), endpoint
        plan = run([tcremedy, "plan", "-q", "--endpoint", endpoint, "--out", "fix.plan"], cwd=work, env=env)
        assert "SG_BLOCKS_RDP" in plan.stdout
        assert "1 instance needs fixes: 2 security-group rules to add." in plan.stdout
        applied = run([tcremedy, "apply", "fix.plan", "--yes", "--endpoint", endpoint], cwd=work, env=env)
        assert "closed" in applied.stdout
        vpc = vpc_client.VpcClient(
            credential.Credential(LOCAL_SECRET_ID, LOCAL_SECRET_KEY),
            DEFAULT_REGION,
            ClientProfile(httpProfile=HttpProfile(endpoint=endpoint.split("://", 1)[1], protocol="http")),
        )
        groups = vpc.call_json("DescribeSecurityGroups", {})["Response"]["SecurityGroupSet"]
        rules = [
            rule
            for g in groups
            for rule in vpc.call_json(
                "DescribeSecurityGroupPolicies", {"SecurityGroupId": g["SecurityGroupId"]}
            )["Response"]["SecurityGroupPolicySet"]["Ingress"]
        ]
        admitted = {r["CidrBlock"] for r in rules if r["Action"] == "ACCEPT" and r["Port"] == "3389"}
        assert {"203.0.113.0/24", "198.51.100.10/32"} <= admitted, json.dumps(rules)
        assert (work / ".tcremedy").is_dir() and sorted(p.name for p in work.iterdir()) == [
            ".tcremedy",
            "fix.plan",
        ]
    finally:
        server.terminate()
        server.wait(timeout=30)
