"""Every input parser is total (issue 14 item 2): fuzzed policy files, plan files, saved states,
scenario and emulator-state files, flag values and environment variables end in exit 0/2 or in
exit 1 with one line naming the file, field, option or variable; never a traceback.

Property-based (hypothesis), bounded and derandomized so `make test` stays lean and repeatable:
the case counts are fixed by ``max_examples`` below (about 490 cases, ~25 s of CPU;
``TCREMEDY_FUZZ_SCALE=3`` multiplies them). The strategies live in ``fuzz_cases.py``, shared with
``bench/robust_fuzz.py`` (issue 14's >= 800 cases, counted).
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
from fuzz_cases import (
    DEAD_ENDPOINT,
    ENV_COMMANDS,
    ENV_NAMES,
    FLAG_VALUES,
    HOSTILE_YAML,
    JSON_VALUES,
    PLAN_FLAGS,
    POLICY_TEXT,
    ROOT,
    SERVE_FLAGS,
    env_case,
    json_paths,
    make_plan,
    mutate_plan,
    mutated_policy,
    plan_edit,
    total_problem,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tcremedy.emulator.testing import start_emulator

SCALE = int(os.environ.get("TCREMEDY_FUZZ_SCALE", "1"))  # more cases: TCREMEDY_FUZZ_SCALE=10
FUZZ = settings(
    max_examples=60 * SCALE,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


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
    problem = total_problem(run, *names)
    assert not problem, problem


# ------------------------------------------------------------------------------- policy files

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

@FUZZ
@given(seed=st.integers(0, 2**32), value=JSON_VALUES, how=st.sampled_from(["replace", "delete", "truncate"]))
def test_fuzzed_state_files(workdir: Path, saved_state: Path, seed: int, value: Any, how: str) -> None:
    text = saved_state.read_text(encoding="utf-8")
    doc = json.loads(text)
    paths = json_paths(doc)
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
@given(var=st.sampled_from(sorted(ENV_COMMANDS)), value=FLAG_VALUES)
def test_fuzzed_environment(saved_state: Path, genuine_plan: Path, var: str, value: str) -> None:
    args, env = env_case(var, value, saved_state, genuine_plan)
    assert_total(invoke(*args, env=env), var, *ENV_NAMES)


@settings(FUZZ, max_examples=20 * SCALE)
@given(
    var=st.sampled_from(["TCREMEDY_ENGINE_ROOT", "TCREMEDY_ENGINE_CACHE", "XDG_CACHE_HOME"]),
    value=FLAG_VALUES,
)
def test_fuzzed_engine_location(var: str, value: str) -> None:
    """Where apply looks for the engine (read after the cloud, so driven directly, like the scenarios)."""
    from tcremedy.errors import TcremedyError
    from tcremedy.remediate.engine import locate_engine

    saved = os.environ.get(var)
    os.environ[var] = value.replace("\x00", "")
    try:
        locate_engine()
    except TcremedyError as exc:
        assert "\n" not in str(exc) and ("engine" in str(exc) or var in str(exc))
    finally:
        os.environ.pop(var)
        if saved is not None:
            os.environ[var] = saved


# ------------------------------------------------------------------------------- plan files


@pytest.fixture(scope="module")
def genuine_plan(workdir: Path) -> Path:
    """A genuine plan file whose endpoint nothing listens on (``fuzz_cases.make_plan``)."""
    path = workdir / "genuine.plan"
    path.write_text(json.dumps(make_plan(workdir)), encoding="utf-8")
    return path


@settings(FUZZ, max_examples=40 * SCALE)
@given(edit=plan_edit())
def test_fuzzed_plan_files(workdir: Path, genuine_plan: Path, edit: dict[str, Any]) -> None:
    genuine = json.loads(genuine_plan.read_text(encoding="utf-8"))
    path = workdir / "fuzzed.plan"
    path.write_text(mutate_plan(genuine, edit), encoding="utf-8", errors="surrogatepass")
    run = invoke("apply", str(path), "--yes")
    assert run.code == 1, run  # refused, or stopped at the endpoint nothing listens on
    assert_total(run, str(path), DEAD_ENDPOINT)


def test_the_genuine_plan_reaches_the_cloud(genuine_plan: Path) -> None:
    """The control: unmutated, the plan passes every offline check and stops at the connection."""
    run = invoke("apply", str(genuine_plan), "--yes")
    assert run.code == 1 and DEAD_ENDPOINT in run.err and "cannot connect" in run.err, run


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
    paths = json_paths(doc)
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


def test_emulator_state_files_that_are_not_text_or_not_finite(workdir: Path) -> None:
    from tcremedy.emulator.core import persistence
    from tcremedy.emulator.core.world import World

    state = workdir / "bad-world.json"
    for data in (b"\xff\xfe{}", b'{"format": "x", "n": NaN}', b"[" * 100_000):
        state.write_bytes(data)
        with pytest.raises(persistence.StateFileError, match=str(state)):
            persistence.load(World(), state)
    with pytest.raises(persistence.StateFileError, match="cannot read"):
        persistence.load(World(), workdir)  # a directory


def test_a_bad_fix_timeout_is_refused_before_anything_runs(genuine_plan: Path) -> None:
    for value in ("nan", "inf", "0", "-5", "abc", "1e9"):
        run = invoke("apply", str(genuine_plan), "--yes", env={"TCREMEDY_FIX_TIMEOUT": value})
        assert run.code == 1 and run.err.count("\n") == 1 and "TCREMEDY_FIX_TIMEOUT" in run.err, run
    run = invoke("apply", str(genuine_plan), "--yes", env={"TCREMEDY_FIX_TIMEOUT": "600"})
    assert DEAD_ENDPOINT in run.err  # a good value: on to the cloud


@functools.cache
def _world_snapshot() -> str:
    """A real world snapshot (the scenario built into a world), as the state file holds it."""
    from tcremedy.emulator.core import persistence
    from tcremedy.emulator.core.world import World
    from tcremedy.emulator.scenarios import load

    world = World()
    load(world, "sg-missing-rdp", region="ap-guangzhou")
    return json.dumps({**world.snapshot(), "format": persistence.STATE_FORMAT})
