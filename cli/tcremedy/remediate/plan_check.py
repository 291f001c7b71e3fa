"""A plan file is a request, not an authority: apply re-derives every step from the policy on disk.

The plan file says which steps the user reviewed. What each step may do comes from the policy file
(its hash must equal the one the plan recorded), the findings the plan recorded and the live cloud:
the planner runs again on those, and a reviewed step that is not exactly one it gives (another
CIDR, port, action, fix, instance, resource) is refused, naming the step. Every step is also checked
against the policy's ``Limits`` directly, so the message says what it would have widened.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from tcremedy.cloud.state import LiveState
from tcremedy.diagnose.findings import Status
from tcremedy.diagnose.model import FleetDiagnosis, FleetSummary
from tcremedy.errors import PlanFileError
from tcremedy.policy.model import Policy
from tcremedy.remediate.fixes import FixStep, resource_violations
from tcremedy.remediate.limits import Limits
from tcremedy.remediate.planfile import PlanFile, sha256_text
from tcremedy.remediate.planner import plan_fixes

TRIGGER = "trigger"  # one-shot resources: the plan's occurrence is kept (applying one plan twice = once)


def policy_for_plan(pf: PlanFile, source: str, explicit: Path | None = None) -> tuple[Policy, bytes, Path]:
    """The policy on disk the plan was made with; refused when missing or changed since."""
    from tcremedy.policy.loader import parse_policy

    path = explicit or Path(pf.policy_path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PlanFileError(
            f"{source}: the policy file {path} the plan was made with is missing; "
            "nothing was applied (run `tcremedy plan --out` again)"
        ) from None
    except OSError as exc:
        raise PlanFileError(f"{source}: cannot read the policy file {path}: {exc.strerror or exc}") from None
    if sha256_text(data) != pf.policy_sha256:
        raise PlanFileError(
            f"{source}: STALE plan: the policy changed since plan ({path}); run plan again "
            "(`tcremedy plan --out`); nothing was applied"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlanFileError(f"{source}: cannot read the policy file {path}: {exc}") from None
    return parse_policy(text, str(path)), data, path


def _name(index: int, fix: FixStep) -> str:
    return f"step {index + 1} ({fix.instance_id or '?'} {fix.finding_code or '?'}: {fix.fix or '?'})"


def _refuse(source: str, index: int, fix: FixStep, why: str) -> PlanFileError:
    return PlanFileError(
        f"{source}: refusing the plan: {_name(index, fix)} {why}; nothing was applied "
        "(run `tcremedy plan --out` again)"
    )


def applied_steps(pf: PlanFile) -> list[tuple[int, FixStep]]:
    """The plan's steps that would change the cloud (automatic, with a resource), by position."""
    return [(i, f) for i, f in enumerate(pf.fixes) if f.applies]


def check_shape(pf: PlanFile, policy: Policy, source: str) -> tuple[str, ...]:
    """Offline checks of the plan's steps; the instances they change (for the stale-plan fingerprint)."""
    limits = Limits.from_policy(policy)
    diagnosed = {d.instance_id: d for d in pf.diagnoses}
    for index, fix in applied_steps(pf):
        diag = diagnosed.get(fix.instance_id)
        if diag is None:
            raise _refuse(source, index, fix, f"changes {fix.instance_id!r}, which the plan did not diagnose")
        if not any(f.code == fix.finding_code and f.status is Status.FAIL for f in diag.findings):
            why = f"closes {fix.finding_code!r}, which the plan did not find there"
            raise _refuse(source, index, fix, why)
        res = fix.resource
        assert res is not None
        if res.fix != fix.fix:
            raise _refuse(source, index, fix, f"declares a resource of fix {res.fix!r}")
        why = resource_violations(res.kind, res.fix, res.params, limits)
        if why:
            raise _refuse(source, index, fix, "goes beyond the policy: " + "; ".join(why))
    affected = tuple(sorted({f.instance_id for _, f in applied_steps(pf)}))
    if tuple(pf.affected_instances) != affected:
        raise PlanFileError(
            f"{source}: refusing the plan: affected_instances {list(pf.affected_instances)} is not the "
            f"set of instances its steps change {list(affected)}; nothing was applied "
            "(run `tcremedy plan --out` again)"
        )
    return affected


def _comparable(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k != TRIGGER}


def rederive(
    pf: PlanFile, policy: Policy, state: LiveState, source: str, env: Iterable[str] | None = None
) -> tuple[FixStep, ...]:
    """The steps apply runs: the planner's own, for the recorded findings, that the plan file lists.

    Each of the plan's applied steps must be one the planner gives now (same fix, instance, finding and
    resource, trigger aside), else the plan is refused naming the step. Manual steps come from the
    planner. A step the planner gives now but the plan did not list (e.g. a password variable set since)
    is not run: the user did not review it.
    """
    fleet = FleetDiagnosis(
        policy_name=policy.name,
        region=pf.region,
        instances=pf.diagnoses,
        skipped=0,
        summary=FleetSummary(selected=len(pf.diagnoses), compliant=0, failing=0, unknown=0),
    )
    names = tuple(os.environ) if env is None else tuple(env)
    expected = plan_fixes(policy, state, fleet, available_env=names).steps
    by_key = {
        (s.fix, s.instance_id, s.finding_code, s.resource.key): s
        for s in expected
        if s.applies and s.resource is not None
    }
    chosen: list[FixStep] = []
    for index, fix in applied_steps(pf):
        res = fix.resource
        assert res is not None
        step = by_key.get((fix.fix, fix.instance_id, fix.finding_code, res.key))
        if step is None or step.resource is None:
            raise _refuse(source, index, fix, f"is not a step the policy gives for {fix.finding_code} now")
        if (
            res.kind != step.resource.kind
            or res.instance_id != step.resource.instance_id
            or _comparable(res.params) != _comparable(step.resource.params)
            or _comparable(fix.parameters) != _comparable(step.parameters)
        ):
            why = "differs from the step the policy gives (its resource or parameters)"
            raise _refuse(source, index, fix, why)
        trigger = res.params.get(TRIGGER)
        if TRIGGER in step.resource.params:
            pattern = rf"{re.escape(fix.finding_code)}@[^\s]{{1,64}}"
            if not isinstance(trigger, str) or not re.fullmatch(pattern, trigger):
                raise _refuse(source, index, fix, f"has a malformed trigger {trigger!r}")
            kept = replace(step.resource, params={**step.resource.params, TRIGGER: trigger})
            step = replace(step, resource=kept, parameters={**step.parameters, TRIGGER: trigger})
        chosen.append(step)
    manual = [s for s in expected if not s.applies]
    return tuple(chosen + manual)
