"""Every command-line option, defined once, with the callbacks that validate its value.

Commands declare their parameters with the ``...Opt`` aliases below, so `plan`, `check` and
`apply` share one definition (help, metavar, panel, environment default, validation) of each.
Values are validated where they are parsed, by callbacks that name the option (and the
environment variable when the value came from there); a bad value becomes the one-line usage
error of ``commands.command.TcremedyCommand``.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer

from tcremedy.commands.command import usage_error
from tcremedy.errors import CollectionError

ENDPOINT_ENV = "TCREMEDY_ENDPOINT"
REGION_ENV = "TENCENTCLOUD_REGION"
PROFILE_ENV = "TCCLI_PROFILE"
RATE_LIMITS_ENV = "TCREMEDY_RATE_LIMITS"
BACKEND_SCHEMES = ("file", "s3", "gs", "azblob", "https", "http")  # Pulumi's state backends

# Help panels.
INPUT = "Input"
CLOUD = "Cloud"
OUTPUT = "Output"
APPLY = "Apply"
SERVE = "Emulator"


def _source_hint(ctx: typer.Context, param: Any) -> str:
    """``'--endpoint'``, or ``'--endpoint' (from $TCREMEDY_ENDPOINT)`` for an environment value."""
    hint = f"'{param.opts[0]}'"
    source = ctx.get_parameter_source(param.name)
    if source is not None and source.name == "ENVIRONMENT" and param.envvar:
        hint += f" (from ${param.envvar})"
    return hint


def _bad(ctx: typer.Context, param: Any, message: str) -> typer.BadParameter:
    return typer.BadParameter(message, ctx=ctx, param=param, param_hint=_source_hint(ctx, param))


def check_endpoint(ctx: typer.Context, param: Any, value: str | None) -> str | None:
    """An endpoint is ``http(s)://host[:port]`` (or ``host:port``); refused otherwise."""
    if value is None or not value.strip():
        return None
    from tcremedy.cloud.clients import parse_endpoint

    try:
        urlsplit(value if "://" in value else f"//{value}").port  # noqa: B018 - raises on a bad URL
        parse_endpoint(value)
    except (ValueError, CollectionError) as exc:
        detail = str(exc).split(": ", 1)[-1] if isinstance(exc, CollectionError) else str(exc)
        raise _bad(ctx, param, f"{value!r} is not an endpoint URL ({detail})") from None
    return value


def check_backend_url(ctx: typer.Context, param: Any, value: str | None) -> str | None:
    """A Pulumi state backend URL; a ``file://`` one must name a directory tcremedy can create."""
    if value is None:
        return None
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        raise _bad(ctx, param, f"{value!r} is not a URL ({exc})") from None
    if parts.scheme not in BACKEND_SCHEMES:
        raise _bad(
            ctx,
            param,
            f"{value!r} is not a Pulumi backend URL; expected file:///abs/dir, s3://, gs://, azblob://",
        )
    if parts.scheme != "file":
        if not parts.netloc:
            raise _bad(ctx, param, f"{value!r} names no bucket or host")
        return value
    if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
        raise _bad(
            ctx, param, f"{value!r}: expected an absolute directory, e.g. file:///home/me/.tcremedy/state"
        )
    directory = Path(parts.path)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _bad(ctx, param, f"cannot create the directory {directory} ({exc.strerror})") from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise _bad(ctx, param, f"the directory {directory} is not writable")
    return value


def check_finite(ctx: typer.Context, param: Any, value: float | None) -> float | None:
    """Refuse nan and inf (click's ranges let nan through: every comparison with it is false)."""
    if value is not None and not math.isfinite(value):
        raise _bad(ctx, param, f"{value} is not a finite number")
    return value


def check_concurrency(ctx: typer.Context, param: Any, value: int | None) -> int | None:
    """1-64 (a callback, not min/max: typer's ranges import pydantic, too slow for `plan --help`)."""
    if value is not None and not 1 <= value <= 64:
        raise _bad(ctx, param, f"{value} is not in the range 1-64")
    return value


