"""The human report of the 300-instance demo fleet, as a person reads it at 80 and 120 columns.

``docs/report-example.txt`` is that report, checked in; this test regenerates it and fails when the
output changes unexpectedly. After an intended change run
``TCREMEDY_UPDATE_EXAMPLES=1 .venv/bin/pytest tests/cli/test_report_example.py`` and review the diff.
Only what cannot repeat is masked when comparing: the endpoint's port, the collection time, and the
bandwidth samples of saturated instances (the local cloud's load follows the clock).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tcremedy.emulator.testing import RunningEmulator
from tcremedy.main import app

REPO = Path(__file__).resolve().parents[2]
POLICY = REPO / "policies" / "windows-rdp.yaml"
EXAMPLE = REPO / "docs" / "report-example.txt"
WIDTHS = (80, 120)
HEADING = re.compile(r"^([A-Z][A-Z_]+)  (\d+) instances?, ")
SPARKS = re.compile(r"[▁▂▃▄▅▆▇█]+")

pytestmark = pytest.mark.usefixtures("no_credentials")


def plan(width: int, *args: str) -> str:
    result = CliRunner(env={"COLUMNS": str(width)}).invoke(
        app, ["plan", "--policy", str(POLICY), "-q", *args]
    )
    assert result.exit_code == 0, result.output
    return "\n".join(line.rstrip() for line in result.stdout.splitlines()) + "\n"


def stable(text: str, endpoint: str) -> str:
    """The report with the run's endpoint and collection time replaced by fixed ones."""
    text = text.replace(endpoint, "http://127.0.0.1:8080")
    return re.sub(r"Collected \S+ \S+ UTC", "Collected 2026-12-01 09:00:00 UTC", text)


def masked(text: str) -> str:
    """For comparing: sparklines and the peak figures on their rows vary with the clock."""
    lines = []
    for line in text.splitlines():
        if SPARKS.search(line):
            line = re.sub(r"\b\d+\.\d\d\b", "#.##", SPARKS.sub("▮", line))
        lines.append(line)
    return "\n".join(lines)


def sections(text: str) -> dict[str, str]:
    """Root-cause code -> the text of its group."""
    found: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        match = HEADING.match(line)
        if match:
            current = match.group(1)
            found[current] = []
        elif current and line and not line.startswith(" "):
            current = None
        elif current:
            found[current].append(line)
    return {code: "\n".join(lines) for code, lines in found.items()}


@pytest.mark.emulator(scenario="demo-fleet")  # the default size: 300 instances
def test_demo_fleet_report_is_short_complete_and_matches_the_example(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    renders = {80: plan(80, "--endpoint", emulator.endpoint, "--save-state", str(state))}
    renders[120] = plan(120, "--from-state", str(state))
    expected = {iid: cause for iid, cause in emulator.world.meta["instances"].items() if cause}
    assert len(expected) > 200
    for width, text in renders.items():
        assert len(text.splitlines()) <= 400, f"{width} columns: {len(text.splitlines())} lines"
        groups = sections(text)
        for iid, cause in expected.items():  # every failing instance under its root cause
            assert iid in groups[cause], f"{iid} ({cause}) at {width} columns"
        assert "compliant (--show-compliant lists them)" in text
        sg, acl = (" ".join(groups[code].split()) for code in ("SG_BLOCKS_RDP", "ACL_BLOCKS_RDP"))
        assert re.search(r"203\.0\.113\.0/24 3389 denied sg-\w+: no rule matches \(implicit Reject\)", sg)
        assert re.search(
            r"in 203\.0\.113\.0/24 3389 denied acl-\w+ #0: Reject TCP:3389 from 0\.0\.0\.0/0", acl
        )
        assert "{" not in text and "[]" not in text and "…" not in text
        assert re.search(r"^\d+ instances need fixes: 2 security-group rules to add", text, re.M)
    document = "".join(
        f"$ COLUMNS={w} tcremedy plan --endpoint http://127.0.0.1:8080  # demo-fleet, 300 instances\n"
        f"{stable(renders[w], emulator.endpoint)}\n"
        for w in WIDTHS
    )
    if os.environ.get("TCREMEDY_UPDATE_EXAMPLES"):
        EXAMPLE.write_text(document, encoding="utf-8")
    assert masked(document) == masked(EXAMPLE.read_text(encoding="utf-8")), (
        "the demo-fleet report changed; if intended, regenerate docs/report-example.txt with "
        "TCREMEDY_UPDATE_EXAMPLES=1 (see this test's docstring) and review the diff"
    )


@pytest.mark.emulator(scenario="demo-fleet", fleet_size=14)
def test_verbose_shows_everything_the_json_holds(emulator: RunningEmulator, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    doc = json.loads(plan(400, "--endpoint", emulator.endpoint, "--save-state", str(state), "--json"))
    text = plan(1000, "--from-state", str(state), "--verbose")
    assert doc["endpoint"] in text and doc["policy"]["name"] in text
    for inst in doc["instances"]:
        assert f"{inst['instance_id']} {inst['name']}" in text
        for finding in inst["findings"]:
            assert finding["code"] in text and finding["message"] in text
        for drift in inst["drift"]:
            assert drift["path"] in text
        for masked in inst["masked"]:
            assert f"{masked['code']}: {masked['reason']}" in text
        for fix in inst["fixes"]:
            assert f"{fix['fix']} for {fix['finding_code']}" in text and fix["description"] in text
