"""The terminal report, a fleet view: a header (policy, endpoint, regions, when collected), instances
grouped by root cause worst first with their evidence as small tables, compliant instances folded
into a count, and a terraform-style closing line. ``verbose`` adds every instance's full diagnosis
(everything the JSON document holds). Rich lives only in report/.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.columns import Columns
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from tcremedy.diagnose.findings import CODE_TITLES, Finding, Status
from tcremedy.diagnose.model import FleetDiagnosis, InstanceDiagnosis
from tcremedy.remediate.fixes import FixStep as ProposedFix
from tcremedy.report.evidence import EvidenceView, evidence_view, facts_view, plain
from tcremedy.report.fixsummary import fix_summary
from tcremedy.report.fleetview import (
    CauseGroup,
    cause_groups,
    compliant_instances,
    instance_label,
    regions,
    waived_groups,
)

SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}
# Evidence keys a specialised table already shows (the verbose facts line skips them).
TABLED = ("reason", "verdicts", "inbound", "outbound", "blocked", "series", "services")


@dataclass(frozen=True)
class ReportContext:
    """Where the view's data came from."""

    policy_path: str = ""
    endpoint: str = ""
    collected_at: str = ""
    policies: tuple[tuple[str, str], ...] = ()  # (name, path) when a directory held several


def evidence_table(
    view: EvidenceView, lead: Sequence[str] = (), rows: Sequence[tuple[str, ...]] = ()
) -> Table:
    """An evidence table; ``lead`` adds columns in front (e.g. instance, name) filled by ``rows``.
    Only the last column wraps: ids, CIDRs and ports stay whole."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="dim", padding=(0, 1))
    columns = (*lead, *view.columns)
    for n, column in enumerate(columns):
        table.add_column(column, no_wrap=n < len(columns) - 1, overflow="fold")
    for row in rows or view.rows:
        table.add_row(*row)
    return table


def _indent(renderable: RenderableType, n: int = 2) -> Padding:
    return Padding(renderable, (0, 0, 0, n))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _group_heading(group: CauseGroup) -> list[Text]:
    heading = Text()
    heading.append(group.code, style=SEVERITY_STYLE.get(group.severity.value, "") + " bold")
    status = "" if group.status is Status.FAIL else ", could not be checked"
    heading.append(
        f"  {_plural(len(group.instances), 'instance')}, {group.severity.value}{status}", style="bold"
    )
    return [heading, Text(f"  {group.title}")]


def _merges(group: CauseGroup) -> bool:
    """One table with a row per instance, when every instance's evidence is one row of the same
    columns but the values differ (metric peaks): shorter than a table per instance."""
    views = [c.view for c in group.clusters]
    return len(views) > 1 and len({v.columns for v in views}) == 1 and all(len(v.rows) == 1 for v in views)


def group_body(group: CauseGroup) -> list[RenderableType]:
    """A group's evidence: a table per cluster with its instances listed below, or one merged table."""
    parts: list[RenderableType] = []
    if _merges(group):
        pairs = sorted((d.instance_id, d.name, c.view.rows[0]) for c in group.clusters for d in c.instances)
        rows = [(iid, name, *row) for iid, name, row in pairs]
        table = evidence_table(EvidenceView(group.clusters[0].view.columns, ()), ("instance", "name"), rows)
        parts.append(_indent(table))
    else:
        for cluster in group.clusters:
            if cluster.view.note:
                parts.append(_indent(Text(cluster.view.note, style="yellow")))
            if cluster.view.rows:
                parts.append(_indent(evidence_table(cluster.view)))
            labels = [Text(instance_label(d)) for d in cluster.instances]
            if len(labels) == 1:
                parts.append(_indent(Text.assemble(("instance ", "dim"), labels[0])))
            else:
                parts.append(_indent(Text(f"{len(labels)} instances:", style="dim")))
                parts.append(_indent(Columns(labels, padding=(0, 3)), 4))
    for line in group.fix_lines():
        parts.append(_indent(Text.assemble(("fix ", "bold"), line)))
    if group.also:
        also = ", ".join(f"{code} ({n})" for code, n in group.also.items())
        parts.append(_indent(Text(f"also failing on some of them: {also}", style="dim")))
    return parts


