"""What one ``tcremedy apply`` works on: its options, the ``Ui`` it talks through, and the
``Context`` read from the cloud, either planned now or from a reviewed plan file whose every step is
re-derived from the policy on disk and the live cloud (a stale or tampered plan is refused).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tcremedy.cloud.clients import resolve_endpoint
from tcremedy.cloud.state import LiveState
from tcremedy.diagnose.model import FleetDiagnosis
from tcremedy.errors import PlanFileError
from tcremedy.policy.model import Policy
from tcremedy.remediate.planfile import read_planfile
from tcremedy.remediate.planner import FixPlan, plan_fixes


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
class Context:
    """Everything one apply works on, read from the cloud (and the plan file, when given)."""

    policy: Policy
    state: LiveState
    fleet: FleetDiagnosis
    plan: FixPlan
    endpoint_url: str
    region: str


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


def plan_now(opts: ApplyOptions, ui: Ui) -> Context:
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


def collect(policy: Policy, opts: ApplyOptions, ui: Ui, **over: Any) -> tuple[LiveState, FleetDiagnosis]:
    from tcremedy.diagnose.engine import diagnose
    from tcremedy.usecase.pipeline import collect_live

    state, _ = collect_live(policy, _pipeline_options(opts, **over))
    return state, diagnose(policy, state)


def from_planfile(opts: ApplyOptions, ui: Ui) -> Context:
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
    state, fleet = collect(policy, opts, ui, region=pf.region, endpoint=pf.endpoint or None)
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
