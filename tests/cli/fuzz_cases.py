"""Hypothesis strategies and checks of the fuzz tier, shared by tests/cli/test_fuzz_inputs.py and
bench/robust_fuzz.py (which runs the same cases in larger numbers and counts tracebacks).

Plain functions and strategies only: no pytest fixtures, so the benchmark can use them as they are.
"""

from __future__ import annotations

import copy
import json
import math
import random
from pathlib import Path
from typing import Any

from cli_entry import Run
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
POLICY_TEXT = (ROOT / "policies" / "windows-rdp.yaml").read_text(encoding="utf-8")

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



def total_problem(run: Run, *names: str) -> str:
    """Why ``run`` is not a total answer ('' when it is): exit 0/2, or exit 1 with exactly one
    `error:` line naming one of ``names``; never a traceback."""
    if "Traceback" in run.out + run.err:
        return "traceback: " + (run.out + run.err)[-1500:]
    if run.code not in (0, 1, 2):
        return f"exit {run.code}: {run.err[-500:]}"
    if run.code == 1 and not run.err.strip() and run.out.lstrip().startswith("{"):
        # A command line that holds `--json` (here: a fuzzed value) gets its error as the JSON
        # document the view promised, on stdout, still naming the option.
        message = json.loads(run.out)["error"]["message"]
        if "\n" in message or not any(name in message for name in names):
            return f"message does not name {names}: {message}"
    elif run.code == 1:
        lines = run.err.strip().splitlines()
        if len(lines) != 1 or not lines[0].startswith("error: "):
            return "not one error line: " + run.err[-2000:]
        if not any(name in lines[0] for name in names):
            return f"message does not name {names}: {lines[0]}"
    return ""


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



# ------------------------------------------------------------------ JSON documents (state, plan)

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


def json_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += json_paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node[:3]):
            out += json_paths(v, (*prefix, i))
    return out



# ------------------------------------------------------------------------------- plan files
# Structural mutations of a genuine plan file: wrong types, nulls, deletions, deep nesting, huge
# lists, unknown resource kinds, non-finite numbers, YAML-looking tags as strings, truncation.

HOSTILE_JSON = st.one_of(
    JSON_VALUES,
    st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e308, -(2**64), 2**64, 0.5, True]),
    st.sampled_from(HOSTILE_YAML),
    st.sampled_from(["", "\x00", "a" * 5000, "../../etc/passwd", "/dev/zero", "/proc/self/mem", "ins-"]),
)
PLAN_EDITS = ["replace", "replace", "delete", "nest", "huge-list", "unknown-kind", "truncate", "duplicate"]


@st.composite
def plan_edit(draw: st.DrawFn) -> dict[str, Any]:
    """One to three edits, each with the values it needs (applied by ``mutate_plan``)."""
    return {
        "edits": draw(
            st.lists(
                st.tuples(
                    st.sampled_from(PLAN_EDITS),
                    st.integers(0, 2**32),
                    HOSTILE_JSON,
                    st.integers(1, 200),
                ),
                min_size=1,
                max_size=3,
            )
        )
    }


def mutate_plan(genuine: dict[str, Any], edit: dict[str, Any]) -> str:
    """The text of a plan file: ``genuine`` with ``edit`` applied (see ``plan_edit``)."""
    doc = copy.deepcopy(genuine)
    text = ""
    for how, seed, value, size in edit["edits"]:
        rnd = random.Random(seed)
        paths = json_paths(doc)[1:] or [("format",)]
        path = rnd.choice(paths)
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        key = path[-1]
        if how == "replace":
            parent[key] = value
        elif how == "delete":
            del parent[key]
        elif how == "nest":
            for _ in range(size):
                parent[key] = [parent[key]] if rnd.random() < 0.5 else {"x": parent[key]}
        elif how == "huge-list":
            leaf = parent[key] if not isinstance(parent[key], (dict, list)) else 0
            parent[key] = [leaf] * (size * 600)  # up to 120,000 items
        elif how == "unknown-kind":
            fixes = [
                f for f in doc.get("fixes", []) if isinstance(f, dict) and isinstance(f.get("resource"), dict)
            ]
            if fixes:
                rnd.choice(fixes)["resource"]["kind"] = value if isinstance(value, str) else "firewall"
        elif how == "duplicate" and isinstance(doc.get("fixes"), list) and doc["fixes"]:
            doc["fixes"] = doc["fixes"][:50] * size  # at most 10,000 steps, however often drawn
        elif how == "truncate":
            full = json.dumps(doc)
            text = full[: rnd.randrange(len(full))]
    return text or json.dumps(doc, allow_nan=True)


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



