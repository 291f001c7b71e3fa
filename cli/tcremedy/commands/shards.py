"""`tcremedy shards`: print the account x region matrix as JSON for a CI matrix or a Job list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from tcremedy.commands.command import TcremedyCommand
from tcremedy.commands.options import (
    CLOUD,
    AllRegionsOpt,
    EndpointOpt,
    RegionsOpt,
    check_region_choice,
    check_text,
)
from tcremedy.errors import TcremedyError

if TYPE_CHECKING:
    from tcremedy.cloud.clients import Endpoint

SHARDS_HELP = (
    "Print the account x region matrix as JSON ({\"include\": [{account, region, name, args}]}): one "
    "entry per shard, each an ordinary `tcremedy check`/`apply` run with those args. Feed it to a CI "
    "matrix (GitHub Actions: fromJSON) or a list of Kubernetes Jobs (docs/shards.md)."
)

ProfilesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--profile",
        metavar="NAME",
        rich_help_panel=CLOUD,
        callback=check_text,
        help="An account: a tccli profile (~/.tccli/NAME.credential; repeatable; default: the "
        "credentials found without --profile).",
    ),
]


def register(app: typer.Typer) -> None:
    app.command("shards", cls=TcremedyCommand, help=SHARDS_HELP)(shards)


def shards(
    ctx: typer.Context,
    region: RegionsOpt = None,
    all_regions: AllRegionsOpt = False,
    profile: ProfilesOpt = None,
    endpoint: EndpointOpt = None,
) -> None:
    """Print the shard matrix."""
    import json

    from tcremedy.cloud.clients import ensure_reachable, resolve_endpoint, resolve_region
    from tcremedy.cloud.shards import DEFAULT_ACCOUNT, shard_matrix

    check_region_choice(ctx)
    region = ctx.params["region"]
    try:
        regions_of = None
        if all_regions:
            url = resolve_endpoint(endpoint)
            ensure_reachable(url.url)

            def regions_of(account: str) -> list[str]:
                return _regions_of(url, None if account == DEFAULT_ACCOUNT else account)

        matrix = shard_matrix(tuple(profile or ()), tuple(region or (resolve_region(None),)), regions_of)
    except TcremedyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=exc.exit_code) from None
    typer.echo(json.dumps(matrix, indent=2))


def _regions_of(endpoint: Endpoint, profile: str | None) -> list[str]:
    from tcremedy.cloud.api import CloudApi
    from tcremedy.cloud.clients import make_clients, resolve_region
    from tcremedy.cloud.credentials import resolve_credential
    from tcremedy.cloud.regions import describe_regions

    resolved = resolve_credential(endpoint.url, profile)
    api = CloudApi(make_clients(resolved.credential, resolve_region(None), endpoint), concurrency=1)
    return describe_regions(api)
