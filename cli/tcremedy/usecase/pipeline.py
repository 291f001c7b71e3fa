"""The pipeline: policy -> live state (cloud or file) -> diagnosis -> fix plan.

``tcremedy plan`` and ``check`` report its result; ``tcremedy apply`` runs it (or reads a plan file)
and re-reads the cloud with ``collect_live`` after the update.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tcremedy.cloud.api import DEFAULT_CONCURRENCY, CloudApi, Pacer
from tcremedy.cloud.clients import ensure_reachable, make_clients, resolve_endpoint, resolve_region
from tcremedy.cloud.collect import CollectRequest, collect
from tcremedy.cloud.collect_guest import ProbeSettings
from tcremedy.cloud.credentials import resolve_credential
from tcremedy.cloud.retry import CallStats
from tcremedy.cloud.state import LiveState
from tcremedy.diagnose.engine import diagnose, merge
from tcremedy.diagnose.model import FleetDiagnosis
from tcremedy.errors import CollectionError, TcremedyError
from tcremedy.policy.loader import resolve_policy_path
from tcremedy.policy.model import Policy, Selector
from tcremedy.policy.policyset import PolicySet, load_policy_set
from tcremedy.policy.selector import query_for_selector, selects
from tcremedy.ratelimits import overrides_from
from tcremedy.remediate.fixes import FixStep
from tcremedy.remediate.planfile import propose_fixes
from tcremedy.report.progress import progress_for
from tcremedy.report.views import write_report_file
from tcremedy.statefile import load_state_file

ProposedFix = FixStep


@dataclass(frozen=True)
class PipelineOptions:
    """What the pipeline reads and how (the shared options, parsed)."""

    policy: Path | None = None
    region: str | None = None
    endpoint: str | None = None
    profile: str | None = None
    instances: tuple[str, ...] = ()
    save_state: Path | None = None
    from_state: Path | None = None
    concurrency: int | None = None  # None: the collector's DEFAULT_CONCURRENCY
    rate_limits: Mapping[str, float] = field(default_factory=dict)  # --rate-limit: action -> N/s
    guest_probe: bool = True
    quiet: bool = False
    policy_set: bool = False  # a --policy directory may hold several policies (plan, check)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> PipelineOptions:
        """From the parsed command line (``ctx.params``) of a command taking the shared options."""
        return cls(
            policy=params["policy"],
            region=params["region"],
            endpoint=params["endpoint"],
            profile=params["profile"],
            instances=tuple(params["instance"] or ()),
            save_state=params["save_state"],
            from_state=params["from_state"],
            concurrency=params["concurrency"],
            rate_limits=overrides_from(params.get("rate_limit")),
            guest_probe=not params["no_guest_probe"],
            quiet=params["quiet"] or params["json_output"],
            policy_set=True,
        )


@dataclass(frozen=True)
class PipelineResult:
    """Everything one pipeline run produced."""

    policy: Policy
    policy_path: Path
    policy_bytes: bytes
    state: LiveState
    fleet: FleetDiagnosis
    fixes: tuple[ProposedFix, ...]
    stats: CallStats | None  # None when the state came from a file
    policies: PolicySet | None = None  # every policy of the run (one, or a --policy directory's)


def collect_live(
    policy: Policy, opts: PipelineOptions, policies: PolicySet | None = None
) -> tuple[LiveState, CallStats]:
    """Resolve region, endpoint and credentials, then collect what the policy (or any policy of
    ``policies``) selects."""
    region = resolve_region(opts.region)
    many = policies is not None and len(policies.policies) > 1
    judges = policies.policies if many and policies is not None else (policy,)
    regions = {r for p in judges for r in p.selector.regions}
    if all(p.selector.regions for p in judges) and region not in regions:
        raise CollectionError(
            f"region {region} is not among the policy's selector.regions {sorted(regions)}; "
            "pass --region with one of them"
        )
    endpoint = resolve_endpoint(opts.endpoint)
    resolved = resolve_credential(endpoint.url, opts.profile)
    ensure_reachable(endpoint.url)
    if (note := resolved.note(endpoint.url)) and not opts.quiet:
        print(note, file=sys.stderr)
    stats = CallStats()
    if many and policies is not None:  # read every instance any policy may claim
        query = query_for_selector(Selector(), opts.instances)
        chosen = policies.selects_any
        window = max(p.capacity.window_seconds for p in policies.policies)
    else:
        query = query_for_selector(policy.selector, opts.instances)
        chosen = lambda inst: selects(policy.selector, inst)  # noqa: E731
        window = policy.capacity.window_seconds
    request = CollectRequest(
        region=region,
        query=query,
        selects=chosen,
        window_seconds=window,
        probe=ProbeSettings(enabled=opts.guest_probe),
        endpoint=endpoint.url,
    )
    progress = progress_for(opts.quiet)
    clients = make_clients(resolved.credential, region, endpoint)
    api = CloudApi(
        clients,
        stats=stats,
        concurrency=opts.concurrency or DEFAULT_CONCURRENCY,
        progress=progress,
        pacer=Pacer(dict(opts.rate_limits)),
    )
    if progress is None:
        return collect(api, request), stats
    with progress:
        return collect(api, request), stats


def run_pipeline(opts: PipelineOptions) -> PipelineResult:
    """Policy -> live state (cloud or file) -> diagnosis -> proposed fixes. Raises TcremedyError."""
    policy_path = resolve_policy_path(opts.policy, Path.cwd())
    policies = load_policy_set(policy_path)
    if len(policies.policies) > 1 and not opts.policy_set:
        names = ", ".join(p.name for p in policies.paths)
        raise TcremedyError(
            f"--policy {policy_path}: holds {len(policies.policies)} policies ({names}); "
            "this command takes one policy file"
        )
    policy = policies.policies[0]
    try:
        policy_bytes = policies.paths[0].read_bytes()
    except OSError as exc:  # pragma: no cover - just loaded
        raise TcremedyError(f"{policy_path}: {exc}") from None
    stats = None
    if opts.from_state is not None:
        state = load_state_file(opts.from_state)
        if opts.region and opts.region != state.region:
            raise TcremedyError(
                f"--region {opts.region} does not match the saved state's region {state.region}"
            )
    else:
        state, stats = collect_live(policy, opts, policies)
    if opts.save_state is not None:
        write_report_file(opts.save_state, state.to_json() + "\n", "state file")
    if len(policies.policies) == 1:
        fleet = diagnose(policy, state)
        fixes = propose_fixes(policy, state, fleet)
    else:
        fleet, fixes = _diagnose_set(policies, state)
    return PipelineResult(policy, policy_path, policy_bytes, state, fleet, fixes, stats, policies)


def _diagnose_set(policies: PolicySet, state: LiveState) -> tuple[FleetDiagnosis, tuple[ProposedFix, ...]]:
    """Each policy judges the instances assigned to it; one fleet, one list of fixes."""
    owner = policies.assign(state.instances.values())
    parts, fixes = [], []
    for policy in policies.policies:
        mine = {iid: inst for iid, inst in state.instances.items() if owner.get(iid) is policy}
        part_state = replace(state, instances=mine)
        part = diagnose(policy, part_state)
        parts.append(part)
        fixes += propose_fixes(policy, part_state, part)
    return merge(parts, len(state.instances)), tuple(fixes)
