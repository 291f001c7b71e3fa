"""``tcremedy apply``: plan (or load a plan file), preview through Pulumi, guardrails, confirm,
update, then re-read the cloud and report each finding closed or still open.

The flow is I/O at the edges around pure steps: collection and diagnosis come from the plan
pipeline (``apply_context``: the options and what one apply works on), fix planning from
``planner``, judging the preview from ``guardrails``; the engine is driven only by ``driver``;
what the update closed is judged in ``apply_verdicts``. Output goes through ``Ui`` so the CLI
decides how it looks and whether it may ask. This module is the orchestration of one region's
stack and what it shows along the way.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace

from tcremedy.cloud.clients import resolve_endpoint, resolve_region
from tcremedy.cloud.credentials import resolve_credential
from tcremedy.errors import GuardrailViolation, TcremedyError
from tcremedy.policy.model import Policy
from tcremedy.remediate import console
from tcremedy.remediate.effects import await_effects, cloud_api
from tcremedy.remediate.effects import timeout as fix_timeout
from tcremedy.remediate.engine import locate_engine
from tcremedy.remediate.guardrails import StepOp, changes, violations
from tcremedy.remediate.limits import Limits
from tcremedy.remediate.paths import (
    PATH_CHOICES,
    PROVIDER_PATH,
    backend_for,
    choose_path,
    engine_env,
    find_tencentcloud_plugin,
    provider_path_plan,
)
from tcremedy.remediate.planner import FixResource, FixStep, program_resources
from tcremedy.remediate.provider_config import provider_config
from tcremedy.remediate.provider_passes import more_passes, reset_again
from tcremedy.report.fixsummary import fix_summary
from tcremedy.usecase.apply_context import ApplyOptions, Context, Ui, from_planfile, plan_now
from tcremedy.usecase.apply_verdicts import ApplyOutcome, settle_reverts, verify_fixes

OP_SYMBOLS = {
    "create": "+",
    "update": "~",
    "delete": "-",
    "replace": "+-",
    "create-replacement": "++",
    "delete-replaced": "--",
    "import": "=",
    "read": ">",
}
ENGINE_TYPES = ("pulumi:pulumi:Stack", "pulumi:providers:")
PASSWORD_TYPE = "pulumi-python:dynamic/tcremedy:InstancePassword"
FORCED_RESTART = (
    "ResetInstancesPassword with ForceStop: the instance is STOPPED (forced) and started again; "
    "RDP sessions drop and unsaved work in the guest is lost"
)


def check_password_env(policy: Policy, steps: Sequence[FixStep]) -> None:
    """An automatic password reset needs its new password now: refuse before anything runs."""
    if not any(s.resource is not None and s.resource.kind == "password" for s in steps):
        return
    var = policy.fixes.password_env
    if not var:
        raise TcremedyError(
            "the policy lists reset_password in fixes.auto but sets no fixes.password_env "
            "(the environment variable holding the new password); nothing was applied"
        )
    value = os.environ.get(var)
    if value is None or not value.strip():
        state = "is not set" if value is None else "is set but empty"
        raise TcremedyError(
            f"the environment variable {var} (policy field fixes.password_env) {state}: put the new "
            "password in it and run apply again; nothing was applied"
        )


def _passwords(policy: Policy, resources: Sequence[FixResource]) -> dict[str, str]:
    var = policy.fixes.password_env
    value = os.environ.get(var) if var else None
    return {r.instance_id: value for r in resources if r.kind == "password" and value}


def _show_plan(ui: Ui, ctx: Context, links: dict[str, str]) -> None:
    auto, manual = ctx.plan.automatic, ctx.plan.manual
    if auto:
        # At resource level, terraform-style: 54 steps that write the same two rules are two lines.
        ui.say(f"Fixes to apply: {fix_summary(auto).changes}")
        by_resource: dict[tuple[str, str], list[FixStep]] = {}
        for step in auto:
            key = step.resource.key if step.resource else f"{step.instance_id}-{step.finding_code}"
            by_resource.setdefault((step.fix, key), []).append(step)
        for (fix, key), steps in by_resource.items():
            ids = sorted({s.instance_id for s in steps})
            codes = ", ".join(sorted({s.finding_code for s in steps}))
            shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
            ui.say(f"  {fix} {key}: {codes} on {shown}")
    else:
        ui.say("No fix to apply as code.")
    if manual:
        ui.say(f"Needs a human ({len(manual)}):")
        for step in manual:
            ui.say(f"  {step.instance_id} {step.finding_code}: {step.manual or step.description}")
        for iid, link in sorted(links.items()):
            ui.say(f"  VNC console for {iid}: {link}")


def _show_preview(ui: Ui, ops: Sequence[StepOp]) -> None:
    shown = [o for o in ops if o.op != "same" and not o.type.startswith(ENGINE_TYPES)]
    if not shown:
        ui.say("Preview: no changes.")
        return
    counts = ", ".join(f"{n} to {op}" for op, n in sorted(changes(ops).items()))
    ui.say(f"Preview: {counts}")
    for o in shown:
        ui.say(f"  {OP_SYMBOLS.get(o.op, o.op):>2} {o.op:<8} {o.name}  [{o.type}]")
        if o.type == PASSWORD_TYPE and o.op in ("create", "update"):
            ui.say(f"{'':>14}! {FORCED_RESTART}")


def run_apply(
    opts: ApplyOptions, ui: Ui, progress: Callable[[str, str, str], None] | None = None
) -> ApplyOutcome:
    """The whole apply. Raises TcremedyError (GuardrailViolation, PlanFileError, EngineError...)."""
    from tcremedy.remediate.driver import Driver, StackSettings, default_backend_url, stack_name

    if opts.path not in PATH_CHOICES:
        raise TcremedyError(f"option --path: expected one of {', '.join(PATH_CHOICES)}, got {opts.path!r}")
    fix_timeout()  # a bad $TCREMEDY_FIX_TIMEOUT is refused before anything runs
    ctx = from_planfile(opts, ui) if opts.plan_file else plan_now(opts, ui)
    check_password_env(ctx.policy, ctx.plan.automatic)
    engine = locate_engine()
    cred = resolve_credential(ctx.endpoint_url, opts.profile)
    if note := cred.note(ctx.endpoint_url):
        ui.note(note)
    home = opts.home
    plugin = find_tencentcloud_plugin(engine, home.resolve() / "pulumi-home")
    choice = choose_path(
        plugin,
        ctx.endpoint_url,
        searched=f"PATH, {engine.bin}, {home / 'pulumi-home' / 'plugins'}",
        forced=opts.path,
    )
    if choice.path == PROVIDER_PATH:
        ctx = replace(ctx, plan=provider_path_plan(ctx.plan))
    _show_plan(ui, ctx, vnc_links(ctx.endpoint_url, ctx.region, opts.profile, ctx.plan.manual))
    settings = StackSettings(
        name=stack_name(ctx.endpoint_url, ctx.region, str(getattr(cred.credential, "secret_id", ""))),
        backend_url=opts.backend_url or default_backend_url(home),
        home=home,
        engine_env=engine_env(
            choice.path,
            cred.credential,
            ctx.region,
            ctx.endpoint_url,
            limits=Limits.from_policy(ctx.policy).to_env(),  # the SDK providers' last guard
        ),
    )
    driver = Driver(engine, settings)
    for note in driver.notes:
        ui.note(note)
    ui.say(choice.describe())
    if choice.path == PROVIDER_PATH:
        driver.set_config(provider_config(cred.credential, ctx.region, ctx.endpoint_url))
    for done in driver.recover():
        ui.note(f"note: {done}")

    from tcremedy.remediate.program import declare as program_mod

    previous = program_mod.record_from_outputs(driver.outputs())
    scoped = bool(opts.only or opts.instances)  # a partial view: earlier fixes are held, not judged
    resources = program_resources(ctx.plan, previous, ctx.policy, ctx.state, scoped=scoped)
    if not resources and not previous:
        ui.say("Nothing to apply through Pulumi.")
        return ApplyOutcome(choice, False, manual=ctx.plan.manual)
    api = cloud_api(cred.credential, ctx.region, ctx.endpoint_url)
    passwords = _passwords(ctx.policy, resources)
    in_state = driver.resource_inputs() if choice.path == PROVIDER_PATH else {}
    backend = backend_for(choice.path, ctx.state, ctx.region, passwords, api, in_state)
    program = program_mod.build_program(resources, backend, Limits.from_policy(ctx.policy))
    if choice.path == PROVIDER_PATH:  # a password reset seen needed again: the same value must be set again
        for res in reset_again(previous, resources):
            driver.forget_inputs(f"instance-{res.instance_id}", ("password",))

    ui.say(f"Stack {settings.name} ({settings.backend_url})")
    preview = driver.preview(program)
    _show_preview(ui, preview.ops)
    refused = violations(preview.ops)
    if refused:
        raise GuardrailViolation(
            "refusing to apply; nothing was changed. The preview wants to:\n  " + "\n  ".join(refused)
        )
    planned = changes(preview.ops)
    targeted = ctx.plan.automatic
    if not planned:
        ui.say("No changes: the cloud already matches the fixes.")
        verdicts, new, connect = verify_fixes(ctx, opts, ui, targeted)
        return ApplyOutcome(choice, False, {}, verdicts, ctx.plan.manual, new, connect)
    if not opts.yes:
        answer = ui.confirm("Apply these changes?")
        if answer is None:
            raise TcremedyError(
                "refusing to apply without confirmation: no terminal to ask on; re-run with --yes to apply"
            )
        if not answer:
            ui.say("Apply cancelled; nothing was changed.")
            return ApplyOutcome(choice, False, manual=ctx.plan.manual)
    update = driver.up(program, progress, staged_outputs=program_mod.record_outputs(resources))
    ui.say(f"Update {update.result}: " + ", ".join(f"{op} {n}" for op, n in sorted(planned.items())))
    done = [s.resource for s in targeted if s.resource is not None]
    if choice.path == PROVIDER_PATH:  # the stack as it is after the first pass, for the next ones

        def rebuild() -> Callable[[], None]:
            in_state = driver.resource_inputs()
            again = backend_for(choice.path, ctx.state, ctx.region, passwords, api, in_state)
            return program_mod.build_program(resources, again, Limits.from_policy(ctx.policy))

        update = more_passes(driver, rebuild, backend, api, done, ui, progress) or update
    await_effects(api, done, update.outputs.get("guestInvocations") or {})
    verdicts, new, connect = verify_fixes(ctx, opts, ui, targeted)
    left = settle_reverts(ctx, opts, ui, targeted, verdicts, connect)
    return ApplyOutcome(choice, True, planned, verdicts, ctx.plan.manual, new, connect, left)


def vnc_links(
    ctx_endpoint: str, region: str, profile: str | None, steps: Sequence[FixStep]
) -> dict[str, str]:
    """The VNC console URL (or why there is none) for each instance with a manual step."""
    ids = sorted({s.instance_id for s in steps})
    if not ids:
        return {}
    cred = resolve_credential(ctx_endpoint, profile)
    return console.vnc_urls(
        cred.credential, resolve_region(region), resolve_endpoint(ctx_endpoint or None), ids
    )


def stdin_is_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()
