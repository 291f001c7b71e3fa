"""A compact Markdown summary for a pull-request comment or a CI job summary ($GITHUB_STEP_SUMMARY):
where the view comes from, the fleet by root cause, the closing line and the first failing instances
(taken in turn from each root cause, worst first).
Drawn from the same groups as the terminal report (``fleetview``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from itertools import zip_longest
from pathlib import Path

from tcremedy.diagnose.model import FleetDiagnosis
from tcremedy.errors import TcremedyError
from tcremedy.remediate.fixes import FixStep as ProposedFix
from tcremedy.report.fixsummary import fix_summary
from tcremedy.report.fleetview import cause_groups, lead_finding, regions, waived_groups

FIRST_FAILING = 20  # instances listed; the rest are counted
STEP_SUMMARY = "GITHUB_STEP_SUMMARY"


def cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown_summary(
    fleet: FleetDiagnosis,
    fixes: Sequence[ProposedFix] = (),
    *,
    command: str = "check",
    policy_path: str = "",
    endpoint: str = "",
    collected_at: str = "",
    first: int = FIRST_FAILING,
) -> str:
    s = fleet.summary
    if fleet.compliant:
        verdict = "compliant"
    elif s.failing + s.unknown:
        verdict = f"{s.failing + s.unknown} of {s.selected} instances failing"
    else:
        verdict = "failing: a waiver has expired"
    lines = [f"## tcremedy {command}: {verdict}", ""]
    where = [f"policy `{cell(fleet.policy_name)}`" + (f" (`{cell(policy_path)}`)" if policy_path else "")]
    if endpoint:
        where.append(f"endpoint `{cell(endpoint)}`")
    if regions(fleet):
        where.append("region " + ", ".join(regions(fleet)))
    if collected_at:
        where.append(f"collected {collected_at}")
    lines += [" · ".join(where), ""]
    groups = cause_groups(fleet, fixes)
    lines += ["| Root cause | Severity | Instances | Fix |", "| --- | --- | ---: | --- |"]
    for group in groups:
        name = f"`{group.code}` {group.title}" + ("" if group.status.value == "fail" else " (not checked)")
        fix_text = "; ".join(group.fix_lines())
        lines.append(f"| {cell(name)} | {group.severity.value} | {len(group.instances)} | {cell(fix_text)} |")
    for w in waived_groups(fleet):
        reason = f'waived until {w.expires} (waivers[{w.waiver}]): "{w.reason}"'
        lines.append(f"| `{w.code}` waived | | {len(w.instances)} | {cell(reason)} |")
    lines.append(f"| compliant | | {s.compliant} | |")
    lines.append("")
    lines += [f"- :x: {cell(message)}" for message in fleet.expired_waivers]
    if fleet.expired_waivers:
        lines.append("")
    lines.append(f"**{fix_summary(fixes).line()}**" if not fleet.compliant else "**No changes.**")
    # Round-robin over the groups, worst first, so the first rows show every cause.
    failing = [d for row in zip_longest(*(g.instances for g in groups)) for d in row if d is not None]
    if failing:
        lines += ["", "| Instance | Name | Root cause | Why |", "| --- | --- | --- | --- |"]
        for diag in failing[:first]:
            lead = lead_finding(diag)
            code, message = (lead.code, lead.message) if lead else ("", "")
            lines.append(f"| `{diag.instance_id}` | {cell(diag.name)} | `{code}` | {cell(message)} |")
        if len(failing) > first:
            more = len(failing) - first
            lines += ["", f"… and {more} more failing instance(s); `tcremedy plan` lists them all."]
    return "\n".join(lines) + "\n"


def write_markdown(path: Path | None, text: str) -> list[str]:
    """Write ``path`` (when given) and append to $GITHUB_STEP_SUMMARY (when set); the places written."""
    written = []
    targets: list[tuple[str, str]] = []
    if path is not None:
        targets.append((str(path), "w"))
    summary = os.environ.get(STEP_SUMMARY)
    if summary:
        targets.append((summary, "a"))
    for target, mode in targets:
        try:
            with open(target, mode, encoding="utf-8") as fh:
                fh.write(text if mode == "w" else "\n" + text)
        except OSError as exc:
            what = f"${STEP_SUMMARY} ({target})" if mode == "a" else target
            raise TcremedyError(f"{what}: cannot write the Markdown summary: {exc.strerror or exc}") from None
        written.append(target)
    return written
