"""A cheap start: help and `version` import only typer and the command definitions.

Guards bench/startup.py's figure (issue 10: `tcremedy --help`, `tcremedy plan --help` <= 250 ms)
without timing anything: a fresh interpreter runs the console script's entry point for each help
page and reports which modules it loaded. Each library below costs tens of milliseconds or more
to import; a command imports what it needs when it runs, never at module level.
"""

from __future__ import annotations

import json
import subprocess
import sys

# Imported only when a command runs (SDK, diff, schema, engine, YAML, terminal rendering) ...
HEAVY_LIBRARIES = ("tencentcloud", "requests", "urllib3", "deepdiff", "pydantic", "pulumi", "yaml", "rich")
# ... and the layers below the commands (their modules import the libraries above).
CORE_PACKAGES = (
    "tcremedy.cloud",
    "tcremedy.diagnose",
    "tcremedy.remediate",
    "tcremedy.policy",
    "tcremedy.report",
    "tcremedy.usecase",
    "tcremedy.guest",
    "tcremedy.planfile",
    "tcremedy.emulator.core",
    "tcremedy.verify.probe",
)
COMMAND_LINES = (
    ["--help"],
    ["plan", "--help"],
    ["apply", "--help"],
    ["check", "--help"],
    ["verify", "--help"],
    ["shards", "--help"],
    ["emulator", "serve", "--help"],
    ["policy", "schema", "--help"],
    ["version"],
)

# Runs the console script's entry point (tcremedy.main:run) once per command line, in one process.
CHILD = """
import contextlib, io, json, sys
from tcremedy.main import run
outputs = []
for argv in json.loads(sys.argv[1]):
    sys.argv = ["tcremedy", *argv]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            run()
        except SystemExit as exc:
            assert exc.code in (0, None), (argv, exc.code)
    outputs.append(out.getvalue())
print(json.dumps({"modules": sorted(sys.modules), "outputs": outputs}))
"""


def test_help_and_version_import_no_sdk_no_pydantic_no_core_layer() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(COMMAND_LINES)], capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout)
    loaded = [
        name
        for name in result["modules"]
        if any(name == top or name.startswith(top + ".") for top in HEAVY_LIBRARIES + CORE_PACKAGES)
    ]
    assert loaded == [], f"imported at start-up (move the import into the command): {loaded}"
    root_help, plan_help = result["outputs"][:2]
    assert "plan" in root_help and "emulator" in root_help
    # The help panels and an environment default are still shown (issue 10 item 6).
    for panel in ("Input:", "Cloud:", "Output:"):
        assert panel in plan_help
    assert "TCREMEDY_ENDPOINT" in plan_help
