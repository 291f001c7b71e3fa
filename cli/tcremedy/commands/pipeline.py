"""What `tcremedy plan` and `tcremedy check` share (their options live in ``commands.options``):
the pipeline policy -> live state (cloud or file) -> diagnosis -> proposed fixes -> report.

``tcremedy apply`` reuses ``PipelineOptions``, ``run_pipeline`` and ``collect_live`` to re-read the cloud.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import typer

from tcremedy.cloud.api import DEFAULT_CONCURRENCY, CloudApi
from tcremedy.cloud.clients import make_clients, resolve_endpoint, resolve_region
from tcremedy.cloud.collect import CollectRequest, collect
from tcremedy.cloud.collect_guest import ProbeSettings
from tcremedy.cloud.credentials import resolve_credential
from tcremedy.cloud.retry import CallStats
from tcremedy.cloud.state import LiveState
from tcremedy.commands.options import ensure_reachable
from tcremedy.diagnose.engine import diagnose, merge
from tcremedy.diagnose.model import FleetDiagnosis
from tcremedy.errors import CollectionError, TcremedyError
from tcremedy.planfile import ProposedFix, propose_fixes
from tcremedy.policy.loader import resolve_policy_path
from tcremedy.policy.model import Policy, Selector
from tcremedy.policy.policyset import PolicySet, load_policy_set
from tcremedy.policy.selector import query_for_selector, selects
from tcremedy.report.document import dumps
from tcremedy.report.markdown import markdown_summary, write_markdown
from tcremedy.report.progress import progress_for
from tcremedy.report.sarif import sarif_document
from tcremedy.report.views import HumanView, JsonView, write_report_file
from tcremedy.statefile import load_state_file


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


def _display_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


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
        clients, stats=stats, concurrency=opts.concurrency or DEFAULT_CONCURRENCY, progress=progress
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


def emit(
    result: PipelineResult,
    view: HumanView | JsonView,
    sarif: Path | None,
    markdown: Path | None = None,
    command: str = "plan",
) -> None:
    """Report on stdout, the SARIF file and the Markdown summary, shared by plan and check."""
    shown = _display_path(result.policy_path)
    several = result.policies is not None and len(result.policies.policies) > 1
    files = result.policies.paths if several and result.policies else ()
    judged = result.policies.policies if several and result.policies else ()
    policies = [(p.name, _display_path(f)) for p, f in zip(judged, files, strict=True)]
    view.report(
        result.fleet,
        result.fixes,
        policy_path=shown,
        endpoint=result.state.endpoint,
        collected_at=result.state.collected_at,
        policies=policies,
    )
    if sarif is not None:
        sources = {name: (path, Path(path).read_text(encoding="utf-8")) for name, path in policies}
        text = result.policy_bytes.decode("utf-8") if not several else ""
        document = sarif_document(result.fleet, shown, policy_text=text, sources=sources or None)
        write_report_file(sarif, dumps(document), "SARIF file")
    if markdown is not None:
        text = markdown_summary(
            result.fleet,
            result.fixes,
            command=command,
            policy_path=shown,
            endpoint=result.state.endpoint,
            collected_at=result.state.collected_at,
        )
        for place in write_markdown(markdown, text):
            view.note(f"Markdown summary written to {place}")


def report(params: Mapping[str, Any], view: HumanView | JsonView, command: str = "plan") -> PipelineResult:
    """Run the pipeline for a command's shared options and report (stdout, ``--sarif``, ``--markdown``)."""
    result = run_pipeline(PipelineOptions.from_params(params))
    emit(result, view, params["sarif"], params.get("markdown"), command)
    return result


def fail(view: HumanView | JsonView, exc: TcremedyError) -> typer.Exit:
    """Show the error in the command's view; the exit to raise."""
    view.error(exc)
    return typer.Exit(code=exc.exit_code)
