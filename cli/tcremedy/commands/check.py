"""`tcremedy check`: the pipeline gate. Same collection and diagnosis as `plan`, no fixes written.

Exit codes: 0 = every selected instance compliant, 2 = at least one is not (a failed or an
unmakeable check), 1 = error. ``--junit`` / ``--sarif`` write files for CI; ``--json`` prints the
``tcremedy.plan/v1`` document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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

CHECK_HELP = (
    "Gate a pipeline on the policy: exit 0 when every selected instance is compliant, 2 when any is not "
    "(a failed check, or one that could not be made), 1 on error.\n\n"
    "Same collection and diagnosis as `tcremedy plan`; --junit and --sarif write reports for CI."
)


def register(app: typer.Typer) -> None:
    """Add the command to the application."""
    app.command("check", cls=TcremedyCommand, help=CHECK_HELP)(check)


def check(
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
    junit: Annotated[
        Path | None,
        typer.Option(
            "--junit",
            metavar="FILE",
            rich_help_panel=OUTPUT,
            help="Write JUnit XML: one testcase per instance.",
        ),
    ] = None,
    save_state: SaveStateOpt = None,
    from_state: FromStateOpt = None,
    concurrency: ConcurrencyOpt = None,
    rate_limit: RateLimitOpt = None,
    no_guest_probe: NoProbeOpt = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    show_compliant: ShowCompliantOpt = False,
) -> None:
    """Exit 0 when every selected instance is compliant, 2 otherwise, 1 on error.

    The shared options reach the pipeline through ``ctx.params`` (``commands.pipeline.report``).
    """
    from tcremedy.commands.pipeline import fail, report
    from tcremedy.report.junit import junit_xml
    from tcremedy.report.views import make_view, write_report_file

    check_region_choice(ctx)
    view = make_view(json_output, quiet, verbose=verbose, show_compliant=show_compliant)
    try:
        result = report(ctx.params, view, "check")
        if junit is not None:
            write_report_file(junit, junit_xml(result.fleet), "JUnit file")
    except TcremedyError as exc:
        raise fail(view, exc) from None
    raise typer.Exit(code=0 if result.fleet.compliant else 2)
