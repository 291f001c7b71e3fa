"""`tcremedy plan`: read the cloud, diagnose every selected instance, propose fixes. Read-only.

Exit codes (terraform's): 0 success; 1 error; with ``--detailed-exitcode`` 0 = every selected
instance compliant, 2 = drift found, 1 = error. The one non-Describe call is TAT ``RunCommand`` of
the read-only guest probe (``--no-guest-probe`` skips it).

The pipeline here is shared with ``tcremedy check`` (``run_pipeline``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from typer._click.core import Context
from typer._click.exceptions import UsageError
from typer.core import TyperCommand

from tcremedy.cloud.api import DEFAULT_CONCURRENCY, CloudApi
from tcremedy.cloud.clients import make_clients, resolve_endpoint, resolve_region
from tcremedy.cloud.collect import CollectRequest, collect, query_for_selector
from tcremedy.cloud.collect_guest import ProbeSettings
from tcremedy.cloud.credentials import resolve_credential
from tcremedy.cloud.retry import CallStats
from tcremedy.cloud.state import LiveState
from tcremedy.diagnose.engine import diagnose
from tcremedy.diagnose.model import FleetDiagnosis
from tcremedy.errors import CollectionError, TcremedyError
from tcremedy.planfile import ProposedFix, build_planfile, propose_fixes, write_planfile
from tcremedy.policy.loader import load_policy, resolve_policy_path
from tcremedy.policy.model import Policy
from tcremedy.policy.selector import selects
from tcremedy.report.document import PLAN_FORMAT, dumps
from tcremedy.report.progress import progress_for
from tcremedy.report.sarif import sarif_document
from tcremedy.report.views import HumanView, JsonView, write_report_file


class ViewFirstCommand(TyperCommand):
    """Option errors become exit code 1 (2 means "drift"), as JSON when ``--json`` was given."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        wants_json = "--json" in args
        try:
            return super().parse_args(ctx, args)
        except UsageError as exc:
            if wants_json:
                JsonView(kind=PLAN_FORMAT).error(TcremedyError(exc.format_message()))
            else:
                HumanView().error(TcremedyError(f"{exc.format_message()} (see `{ctx.command_path} --help`)"))
            ctx.exit(1)
            raise  # unreachable: ctx.exit raises


# ---------------------------------------------------------------- options shared with `check`

PolicyOpt = Annotated[
    Path | None,
    typer.Option(
        "--policy", help="Policy file (default: ./policies/windows-rdp.yaml, else the packaged one)."
    ),
]
RegionOpt = Annotated[
    str | None, typer.Option("--region", help="Region (default: $TENCENTCLOUD_REGION, else ap-guangzhou).")
]
EndpointOpt = Annotated[
    str | None,
    typer.Option(
        "--endpoint",
        help="API endpoint for every service, e.g. http://127.0.0.1:8080 for the local emulator "
        "(default: $TCREMEDY_ENDPOINT, else Tencent Cloud).",
    ),
]
ProfileOpt = Annotated[
    str | None,
    typer.Option("--profile", help="tccli profile (~/.tccli/NAME.credential; default $TCCLI_PROFILE)."),
]
InstanceOpt = Annotated[
    list[str] | None, typer.Option("--instance", help="Only this instance id (repeatable).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the report as JSON (docs/json-schema.md).")]