def check_rate_limits(ctx: typer.Context, param: Any, value: list[str] | None) -> list[str] | None:
    """``ACTION=N`` pairs (repeatable, or comma-separated): an action the collector paces, a rate > 0."""
    if not value:
        return value
    from tcremedy.ratelimits import DOCUMENTED, parse_overrides

    known = sorted({action for _service, action in DOCUMENTED})
    for item in value:
        try:
            rates = parse_overrides(item, option="")
        except ValueError as exc:
            raise _bad(ctx, param, str(exc).strip()) from None
        unknown = [action for action in rates if action not in known]
        if unknown:
            raise _bad(
                ctx,
                param,
                f"{item!r}: {unknown[0]} is not an action tcremedy paces; expected one of {', '.join(known)}",
            )
    return value


def check_text(ctx: typer.Context, param: Any, value: Any) -> Any:
    """Plain one-line text: no control characters, at most 255 characters."""
    for item in value if isinstance(value, (list, tuple)) else [value]:
        # isprintable: also refuses C1 controls and line separators (U+0085, U+2028) that split a line
        if isinstance(item, str) and (len(item) > 255 or not item.isprintable()):
            raise _bad(ctx, param, f"{item[:40]!r}: expected plain text of at most 255 characters")
    return value


def check_region(ctx: typer.Context, param: Any, value: Any) -> Any:
    """Each ``--region`` value is one region name: surrounding blanks are dropped, a blank or comma
    inside is refused.

    ``$TENCENTCLOUD_REGION`` holds ONE region, as for tccli, the SDK and the Pulumi provider (its
    ``region`` "can also be sourced from the TENCENTCLOUD_REGION environment variable"). Click splits
    a repeatable option's variable on whitespace, which would make several regions of it, so the
    variable is judged as written; its trimmed value is put back (a blank one removed), so what reads
    it later in this run (``cloud.clients.resolve_region`` with ``--all-regions``) sees the same name.
    """
    many = isinstance(value, (list, tuple))
    source = ctx.get_parameter_source(param.name)
    from_env = source is not None and source.name == "ENVIRONMENT"
    if from_env:
        names = [os.environ.get(REGION_ENV, "").strip()]
        expected = "the variable holds one, e.g. ap-guangzhou"
        several = " (several regions: repeat --region, or --all-regions)" if many else ""
    else:
        names = [item.strip() for item in (value if many else [] if value is None else [value])]
        expected = "expected one, e.g. ap-guangzhou"
        several = " (several regions: repeat --region)" if many else ""
    for name in names:
        if any(c.isspace() or c == "," for c in name):
            raise _bad(ctx, param, f"{name[:60]!r} is not one region name; {expected}{several}")
    check_text(ctx, param, names)
    if from_env:
        if names[0]:
            os.environ[REGION_ENV] = names[0]
        else:
            os.environ.pop(REGION_ENV, None)
        names = [n for n in names if n]
    if many:
        return names or None
    return names[0] if names else None


def check_region_choice(ctx: typer.Context) -> None:
    """``--region`` (repeatable) or ``--all-regions``, not both; a region that only came from
    $TENCENTCLOUD_REGION gives way to ``--all-regions``."""
    params = ctx.params
    if not (params.get("all_regions") and params.get("region")):
        return
    source = ctx.get_parameter_source("region")
    if source is not None and source.name == "ENVIRONMENT":
        params["region"] = None
        return
    usage_error(
        ctx,
        "--all-regions and --region exclude each other; give one of them",
        bool(params.get("json_output")),
        getattr(ctx.command, "json_format", "tcremedy.plan/v1"),
    )


# ---------------------------------------------------------------- options of plan, check and apply

