"""Every command-line option, defined once, and the one rule for bad flags.

Commands declare their parameters with the ``...Opt`` aliases below, so `plan`, `check` and
`apply` share one definition (help, metavar, panel, environment default, validation) of each.
Values are validated where they are parsed, by callbacks that name the option (and the
environment variable when the value came from there). ``TcremedyCommand`` turns every
usage error into one line, ``error: ... (see `tcremedy plan --help`)``, exit 1 (2 means
"drift"), as JSON when ``--json`` was given, and refuses a value-taking option whose value is
another option (``plan --endpoint --json`` must not use ``--json`` as the endpoint).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer
from typer.core import TyperCommand, TyperGroup

from tcremedy.errors import CollectionError, TcremedyError

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


class _HelpFlagFalse:
    """``--help`` not given is False, not None.

    typer coerces a parameter whose value is not already a bool through a pydantic TypeAdapter,
    built on first use (typer/core.py ``_TyperParameter.process_value``); the help flag's default
    is None, so `tcremedy plan --help` imported pydantic (~100 ms) for the root's unused ``--help``.
    """

    def get_help_option(self, ctx: typer.Context) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]  (a mixin of typer.core classes)
        if option is not None:
            option.default = False
        return option


class TcremedyGroup(_HelpFlagFalse, TyperGroup):
    """The root and the sub-apps (``emulator``, ``policy``): their unused ``--help`` costs nothing."""


class TcremedyCommand(_HelpFlagFalse, TyperCommand):
    """A command whose usage errors are one line (JSON with ``--json``) and exit 1.

    Help is plain text grouped in panels (each option's ``rich_help_panel``): rendering it with
    rich would cost more start-up time than the whole 250 ms budget of ``tcremedy plan --help``.
    """

    json_format: str = "tcremedy.plan/v1"  # the ``format`` of a --json usage error (report.document)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rich_markup_mode = None

    def format_options(self, ctx: typer.Context, formatter: Any) -> None:
        sections: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                title = "Arguments"
            else:
                title = getattr(param, "rich_help_panel", None) or "Options"
            sections.setdefault(title, []).append(record)
        for title in ("Arguments", *[t for t in sections if t not in ("Arguments", "Options")], "Options"):
            if title in sections:
                with formatter.section(title):
                    formatter.write_dl(sections[title])

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        wants_json = "--json" in args and any("--json" in getattr(p, "opts", ()) for p in self.params)
        try:
            self._refuse_swallowed_flags(args)
            return super().parse_args(ctx, args)
        except typer.TyperException as exc:
            usage_error(ctx, exc.format_message(), wants_json, self.json_format)
            raise  # unreachable: usage_error exits

    def _refuse_swallowed_flags(self, args: list[str]) -> None:
        names: set[str] = {"--help"}
        takes_value: set[str] = set()
        for param in self.params:
            opts = [*getattr(param, "opts", ()), *getattr(param, "secondary_opts", ())]
            names.update(o for o in opts if o.startswith("-"))
            if param.param_type_name == "option" and not getattr(param, "is_flag", False):
                takes_value.update(o for o in opts if o.startswith("-"))
        for i, token in enumerate(args[:-1]):
            if token == "--":
                return
            if token in takes_value and args[i + 1].split("=", 1)[0] in names:
                raise typer.TyperException(f"option {token} needs a value, but got the option {args[i + 1]}")


def usage_error(
    ctx: typer.Context, message: str, wants_json: bool = False, kind: str = "tcremedy.plan/v1"
) -> None:
    """Print a usage error in the command's style and exit 1."""
    if wants_json:
        from tcremedy.report.views import JsonView

        JsonView(kind=kind).error(TcremedyError(message))
    else:
        typer.echo(f"error: {message} (see `{ctx.command_path} --help`)", err=True)
    ctx.exit(1)


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
        callback=check_text,
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
        callback=check_text,
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
