"""Plan-file validation: a bad, truncated or other-version file is refused with a clear message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tcremedy.errors import PlanFileError
from tcremedy.planfile import PLANFILE_FORMAT, read_planfile


def write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(content)
    return path


def minimal() -> dict:
    return {
        "format": PLANFILE_FORMAT,
        "created_at": "2026-01-01T00:00:00+00:00",
        "policy": {"path": "p.yaml", "sha256": "00", "data": {}},
        "region": "ap-guangzhou",
        "endpoint": "",
        "diagnoses": [],
        "fixes": [],
        "affected_instances": [],
        "state_fingerprint": "sha256:00",
    }


def test_a_minimal_valid_file_reads(tmp_path: Path) -> None:
    plan = read_planfile(write(tmp_path, json.dumps(minimal())))
    assert plan.region == "ap-guangzhou" and plan.fixes == () and plan.state_fingerprint == "sha256:00"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", r"plan\.json:1:2: not a JSON plan file"),
        ("[]", "expected a JSON object"),
        (
            json.dumps({**minimal(), "format": "tcremedy.planfile/v0"}),
            "format is 'tcremedy.planfile/v0', expected",
        ),
        (json.dumps({k: v for k, v in minimal().items() if k != "fixes"}), "missing field 'fixes'"),
        (json.dumps({**minimal(), "diagnoses": {}}), "field 'diagnoses' must be a JSON array"),
        (json.dumps({**minimal(), "policy": {"path": "p"}}), "missing field 'policy.sha256'"),
        (json.dumps({**minimal(), "fixes": [{"fix": "x"}]}), "malformed diagnoses or fixes"),
    ],
)
def test_bad_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(PlanFileError, match=message):
        read_planfile(write(tmp_path, content))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError, match="plan file not found"):
        read_planfile(tmp_path / "absent.json")
