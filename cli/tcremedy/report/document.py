"""The machine-readable plan report, ``format: "tcremedy.plan/v1"`` (schema: docs/json-schema.md).

Pure: a FleetDiagnosis (plus the proposed fixes) in, plain JSON-ready data out. Nothing here reads
a clock, so the same state gives a byte-identical document (``--from-state`` reproduction).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tcremedy.cloud.state import CollectionGap
from tcremedy.diagnose.findings import CODE_TITLES, Finding
from tcremedy.diagnose.model import FleetDiagnosis, InstanceDiagnosis, WaivedFinding
from tcremedy.remediate.fixes import FixStep as ProposedFix
from tcremedy.serde import to_data

PLAN_FORMAT = "tcremedy.plan/v1"


def finding_data(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "title": CODE_TITLES.get(finding.code, finding.code),
        "severity": finding.severity.value,
        "status": finding.status.value,
        "message": finding.message,
        "evidence": to_data(finding.evidence),
        "fix": finding.fix,
    }


def waived_data(waived: WaivedFinding) -> dict[str, Any]:
    """A waived finding: the finding as in ``findings`` plus the waiver that accepts it."""
    return {
        **finding_data(waived.finding),
        "waiver": {"index": waived.waiver, "reason": waived.reason, "expires": waived.expires},
    }


def root_cause_data(finding: Finding | None) -> dict[str, Any] | None:
    if finding is None:
        return None
    return {
        "code": finding.code,
        "title": CODE_TITLES.get(finding.code, finding.code),
        "severity": finding.severity.value,
        "message": finding.message,
        "evidence": to_data(finding.evidence),
    }


def fix_data(fix: ProposedFix) -> dict[str, Any]:
    return {
        "fix": fix.fix,
        "finding_code": fix.finding_code,
        "auto": fix.auto,
        "description": fix.description,
        "manual": fix.manual or None,  # what a human does, for a cause no fix as code closes
        "parameters": to_data(fix.parameters),
    }


def instance_data(diag: InstanceDiagnosis, fixes: Sequence[ProposedFix]) -> dict[str, Any]:
    return {
        "instance_id": diag.instance_id,
        "name": diag.name,
        "region": diag.region,
        "policy": diag.policy,
        "compliant": diag.compliant,
        "root_cause": root_cause_data(diag.root_cause),
        "findings": [finding_data(f) for f in diag.findings],
        "drift": [
            {"path": d.path, "desired": to_data(d.desired), "live": to_data(d.live)} for d in diag.drift
        ],
        "masked": [{"code": m.code, "masked_by": m.masked_by, "reason": m.reason} for m in diag.masked],
        "fixes": [fix_data(f) for f in fixes if f.instance_id == diag.instance_id],
        "waived": [waived_data(w) for w in diag.waived],
    }


def gap_data(gap: CollectionGap) -> dict[str, Any]:
    return to_data(gap)


def plan_document(
    fleet: FleetDiagnosis,
    fixes: Sequence[ProposedFix] = (),
    *,
    policy_path: str = "",
    endpoint: str = "",
    collected_at: str = "",
    policies: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """The full ``tcremedy.plan/v1`` document; ``policies``: (name, path) of each policy of a
    ``--policy`` directory (default: the one policy)."""
    return {
        "format": PLAN_FORMAT,
        "policy": {"name": fleet.policy_name, "path": policy_path},
        "policies": [{"name": n, "path": p} for n, p in policies or ((fleet.policy_name, policy_path),)],
        "region": fleet.region,
        "endpoint": endpoint,
        "collected_at": collected_at,
        "compliant": fleet.compliant,
        "instances": [instance_data(d, fixes) for d in fleet.instances],
        "summary": summary_data(fleet),
        "regions": [region_data(part) for part in fleet.region_parts],
        "expired_waivers": list(fleet.expired_waivers),
        "skipped": fleet.skipped,
        "gaps": fleet_gaps_data(fleet),
    }


def summary_data(fleet: FleetDiagnosis) -> dict[str, Any]:
    summary = fleet.summary
    return {
        "selected": summary.selected,
        "compliant": summary.compliant,
        "failing": summary.failing,
        "unknown": summary.unknown,
        "root_causes": dict(sorted(summary.root_causes.items())),
        "by_code": dict(sorted(summary.by_code.items())),
        "waived": summary.waived,
    }


def fleet_gaps_data(fleet: FleetDiagnosis) -> list[dict[str, Any]]:
    """Every gap with the selected instances it affects."""
    return [{**gap_data(fg.gap), "instance_ids": list(fg.instance_ids)} for fg in fleet.gaps]


def region_data(part: FleetDiagnosis) -> dict[str, Any]:
    """One region's summary (``regions[]``): its counts as ``summary``, what it skipped, its gaps."""
    return {
        "region": part.region,
        "compliant": part.compliant,
        "summary": summary_data(part),
        "skipped": part.skipped,
        "gaps": fleet_gaps_data(part),
    }


def error_document(error: BaseException, kind: str = PLAN_FORMAT) -> dict[str, Any]:
    """What ``--json`` prints instead of a report when the command fails."""
    return {"format": kind, "error": {"type": type(error).__name__, "message": str(error)}}


def dumps(document: dict[str, Any]) -> str:
    """Stable text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
