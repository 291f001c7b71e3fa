"""Every input parser is total (issue 14 item 2): fuzzed policy files, saved states, scenario and
emulator-state files, flag values and environment variables end in exit 0/2 or in exit 1 with one
line naming the file or option; never a traceback.

Property-based (hypothesis), bounded and derandomized so `make test` stays lean and repeatable:
the case counts are fixed by ``max_examples`` below (about 350 cases; ``TCREMEDY_FUZZ_SCALE=3``
multiplies them, e.g. for issue 14's >= 800).
Runs the console script's entry point in-process (``cli_entry.invoke``); any exception that
escapes it is the traceback a user would have seen, and fails the test.
"""

from __future__ import annotations

import functools
import json
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_entry import Run, invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tcremedy.emulator.testing import start_emulator

ROOT = Path(__file__).resolve().parents[2]
POLICY_TEXT = (ROOT / "policies" / "windows-rdp.yaml").read_text(encoding="utf-8")
SCALE = int(os.environ.get("TCREMEDY_FUZZ_SCALE", "1"))  # more cases: TCREMEDY_FUZZ_SCALE=10
FUZZ = settings(
    max_examples=60 * SCALE,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values a hostile or unlucky user puts where a scalar belongs (issue 14's list, and more).
HOSTILE_YAML = [
    '!!int "abc"',
    '!!float "x"',
    "!!timestamp 2001-12-14",
    "!!set {a, b}",
    "!!binary aGVsbG8=",
    '!!python/object/apply:os.system ["true"]',
    "!!python/name:os.system",
    "!custom 1",
    "! 1",
    ".nan",
    ".inf",
    "-.inf",
    "1e400",
    "9" * 5000,
    "-1",
    "0x7fffffffffffffff",
    "1:30:00",
    "2001-12-14",
    '"\\0"',
    '"\\x01\\x7f"',
    '"\\uFFFE"',
    "[" * 300 + "]" * 300,
    "{a: " * 300 + "1" + "}" * 300,
    "*nowhere",
    "&a [1, *a]",
    "~",
    "''",
    '"3389"',
    "true",
    "[]",
    "{}",
    "[1, [2, [3]]]",
    "=",
    "<<",
    "? [a, b]",
    "|\n    block text",
    "'" + "x" * 100_000 + "'",
    "\t",
]


@pytest.fixture(scope="module", autouse=True)
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every case runs inside its own temporary directory: fuzzed output paths (`--sarif nan`,
    `--sarif ../x`) are written there, never into the checkout."""
    path = tmp_path_factory.mktemp("fuzz")
    (path / "cwd").mkdir()
    before = Path.cwd()
    os.chdir(path / "cwd")
    try:
        yield path
    finally:
        os.chdir(before)


@pytest.fixture(scope="module")
def saved_state(workdir: Path) -> Iterator[Path]:
    """A real saved state (one instance, every check made): diagnosis and planning run on it."""
    path = workdir / "one.state.json"
    with start_emulator(scenario="sg-missing-rdp", transition_seconds=0.05) as emu:
        run = invoke("plan", "--endpoint", emu.endpoint, "--save-state", str(path), "-q", "--json")
    assert run.code == 0 and path.is_file(), run.err
    yield path


def assert_total(run: Run, *names: str) -> None:
    """Exit 0/2, or exit 1 with exactly one `error:` line naming one of ``names``."""
    assert run.code in (0, 1, 2), run
    assert "Traceback" not in run.out + run.err
    if run.code == 1 and not run.err.strip() and run.out.lstrip().startswith("{"):
        # A command line that holds `--json` (here: a fuzzed value) gets its error as the JSON
        # document the view promised, on stdout, still naming the option.
        message = json.loads(run.out)["error"]["message"]
        assert "\n" not in message and any(name in message for name in names), (names, message)
    elif run.code == 1:
        lines = run.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), run.err[-2000:]
        assert any(name in lines[0] for name in names), (names, lines[0])


# ------------------------------------------------------------------------------- policy files

_policy_lines = POLICY_TEXT.splitlines()
_value_lines = [
    i for i, line in enumerate(_policy_lines) if ":" in line and not line.lstrip().startswith("#")
]


@st.composite
def mutated_policy(draw: st.DrawFn) -> str:
    lines = list(_policy_lines)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.sampled_from(_value_lines))
        key = lines[i].split(":", 1)[0]
        value = draw(st.one_of(st.sampled_from(HOSTILE_YAML), st.text(max_size=30)))
        lines[i] = f"{key}: {value}"
    if draw(st.booleans()):
        j = draw(st.integers(0, len(lines)))
        lines.insert(
            j, draw(st.sampled_from(["  - 10.0.0.0/8", "rdp:", "  bogus: 1", "- x", "\x00", "  names:"]))
        )
    return "\n".join(lines) + "\n"


@FUZZ
@given(text=mutated_policy())
def test_fuzzed_policy_files(workdir: Path, saved_state: Path, text: str) -> None:
    policy = workdir / "policy.yaml"
    policy.write_text(text, encoding="utf-8", errors="surrogatepass")
    run = invoke("plan", "--policy", str(policy), "--from-state", str(saved_state), "-q")
    assert_total(run, str(policy))


@settings(FUZZ, max_examples=30 * SCALE)
@given(
    data=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
        max_leaves=30,
    ),
    section=st.sampled_from(["rdp", "capacity", "selector", "guest", "fixes", "instance", "name", "kind"]),
)
def test_policy_sections_of_any_shape(workdir: Path, saved_state: Path, data: Any, section: str) -> None:
    import yaml

    doc = yaml.safe_load(POLICY_TEXT)
    doc[section] = data
    policy = workdir / "shape.yaml"
    policy.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8", errors="surrogatepass")
    assert_total(invoke("plan", "--policy", str(policy), "--from-state", str(saved_state), "-q"), str(policy))


# ---------------------------------------------------------------------------- saved states

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node[:3]):
            out += _paths(v, (*prefix, i))
    return out


@FUZZ
@given(seed=st.integers(0, 2**32), value=JSON_VALUES, how=st.sampled_from(["replace", "delete", "truncate"]))
def test_fuzzed_state_files(workdir: Path, saved_state: Path, seed: int, value: Any, how: str) -> None:
    text = saved_state.read_text(encoding="utf-8")
    doc = json.loads(text)
    paths = _paths(doc)
    path = random.Random(seed).choice(paths[1:])
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    if how == "replace":
        parent[path[-1]] = value
        text = json.dumps(doc)
    elif how == "delete":
        del parent[path[-1]]
        text = json.dumps(doc)
    else:
        text = text[: random.Random(seed).randrange(len(text))]
    state = workdir / "state.json"
    state.write_text(text, encoding="utf-8", errors="surrogatepass")
    assert_total(invoke("plan", "--from-state", str(state), "-q"), str(state))


def test_deep_and_non_finite_state_files(workdir: Path) -> None:
    state = workdir / "deep.json"
    for text in (
        "[" * 100_000 + "]" * 100_000,
        '{"format": "tcremedy.livestate/v1", "window_seconds": NaN}',
        "",
    ):
        state.write_text(text, encoding="utf-8")
        run = invoke("plan", "--from-state", str(state), "-q")
        assert run.code == 1
        assert_total(run, str(state))


# ----------------------------------------------------------------- flags and environment variables

FLAG_VALUES = st.one_of(
    st.sampled_from(
        [
            "http://[::1",
            "http://h:99999",
            "file:///proc/x",
            "inf",
            "nan",
            "-1",
            "",
            " ",
            "--json",
            "\x00",
            "\n",
            "a" * 5000,
            "http://127.0.0.1:1/path",
            "s3://",
            "1e999",
            "/dev/null",
            "/proc/self/mem",
            "/",
            "../../etc/passwd",
        ]
    ),
    st.text(max_size=20).filter(lambda s: "\x00" not in s),
)
PLAN_FLAGS = [
    "--policy",
    "--region",
    "--endpoint",
    "--profile",
    "--instance",
    "--sarif",
    "--from-state",
    "--concurrency",
]
SERVE_FLAGS = [
    "--host", "--scenario", "--state", "--latency-ms", "--throttle-rate", "--error-rate", "--seed",
    "--region", "--secret-id", "--secret-key", "--fleet-size", "--transition-seconds",
]  # fmt: skip


@FUZZ
@given(flag=st.sampled_from(PLAN_FLAGS), value=FLAG_VALUES, command=st.sampled_from(["plan", "check"]))
def test_fuzzed_flag_values(saved_state: Path, flag: str, value: str, command: str) -> None:
    if flag == "--sarif" and value.startswith("/") and value != "/dev/null":
        value = value.lstrip("/") or "root"  # an output path: never write outside the case's directory
    args = [command, flag, value, "-q"]
    if flag != "--from-state":
        args += ["--from-state", str(saved_state)]
    run = invoke(*args)
    assert_total(run, flag, value[:20], str(Path(value))[:20], "policy", "state")


@settings(FUZZ, max_examples=60 * SCALE)
@given(flag=st.sampled_from(SERVE_FLAGS), value=FLAG_VALUES)
def test_fuzzed_emulator_flags(flag: str, value: str) -> None:
    # --port 99999 last: when the fuzzed value is fine, the command still stops before serving.
    run = invoke("emulator", "serve", flag, value, "--port", "99999")
    assert run.code == 1
    assert_total(run, flag, "--port", value[:20])


@settings(FUZZ, max_examples=40 * SCALE)
@given(
    flag=st.sampled_from(["--backend-url", "--endpoint", "--region", "--only", "--instance", "--policy"]),
    value=FLAG_VALUES,
)
def test_fuzzed_apply_flags(workdir: Path, flag: str, value: str) -> None:
    run = invoke("apply", str(workdir / "no-such.plan"), flag, value)
    assert run.code == 1
    assert_total(run, flag, "no-such.plan", value[:20])


@settings(FUZZ, max_examples=40 * SCALE)
@given(var=st.sampled_from(["TCREMEDY_ENDPOINT", "TENCENTCLOUD_REGION", "TCCLI_PROFILE"]), value=FLAG_VALUES)
def test_fuzzed_environment(saved_state: Path, var: str, value: str) -> None:
    value = value.replace("\x00", "")  # the environment cannot hold NUL: no user can set it
    run = invoke("plan", "--from-state", str(saved_state), "-q", env={var: value})
    assert_total(run, var, "--endpoint", "--region", "--profile")


# ------------------------------------------------- emulator scenario files and emulator state files
# The parsers `emulator serve --scenario FILE` / `--state FILE` call, driven directly: a fuzzed file
# that happens to be valid would otherwise start a server. Only the project's own error may leave.

SCENARIO_TEXT = (ROOT / "cli" / "tcremedy" / "emulator" / "scenarios" / "sg-missing-rdp.yaml").read_text()
_scenario_lines = [i for i, line in enumerate(SCENARIO_TEXT.splitlines()) if ":" in line]


@settings(FUZZ, max_examples=40 * SCALE)
@given(data=st.data())
def test_fuzzed_scenario_files(workdir: Path, data: st.DataObject) -> None:
    from tcremedy.emulator.core.world import World
    from tcremedy.emulator.scenarios import load
    from tcremedy.errors import TcremedyError

    lines = SCENARIO_TEXT.splitlines()
    i = data.draw(st.sampled_from(_scenario_lines))
    value = data.draw(st.one_of(st.sampled_from(HOSTILE_YAML), st.text(max_size=20)))
    lines[i] = lines[i].split(":", 1)[0] + ": " + value
    path = workdir / "scenario.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    try:
        load(World(), str(path), region="ap-guangzhou")
    except TcremedyError as exc:
        assert str(path) in str(exc) and "\n" not in str(exc).strip()


@settings(FUZZ, max_examples=40 * SCALE)
@given(seed=st.integers(0, 2**32), value=JSON_VALUES)
def test_fuzzed_emulator_state_files(workdir: Path, seed: int, value: Any) -> None:
    from tcremedy.emulator.core import persistence
    from tcremedy.emulator.core.world import World

    world = World()
    doc = json.loads(_world_snapshot())
    paths = _paths(doc)
    path = random.Random(seed).choice(paths[1:])
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    state = workdir / "world.json"
    state.write_text(json.dumps(doc), encoding="utf-8", errors="surrogatepass")
    try:
        persistence.load(world, state)
    except persistence.StateFileError as exc:
        assert str(state) in str(exc)


@functools.cache
def _world_snapshot() -> str:
    """A real world snapshot (the scenario built into a world), as the state file holds it."""
    from tcremedy.emulator.core import persistence
    from tcremedy.emulator.core.world import World
    from tcremedy.emulator.scenarios import load

    world = World()
    load(world, "sg-missing-rdp", region="ap-guangzhou")
    return json.dumps({**world.snapshot(), "format": persistence.STATE_FORMAT})
