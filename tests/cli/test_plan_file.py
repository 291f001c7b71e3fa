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
        (json.dumps({**minimal(), "fixes": [{"fix": "x"}]}), r"missing field 'fixes\[0\]\.instance_id'"),
    ],
)
def test_bad_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(PlanFileError, match=message):
        read_planfile(write(tmp_path, content))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError, match="plan file not found"):
        read_planfile(tmp_path / "absent.json")


def fix(**over: object) -> dict:
    return {
        "fix": "sg_allow_rdp",
        "instance_id": "ins-1",
        "finding_code": "SG_BLOCKS_RDP",
        "auto": True,
        "parameters": {},
        "resource": {"kind": "sg_rule", "key": "k", "fix": "sg_allow_rdp", "instance_id": "", "params": {}},
        **over,
    }


def diagnosis(**over: object) -> dict:
    finding = {"code": "SG_BLOCKS_RDP", "instance_id": "ins-1", "severity": "critical", "message": "m"}
    return {
        "instance_id": "ins-1",
        "name": "n",
        "region": "ap-guangzhou",
        "root_cause": None,
        "findings": [{**finding, **over}],
        "compliant": False,
    }


def nested(depth: int) -> object:
    value: object = {}
    for _ in range(depth):
        value = {"x": value}
    return value


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"fixes": [fix(parameters="x")]}, r"'fixes\[0\]\.parameters' must be a JSON object, not str"),
        ({"fixes": [fix(parameters=None)]}, r"'fixes\[0\]\.parameters' must be a JSON object, not null"),
        ({"fixes": [fix(resource=[1])]}, r"'fixes\[0\]\.resource' must be a JSON object, not list"),
        ({"fixes": [fix(resource={"kind": 3})]}, r"'fixes\[0\]\.resource\.kind' must be a JSON string"),
        (
            {"fixes": [fix(resource={"kind": "sg_rule", "key": "k", "fix": "f", "params": "p"})]},
            r"'fixes\[0\]\.resource\.params' must be a JSON object",
        ),
        ({"fixes": [fix(auto="yes")]}, r"'fixes\[0\]\.auto' must be true or false, not str"),
        ({"fixes": [None]}, r"'fixes\[0\]' must be a JSON object, not null"),
        (
            {"diagnoses": [diagnosis(evidence=[])]},
            r"'diagnoses\[0\]\.findings\[0\]\.evidence' must be a JSON object",
        ),
        (
            {"diagnoses": [diagnosis(status="maybe")]},
            r"'diagnoses\[0\]\.findings\[0\]\.status' must be one of",
        ),
        (
            {"diagnoses": [diagnosis(code=None)]},
            r"'diagnoses\[0\]\.findings\[0\]\.code' must be a JSON string",
        ),
        ({"affected_instances": [None]}, r"'affected_instances\[0\]' must be a JSON string"),
        ({"policy": {"path": "p", "sha256": "0", "data": None}}, r"'policy\.data' must be a JSON object"),
        ({"policy": {"path": 1, "sha256": "0", "data": {}}}, r"'policy\.path' must be a JSON string"),
        ({"fixes": [fix(parameters=nested(80))]}, "nested deeper than 64 levels"),
    ],
)
def test_wrong_types_anywhere_are_one_line_messages_naming_the_field(tmp_path, change, message) -> None:
    with pytest.raises(PlanFileError, match=message) as caught:
        read_planfile(write(tmp_path, json.dumps({**minimal(), **change})))
    assert "\n" not in str(caught.value)


def test_json_nested_beyond_the_parser_and_non_finite_numbers(tmp_path) -> None:
    deep = '{"format": "tcremedy.planfile/v1", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(PlanFileError, match="nested deeper"):
        read_planfile(write(tmp_path, deep))
    with pytest.raises(PlanFileError, match="NaN is not a JSON number"):
        read_planfile(write(tmp_path, json.dumps({**minimal(), "x": float("nan")})))


def test_an_array_longer_than_the_stated_limit_is_refused_naming_it(tmp_path) -> None:
    from tcremedy.remediate.planfile import MAX_ITEMS

    too_many = {**minimal(), "affected_instances": ["ins-1"] * (MAX_ITEMS + 1)}
    with pytest.raises(PlanFileError, match=rf"'affected_instances' holds {MAX_ITEMS + 1} items, more than"):
        read_planfile(write(tmp_path, json.dumps(too_many)))