SarifOpt = Annotated[Path | None, typer.Option("--sarif", help="Also write the findings as SARIF 2.1.0.")]
SaveStateOpt = Annotated[
    Path | None, typer.Option("--save-state", help="Write the collected live state (JSON) for offline use.")
]
FromStateOpt = Annotated[
    Path | None,
    typer.Option("--from-state", help="Diagnose a saved live state instead of reading the cloud."),
]
ConcurrencyOpt = Annotated[
    int, typer.Option("--concurrency", help="API requests in flight at most.", min=1, max=64)
]
NoProbeOpt = Annotated[
    bool,
    typer.Option(
        "--no-guest-probe",
        help="Do not run the read-only guest probe (TAT RunCommand); guest checks become unknown.",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no notes on stderr.")]


@dataclass(frozen=True)
class PipelineOptions:
    policy: Path | None = None
    region: str | None = None
    endpoint: str | None = None
    profile: str | None = None
    instances: tuple[str, ...] = ()
    save_state: Path | None = None
    from_state: Path | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    guest_probe: bool = True
    quiet: bool = False


@dataclass(frozen=True)
class PipelineResult:
    policy: Policy
    policy_path: Path
    policy_bytes: bytes
    state: LiveState
    fleet: FleetDiagnosis
    fixes: tuple[ProposedFix, ...]
    stats: CallStats | None  # None when the state came from a file


def _display_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_state_file(path: Path) -> LiveState:
    try:
        state = LiveState.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TcremedyError(f"{path}: state file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TcremedyError(f"{path}: cannot read the state file: {exc}") from None
    except ValueError as exc:  # JSONDecodeError included
        raise TcremedyError(f"{path}: not a tcremedy live-state file ({exc})") from None
    except (KeyError, TypeError) as exc:
        raise TcremedyError(f"{path}: not a tcremedy live-state file (missing or malformed {exc})") from None
    if state.format != "tcremedy.livestate/v1":
        raise TcremedyError(f"{path}: format {state.format!r}, expected 'tcremedy.livestate/v1'")
    return state


def collect_live(policy: Policy, opts: PipelineOptions) -> tuple[LiveState, CallStats]:
    """Resolve region, endpoint and credentials, then collect what the policy selects."""
    region = resolve_region(opts.region)
    if policy.selector.regions and region not in policy.selector.regions:
        raise CollectionError(
            f"region {region} is not among the policy's selector.regions {list(policy.selector.regions)}; "
            "pass --region with one of them"
        )
    endpoint = resolve_endpoint(opts.endpoint)
    resolved = resolve_credential(endpoint.url, opts.profile)
    stats = CallStats()
    request = CollectRequest(
        region=region,
        query=query_for_selector(policy.selector, opts.instances),
        selects=lambda inst: selects(policy.selector, inst),
        window_seconds=policy.capacity.window_seconds,
        probe=ProbeSettings(enabled=opts.guest_probe),
        endpoint=endpoint.url,
    )
    progress = progress_for(opts.quiet)
    clients = make_clients(resolved.credential, region, endpoint)
    api = CloudApi(clients, stats=stats, concurrency=opts.concurrency, progress=progress)
    if progress is None:
        return collect(api, request), stats
    with progress:
        return collect(api, request), stats


def run_pipeline(opts: PipelineOptions) -> PipelineResult:
    """Policy -> live state (cloud or file) -> diagnosis -> proposed fixes. Raises TcremedyError."""
    policy_path = resolve_policy_path(opts.policy, Path.cwd())
    policy = load_policy(policy_path)
    try:
        policy_bytes = policy_path.read_bytes()
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
        state, stats = collect_live(policy, opts)
    if opts.save_state is not None:
        write_report_file(opts.save_state, state.to_json() + "\n", "state file")
    fleet = diagnose(policy, state)
    fixes = propose_fixes(policy, state, fleet)
    return PipelineResult(policy, policy_path, policy_bytes, state, fleet, fixes, stats)


def emit(result: PipelineResult, view: HumanView | JsonView, sarif: Path | None) -> None:
    """Report on stdout and the SARIF file, shared by plan and check."""
    shown = _display_path(result.policy_path)
    view.report(
        result.fleet,
        result.fixes,
        policy_path=shown,
        endpoint=result.state.endpoint,
        collected_at=result.state.collected_at,
    )
    if sarif is not None:
        write_report_file(sarif, dumps(sarif_document(result.fleet, shown)), "SARIF file")


def make_view(json_output: bool, quiet: bool) -> HumanView | JsonView:
    return JsonView() if json_output else HumanView(quiet=quiet)


def fail(view: HumanView | JsonView, exc: TcremedyError) -> typer.Exit:
    view.error(exc)
    return typer.Exit(code=exc.exit_code)


PLAN_HELP = (
    "Diagnose why Windows instances cannot be reached over RDP, name the root cause and propose fixes.\n\n"
    "Read-only: the only call that is not a Describe/Get is TAT RunCommand of the read-only guest probe "
    "(--no-guest-probe skips it).\n\n"
    "Exit codes: 0 success, 1 error; with --detailed-exitcode: 0 every selected instance compliant, "
    "2 drift found, 1 error."
)


def register(app: typer.Typer) -> None:
    """Add the command to the application."""
    app.command("plan", cls=ViewFirstCommand, help=PLAN_HELP)(plan)


def plan(
    policy: PolicyOpt = None,
    region: RegionOpt = None,
    endpoint: EndpointOpt = None,
    profile: ProfileOpt = None,
    instance: InstanceOpt = None,
    json_output: JsonOpt = False,
    sarif: SarifOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the plan file `tcremedy apply` takes.")
    ] = None,
    save_state: SaveStateOpt = None,
    from_state: FromStateOpt = None,
    detailed_exitcode: Annotated[
        bool,
        typer.Option(
            "--detailed-exitcode", help="Exit 0 when compliant, 2 when drift was found, 1 on error."
        ),
    ] = False,
    concurrency: ConcurrencyOpt = DEFAULT_CONCURRENCY,
    no_guest_probe: NoProbeOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Diagnose why Windows instances cannot be reached over RDP and propose fixes (read-only)."""
    view = make_view(json_output, quiet)
    opts = PipelineOptions(
        policy=policy,
        region=region,
        endpoint=endpoint,
        profile=profile,
        instances=tuple(instance or ()),
        save_state=save_state,
        from_state=from_state,
        concurrency=concurrency,
        guest_probe=not no_guest_probe,
        quiet=quiet or json_output,
    )
    try:
        result = run_pipeline(opts)
        emit(result, view, sarif)
        if out is not None:
            plan_file = build_planfile(
                created_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
                policy=result.policy,
                policy_path=str(result.policy_path),
                policy_bytes=result.policy_bytes,
                state=result.state,
                fleet=result.fleet,
                fixes=result.fixes,
            )
            write_planfile(out, plan_file)
            view.note(
                f"plan written to {out} ({len(plan_file.fixes)} fix step(s)); run `tcremedy apply {out}`"
            )
    except TcremedyError as exc:
        raise fail(view, exc) from None
    if detailed_exitcode and not result.fleet.compliant:
        raise typer.Exit(code=2)