def finite(value: str) -> bool:
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


# ------------------------------------------------------------------- a genuine plan to mutate

DEAD_ENDPOINT = "http://127.0.0.1:9"  # nothing listens: a plan that passes every check ends here
PLAN_SCENARIO = """\
name: fuzz-fleet
description: one Windows instance per cause whose fix the plan file records
generator: fleet
fleet:
  causes: [SG_BLOCKS_RDP, ACL_BLOCKS_RDP, BANDWIDTH_ZERO, CPU_SATURATED, GUEST_RDP_PORT_CHANGED]
  healthy_share: 0.0
expect:
  root_cause: null
  mixed: true
"""


def make_plan(folder: Path) -> dict[str, Any]:
    """A genuine plan file (`plan --out`, made against a local cloud that is then stopped), its
    policy copied into ``folder``; its endpoint is one where nothing listens, so an apply of a
    mutated plan that passes every check stops at the connection, never at the engine."""
    from cli_entry import invoke

    from tcremedy.emulator.testing import start_emulator

    (folder / "fuzz-fleet.yaml").write_text(PLAN_SCENARIO, encoding="utf-8")
    policy = folder / "plan-policy.yaml"
    policy.write_text(POLICY_TEXT, encoding="utf-8")
    out = folder / "genuine.plan"
    scenario = str(folder / "fuzz-fleet.yaml")
    with start_emulator(scenario=scenario, fleet_size=5, transition_seconds=0.05) as emu:
        run = invoke("plan", "-q", "--policy", str(policy), "--endpoint", emu.endpoint, "--out", str(out))
    assert run.code == 0, run
    doc = json.loads(out.read_text(encoding="utf-8"))
    doc["endpoint"] = DEAD_ENDPOINT
    return doc


# Environment variables tcremedy reads (grep os.environ / envvar= in cli/), with the command line
# that reads each and the words its error may name. The environment cannot hold NUL.
ENV_COMMANDS: dict[str, tuple[str, ...]] = {
    "TCREMEDY_ENDPOINT": ("plan", "--from-state", "{state}", "-q"),
    "TENCENTCLOUD_REGION": ("plan", "--from-state", "{state}", "-q"),
    "TCCLI_PROFILE": ("plan", "--from-state", "{state}", "-q"),
    "GITHUB_STEP_SUMMARY": ("check", "--from-state", "{state}", "-q", "--markdown", "summary.md"),
    "TENCENTCLOUD_SECRET_ID": ("plan", "--endpoint", DEAD_ENDPOINT, "-q"),
    "TENCENTCLOUD_SECRET_KEY": ("plan", "--endpoint", DEAD_ENDPOINT, "-q"),
    "TENCENTCLOUD_SESSION_TOKEN": ("plan", "--endpoint", DEAD_ENDPOINT, "-q"),
    "TCREMEDY_FIX_TIMEOUT": ("apply", "{plan}", "--yes"),
}
ENV_NAMES = ("--endpoint", "--region", "--profile", DEAD_ENDPOINT, "credentials")


def env_case(var: str, value: str, state: Path, plan: Path) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of one environment-variable case."""
    args = [a.format(state=state, plan=plan) for a in ENV_COMMANDS[var]]
    env = {var: value.replace("\x00", "")}
    if var in ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"):  # the SDK reads them as a pair
        env.setdefault("TENCENTCLOUD_SECRET_ID", "AKIDfuzz")
        env.setdefault("TENCENTCLOUD_SECRET_KEY", "fuzz")
    return args, env
