"""CI outputs through the entry point: the Markdown summary (file and $GITHUB_STEP_SUMMARY) and SARIF
that validates against the SARIF 2.1.0 schema and points at the policy setting that failed."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from tcremedy.emulator.testing import RunningEmulator
from tcremedy.main import app

REPO = Path(__file__).resolve().parents[2]
POLICY = REPO / "policies" / "windows-rdp.yaml"
SCHEMA = json.loads(
    (REPO / "tests" / "report" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)

pytestmark = pytest.mark.usefixtures("no_credentials")


def line_of(text: str, key: str) -> tuple[int, int]:
    """1-based line and column of ``key:`` in ``text``."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith(f"{key}:"):
            return number, len(line) - len(line.lstrip()) + 1
    raise AssertionError(key)


@pytest.mark.emulator(scenario="demo-fleet", fleet_size=14)
def test_check_writes_markdown_and_schema_valid_sarif(
    emulator: RunningEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary, markdown, sarif = tmp_path / "step-summary.md", tmp_path / "summary.md", tmp_path / "out.sarif"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    args = ["check", "--policy", str(POLICY), "--endpoint", emulator.endpoint, "-q"]
    state = tmp_path / "state.json"
    result = CliRunner().invoke(
        app, [*args, "--markdown", str(markdown), "--sarif", str(sarif), "--save-state", str(state)]
    )
    assert result.exit_code == 2, result.output

    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("## tcremedy check: 9 of 11 instances failing\n")
    assert "| Root cause | Severity | Instances | Fix |" in text
    assert "| `SG_BLOCKS_RDP` Security groups do not admit RDP from the admin CIDRs | critical | 1 |" in text
    assert "| compliant | | 2 | |" in text
    assert "**9 instances need fixes: 2 security-group rules to add, 2 network-ACL entries to add" in text
    assert text.count("| `ins-") == 9  # every failing instance, under the default limit of 20
    assert summary.read_text(encoding="utf-8") == "earlier step\n\n" + text  # appended, not replaced

    doc = json.loads(sarif.read_text(encoding="utf-8"))
    jsonschema.validate(doc, SCHEMA)
    policy_text = POLICY.read_text(encoding="utf-8")
    results = {r["ruleId"]: r for r in doc["runs"][0]["results"]}
    for code, key in (("SG_BLOCKS_RDP", "admin_cidrs"), ("GUEST_RDP_DISABLED", "rdp_enabled")):
        region = results[code]["locations"][0]["physicalLocation"]["region"]
        line, column = line_of(policy_text, key)
        assert (region["startLine"], region["startColumn"]) == (line, column), code
        assert region["endColumn"] == column + len(key)

    bad = tmp_path / "missing" / "summary.md"
    offline = CliRunner().invoke(
        app, ["check", "--policy", str(POLICY), "--from-state", str(state), "--markdown", str(bad)]
    )
    assert offline.exit_code == 1 and "Traceback" not in offline.output
    assert offline.stderr.startswith(f"error: {bad}: cannot write the Markdown summary")
