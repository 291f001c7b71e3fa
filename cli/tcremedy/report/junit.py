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
    skipped = sum(1 for d in fleet.instances if d.compliant and d.waived)
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
        skipped=str(skipped),
    )
    for diag in fleet.instances:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"tcremedy.{fleet.policy_name}.{diag.region}",
            name=f"{diag.instance_id} ({diag.name})" if diag.name else diag.instance_id,
        )
        if diag.compliant:
            if diag.waived:  # accepted exceptions: neither passed nor failed
                reasons = "; ".join(f"{w.finding.code}: {w.reason} (until {w.expires})" for w in diag.waived)
                ET.SubElement(case, "skipped", message=f"waived: {reasons}")
            continue
        lead = diag.root_cause or (diag.findings[0] if diag.findings else None)
        code = lead.code if lead else "UNKNOWN"
        title = CODE_TITLES.get(code, code)
        failure = ET.SubElement(case, "failure", type=code, message=f"{code}: {title}")
        failure.text = _failure_text(diag)
    for n, message in enumerate(fleet.expired_waivers):  # the gate fails on a stale exception, named
        waivers = ET.SubElement(suites, "testsuite", name="tcremedy.waivers", tests="1", failures="1")
        case = ET.SubElement(
            waivers, "testcase", classname="tcremedy.waivers", name=f"expired waiver {n + 1}"
        )
        ET.SubElement(case, "failure", type="EXPIRED_WAIVER", message=message)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
