"""Fix planning: policy + live state + diagnosis -> the steps that would close each finding. Pure.

The check that found a cause chose its fix (``Finding.fix``); the planner dispatches on it through
the fix registry (``remediate.fixes``), and a cause the check gave no fix gets the manual step of
the fix that closes its code (or the code's own manual text). Every automatic step names one
``FixResource`` with a stable key, so the same fix planned twice is the same Pulumi resource.

Access is never widened beyond the policy: see each fix module (``fixes/sg_allow_rdp.py`` holds the
security-group logic, ``fixes/acl_allow_rdp.py`` the ACL's).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from tcremedy.cloud.state import LiveState
from tcremedy.diagnose.findings import Finding, Status
from tcremedy.diagnose.model import FleetDiagnosis
from tcremedy.policy.model import Policy
from tcremedy.remediate.fixes import FIXES, HOLD, FixResource, FixStep, StepInput, hand_step
from tcremedy.remediate.fixes.acl_allow_rdp import REPLY_PORTS, acl_port
from tcremedy.remediate.limits import BANDWIDTH_CAP_MBPS

__all__ = [
    "BANDWIDTH_CAP_MBPS",
    "HOLD",
    "REPLY_PORTS",
    "FixPlan",
    "FixResource",
    "FixStep",
    "acl_port",
    "plan_fixes",
    "program_resources",
    "still_wanted",
]
ISOLATED_TEXT = "Blocked while the instance is isolated: restore it first, then re-run `tcremedy apply`."


@dataclass(frozen=True)
class FixPlan:
    region: str
    steps: tuple[FixStep, ...] = ()

    @property
    def automatic(self) -> tuple[FixStep, ...]:
        return tuple(s for s in self.steps if s.applies)

    @property
    def manual(self) -> tuple[FixStep, ...]:
        return tuple(s for s in self.steps if not s.applies)

    @property
    def resources(self) -> tuple[FixResource, ...]:
        """The automatic steps' resources, one per key (two instances may share one rule)."""
        seen: dict[str, FixResource] = {}
        for step in self.automatic:
            assert step.resource is not None
            seen.setdefault(step.resource.key, step.resource)
        return tuple(seen.values())

    @property
    def instance_ids(self) -> tuple[str, ...]:
        return tuple(sorted({s.instance_id for s in self.steps}))


def plan_fixes(
    policy: Policy,
    state: LiveState,
    diagnosis: FleetDiagnosis,
    *,
    only_codes: Iterable[str] = (),
    instance_ids: Iterable[str] = (),
    available_env: Iterable[str] = (),
) -> FixPlan:
    """Turn every failed finding into a step. ``available_env``: env var names that are set."""
    only, wanted, env = set(only_codes), set(instance_ids), frozenset(available_env)
    steps: list[FixStep] = []
    for diag in diagnosis.instances:
        if wanted and diag.instance_id not in wanted:
            continue
        inst = state.instances.get(diag.instance_id)
        if inst is None:
            continue
        isolated = any(f.code == "INSTANCE_ISOLATED" and f.status is Status.FAIL for f in diag.findings)
        for finding in diag.findings:
            if only and finding.code not in only:
                continue
            for step in steps_for(StepInput(policy, state, inst, finding, env)):
                if isolated and step.auto and finding.code != "INSTANCE_ISOLATED":
                    step = replace(step, auto=False, manual=ISOLATED_TEXT)
                steps.append(step)
    return FixPlan(region=state.region, steps=tuple(steps))


def steps_for(given: StepInput) -> list[FixStep]:
    """The fix the check chose, or what to do by hand."""
    f: Finding = given.finding
    if f.status is not Status.FAIL:  # a check that could not be made: say how to make it possible
        return [hand_step(f) if f.code == "GUEST_UNREACHABLE" else hand_step(replace(f, code="UNKNOWN"))]
    chosen = FIXES.get(f.fix) if f.fix else None
    if chosen is not None and f.code in chosen.closes:
        return chosen.steps(given)
    closer = FIXES.for_code(f.code)
    if closer is not None:
        return closer.manual(given)
    return [hand_step(f, port=given.policy.rdp.port)]


# ---------------------------------------------------------------- convergence across runs
#
# What "a fix removed from the policy" means for a fix an earlier apply made:
# * the policy no longer wants what it did (its CIDR left rdp.admin_cidrs, rdp.port changed,
#   allow_public_rdp was turned off, the instance or group is gone...): it is REMOVED; for a
#   security-group rule or ACL entry tcremedy created that deletes it (an adopted one is only forgotten);
# * the policy still wants it but its fix name left fixes.auto: it is HELD, i.e. kept as it is,
#   neither re-applied on drift nor removed (fixes.auto says what tcremedy may do by itself;
#   removing access is not implied by no longer being allowed to add it).


def still_wanted(res: FixResource, policy: Policy, state: LiveState) -> bool:
    """Whether the policy still wants what a fix made by an earlier apply did (else it is removed)."""
    fix = FIXES.get(res.fix)
    return fix is not None and fix.kind == res.kind and fix.still_wanted(res, policy, state)


def program_resources(
    plan: FixPlan,
    previous: Iterable[FixResource],
    policy: Policy,
    state: LiveState,
    *,
    scoped: bool = False,
) -> tuple[FixResource, ...]:
    """The union the program declares: this plan's fixes + earlier fixes that stay.

    Unscoped, an earlier fix stays while the policy still wants it (else it is removed), held when
    its fix name left fixes.auto (see above). A scoped run (``--only``/``--instance``) sees only
    part of the findings and, with ``--instance``, only part of the cloud, so it keeps EVERY
    earlier fix, held. Only an unscoped apply reconciles them.
    """
    current = {r.key: r for r in plan.resources}
    kept = [
        _held(r, scoped or not policy.allows_fix(r.fix))
        for r in previous
        if r.key not in current and (scoped or still_wanted(r, policy, state))
    ]
    return tuple(sorted([*current.values(), *kept], key=lambda r: r.key))


def _held(res: FixResource, hold: bool) -> FixResource:
    params = {k: v for k, v in res.params.items() if k != HOLD}
    return replace(res, params={**params, HOLD: True} if hold else params)