PolicyOpt = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        metavar="FILE",
        rich_help_panel=INPUT,
        help="Policy file (default: ./policies/windows-rdp.yaml, else the packaged one).",
    ),
]
RegionOpt = Annotated[
    str | None,
    typer.Option(
        "--region",
        metavar="REGION",
        envvar=REGION_ENV,
        show_envvar=True,
        rich_help_panel=CLOUD,
        callback=check_region,
        help="Region (default: ap-guangzhou).",
    ),
]
RegionsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--region",
        metavar="REGION",
        envvar=REGION_ENV,
        show_envvar=True,
        rich_help_panel=CLOUD,
        callback=check_region,
        help="Region (repeatable: several regions in one run, each read at its own rate limits; "
        "default: ap-guangzhou).",
    ),
]
AllRegionsOpt = Annotated[
    bool,
    typer.Option(
        "--all-regions",
        rich_help_panel=CLOUD,
        help="Every region the account can use (CVM DescribeRegions).",
    ),
]
EndpointOpt = Annotated[
    str | None,
    typer.Option(
        "--endpoint",
        metavar="URL",
        envvar=ENDPOINT_ENV,
        show_envvar=True,
        rich_help_panel=CLOUD,
        callback=check_endpoint,
        help="API endpoint for every service, e.g. http://127.0.0.1:8080 for the local emulator "
        "(default: Tencent Cloud).",
    ),
]
ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile",
        metavar="NAME",
        envvar=PROFILE_ENV,
        show_envvar=True,
        rich_help_panel=CLOUD,
        callback=check_text,
        help="tccli profile (~/.tccli/NAME.credential).",
    ),
]
InstanceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--instance",
        metavar="ID",
        rich_help_panel=INPUT,
        callback=check_text,
        help="Only this instance id (repeatable).",
    ),
]
JsonOpt = Annotated[
    bool,
    typer.Option("--json", rich_help_panel=OUTPUT, help="Print the report as JSON (docs/json-schema.md)."),
]
SarifOpt = Annotated[
    Path | None,
    typer.Option(
        "--sarif", metavar="FILE", rich_help_panel=OUTPUT, help="Also write the findings as SARIF 2.1.0."
    ),
]
MarkdownOpt = Annotated[
    Path | None,
    typer.Option(
        "--markdown",
        metavar="FILE",
        rich_help_panel=OUTPUT,
        help="Also write a compact Markdown summary (fleet table, first failing instances); "
        "appended to $GITHUB_STEP_SUMMARY as well when that is set.",
    ),
]
SaveStateOpt = Annotated[
    Path | None,
    typer.Option(
        "--save-state",
        metavar="FILE",
        rich_help_panel=OUTPUT,
        help="Write the collected live state (JSON) for offline use.",
    ),
]
FromStateOpt = Annotated[
    Path | None,
    typer.Option(
        "--from-state",
        metavar="FILE",
        rich_help_panel=INPUT,
        help="Diagnose a saved live state instead of reading the cloud.",
    ),
]
ConcurrencyOpt = Annotated[
    int | None,
    typer.Option(
        "--concurrency",
        metavar="N",
        rich_help_panel=CLOUD,
        help="API requests in flight at most per region, 1-64 "
        "(default: 32, the collector's DEFAULT_CONCURRENCY).",
        callback=check_concurrency,
    ),
]
RateLimitOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--rate-limit",
        metavar="ACTION=N",
        envvar=RATE_LIMITS_ENV,
        show_envvar=True,
        rich_help_panel=CLOUD,
        callback=check_rate_limits,
        help="Pace ACTION at N requests per second instead of Tencent's documented default, e.g. "
        "GetMonitorData=20 (repeatable; the variable takes space- or comma-separated pairs). For an "
        "account whose limit was raised, or a credential shared with other jobs.",
    ),
]
NoProbeOpt = Annotated[
    bool,
    typer.Option(
        "--no-guest-probe",
        rich_help_panel=CLOUD,
        help="Do not run the read-only guest probe (TAT RunCommand); guest checks become unknown.",
    ),
]
QuietOpt = Annotated[
    bool,
    typer.Option("--quiet", "-q", rich_help_panel=OUTPUT, help="No progress bar and no notes on stderr."),
]
VerboseOpt = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        rich_help_panel=OUTPUT,
        help="Every instance's full diagnosis (everything --json holds).",
    ),
]
ShowCompliantOpt = Annotated[
    bool,
    typer.Option(
        "--show-compliant",
        rich_help_panel=OUTPUT,
        help="List the compliant instances instead of counting them.",
    ),
]
BackendUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--backend-url",
        metavar="URL",
        rich_help_panel=APPLY,
        callback=check_backend_url,
        help="Pulumi state backend (default: file://./.tcremedy/state, made absolute).",
    ),
]
