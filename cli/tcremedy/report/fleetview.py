"""The fleet seen by root cause: plain data every human view (terminal, Markdown) draws from.

Instances are grouped by the finding that leads their diagnosis (the root cause, or the first check
that could not be made), worst first; inside a group, instances whose evidence reads the same are
clustered so that 27 instances behind one security group show one table, not 27.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tcremedy.diagnose.findings import CAUSAL_ORDER, CODE_TITLES, Finding, Severity, Status
from tcremedy.diagnose.model import FleetDiagnosis, InstanceDiagnosis
from tcremedy.remediate.fixes import FixStep as ProposedFix
from tcremedy.report.evidence import EvidenceView, evidence_view
from tcremedy.report.fixsummary import fix_summary, is_automatic

SEVERITY_ORDER = tuple(Severity)  # critical first


@dataclass(frozen=True)
class Cluster:
    """Instances of one group whose lead finding has the same evidence table."""

    view: EvidenceView
    instances: tuple[InstanceDiagnosis, ...]


@dataclass(frozen=True)
class CauseGroup:
    code: str
    status: Status  # FAIL: a root cause; UNKNOWN: instances whose checks could not all be made
    severity: Severity
    instances: tuple[InstanceDiagnosis, ...]
    clusters: tuple[Cluster, ...]
    fixes: tuple[ProposedFix, ...]  # every fix proposed for these instances
    also: dict[str, int] = field(default_factory=dict)  # other FAIL codes on these instances

    @property
    def title(self) -> str:
        return CODE_TITLES.get(self.code, self.code)

    def fix_lines(self) -> list[str]:
        """What closes this group's findings, one line per fix (manual texts deduplicated)."""
        lines: list[str] = []
        by_fix: dict[tuple[str, bool], list[ProposedFix]] = {}
        for fix in self.fixes:
            if fix.finding_code == self.code:
                by_fix.setdefault((fix.fix, is_automatic(fix)), []).append(fix)
        for (name, automatic), fixes in by_fix.items():
            if automatic:
                changes = fix_summary(fixes).changes
                lines.append(f"{name}, automatic" + (f": {changes}" if changes else ""))
                continue
            texts = sorted({f.manual or f.description for f in fixes if f.manual or f.description})
            why = "manual" if name == "manual" else f"{name}, not allowed automatically by the policy"
            shown = texts[:2] + ([f"… and {len(texts) - 2} other(s)"] if len(texts) > 2 else [])
            lines += [f"{why}: {t}" for t in shown] or [why]
        if not lines and self.status is Status.FAIL:
            lines.append("none available; see the evidence above")
        return lines


def lead_finding(diag: InstanceDiagnosis) -> Finding | None:
    """The root cause, else the first check that could not be made; None when compliant."""
    if diag.root_cause is not None:
        return diag.root_cause
    return diag.unknowns[0] if diag.unknowns else None


def _rank(code: str) -> int:
    return CAUSAL_ORDER.index(code) if code in CAUSAL_ORDER else len(CAUSAL_ORDER)


def cause_groups(fleet: FleetDiagnosis, fixes: Sequence[ProposedFix] = ()) -> list[CauseGroup]:
    """Failing instances by root cause, then not-fully-checked ones; worst severity first."""
    members: dict[tuple[str, Status], list[tuple[InstanceDiagnosis, Finding]]] = {}
    for diag in fleet.instances:
        lead = lead_finding(diag)
        if lead is not None:
            members.setdefault((lead.code, lead.status), []).append((diag, lead))
    fixes_of: dict[str, list[ProposedFix]] = {}
    for fix in fixes:
        fixes_of.setdefault(fix.instance_id, []).append(fix)
    groups = []
    for (code, status), pairs in members.items():
        clusters: dict[EvidenceView, list[InstanceDiagnosis]] = {}
        for diag, lead in pairs:
            clusters.setdefault(evidence_view(lead), []).append(diag)
        also: dict[str, int] = {}
        for diag, _ in pairs:
            for finding in diag.contributing:
                also[finding.code] = also.get(finding.code, 0) + 1
        groups.append(
            CauseGroup(
                code=code,
                status=status,
                severity=max((lead.severity for _, lead in pairs), key=lambda s: -SEVERITY_ORDER.index(s)),
                instances=tuple(d for d, _ in pairs),
                clusters=tuple(
                    Cluster(view, tuple(ds))
                    for view, ds in sorted(
                        clusters.items(), key=lambda kv: (-len(kv[1]), kv[1][0].instance_id)
                    )
                ),
                fixes=tuple(f for d, _ in pairs for f in fixes_of.get(d.instance_id, ())),
                also=dict(sorted(also.items(), key=lambda kv: _rank(kv[0]))),
            )
        )
    return sorted(
        groups,
        key=lambda g: (g.status is not Status.FAIL, SEVERITY_ORDER.index(g.severity), _rank(g.code), g.code),
    )


def regions(fleet: FleetDiagnosis) -> list[str]:
    """Every region the view covers (the fleet's, plus any instance's own)."""
    found = {d.region for d in fleet.instances if d.region} | {p.region for p in fleet.parts}
    return sorted(found | ({fleet.region} if fleet.region and not fleet.parts else set()))


def compliant_instances(fleet: FleetDiagnosis) -> list[InstanceDiagnosis]:
    return [d for d in fleet.instances if d.compliant]


def instance_label(diag: InstanceDiagnosis) -> str:
    return f"{diag.instance_id} {diag.name}".strip()


@dataclass(frozen=True)
class WaivedGroup:
    """Instances whose finding ``code`` one waiver accepts."""

    code: str
    waiver: int
    reason: str
    expires: str
    instances: tuple[InstanceDiagnosis, ...]


def waived_groups(fleet: FleetDiagnosis) -> list[WaivedGroup]:
    found: dict[tuple[str, int, str, str], list[InstanceDiagnosis]] = {}
    for diag in fleet.instances:
        for w in diag.waived:
            found.setdefault((w.finding.code, w.waiver, w.reason, w.expires), []).append(diag)
    return [
        WaivedGroup(code, index, reason, expires, tuple(ds))
        for (code, index, reason, expires), ds in sorted(
            found.items(), key=lambda kv: (_rank(kv[0][0]), kv[0][1])
        )
    ]