def _when(collected_at: str) -> str:
    """ISO time as ``2026-12-02 00:35:55 UTC``."""
    return collected_at.replace("T", " ").replace("+00:00", " UTC").replace("Z", " UTC")


def header(fleet: FleetDiagnosis, context: ReportContext) -> list[Text]:
    """Which policy judged which cloud, when: the view's provenance, then the counts."""
    policy = f" ({context.policy_path})" if context.policy_path else ""
    lines = [Text.assemble(("Policy    ", "bold"), fleet.policy_name, policy)]
    if len(context.policies) > 1:
        counts: dict[str, int] = {}
        for diag in fleet.instances:
            counts[diag.policy] = counts.get(diag.policy, 0) + 1
        shown = ", ".join(f"{name} ({path}, {counts.get(name, 0)})" for name, path in context.policies)
        lines = [Text.assemble(("Policies  ", "bold"), shown)]
    lines.append(Text.assemble(("Endpoint  ", "bold"), context.endpoint or "Tencent Cloud"))
    shown = regions(fleet)
    if shown:
        lines.append(
            Text.assemble(("Region    " if len(shown) == 1 else "Regions   ", "bold"), ", ".join(shown))
        )
    if context.collected_at:
        lines.append(Text.assemble(("Collected ", "bold"), _when(context.collected_at)))
    lines.append(Text(_counts(fleet)))
    if len(fleet.region_parts) > 1:  # several regions: each one's own counts
        width = max(len(part.region) for part in fleet.region_parts)
        lines += [
            Text.assemble(("  " + part.region.ljust(width) + "  ", "bold"), _counts(part, short=True))
            for part in fleet.region_parts
        ]
    return lines


def _counts(fleet: FleetDiagnosis, short: bool = False) -> str:
    s = fleet.summary
    counts = f"{s.selected if short else _plural(s.selected, 'instance')} selected: {s.failing} failing"
    if s.unknown:
        counts += f", {s.unknown} not fully checked"
    counts += f", {s.compliant} compliant"
    if fleet.skipped:
        counts += f"; {fleet.skipped} not selected" + ("" if short else " by the policy")
    return counts


def _finding_block(finding: Finding, is_root: bool) -> list[RenderableType]:
    head = Text("ROOT CAUSE " if is_root else "", style="bold")
    head.append(finding.code, style=SEVERITY_STYLE.get(finding.severity.value, ""))
    status = ", could not be checked" if finding.status is Status.UNKNOWN else ""
    head.append(f"  {CODE_TITLES.get(finding.code, finding.code)}  [{finding.severity.value}{status}]")
    parts: list[RenderableType] = [head, _indent(Text(finding.message))]
    view = evidence_view(finding)
    if view.note:
        parts.append(_indent(Text(view.note, style="yellow")))
    if view.rows and view.columns != facts_view(finding).columns:
        parts.append(_indent(evidence_table(view)))
    facts = facts_view(finding, skip=TABLED).rows
    if facts:
        parts.append(_indent(Text(" · ".join(f"{k}: {v}" for k, v in facts), style="dim")))
    if finding.fix:
        parts.append(_indent(Text(f"closed by: {finding.fix}", style="dim")))
    return parts


