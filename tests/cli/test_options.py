"""One definition per option: shared help and environment defaults, values checked where parsed,
one error style, no option swallowing the next flag, an unreachable endpoint named at once."""

from __future__ import annotations

import ast
import json
import re
import socket
from pathlib import Path

import pytest
from cli_entry import invoke

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("no_credentials")


def _one_error_line(run, *needles: str) -> None:
    assert run.code == 1 and run.out == "", run
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), run.err
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_a_value_taking_option_does_not_swallow_the_next_flag() -> None:
    run = invoke("plan", "--endpoint", "--json")
    assert run.code == 1
    assert (
        "option --endpoint needs a value, but got the option --json"
        in json.loads(run.out)["error"]["message"]
    )
    run = invoke("apply", "--yes", "--endpoint", "--backend-url", "file:///x")
    _one_error_line(run, "--endpoint needs a value", "--backend-url", "see `tcremedy apply --help`")
    _one_error_line(invoke("plan", "--out", "--quiet"), "--out needs a value")


@pytest.mark.parametrize("command", ["plan", "check", "apply"])
def test_endpoint_values_are_checked_where_parsed(command: str) -> None:
    _one_error_line(invoke(command, "--endpoint", "http://[::1"), "'--endpoint'", "not an endpoint URL")
    _one_error_line(invoke(command, "--endpoint", "ftp://host"), "'--endpoint'", "not an endpoint URL")
    env = invoke(command, env={"TCREMEDY_ENDPOINT": "http://h:99999"})
    _one_error_line(env, "'--endpoint' (from $TCREMEDY_ENDPOINT)", "not an endpoint URL")


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("file:///proc/x", "cannot create the directory /proc/x"),
        ("file://relative/dir", "expected an absolute directory"),
        ("mysql://db", "not a Pulumi backend URL"),
        ("s3://", "names no bucket"),
    ],
)
def test_backend_url_is_a_pulumi_backend(url: str, needle: str) -> None:
    _one_error_line(invoke("apply", "--yes", "--backend-url", url), "'--backend-url'", needle)


def test_an_unreachable_endpoint_fails_at_once_naming_it(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nothing listens on: bound, then closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    run = invoke("plan", "--endpoint", f"http://127.0.0.1:{port}", "--no-guest-probe", "-q")
    _one_error_line(run, f"--endpoint http://127.0.0.1:{port}: cannot connect")
    assert "Max retries" not in run.err


def _option_help(command: str) -> dict[str, str]:
    """--option -> its help entry (metavar, text, env var), from the plain `tcremedy COMMAND --help`."""
    run = invoke(command, "--help")
    rows: dict[str, str] = {}
    last = ""
    for line in run.out.splitlines():
        m = re.match(r"\s{2}(?:-\w, )?(--[a-z-]+)(.*)$", line)
        if m:
            last = m.group(1)
            rows[last] = " ".join(m.group(2).split())
        elif last and line.startswith(" " * 6):
            rows[last] += " " + " ".join(line.split())
        else:
            last = ""
    return rows


def test_plan_check_and_apply_share_one_definition_of_each_option() -> None:
    plan, check, apply = (_option_help(c) for c in ("plan", "check", "apply"))
    for option in ("--policy", "--region", "--endpoint", "--profile", "--instance", "--quiet"):
        assert plan[option] == check[option] == apply[option], option
    assert "[env var: TCREMEDY_ENDPOINT]" in plan["--endpoint"]
    assert "[env var: TCCLI_PROFILE]" in apply["--profile"]
    assert "[env var: TENCENTCLOUD_REGION]" in check["--region"]
    assert plan["--endpoint"].startswith("URL") and plan["--policy"].startswith("FILE")
    from tcremedy.cloud.api import DEFAULT_CONCURRENCY

    assert f"(default: {DEFAULT_CONCURRENCY}," in plan["--concurrency"]


def test_bad_flags_look_the_same_on_every_command() -> None:
    for args in (("plan", "--bogus"), ("apply", "--bogus"), ("emulator", "serve", "--bogus"), ("nope",)):
        _one_error_line(invoke(*args), "--help`)")
    _one_error_line(invoke("emulator", "serve", "--latency-ms", "inf"), "'--latency-ms'")
    _one_error_line(invoke("emulator", "serve", "--throttle-rate", "nan"), "'--throttle-rate'")


def test_no_imports_of_the_cli_frameworks_private_modules() -> None:
    offenders = []
    for path in (ROOT / "cli" / "tcremedy").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                if name.split(".")[0] in ("typer", "click") and any(
                    p.startswith("_") for p in name.split(".")
                ):
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
                if name in ("typer.rich_utils", "click"):
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []
