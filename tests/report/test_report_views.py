"""Report views (JSON, SARIF, JUnit, terminal) on a hand-built diagnosis: no cloud needed."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

from tcremedy.diagnose.findings import Finding, Severity, Status
from tcremedy.diagnose.model import DriftItem, FleetDiagnosis, FleetSummary, InstanceDiagnosis, MaskedCheck
from tcremedy.planfile import ProposedFix
from tcremedy.report.document import PLAN_FORMAT, dumps, error_document, plan_document
from tcremedy.report.junit import junit_xml
from tcremedy.report.sarif import sarif_document
from tcremedy.report.views import HumanView, JsonView

SG = Finding(
    code="SG_BLOCKS_RDP",
    instance_id="ins-broken01",
    severity=Severity.CRITICAL,
    message="TCP/3389 from 203.0.113.0/24 is dropped by sg-aaaa1111 rule 0",
    evidence={"port": 3389, "not_admitted": ["203.0.113.0/24"]},
    fix="sg_allow_rdp",
)
BW = Finding(
    code="BANDWIDTH_BELOW_POLICY",
    instance_id="ins-broken01",
    severity=Severity.MEDIUM,
    message="public bandwidth 1 Mbps is below the policy minimum 5 Mbps",
    evidence={"internet_max_bandwidth_out": 1, "min_bandwidth_mbps": 5},
    fix="raise_bandwidth",
)
CPU_UNKNOWN = Finding(
    code="CPU_SATURATED",
    instance_id="ins-unknown1",
    severity=Severity.HIGH,
    message="CPU could not be judged",
    status=Status.UNKNOWN,
    evidence={"reason": "no CpuUsage samples in the last 900 s"},
)


def fleet() -> FleetDiagnosis:
    broken = InstanceDiagnosis(
        instance_id="ins-broken01",
        name="web-1",
        region="ap-guangzhou",
        root_cause=SG,
        findings=(SG, BW),
        compliant=False,
        drift=(DriftItem("internet_max_bandwidth_out", ">=5", 1),),
        masked=(MaskedCheck("GUEST_RDP_DISABLED", "SG_BLOCKS_RDP", "probe skipped"),),
    )
    unknown = InstanceDiagnosis("ins-unknown1", "web-2", "ap-guangzhou", None, (CPU_UNKNOWN,), False)
    healthy = InstanceDiagnosis("ins-healthy1", "web-3", "ap-guangzhou", None, (), True)
    summary = FleetSummary(
        selected=3,
        compliant=1,
        failing=1,
        unknown=1,
        by_code={"SG_BLOCKS_RDP": 1, "BANDWIDTH_BELOW_POLICY": 1, "CPU_SATURATED": 1},
        root_causes={"SG_BLOCKS_RDP": 1},
    )
    return FleetDiagnosis(
        "windows-rdp", "ap-guangzhou", (broken, healthy, unknown), skipped=2, summary=summary
    )


FIXES = (
    ProposedFix(
        "sg_allow_rdp",
        "ins-broken01",
        "SG_BLOCKS_RDP",
        True,
        {"cidr_block": "203.0.113.0/24"},
        "Insert ACCEPT TCP/3389 from 203.0.113.0/24",
    ),
    ProposedFix(
        "raise_bandwidth",
        "ins-broken01",
        "BANDWIDTH_BELOW_POLICY",
        False,
        {"target_mbps": 5},
        "Raise bandwidth",
        manual="Not run: `raise_bandwidth` is not listed in the policy's fixes.auto.",
    ),
)


def test_json_document_carries_the_documented_fields() -> None:
    doc = json.loads(dumps(plan_document(fleet(), FIXES, policy_path="policies/windows-rdp.yaml")))
    assert doc["format"] == PLAN_FORMAT
    assert doc["skipped"] == 2
    assert doc["summary"]["compliant"] == 1 and doc["summary"]["root_causes"] == {"SG_BLOCKS_RDP": 1}
    by_id = {i["instance_id"]: i for i in doc["instances"]}
    broken = by_id["ins-broken01"]
    assert set(broken) >= {"instance_id", "name", "region", "compliant", "root_cause", "findings", "drift"}
    assert broken["root_cause"] == {
        "code": "SG_BLOCKS_RDP",
        "title": "Security groups do not admit RDP from the admin CIDRs",
        "severity": "critical",
        "message": SG.message,
        "evidence": {"port": 3389, "not_admitted": ["203.0.113.0/24"]},
    }
    assert [f["code"] for f in broken["findings"]] == ["SG_BLOCKS_RDP", "BANDWIDTH_BELOW_POLICY"]
    assert set(broken["findings"][1]) >= {"code", "severity", "status", "message", "evidence", "fix"}
    assert broken["drift"] == [{"path": "internet_max_bandwidth_out", "desired": ">=5", "live": 1}]
    assert [f["fix"] for f in broken["fixes"]] == ["sg_allow_rdp", "raise_bandwidth"]
    assert by_id["ins-healthy1"]["root_cause"] is None and by_id["ins-healthy1"]["compliant"] is True
    assert by_id["ins-unknown1"]["findings"][0]["status"] == "unknown"


def test_json_document_is_stable_text() -> None:
    assert dumps(plan_document(fleet(), FIXES)) == dumps(plan_document(fleet(), FIXES))


def test_json_view_prints_errors_as_json() -> None:
    out = io.StringIO()
    JsonView(stdout=out).error(ValueError("policies/x.yaml:3:5: rdp.port: expected an integer"))
    doc = json.loads(out.getvalue())
    assert doc["format"] == PLAN_FORMAT
    assert doc["error"] == {
        "type": "ValueError",
        "message": "policies/x.yaml:3:5: rdp.port: expected an integer",
    }
    assert error_document(KeyError("x"), "tcremedy.check/v1")["format"] == "tcremedy.check/v1"


def test_sarif_has_one_rule_per_code_and_located_results() -> None:
    doc = sarif_document(fleet(), policy_path="policies/windows-rdp.yaml")
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "tcremedy"
    assert [r["id"] for r in rules] == ["SG_BLOCKS_RDP", "CPU_SATURATED", "BANDWIDTH_BELOW_POLICY"]
    assert len({r["id"] for r in rules}) == len(rules)
    results = run["results"]
    assert len(results) == 3
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}
        assert result["message"]["text"]
        logical = result["locations"][0]["logicalLocations"][0]
        assert logical["fullyQualifiedName"] == f"ap-guangzhou/{logical['name']}"
    levels = {r["ruleId"]: r["level"] for r in results}
    assert levels == {
        "SG_BLOCKS_RDP": "error",
        "BANDWIDTH_BELOW_POLICY": "warning",
        "CPU_SATURATED": "warning",
    }
    assert [r["properties"]["rootCause"] for r in results] == [True, False, False]


def test_junit_has_one_testcase_per_instance_failing_when_not_compliant() -> None:
    root = ET.fromstring(junit_xml(fleet()))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("tests") == "3" and suite.get("failures") == "2"
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert set(cases) == {"ins-broken01 (web-1)", "ins-healthy1 (web-3)", "ins-unknown1 (web-2)"}
    failure = cases["ins-broken01 (web-1)"].find("failure")
    assert failure is not None and failure.get("type") == "SG_BLOCKS_RDP"
    assert "[ROOT CAUSE] SG_BLOCKS_RDP" in (failure.text or "")
    assert cases["ins-healthy1 (web-3)"].find("failure") is None
    unknown = cases["ins-unknown1 (web-2)"].find("failure")
    assert unknown is not None and unknown.get("type") == "CPU_SATURATED"


def test_terminal_report_groups_by_root_cause_and_folds_compliant_instances() -> None:
    out = io.StringIO()
    HumanView(stdout=out, width=120).report(
        fleet(),
        FIXES,
        policy_path="policies/windows-rdp.yaml",
        endpoint="http://127.0.0.1:1",
        collected_at="2026-12-01T10:00:00+00:00",
    )
    text = out.getvalue()
    assert text.startswith(
        "Policy    windows-rdp (policies/windows-rdp.yaml)\nEndpoint  http://127.0.0.1:1\n"
    )
    assert "Collected 2026-12-01 10:00:00 UTC" in text
    assert text.index("SG_BLOCKS_RDP  1 instance, critical") < text.index(
        "CPU_SATURATED  1 instance, high, could not"
    )
    assert "instance ins-broken01 web-1" in text
    assert "fix sg_allow_rdp, automatic" in text
    assert "also failing on some of them: BANDWIDTH_BELOW_POLICY (1)" in text
    assert "could not check: no CpuUsage samples" in text  # an unknown check says why
    assert "1 compliant (--show-compliant lists them)" in text and "ins-healthy1" not in text
    assert "{" not in text and "[]" not in text  # no JSON, no empty values


def test_verbose_terminal_report_shows_every_instance_in_full() -> None:
    out = io.StringIO()
    HumanView(stdout=out, width=120, verbose=True).report(
        fleet(), FIXES, policy_path="", endpoint="", collected_at=""
    )
    text = out.getvalue()
    assert "ins-healthy1 web-3" in text  # compliant instances listed
    details = text[text.index("Details") :]
    assert "ROOT CAUSE SG_BLOCKS_RDP" in details and "Drift (desired vs live)" in details
    assert "internet_max_bandwidth_out: desired >=5, live 1" in details
    assert "GUEST_RDP_DISABLED: probe skipped" in details  # masked checks
    assert "raise_bandwidth for BANDWIDTH_BELOW_POLICY, not automatic" in details
    assert "parameters: target_mbps=5" in details
