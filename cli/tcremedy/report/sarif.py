"""SARIF 2.1.0 for code-scanning UIs: one rule per finding code, one result per finding.

Each result names the instance as a logical location (``region/instance-id``) and, when the
policy file is known, points at it physically (uploaders such as GitHub require a file).
"""

from __future__ import annotations

from typing import Any

from tcremedy import __version__
from tcremedy.diagnose.findings import CAUSAL_ORDER, CODE_TITLES, Finding, Severity, Status
from tcremedy.diagnose.model import FleetDiagnosis
from tcremedy.serde import to_data

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/tcremedy/tcremedy"

LEVELS: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


def level(finding: Finding) -> str:
    """Unknown checks are warnings whatever their severity: nothing is known to be broken."""
    return "warning" if finding.status is Status.UNKNOWN else LEVELS[finding.severity]


def _rule_name(code: str) -> str:
    return "".join(part.capitalize() for part in code.split("_"))


def sarif_document(fleet: FleetDiagnosis, policy_path: str = "") -> dict[str, Any]:
    findings = [(d, f) for d in fleet.instances for f in d.findings]
    codes = sorted(
        {f.code for _, f in findings},
        key=lambda c: (c not in CAUSAL_ORDER, CAUSAL_ORDER.index(c) if c in CAUSAL_ORDER else 0, c),
    )
    index = {code: n for n, code in enumerate(codes)}
    severities = {f.code: f for _, f in findings}
    rules = [
        {
            "id": code,
            "name": _rule_name(code),
            "shortDescription": {"text": CODE_TITLES.get(code, code)},
            "fullDescription": {"text": CODE_TITLES.get(code, code)},
            "defaultConfiguration": {"level": LEVELS[severities[code].severity]},
            "properties": {"tags": ["rdp", "tencentcloud"]},
        }
        for code in codes
    ]
    results = []
    for diag, finding in findings:
        location: dict[str, Any] = {
            "logicalLocations": [
                {
                    "name": diag.instance_id,
                    "fullyQualifiedName": f"{diag.region}/{diag.instance_id}",
                    "kind": "resource",
                }
            ]
        }
        if policy_path:
            location["physicalLocation"] = {
                "artifactLocation": {"uri": policy_path},
                "region": {"startLine": 1},
            }
        results.append(
            {
                "ruleId": finding.code,
                "ruleIndex": index[finding.code],
                "level": level(finding),
                "message": {"text": f"{diag.instance_id} ({diag.name}): {finding.message}"},
                "locations": [location],
                "partialFingerprints": {"tcremedy/v1": f"{diag.region}/{diag.instance_id}/{finding.code}"},
                "properties": {
                    "instanceId": diag.instance_id,
                    "instanceName": diag.name,
                    "region": diag.region,
                    "status": finding.status.value,
                    "severity": finding.severity.value,
                    "rootCause": diag.root_cause is finding,
                    "fix": finding.fix,
                    "evidence": to_data(finding.evidence),
                },
            }
        )
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "tcremedy",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"tcremedy/{fleet.policy_name}/{fleet.region}"},
                "results": results,
            }
        ],
    }