def instance_panel(diag: InstanceDiagnosis, fixes: Sequence[ProposedFix]) -> Panel:
    """Everything known about one instance (the verbose view; the JSON document's content)."""
    parts: list[RenderableType] = []
    for finding in diag.findings:
        parts += _finding_block(finding, finding is diag.root_cause)
    for w in diag.waived:
        parts.append(Text(f'Waived by waivers[{w.waiver}] until {w.expires}: "{w.reason}"', style="bold"))
        parts += [_indent(p) for p in _finding_block(w.finding, False)]
    if diag.drift:
        parts.append(Text("Drift (desired vs live)", style="bold"))
        parts += [
            _indent(Text(f"{d.path}: desired {plain(d.desired)}, live {plain(d.live)}")) for d in diag.drift
        ]
    if diag.masked:
        parts.append(Text("Hidden by the root cause (checked again after it is fixed)", style="bold"))
        parts += [_indent(Text(f"{m.code}: {m.reason}", style="dim")) for m in diag.masked]
    own = [f for f in fixes if f.instance_id == diag.instance_id]
    if own:
        parts.append(Text("Proposed fixes", style="bold"))
    for fix in own:
        mode = "automatic" if fix.auto else "not automatic"
        parts.append(_indent(Text.assemble((fix.fix, "bold"), f" for {fix.finding_code}, {mode}")))
        for text in (fix.description, fix.manual):
            if text:
                parts.append(_indent(Text(text), 4))
        if fix.parameters:
            parts.append(_indent(Text(f"parameters: {plain(fix.parameters)}", style="dim"), 4))
    status = "[green]compliant[/]" if diag.compliant else "[red]not compliant[/]"
    judged = f"  policy {escape(diag.policy)}" if diag.policy else ""
    where = f"{escape(diag.name)}  {escape(diag.region)}{judged}"
    title = f"[bold]{escape(diag.instance_id)}[/] {where}  {status}"
    return Panel(Group(*parts), title=title, title_align="left", border_style="dim")


def render_plan(
    console: Console,
    fleet: FleetDiagnosis,
    fixes: Sequence[ProposedFix] = (),
    *,
    context: ReportContext | None = None,
    verbose: bool = False,
    show_compliant: bool = False,
) -> None:
    """Print the fleet report to ``console``."""
    context = context or ReportContext()
    for line in header(fleet, context):
        console.print(line)
    for group in cause_groups(fleet, fixes):
        console.print()
        for line in _group_heading(group):
            console.print(line)
        for part in group_body(group):
            console.print(part)
    compliant = compliant_instances(fleet)
    if compliant:
        console.print()
        if show_compliant or verbose:
            console.print(Text(f"Compliant ({len(compliant)})", style="bold green"))
            console.print(_indent(Columns([Text(instance_label(d)) for d in compliant], padding=(0, 3))))
        else:
            console.print(Text(f"{len(compliant)} compliant (--show-compliant lists them)", style="green"))
    waived = waived_groups(fleet)
    if waived:
        console.print()
        count = sum(len(g.instances) for g in waived)
        console.print(
            Text(f"Waived ({_plural(count, 'finding')}; accepted by the policy, not failing)", style="bold")
        )
        for group in waived:
            line = Text.assemble(
                "  ",
                (group.code, "bold"),
                f"  {_plural(len(group.instances), 'instance')}: ",
                f'"{group.reason}" until {group.expires} (waivers[{group.waiver}])',
            )
            console.print(line)
            if show_compliant or verbose:
                console.print(
                    _indent(Columns([Text(instance_label(d)) for d in group.instances], padding=(0, 3)), 4)
                )
    for gap in fleet.unattributed_gaps:
        console.print(
            Text(f"! could not read {gap.scope} {gap.resource_id}: {gap.code} {gap.message}", style="yellow")
        )
    if verbose:
        _render_details(console, fleet, fixes)
    console.print()
    for message in fleet.expired_waivers:
        console.print(Text(f"! {message}", style="bold red"))
    if fleet.compliant:
        console.print(Text("No changes: every selected instance is compliant.", style="bold green"))
    elif all(d.compliant for d in fleet.instances):
        console.print(Text("No changes, but the gate fails: a waiver has expired.", style="bold red"))
    else:
        console.print(Text(fix_summary(fixes).line(), style="bold"))


def _render_details(console: Console, fleet: FleetDiagnosis, fixes: Sequence[ProposedFix]) -> None:
    console.print()
    console.print(Text("Details", style="bold"))
    for diag in fleet.instances:
        if not diag.compliant or diag.waived:
            console.print(instance_panel(diag, fixes))
    by_code = ", ".join(f"{code} {n}" for code, n in sorted(fleet.summary.by_code.items()))
    if by_code:
        console.print(Text(f"Findings by code: {by_code}", style="dim"))
