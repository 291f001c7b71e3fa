"""Robustness figure: fuzz tracebacks 0 over >= 800 policy / plan-file / flag / environment cases.

Runs the fuzz tier's own strategies (``tests/cli/fuzz_cases.py``, the ones
``tests/cli/test_fuzz_inputs.py`` uses in smaller numbers) through the console script's entry point
in-process (``tests/cli/cli_entry.py``), and counts:

* tracebacks: an exception escaping the entry point, or "Traceback" in what it printed (target 0);
* unclear answers: exit 1 without exactly one `error:` line naming the file, field, option or
  variable (target 0);
* cases run (target >= 800).

Seeded (``--seed``, default 14) so a run can be repeated; ``--scale 2`` doubles every count.

    .venv/bin/python bench/robust_fuzz.py
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "cli"))

from cli_entry import Run, invoke  # noqa: E402
from fuzz_cases import (  # noqa: E402
    DEAD_ENDPOINT,
    ENV_COMMANDS,
    ENV_NAMES,
    FLAG_VALUES,
    PLAN_FLAGS,
    SERVE_FLAGS,
    env_case,
    make_plan,
    mutate_plan,
    mutated_policy,
    plan_edit,
    total_problem,
)
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import seed as hypothesis_seed  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

APPLY_FLAGS = ["--backend-url", "--endpoint", "--region", "--only", "--instance", "--policy"]
COUNTS = {"policy": 250, "plan": 250, "flag": 200, "env": 150}  # 850 cases


class Tally:
    def __init__(self) -> None:
        self.cases: Counter[str] = Counter()
        self.tracebacks: Counter[str] = Counter()
        self.unclear: Counter[str] = Counter()
        self.examples: list[str] = []

    def check(self, kind: str, call: Callable[[], Run], *names: str) -> None:
        self.cases[kind] += 1
        began = time.monotonic()
        try:
            run = call()
        except Exception as exc:  # escaped the entry point: the user's traceback
            self.tracebacks[kind] += 1
            frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/tcremedy/" in f.filename]
            last = frames[-1] if frames else None
            at = f" at {last.filename.rsplit('/tcremedy/', 1)[-1]}:{last.lineno}" if last else ""
            self.examples.append(f"{kind}: {type(exc).__name__}: {exc}{at}"[:300])
            return
        if time.monotonic() - began > 10:
            print(f"# slow {kind} case: {time.monotonic() - began:.0f} s", file=sys.stderr, flush=True)
        problem = total_problem(run, *names)
        if problem.startswith("traceback"):
            self.tracebacks[kind] += 1
        elif problem:
            self.unclear[kind] += 1
        if problem:
            self.examples.append(f"{kind}: {problem}"[:300])


def fuzz(tally: Tally, count: int, seed: int, strategy: Any, body: Callable[[Any], None]) -> None:
    began = time.monotonic()

    @hypothesis_seed(seed)
    @settings(max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(value: Any) -> None:
        body(value)

    run()
    done = sum(tally.cases.values())
    took = time.monotonic() - began
    print(f"# ... {done} cases so far ({took:.0f} s for the last kind)", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    counts = {k: max(1, int(v * args.scale)) for k, v in COUNTS.items()}
    tally = Tally()
    start = time.monotonic()
    sys.stdin = open(os.devnull)  # noqa: SIM115 (a fuzzed `-` must never wait on a terminal)
    with tempfile.TemporaryDirectory(prefix="robust-fuzz-") as tmp:
        work = Path(tmp)
        (work / "cwd").mkdir()
        os.chdir(work / "cwd")  # fuzzed output paths land here
        state = work / "one.state.json"
        plan = work / "genuine.plan"
        plan.write_text(json.dumps(make_plan(work)), encoding="utf-8")
        from tcremedy.emulator.testing import start_emulator

        with start_emulator(scenario="sg-missing-rdp", transition_seconds=0.05) as emu:
            made = invoke("plan", "--endpoint", emu.endpoint, "--save-state", str(state), "-q", "--json")
        assert made.code == 0, made
        genuine = json.loads(plan.read_text(encoding="utf-8"))

        def policy_case(text: str) -> None:
            path = work / "policy.yaml"
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
            argv = ["plan", "--policy", str(path), "--from-state", str(state), "-q"]
            tally.check("policy", lambda: invoke(*argv), str(path))

        def plan_case(edit: dict[str, Any]) -> None:
            path = work / "fuzzed.plan"
            path.write_text(mutate_plan(genuine, edit), encoding="utf-8", errors="surrogatepass")
            tally.check("plan", lambda: invoke("apply", str(path), "--yes"), str(path), DEAD_ENDPOINT)

        def flag_case(case: tuple[str, str, str]) -> None:
            where, flag, value = case
            if flag == "--sarif" and value.startswith("/") and value != "/dev/null":
                value = value.lstrip("/") or "root"
            if where == "serve":
                argv = ["emulator", "serve", flag, value, "--port", "99999"]
            elif where == "apply":
                argv = ["apply", str(work / "no-such.plan"), flag, value]
            else:
                argv = [where, flag, value, "-q"]
                if flag != "--from-state":
                    argv += ["--from-state", str(state)]
            names = (flag, "--port", "no-such.plan", value[:20], str(Path(value))[:20], "policy", "state")
            tally.check("flag", lambda: invoke(*argv), *names)

        def env_case_run(case: tuple[str, str]) -> None:
            var, value = case
            argv, env = env_case(var, value, state, plan)
            tally.check("env", lambda: invoke(*argv, env=env), var, *ENV_NAMES)

        flags = st.one_of(
            st.tuples(st.sampled_from(["plan", "check"]), st.sampled_from(PLAN_FLAGS), FLAG_VALUES),
            st.tuples(st.just("apply"), st.sampled_from(APPLY_FLAGS), FLAG_VALUES),
            st.tuples(st.just("serve"), st.sampled_from(SERVE_FLAGS), FLAG_VALUES),
        )
        fuzz(tally, counts["policy"], args.seed, mutated_policy(), policy_case)
        fuzz(tally, counts["plan"], args.seed, plan_edit(), plan_case)
        fuzz(tally, counts["flag"], args.seed, flags, flag_case)
        fuzz(tally, counts["env"], args.seed, st.tuples(st.sampled_from(sorted(ENV_COMMANDS)), FLAG_VALUES),
             env_case_run)  # fmt: skip
        os.chdir(ROOT)
    cases, tracebacks = sum(tally.cases.values()), sum(tally.tracebacks.values())
    unclear = sum(tally.unclear.values())
    by_kind = ", ".join(f"{k} {tally.cases[k]}" for k in COUNTS)
    print(f"# {cases} cases ({by_kind}) in {time.monotonic() - start:.0f} s, seed {args.seed}")
    for example in tally.examples[:10]:
        print(f"#   {example}")
    figures = [
        ("fuzz cases", str(cases), ">= 800", cases >= 800),
        ("fuzz tracebacks", f"{tracebacks} over {cases} cases", "0", tracebacks == 0),
        ("fuzz unclear answers", f"{unclear} over {cases} cases", "0", unclear == 0),
    ]
    for name, value, target, ok in figures:
        print(f"figure {name}: {value} (target {target}) {'OK' if ok else 'MISS'}")
    return 0 if all(ok for *_, ok in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
