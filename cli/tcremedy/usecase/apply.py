"""``tcremedy apply``: plan (or load a plan file), preview through Pulumi, guardrails, confirm,
update, then re-read the cloud and report each finding closed or still open.

The flow is I/O at the edges around pure steps: collection and diagnosis come from the plan
pipeline (``tcremedy.commands.plan``), fix planning from ``planner``, judging the preview from
``guardrails``; the engine is driven only by ``driver``. Output goes through ``Ui`` so the CLI
decides how it looks and whether it may ask.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from tcremedy.cloud.clients import resolve_endpoint, resolve_region
from tcremedy.cloud.credentials import resolve_credential
from tcremedy.cloud.state import LiveState
from tcremedy.diagnose.model import FleetDiagnosis
from tcremedy.errors import GuardrailViolation, PlanFileError, TcremedyError
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
    PathChoice,
    backend_for,
    choose_path,
    engine_env,
    find_tencentcloud_plugin,
    provider_path_plan,
)
from tcremedy.remediate.planfile import read_planfile
from tcremedy.remediate.planner import FixPlan, FixResource, FixStep, plan_fixes, program_resources
from tcremedy.remediate.provider_config import provider_config
from tcremedy.remediate.provider_passes import more_passes, reset_again
from tcremedy.report.fixsummary import fix_summary
from tcremedy.verify.outcome import VerifyReport, verify_fleet

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


class Ui(Protocol):
    def say(self, text: str = "") -> None: ...

    def note(self, text: str) -> None: ...

    def confirm(self, question: str) -> bool | None:
        """True/False from the user; None when nobody can be asked (no terminal)."""
        ...


@dataclass(frozen=True)
class ApplyOptions:
    plan_file: Path | None = None
    yes: bool = False
    only: tuple[str, ...] = ()
    instances: tuple[str, ...] = ()
    policy: Path | None = None
    endpoint: str | None = None
    region: str | None = None
    profile: str | None = None
    backend_url: str | None = None
    home: Path = Path(".tcremedy")
    quiet: bool = False
    verify_connect: bool = False  # after the re-plan, an RDP handshake to each repaired instance
    connect_timeout: float = 5.0
    path: str = "auto"  # --path: auto | provider | sdk-dynamic
    rate_limits: Mapping[str, float] = field(default_factory=dict)  # --rate-limit: action -> N/s


@dataclass(frozen=True)
class Verdict:
    instance_id: str
    finding_code: str
    closed: bool
    manual_left: bool = False  # part of what closes it is a manual step (listed): open is expected

    @property
    def ok(self) -> bool:
        return self.closed or self.manual_left


@dataclass(frozen=True)
class ApplyOutcome:
    path: PathChoice | None
    applied: bool
    changes: dict[str, int] = field(default_factory=dict)
    verdicts: tuple[Verdict, ...] = ()
    manual: tuple[FixStep, ...] = ()
    new_findings: tuple[tuple[str, str], ...] = ()  # (instance, code) revealed once a masking cause is gone
    connect: VerifyReport | None = None  # --verify-connect: the handshake to each repaired instance
    reverts_left: tuple[str, ...] = ()  # instances whose guest will undo its fixes (not verified)

    @property
    def exit_code(self) -> int:
        connected = self.connect is None or self.connect.all_connected
        return 0 if all(v.ok for v in self.verdicts) and connected and not self.reverts_left else 1


@dataclass(frozen=True)
class Context:
    """Everything one apply works on, read from the cloud (and the plan file, when given)."""

    policy: Policy
    state: LiveState
    fleet: FleetDiagnosis
    plan: FixPlan
    endpoint_url: str
    region: str


# ---------------------------------------------------------------- reading the cloud


def _pipeline_options(opts: ApplyOptions, **over: Any) -> Any:
    from tcremedy.usecase.pipeline import PipelineOptions

    base = {
        "policy": opts.policy,
        "region": opts.region,
        "endpoint": opts.endpoint,
        "profile": opts.profile,
        "instances": opts.instances,
        "rate_limits": opts.rate_limits,
        "quiet": True,
    }
    return PipelineOptions(**{**base, **over})


def _plan_now(opts: ApplyOptions, ui: Ui) -> Context:
    from tcremedy.usecase.pipeline import run_pipeline

    result = run_pipeline(_pipeline_options(opts))
    plan = plan_fixes(
        result.policy,
        result.state,
        result.fleet,
        only_codes=opts.only,
        instance_ids=opts.instances,
        available_env=tuple(os.environ),
    )
    return Context(
        result.policy, result.state, result.fleet, plan, result.state.endpoint, result.state.region
    )


def _collect(policy: Policy, opts: ApplyOptions, ui: Ui, **over: Any) -> tuple[LiveState, FleetDiagnosis]:
    from tcremedy.diagnose.engine import diagnose
    from tcremedy.usecase.pipeline import collect_live

    state, _ = collect_live(policy, _pipeline_options(opts, **over))
    return state, diagnose(policy, state)


def _from_planfile(opts: ApplyOptions, ui: Ui) -> Context:
    """The plan file's reviewed steps, each re-derived from the policy on disk and the live cloud."""
    from tcremedy.remediate.plan_check import check_shape, policy_for_plan, rederive

    assert opts.plan_file is not None
    pf = read_planfile(opts.plan_file)
    source = str(opts.plan_file)
    if opts.region and opts.region != pf.region:
        raise PlanFileError(f"{source}: the plan is for region {pf.region}, not --region {opts.region}")
    endpoint = resolve_endpoint(opts.endpoint if opts.endpoint is not None else (pf.endpoint or None))
    if endpoint.url.rstrip("/") != pf.endpoint.rstrip("/"):
        raise PlanFileError(
            f"{source}: the plan was made against {pf.endpoint or 'Tencent Cloud'}, "
            f"not {endpoint.url or 'Tencent Cloud'}"
        )
    policy, _, _ = policy_for_plan(pf, source, opts.policy)
    affected = check_shape(pf, policy, source)
    state, fleet = _collect(policy, opts, ui, region=pf.region, endpoint=pf.endpoint or None)
    live = state.fingerprint(affected)
    if live != pf.state_fingerprint:
        raise PlanFileError(
            f"{source}: STALE plan: the cloud changed since {pf.created_at} for instance(s) "
            f"{', '.join(affected) or '(none)'} (fingerprint {live[:19]}... != plan's "
            f"{pf.state_fingerprint[:19]}...); run `tcremedy plan --out` again"
        )
    steps = [
        s
        for s in rederive(pf, policy, state, source)
        if (not opts.only or s.finding_code in opts.only)
        and (not opts.instances or s.instance_id in opts.instances)
    ]
    return Context(policy, state, fleet, FixPlan(pf.region, tuple(steps)), pf.endpoint, pf.region)


