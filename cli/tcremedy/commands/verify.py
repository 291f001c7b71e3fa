"""`tcremedy verify`: connect to each selected instance over RDP, as the admin would, and say what happened.

Read-only and credential-free: the only traffic besides the plan's reads is one X.224 Connection
Request per instance (no cookie, no user name) to its public IP on the policy's port.

Exit codes: 0 success, 1 error; with ``--detailed-exitcode`` 0 = every selected instance connected,
2 = at least one did not, 1 = error.
"""

from __future__ import annotations

from typing import Annotated

import typer

from tcremedy.commands.command import TcremedyCommand
from tcremedy.commands.options import (
    ConcurrencyOpt,
    EndpointOpt,
    InstanceOpt,
    JsonOpt,
    NoProbeOpt,
    PolicyOpt,
    ProfileOpt,
    QuietOpt,
    RegionOpt,
    check_finite,
)
from tcremedy.errors import TcremedyError
from tcremedy.verify import DEFAULT_TIMEOUT

VERIFY_HELP = (
    "Connect to each selected instance's public IP on the policy's RDP port and run the RDP negotiation "
    "(MS-RDPBCGR X.224 Connection Request/Confirm); report connected (with the protocol the server "
    "selected), refused, timeout or not-rdp, tied to the diagnosed root cause.\n\n"
    "Read-only; never sends credentials.\n\n"
    "Exit codes: 0 success, 1 error; with --detailed-exitcode: 0 every instance connected, "
    "2 at least one did not, 1 error."
)

TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        help="Seconds to wait for each connection and its answer.",
        min=0.05,
        max=120.0,
        callback=check_finite,
    ),
]


class VerifyCommand(TcremedyCommand):
    json_format = "tcremedy.verify/v1"  # report.verify.VERIFY_FORMAT (not imported: start-up time)


def register(app: typer.Typer) -> None:
    """Add the command to the application."""
    app.command("verify", cls=VerifyCommand, help=VERIFY_HELP)(verify)


def verify(
    policy: PolicyOpt = None,
    region: RegionOpt = None,
    endpoint: EndpointOpt = None,
    profile: ProfileOpt = None,
    instance: InstanceOpt = None,
    json_output: JsonOpt = False,
    detailed_exitcode: Annotated[
        bool,
        typer.Option(
            "--detailed-exitcode",
            help="Exit 0 when every instance connected, 2 when one did not, 1 on error.",
        ),
    ] = False,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    concurrency: ConcurrencyOpt = None,
    no_guest_probe: NoProbeOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Connect over RDP to every selected instance and report what answered (read-only)."""
    from tcremedy.commands.pipeline import PipelineOptions, run_pipeline
    from tcremedy.report.document import dumps, error_document
    from tcremedy.report.verify import VERIFY_FORMAT, render_verify, verify_document
    from tcremedy.verify.outcome import verify_fleet

    opts = PipelineOptions(
        policy=policy,
        region=region,
        endpoint=endpoint,
        profile=profile,
        instances=tuple(instance or ()),
        concurrency=concurrency,
        guest_probe=not no_guest_probe,
        quiet=quiet or json_output,
    )
    try:
        result = run_pipeline(opts)
        report = verify_fleet(result.fleet, result.state, result.policy.rdp.port, timeout=timeout)
    except TcremedyError as exc:
        if json_output:
            typer.echo(dumps(error_document(exc, VERIFY_FORMAT)), nl=False)
        else:
            typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=exc.exit_code) from None
    if json_output:
        doc = verify_document(report, policy=result.policy.name, endpoint=result.state.endpoint)
        typer.echo(dumps(doc), nl=False)
    else:
        typer.echo(render_verify(report), nl=False)
    if detailed_exitcode and not report.all_connected:
        raise typer.Exit(code=2)
