"""SARIF 2.1.0 for code-scanning UIs: one rule per finding code, one result per finding.

Each result names the instance as a logical location (``region/instance-id``) and, when the
policy file is known, points at the policy setting the instance fails (``rdp.admin_cidrs`` for a
security group that does not admit them): line and column of that key, or of its section when
the file leaves it at its default. Uploaders such as GitHub require a physical location.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tcremedy import __version__
from tcremedy.diagnose.findings import CAUSAL_ORDER, CODE_TITLES, Finding, Severity, Status
from tcremedy.diagnose.model import FleetDiagnosis
from tcremedy.safeyaml import Located, YamlInputError, compose
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


# The policy setting each finding code judges (the one a reviewer would change or waive).
POLICY_SETTING: dict[str, str] = {
    "SG_BLOCKS_RDP": "rdp.admin_cidrs",
    "ACL_BLOCKS_RDP": "rdp.admin_cidrs",
    "BANDWIDTH_ZERO": "capacity.min_bandwidth_mbps",
    "BANDWIDTH_BELOW_POLICY": "capacity.min_bandwidth_mbps",
    "BANDWIDTH_SATURATED": "capacity.bandwidth_ceiling_percent",
    "CPU_SATURATED": "capacity.cpu_ceiling_percent",
    "MEMORY_SATURATED": "capacity.memory_ceiling_percent",
    "INSTANCE_NOT_RUNNING": "instance.must_be_running",
    "GUEST_RDP_DISABLED": "guest.rdp_enabled",
    "GUEST_TERMSERVICE_STOPPED": "guest.termservice_running",
    "GUEST_RDP_NOT_LISTENING": "guest.rdp_listening",
    "GUEST_RDP_PORT_CHANGED": "rdp.port",
    "GUEST_FIREWALL_BLOCKS_RDP": "guest.firewall_allows_port",
    "CREDSSP_MISMATCH": "guest.allowed_encryption_oracle",
    "GUEST_CREDSSP_UNPATCHED": "guest.allowed_encryption_oracle",
    "GUEST_NLA_MISMATCH": "guest.nla",
}
DEFAULT_SETTING = "rdp"  # isolation, no public IP, an offline guest: RDP itself is what the policy asks


def setting_region(policy_text: str, setting: str) -> dict[str, int]:
    """SARIF region of ``setting`` (dotted) in the policy text: its key, else the nearest enclosing
    key the file has, else the policy's ``name`` (the setting is left at its default)."""
    try:
        node: Located | None = compose(policy_text)
    except YamlInputError:
        node = None
    best: Located | None = None
    name = ""
    if node is not None and isinstance(node.value, dict) and "name" in node.keys:
        best, name = node.keys["name"], "name"  # a default the file leaves out: the policy itself
    for part in setting.split("."):
        if node is None or not isinstance(node.value, dict) or part not in node.value:
            break
        best, name, node = node.keys.get(part), part, node.value[part]
    if best is None:
        return {"startLine": 1, "startColumn": 1}
    return {"startLine": best.line, "startColumn": best.column, "endColumn": best.column + len(name)}


def _rule_name(code: str) -> str:
    return "".join(part.capitalize() for part in code.split("_"))


def sarif_document(
    fleet: FleetDiagnosis,
    policy_path: str = "",
    policy_text: str = "",
    sources: Mapping[str, tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """``sources``: policy name -> (path, text), when several policies judged the fleet; each
    result then points into the file of the policy that judged its instance."""
    findings = [(d, f) for d in fleet.instances for f in d.findings]
    waived = {id(w.finding): w for d in fleet.instances for w in d.waived}
    findings += [(d, w.finding) for d in fleet.instances for w in d.waived]
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
    regions: dict[tuple[str, str], dict[str, int]] = {}
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
        path, text = (sources or {}).get(diag.policy, (policy_path, policy_text))
        if path:
            setting = POLICY_SETTING.get(finding.code, DEFAULT_SETTING)
            if (path, setting) not in regions:
                regions[(path, setting)] = setting_region(text, setting) if text else {"startLine": 1}
            location["physicalLocation"] = {
                "artifactLocation": {"uri": path},
                "region": regions[(path, setting)],
            }
        result: dict[str, Any] = {}
        if id(finding) in waived:  # accepted in the policy file: shown, not alerting
            w = waived[id(finding)]
            result["suppressions"] = [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": f"waivers[{w.waiver}]: {w.reason} (expires {w.expires})",
                }
            ]
        results.append(
            result
            | {
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
                    "policySetting": POLICY_SETTING.get(finding.code, DEFAULT_SETTING),
                    "fix": finding.fix,
                    "evidence": to_data(finding.evidence),
                },
            }
        )
    where = "+".join(part.region for part in fleet.region_parts)  # several regions: all of them
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
                "automationDetails": {"id": f"tcremedy/{fleet.policy_name}/{where}"},
                "results": results,
            }
        ],
    }
