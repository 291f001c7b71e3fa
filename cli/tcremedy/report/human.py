"""The terminal report: per instance the root cause first, then its evidence, the drift, the
contributing findings and the proposed fix; then a fleet summary. Rich lives only in report/."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from tcremedy.diagnose.findings import CODE_TITLES, Finding
from tcremedy.diagnose.model import FleetDiagnosis, InstanceDiagnosis
from tcremedy.planfile import ProposedFix
from tcremedy.serde import to_data

SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}
MAX_VALUE = 160  # characters of one evidence value shown; the JSON view has everything


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(to_data(value), sort_keys=True, ensure_ascii=False)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def _title(finding: Finding) -> str:
    return CODE_TITLES.get(finding.code, finding.code)


def _finding_line(finding: Finding) -> Text:
    style = SEVERITY_STYLE.get(finding.severity.value, "")
    line = Text("  • ")
    line.append(finding.code, style=style)
    line.append(f" [{finding.severity.value}{', unknown' if finding.status.value == 'unknown' else ''}] ")
    line.append(finding.message)
    return line


def _fix_line(fix: ProposedFix) -> Text:
    line = Text("  → ")
    if fix.fix == "manual":
        line.append("manual", style="bold yellow")
        line.append(f" (for {fix.finding_code}): {fix.manual or fix.description}")
        return line
    line.append(fix.fix, style="bold")
    line.append(f" (for {fix.finding_code}) ")
    if fix.auto:
        line.append("automatic", style="green")
    else:
        line.append("not automatic", style="yellow")
        line.append(f": {fix.manual or 'the policy does not allow it automatically'}")
    if fix.description:
        line.append(f"\n      {fix.description}")
    return line


def instance_panel(diag: InstanceDiagnosis, fixes: Sequence[ProposedFix]) -> Panel:
    parts: list[Any] = []
    root = diag.root_cause
    if root is not None:
        head = Text("ROOT CAUSE  ", style="bold")
        head.append(root.code, style=SEVERITY_STYLE.get(root.severity.value, "") + " bold")
        head.append(f"  {_title(root)}  [{root.severity.value}]")
        parts.append(head)
        parts.append(Text(f"  {root.message}"))
        for key, value in sorted(to_data(root.evidence).items()):
            parts.append(Text(f"    {key}: {_short(value)}", style="dim"))
    if diag.drift:
        parts.append(Text("Drift (desired vs live)", style="bold"))
        for item in diag.drift:
            parts.append(Text(f"  {item.path}: desired {_short(item.desired)}  live {_short(item.live)}"))
    if diag.contributing:
        parts.append(Text("Contributing findings", style="bold"))
        parts += [_finding_line(f) for f in diag.contributing]
    if diag.unknowns:
        parts.append(Text("Checks that could not be made", style="bold"))
        for finding in diag.unknowns:
            line = _finding_line(finding)
            reason = finding.evidence.get("reason")
            if reason:
                line.append(f" ({reason})", style="dim")
            parts.append(line)
    if diag.masked:
        parts.append(Text("Hidden by the root cause (checked again after it is fixed)", style="bold"))
        parts += [Text(f"  • {m.code}: {m.reason}", style="dim") for m in diag.masked]
    own = [f for f in fixes if f.instance_id == diag.instance_id]
    if own:
        parts.append(Text("Proposed fix", style="bold"))
        parts += [_fix_line(f) for f in own]
    elif root is not None:
        parts.append(Text("Proposed fix: none available; see the root cause above", style="yellow"))
    status = "[green]compliant[/]" if diag.compliant else "[red]NOT COMPLIANT[/]"
    title = f"[bold]{escape(diag.instance_id)}[/] {escape(diag.name)}  {escape(diag.region)}  {status}"
    return Panel(Group(*parts), title=title, title_align="left", border_style="red" if root else "yellow")


def summary_table(fleet: FleetDiagnosis) -> Table:
    table = Table(title="Fleet summary", show_header=True, header_style="bold")
    table.add_column("Root cause")
    table.add_column("Title")
    table.add_column("Instances", justify="right")
    for code, count in sorted(fleet.summary.root_causes.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(code, CODE_TITLES.get(code, code), str(count))
    return table


def summary_line(fleet: FleetDiagnosis) -> str:
    s = fleet.summary
    return (
        f"{s.selected} selected · {s.compliant} compliant · {s.failing} failing · "
        f"{s.unknown} not fully checked · {fleet.skipped} skipped by the selector"
    )


def render_plan(console: Console, fleet: FleetDiagnosis, fixes: Sequence[ProposedFix] = ()) -> None:
    """Print the whole report to ``console``."""
    console.print(
        f"Policy [bold]{escape(fleet.policy_name)}[/] in [bold]{escape(fleet.region)}[/]: "
        f"{fleet.summary.selected} instance(s) selected"
    )
    for diag in fleet.instances:
        if diag.compliant:
            console.print(f"[green]✓[/] {escape(diag.instance_id)} {escape(diag.name)}: compliant")
        else:
            console.print(instance_panel(diag, fixes))
    for gap in fleet.unattributed_gaps:
        console.print(
            f"[yellow]![/] could not read {gap.scope} {escape(gap.resource_id)}: "
            f"{escape(gap.code)} {escape(gap.message)}"
        )
    if fleet.summary.root_causes:
        console.print(summary_table(fleet))
    console.print(summary_line(fleet))
    if fleet.compliant:
        console.print("[green]No drift: every selected instance is compliant.[/]")
