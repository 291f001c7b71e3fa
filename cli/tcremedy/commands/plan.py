"""`tcremedy plan`: read the cloud, diagnose every selected instance, propose fixes. Read-only.

Exit codes (terraform's): 0 success; 1 error; with ``--detailed-exitcode`` 0 = every selected
instance compliant, 2 = drift found, 1 = error. The one non-Describe call is TAT ``RunCommand`` of
the read-only guest probe (``--no-guest-probe`` skips it).

The pipeline and the options shared with ``tcremedy check`` live in ``tcremedy.commands.pipeline``
(re-exported here for ``tcremedy apply``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tcremedy.commands.command import TcremedyCommand
from tcremedy.commands.options import (
    OUTPUT,
    AllRegionsOpt,
    ConcurrencyOpt,
    EndpointOpt,
    FromStateOpt,
    InstanceOpt,
    JsonOpt,
    MarkdownOpt,
    NoProbeOpt,
    PolicyOpt,
    ProfileOpt,
    QuietOpt,
    RateLimitOpt,
    RegionsOpt,
    SarifOpt,
    SaveStateOpt,
    ShowCompliantOpt,
    VerboseOpt,
    check_region_choice,
)
from tcremedy.errors import TcremedyError

if TYPE_CHECKING:
    from tcremedy.commands.pipeline import PipelineResult
    from tcremedy.report.views import HumanView, JsonView

__all__ = ["plan", "register"]


def __getattr__(name: str) -> Any:
    """``PipelineOptions``, ``run_pipeline``, ``collect_live``: still importable from here, lazily
    (``tcremedy --help`` must not pay for the pipeline's imports)."""
    if name in ("PipelineOptions", "PipelineResult", "collect_live", "run_pipeline"):
        from tcremedy.commands import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)


PLAN_HELP = (
    "Diagnose why Windows instances cannot be reached over RDP, name the root cause and propose fixes.\n\n"
    "Read-only: the only call that is not a Describe/Get is TAT RunCommand of the read-only guest probe "
    "(--no-guest-probe skips it).\n\n"
    "Exit codes: 0 success, 1 error; with --detailed-exitcode: 0 every selected instance compliant, "
    "2 drift found, 1 error."
)


def register(app: typer.Typer) -> None:
    """Add the command to the application."""
    app.command("plan", cls=TcremedyCommand, help=PLAN_HELP)(plan)


def plan(
    ctx: typer.Context,
    policy: PolicyOpt = None,
    region: RegionsOpt = None,
    all_regions: AllRegionsOpt = False,
    endpoint: EndpointOpt = None,
    profile: ProfileOpt = None,
    instance: InstanceOpt = None,
    json_output: JsonOpt = False,
    sarif: SarifOpt = None,
    markdown: MarkdownOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE",
            rich_help_panel=OUTPUT,
            help="Write the plan file `tcremedy apply` takes.",
        ),
    ] = None,
    save_state: SaveStateOpt = None,
    from_state: FromStateOpt = None,
    detailed_exitcode: Annotated[
        bool,
        typer.Option(
            "--detailed-exitcode",
            rich_help_panel=OUTPUT,
            help="Exit 0 when compliant, 2 when drift was found, 1 on error.",
        ),
    ] = False,
    concurrency: ConcurrencyOpt = None,
    rate_limit: RateLimitOpt = None,
    no_guest_probe: NoProbeOpt = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    show_compliant: ShowCompliantOpt = False,
) -> None:
    """Diagnose why Windows instances cannot be reached over RDP and propose fixes (read-only).

    The shared options reach the pipeline through ``ctx.params`` (``commands.pipeline.report``).
    """
    from tcremedy.commands.pipeline import fail, report
    from tcremedy.report.views import make_view

    check_region_choice(ctx)
    view = make_view(json_output, quiet, verbose=verbose, show_compliant=show_compliant)
    try:
        if out is not None and (all_regions or len(set(ctx.params["region"] or ())) > 1):
            raise TcremedyError(
                f"--out {out}: a plan file holds one region (apply keeps one stack per region); "
                "plan each region with its own --region and --out, or run `tcremedy apply` with "
                "several --region, which applies region by region"
            )
        result = report(ctx.params, view, "plan")
        if out is not None:
            _write_plan_file(out, result, view)
    except TcremedyError as exc:
        raise fail(view, exc) from None
    if detailed_exitcode and not result.fleet.compliant:
        raise typer.Exit(code=2)


def _write_plan_file(out: Path, result: PipelineResult, view: HumanView | JsonView) -> None:
    from datetime import UTC, datetime

    from tcremedy.planfile import build_planfile, write_planfile

    if result.policies is not None and len(result.policies.policies) > 1:
        raise TcremedyError(
            f"--out {out}: a plan file holds one policy, and --policy {result.policy_path} holds "
            f"{len(result.policies.policies)}; plan with one policy file to apply"
        )
    plan_file = build_planfile(
        created_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        policy=result.policy,
        policy_path=str(result.policy_path),
        policy_bytes=result.policy_bytes,
        state=result.state,
        fleet=result.fleet,
        fixes=result.fixes,
    )
    write_planfile(out, plan_file)
    view.note(f"plan written to {out} ({len(plan_file.fixes)} fix step(s)); run `tcremedy apply {out}`")
