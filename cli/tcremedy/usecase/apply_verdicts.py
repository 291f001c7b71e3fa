"""After ``tcremedy apply`` updated the stack: re-read the touched instances and judge each targeted
finding closed or still open (an open one with a manual step left is expected), name the findings a
masking cause hid, optionally connect over RDP, and keep or let revert the guest fixes accordingly.
The outcome and its exit code are defined here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tcremedy.cloud.clients import resolve_endpoint
from tcremedy.cloud.credentials import resolve_credential
from tcremedy.remediate.paths import PathChoice
from tcremedy.remediate.planner import FixStep
from tcremedy.usecase.apply_context import ApplyOptions, Context, Ui, collect
from tcremedy.verify.outcome import VerifyReport, verify_fleet


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


def verify_fixes(
    ctx: Context, opts: ApplyOptions, ui: Ui, targeted: Sequence[FixStep]
) -> tuple[tuple[Verdict, ...], tuple[tuple[str, str], ...], VerifyReport | None]:
    touched = tuple(sorted({s.instance_id for s in targeted}))
    if not touched:
        return (), (), None
    ui.say("Verifying: re-reading the touched instances ...")
    state, fleet = collect(
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


def settle_reverts(
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
