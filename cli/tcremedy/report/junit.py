"""JUnit XML for CI gates: one testcase per selected instance, a failure when it is not compliant."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tcremedy.diagnose.findings import CODE_TITLES
from tcremedy.diagnose.model import FleetDiagnosis, InstanceDiagnosis


def _failure_text(diag: InstanceDiagnosis) -> str:
    lines = []
    for finding in diag.findings:
        marker = "ROOT CAUSE" if finding is diag.root_cause else finding.status.value
        lines.append(f"[{marker}] {finding.code} ({finding.severity.value}): {finding.message}")
    lines += [f"drift {d.path}: desired {d.desired!r}, live {d.live!r}" for d in diag.drift]
    return "\n".join(lines)


def junit_xml(fleet: FleetDiagnosis) -> str:
    failures = sum(1 for d in fleet.instances if not d.compliant)
    suites = ET.Element(
        "testsuites", name="tcremedy", tests=str(len(fleet.instances)), failures=str(failures)
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"tcremedy.{fleet.policy_name}",
        tests=str(len(fleet.instances)),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    for diag in fleet.instances:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"tcremedy.{fleet.policy_name}.{diag.region}",
            name=f"{diag.instance_id} ({diag.name})" if diag.name else diag.instance_id,
        )
        if diag.compliant:
            continue
        lead = diag.root_cause or (diag.findings[0] if diag.findings else None)
        code = lead.code if lead else "UNKNOWN"
        title = CODE_TITLES.get(code, code)
        failure = ET.SubElement(case, "failure", type=code, message=f"{code}: {title}")
        failure.text = _failure_text(diag)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
