"""`tcremedy apply [PLANFILE]`: repair through Pulumi (preview, guardrails, update, verify).

Exit codes: 0 = every finding apply set out to fix is closed (or nothing to do); 1 = an error, a
refusal (guardrail, stale plan, no confirmation) or a finding still open after the update.
Causes that need a human are listed with what to do and the instance's VNC console link.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from tcremedy.commands.command import TcremedyCommand
from tcremedy.commands.options import (
    APPLY,
    AllRegionsOpt,
    BackendUrlOpt,
    EndpointOpt,
    InstanceOpt,
    PolicyOpt,
    ProfileOpt,
    QuietOpt,
    RateLimitOpt,
    RegionsOpt,
    check_finite,
    check_region_choice,
    check_text,
)
from tcremedy.errors import TcremedyError


class _TerminalUi:
    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet

    def say(self, text: str = "") -> None:
        typer.echo(text)

    def note(self, text: str) -> None:
        if not self.quiet:
            typer.echo(text, err=True)

    def confirm(self, question: str) -> bool | None:
        from tcremedy.usecase.apply import stdin_is_terminal

        if not stdin_is_terminal():
            return None
        return typer.confirm(question, default=False)


def _check_path(ctx: typer.Context, param: Any, value: str) -> str:
    from tcremedy.remediate.paths import PATH_CHOICES

    if value not in PATH_CHOICES:
        expected = ", ".join(PATH_CHOICES)
        raise typer.BadParameter(f"{value!r}: expected one of {expected}", ctx=ctx, param=param)
    return value


def _unlock(
    plan_file: Path | None, endpoint: str | None, region: str | None, profile: str | None, backend: str | None
) -> None:
    from tcremedy.usecase.unlock import run_unlock

    try:
        done = run_unlock(
            plan_file=plan_file, endpoint=endpoint, region=region, profile=profile, backend_url=backend
        )
    except TcremedyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=exc.exit_code) from None
    for line in done:
        typer.echo(line)
    raise typer.Exit(code=0)


def register(app: typer.Typer) -> None:
    """Add the command to the application."""
    app.command("apply", cls=TcremedyCommand)(apply)


def apply(
    ctx: typer.Context,
    plan_file: Annotated[
        Path | None,
        typer.Argument(
            metavar="PLANFILE",
            help="Plan file from `tcremedy plan --out` (default: plan now).",
            show_default=False,
        ),
    ] = None,
    yes: Annotated[
        bool,
        typer.Option("--yes", "-y", rich_help_panel=APPLY, help="Apply without asking for confirmation."),
    ] = False,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            metavar="CODE",
            rich_help_panel=APPLY,
            callback=check_text,
            help="Only fix findings with this code (repeatable).",
        ),
    ] = None,
    instance: InstanceOpt = None,
    policy: PolicyOpt = None,
    endpoint: EndpointOpt = None,
    region: RegionsOpt = None,
    all_regions: AllRegionsOpt = False,
    profile: ProfileOpt = None,
    backend_url: BackendUrlOpt = None,
    rate_limit: RateLimitOpt = None,
    quiet: QuietOpt = False,
    verify_connect: Annotated[
        bool,
        typer.Option(
            "--verify-connect",
            rich_help_panel=APPLY,
            help="After the re-plan, connect over RDP to each repaired instance (as `tcremedy verify`); "
            "exit 1 unless every one connects.",
        ),
    ] = False,
    connect_timeout: Annotated[
        float,
        typer.Option(
            "--connect-timeout",
            metavar="SECONDS",
            rich_help_panel=APPLY,
            help="Seconds to wait for each RDP connection.",
            min=0.05,
            max=120.0,
            callback=check_finite,
        ),
    ] = 5.0,
    path: Annotated[
        str,
        typer.Option(
            "--path",
            metavar="auto|provider|sdk-dynamic",
            rich_help_panel=APPLY,
            callback=_check_path,
            help="Remediation path: auto (the tencentcloud plugin against Tencent Cloud, else sdk-dynamic), "
            "provider (force the pulumi-tencentcloud resources; fails without the plugin), sdk-dynamic.",
        ),
    ] = "auto",
    unlock: Annotated[
        bool,
        typer.Option(
            "--unlock",
            rich_help_panel=APPLY,
            help="Only release the stack's lock left by a killed apply (refused while that apply still "
            "runs); nothing is applied.",
        ),
    ] = False,
) -> None:
    """Repair the causes found by `tcremedy plan` as code, through Pulumi, then verify.

    Several regions (``--region`` repeated, ``--all-regions``): one stack per account + region, so
    the regions are applied one after another, each previewed, confirmed and verified on its own;
    the first region that fails stops the run (the regions after it are named, not applied).
    """
    from dataclasses import replace

    from tcremedy.ratelimits import overrides_from
    from tcremedy.usecase.apply import run_apply
    from tcremedy.usecase.apply_context import ApplyOptions

    check_region_choice(ctx)
    given = list(dict.fromkeys(ctx.params["region"] or ()))
    ui = _TerminalUi(quiet)
    if unlock:
        if len(given) > 1 or all_regions:
            typer.echo("error: --unlock releases one stack's lock (one region): give one --region", err=True)
            raise typer.Exit(code=1)
        _unlock(plan_file, endpoint, given[0] if given else None, profile, backend_url)
    opts = ApplyOptions(
        plan_file=plan_file,
        yes=yes,
        only=tuple(only or ()),
        instances=tuple(instance or ()),
        policy=policy,
        endpoint=endpoint,
        region=given[0] if len(given) == 1 else None,
        profile=profile,
        backend_url=backend_url,
        quiet=quiet,
        verify_connect=verify_connect,
        connect_timeout=connect_timeout,
        path=path,
        rate_limits=overrides_from(rate_limit),
    )
    try:
        regions = _regions(opts, given, all_regions)
    except TcremedyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=exc.exit_code) from None
    codes = []
    for n, name in enumerate(regions):
        if len(regions) > 1:
            ui.say(f"{'' if n == 0 else chr(10)}== region {name} ({n + 1} of {len(regions)})")
        try:
            outcome = run_apply(
                opts if name is None else replace(opts, region=name),
                ui,
                progress=lambda op, res, _t: ui.say(f"  {op}: {res}"),
            )
        except TcremedyError as exc:
            where = f"region {name}: " if len(regions) > 1 else ""
            left = ", ".join(r for r in regions[n + 1 :] if r)
            rest = f" (not applied: {left})" if left else ""
            typer.echo(f"error: {where}{exc}{rest}", err=True)
            raise typer.Exit(code=exc.exit_code) from None
        _report(ui, outcome)
        codes.append(outcome.exit_code)
    sys.stdout.flush()
    raise typer.Exit(code=max(codes))


def _regions(opts: Any, given: list[str], all_regions: bool) -> list[str | None]:
    """[None] for today's one region (the option, $TENCENTCLOUD_REGION or the plan file's); else each
    region to apply in turn."""
    if len(given) <= 1 and not all_regions:
        return [None]
    if opts.plan_file is not None:
        asked = "--all-regions" if all_regions else f"--region given {len(given)} times"
        raise TcremedyError(
            f"{opts.plan_file}: a plan file holds one region, but {asked}; "
            "apply it with its own region, or leave out the plan file to plan and apply region by region"
        )
    from tcremedy.policy.loader import resolve_policy_path
    from tcremedy.policy.policyset import load_policy_set
    from tcremedy.usecase.pipeline import PipelineOptions, regions_to_apply

    pipeline = PipelineOptions(
        policy=opts.policy,
        regions=tuple(given),
        all_regions=all_regions,
        endpoint=opts.endpoint,
        profile=opts.profile,
    )
    if not all_regions:
        return list(regions_to_apply(pipeline))
    policy = load_policy_set(resolve_policy_path(opts.policy, Path.cwd())).policies[0]
    return list(regions_to_apply(pipeline, policy))


def _report(ui: _TerminalUi, outcome: Any) -> None:
    """One region's result: verdicts, revealed causes, the RDP handshakes, what needs a human."""
    if outcome.verdicts:
        ui.say("Result:")
        for v in outcome.verdicts:
            state = "closed" if v.closed else "open, its manual step left" if v.manual_left else "STILL OPEN"
            ui.say(f"  {state}  {v.instance_id} {v.finding_code}")
    for iid, code in outcome.new_findings:
        ui.say(f"  revealed  {iid} {code} (was hidden by the cause just fixed; run `tcremedy plan`)")
    if outcome.connect is not None:
        from tcremedy.report.verify import render_verify

        ui.say(render_verify(outcome.connect).rstrip("\n"))
    if outcome.manual:
        ui.say(
            f"{len(outcome.manual)} cause(s) need a human (listed above); `tcremedy plan` still reports them."
        )