# ---------------------------------------------------------------- the engine side


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


def _verify(
    ctx: Context, opts: ApplyOptions, ui: Ui, targeted: Sequence[FixStep]
) -> tuple[tuple[Verdict, ...], tuple[tuple[str, str], ...], VerifyReport | None]:
    touched = tuple(sorted({s.instance_id for s in targeted}))
    if not touched:
        return (), (), None
    ui.say("Verifying: re-reading the touched instances ...")
    state, fleet = _collect(
        ctx.policy, opts, ui, instances=touched, region=ctx.region, endpoint=ctx.endpoint_url or None
    )
    open_now = {(d.instance_id, f.code) for d in fleet.instances for f in d.findings}
    wanted = dict.fromkeys((s.instance_id, s.finding_code) for s in targeted)
    by_hand = {(s.instance_id, s.finding_code) for s in ctx.plan.manual}
    verdicts = tuple(
        Verdict(iid, code, (iid, code) not in open_now, (iid, code) in by_hand) for iid, code in wanted
    )
    before = {(d.instance_id, f.code) for d in ctx.fleet.instances for f in d.findings}
    new = tuple(sorted(k for k in open_now if k not in before and k[0] in touched))
    connect = None
    if opts.verify_connect:
        ui.say("Verifying: connecting over RDP to the repaired instances ...")
        connect = verify_fleet(fleet, state, ctx.policy.rdp.port, timeout=opts.connect_timeout, only=touched)
    return verdicts, new, connect


def _settle_reverts(
    ctx: Context,
    opts: ApplyOptions,
    ui: Ui,
    targeted: Sequence[FixStep],
    verdicts: Sequence[Verdict],
    connect: VerifyReport | None,
) -> tuple[str, ...]:
    """Cancel the reverts of the guest fixes where access is verified; the rest revert by themselves."""
    from tcremedy.cloud.api import CloudApi
    from tcremedy.cloud.clients import make_clients
    from tcremedy.remediate.revert import cancel_reverts, guarded

    scripts = guarded(targeted)
    if not scripts:
        return ()
    minutes = ctx.policy.guest.revert_minutes

    def verified(iid: str) -> bool:
        closed = all(v.closed for v in verdicts if v.instance_id == iid)
        return closed and (connect is None or any(c.instance_id == iid and c.ok for c in connect.instances))

    ok = sorted(iid for iid in scripts if verified(iid))
    errors: dict[str, str] = {iid: "access not verified" for iid in scripts if iid not in ok}
    if ok:
        cred = resolve_credential(ctx.endpoint_url, opts.profile)
        clients = make_clients(cred.credential, ctx.region, resolve_endpoint(ctx.endpoint_url or None))
        errors.update(
            {iid: e for iid, e in cancel_reverts(CloudApi(clients, concurrency=2), ok).items() if e}
        )
    for iid in sorted(scripts):
        if iid in errors:
            ui.say(
                f"  REVERT PENDING  {iid}: {errors[iid]}; the guest undoes {', '.join(scripts[iid])} "
                f"by itself within {minutes} min"
            )
        else:
            ui.say(f"  kept  {iid}: access verified, scheduled revert of {', '.join(scripts[iid])} cancelled")
    return tuple(sorted(errors))


def run_apply(
    opts: ApplyOptions, ui: Ui, progress: Callable[[str, str, str], None] | None = None
) -> ApplyOutcome:
    """The whole apply. Raises TcremedyError (GuardrailViolation, PlanFileError, EngineError...)."""
    from tcremedy.remediate.driver import Driver, StackSettings, default_backend_url, stack_name

    if opts.path not in PATH_CHOICES:
        raise TcremedyError(f"option --path: expected one of {', '.join(PATH_CHOICES)}, got {opts.path!r}")
    fix_timeout()  # a bad $TCREMEDY_FIX_TIMEOUT is refused before anything runs
    ctx = _from_planfile(opts, ui) if opts.plan_file else _plan_now(opts, ui)
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
        verdicts, new, connect = _verify(ctx, opts, ui, targeted)
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
    verdicts, new, connect = _verify(ctx, opts, ui, targeted)
    left = _settle_reverts(ctx, opts, ui, targeted, verdicts, connect)
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
