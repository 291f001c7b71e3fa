"""The pipeline: policy -> live state (cloud or file) -> diagnosis -> fix plan.

``tcremedy plan`` and ``check`` report its result; ``tcremedy apply`` runs it (or reads a plan file)
and re-reads the cloud with ``collect_live`` after the update.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tcremedy.cloud.api import DEFAULT_CONCURRENCY, CloudApi, Pacer, Progress
from tcremedy.cloud.clients import ensure_reachable, make_clients, resolve_endpoint, resolve_region
from tcremedy.cloud.collect import CollectRequest, collect
from tcremedy.cloud.collect_guest import ProbeSettings
from tcremedy.cloud.credentials import resolve_credential
from tcremedy.cloud.regions import collect_regions, describe_regions
from tcremedy.cloud.retry import CallStats
from tcremedy.cloud.state import LiveState
from tcremedy.diagnose.engine import diagnose, merge, merge_regions
from tcremedy.diagnose.model import FleetDiagnosis
from tcremedy.errors import CollectionError, TcremedyError
from tcremedy.gcwork import fleet_allocation
from tcremedy.policy.loader import resolve_policy_path
from tcremedy.policy.model import Policy, Selector
from tcremedy.policy.policyset import PolicySet, load_policy_set
from tcremedy.policy.selector import query_for_selector, selects
from tcremedy.ratelimits import documented_rate, overrides_from
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
    region: str | None = None  # one region (None: $TENCENTCLOUD_REGION, else ap-guangzhou)
    regions: tuple[str, ...] = ()  # --region given several times: these, side by side
    all_regions: bool = False  # --all-regions: every region DescribeRegions lists
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
        raw = params["region"]
        given = tuple(dict.fromkeys([raw] if isinstance(raw, str) else raw or ()))
        return cls(
            policy=params["policy"],
            region=given[0] if len(given) == 1 else None,
            regions=given if len(given) > 1 else (),
            all_regions=bool(params.get("all_regions")),
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

    @property
    def many_regions(self) -> bool:
        """Several regions asked for (``--region`` repeated, or ``--all-regions``)."""
        return bool(self.regions) or self.all_regions


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
    # Several regions: region -> its live state (``state`` is then the first region's; the fleet's
    # ``parts`` hold each region's diagnosis). Empty for a one-region run.
    states: dict[str, LiveState] = field(default_factory=dict)


def collect_live(
    policy: Policy, opts: PipelineOptions, policies: PolicySet | None = None
) -> tuple[LiveState, CallStats]:
    """Resolve region, endpoint and credentials, then collect what the policy (or any policy of
    ``policies``) selects."""
    region = resolve_region(opts.region)
    states, stats = _collect_live(policy, opts, policies, lambda _api: [region])
    return states[region], stats


def collect_live_regions(
    policy: Policy, opts: PipelineOptions, policies: PolicySet | None = None
) -> tuple[dict[str, LiveState], CallStats]:
    """Several regions (``--region`` repeated, or ``--all-regions``: what CVM ``DescribeRegions``
    lists, less those every policy's ``selector.regions`` leaves out), read side by side: each region
    has its own ``CloudApi`` (clients, pacing buckets, request slots), as Tencent's rate limits are per
    action, region and credential (``tcremedy.ratelimits``). Region -> state, sorted by region."""

    def regions_for(api_for: Callable[[str], CloudApi]) -> list[str]:
        if not opts.all_regions:
            return sorted(opts.regions)
        return _listed_regions(api_for(resolve_region(None)), _selector_regions(policy, policies))

    return _collect_live(policy, opts, policies, regions_for)


def regions_to_apply(opts: PipelineOptions, policy: Policy | None = None) -> list[str]:
    """The regions ``apply`` works through one by one: ``--region`` as given (sorted), or with
    ``--all-regions`` what DescribeRegions lists, less those the policy's ``selector.regions`` leaves out."""
    if not opts.all_regions:
        return sorted(opts.regions) if opts.regions else [resolve_region(opts.region)]
    endpoint = resolve_endpoint(opts.endpoint)
    resolved = resolve_credential(endpoint.url, opts.profile)
    ensure_reachable(endpoint.url)
    api = CloudApi(make_clients(resolved.credential, resolve_region(None), endpoint), concurrency=1)
    return _listed_regions(api, _selector_regions(policy, None) if policy is not None else None)


def _listed_regions(api: CloudApi, wanted: set[str] | None) -> list[str]:
    listed = describe_regions(api)
    chosen = [r for r in listed if wanted is None or r in wanted]
    if not chosen:
        raise CollectionError(
            f"--all-regions: none of the regions DescribeRegions lists ({', '.join(listed) or 'none'}) "
            f"is among the policy's selector.regions {sorted(wanted or ())}"
        )
    return chosen


def _selector_regions(policy: Policy, policies: PolicySet | None) -> set[str] | None:
    """The regions the policies limit themselves to; None when any policy takes every region."""
    judges = policies.policies if policies is not None and len(policies.policies) > 1 else (policy,)
    if not all(p.selector.regions for p in judges):
        return None
    return {r for p in judges for r in p.selector.regions}


def _collect_live(
    policy: Policy,
    opts: PipelineOptions,
    policies: PolicySet | None,
    regions_for: Callable[[Callable[[str], CloudApi]], list[str]],
) -> tuple[dict[str, LiveState], CallStats]:
    many = policies is not None and len(policies.policies) > 1
    wanted = _selector_regions(policy, policies)
    named = [opts.region] if opts.region else list(opts.regions) or [resolve_region(None)]
    if wanted is not None and not opts.all_regions:
        for region in named:
            if region not in wanted:
                raise CollectionError(
                    f"region {region} is not among the policy's selector.regions {sorted(wanted)}; "
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

    def request_for(region: str) -> CollectRequest:
        return CollectRequest(
            region=region,
            query=query,
            selects=chosen,
            window_seconds=window,
            probe=ProbeSettings(enabled=opts.guest_probe),
            endpoint=endpoint.url,
        )

    def api_for(region: str, shown: Progress | None = None) -> CloudApi:
        clients = make_clients(resolved.credential, region, endpoint)
        concurrency = opts.concurrency or DEFAULT_CONCURRENCY
        return CloudApi(
            clients,
            stats=stats,
            concurrency=concurrency,
            progress=shown,
            pacer=Pacer(dict(opts.rate_limits)),
        )

    regions = regions_for(api_for)
    if len(regions) == 1:
        progress = progress_for(opts.quiet)
        with progress if progress is not None else nullcontext():
            states = {regions[0]: collect(api_for(regions[0], progress), request_for(regions[0]))}
    else:
        if not opts.quiet:  # no progress bar: the regions may be read in forked processes
            print(f"reading {len(regions)} regions side by side: {', '.join(regions)}", file=sys.stderr)
        states = collect_regions(api_for, request_for, regions, datetime.now(UTC), processes=None)
    if not opts.quiet:
        for line in limit_notes(stats, opts.rate_limits):
            print(line, file=sys.stderr)
    return states, stats


def limit_notes(stats: CallStats, overrides: Mapping[str, float]) -> list[str]:
    """A line for each action the cloud refused at a limit below its pace (the pacing followed it)."""
    notes = []
    for (region, action), limit in sorted(stats.limits.items()):
        documented = documented_rate(action)
        if action in overrides:
            was = f"--rate-limit said {overrides[action]:g}"
        else:
            was = f"documented: {documented:g}" if documented else "no documented limit"
        notes.append(
            f"note: {region} allows this credential {limit:g} {action} requests a second ({was}); "
            f"paced at that after the first refusals (--rate-limit {action}={limit:g} starts there)"
        )
    return notes


def run_pipeline(opts: PipelineOptions) -> PipelineResult:
    """Policy -> live state (cloud or file) -> diagnosis -> proposed fixes. Raises TcremedyError."""
    with fleet_allocation():
        return _run_pipeline(opts)


def _run_pipeline(opts: PipelineOptions) -> PipelineResult:
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
    if opts.many_regions:
        return _run_regions(opts, policy, policy_path, policy_bytes, policies)
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
    fleet, fixes = _diagnose(policies, state)
    return PipelineResult(policy, policy_path, policy_bytes, state, fleet, fixes, stats, policies)


def _run_regions(
    opts: PipelineOptions, policy: Policy, policy_path: Path, policy_bytes: bytes, policies: PolicySet
) -> PipelineResult:
    """Several regions: each read side by side and diagnosed on its own, one merged fleet."""
    asked = "--all-regions" if opts.all_regions else f"--region given {len(opts.regions)} times"
    if opts.from_state is not None:
        raise TcremedyError(
            f"--from-state {opts.from_state}: a saved state holds one region, but {asked}; "
            "give at most one --region with it"
        )
    if opts.save_state is not None:
        raise TcremedyError(
            f"--save-state {opts.save_state}: a saved state holds one region, but {asked}; "
            "save each region in its own run (one --region)"
        )
    states, stats = collect_live_regions(policy, opts, policies)
    diagnosed = {region: _diagnose(policies, state) for region, state in states.items()}
    fleet = merge_regions([f for f, _ in diagnosed.values()])
    fixes = tuple(fix for _, region_fixes in diagnosed.values() for fix in region_fixes)
    first = next(iter(states.values()))
    return PipelineResult(
        policy,
        policy_path,
        policy_bytes,
        first,
        fleet,
        fixes,
        stats,
        policies,
        states=states if len(states) > 1 else {},
    )


def _diagnose(policies: PolicySet, state: LiveState) -> tuple[FleetDiagnosis, tuple[ProposedFix, ...]]:
    """One region's diagnosis and fixes, by its one policy or each policy of a set."""
    if len(policies.policies) == 1:
        policy = policies.policies[0]
        fleet = diagnose(policy, state)
        return fleet, tuple(propose_fixes(policy, state, fleet))
    return _diagnose_set(policies, state)


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
