"""`tcremedy emulator serve`: run the local Tencent Cloud until SIGTERM / Ctrl-C."""

from __future__ import annotations

import re
import signal
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tcremedy.commands.command import TcremedyCommand, TcremedyGroup
from tcremedy.commands.options import check_finite, check_rate_limits, check_text
from tcremedy.emulator.defaults import (
    DEFAULT_FLEET_SIZE,
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_REGION,
    LOCAL_SECRET_ID,
    LOCAL_SECRET_KEY,
    MAX_FLEET_SIZE,
)
from tcremedy.errors import TcremedyError
from tcremedy.gcwork import settle_long_lived


class RateLimitMode(StrEnum):
    documented = "documented"
    off = "off"


app = typer.Typer(
    help="The local Tencent Cloud emulator.", no_args_is_help=True, rich_markup_mode=None, cls=TcremedyGroup
)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


@app.command(cls=TcremedyCommand)
def serve(
    host: Annotated[
        str,
        typer.Option(metavar="HOST", help="Address to listen on (loopback by default).", callback=check_text),
    ] = DEFAULT_HOST,
    port: Annotated[
        int, typer.Option(metavar="PORT", help="TCP port; 0 picks a free one.", min=0, max=65535)
    ] = DEFAULT_PORT,
    scenario: Annotated[
        str | None,
        typer.Option(
            metavar="NAME|FILE", help="Shipped scenario name or a scenario YAML file.", callback=check_text
        ),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Persist the world to this JSON file (loaded if present)."),
    ] = None,
    latency_ms: Annotated[
        float,
        typer.Option(
            metavar="MS", help="Delay added to every API request.", min=0, max=60_000, callback=check_finite
        ),
    ] = 0.0,
    throttle_rate: Annotated[
        float,
        typer.Option(
            metavar="RATE",
            help="Share of requests answered RequestLimitExceeded.",
            min=0,
            max=1,
            callback=check_finite,
        ),
    ] = 0.0,
    error_rate: Annotated[
        float,
        typer.Option(
            metavar="RATE",
            help="Share of requests failed: half InternalError, half dropped connections.",
            min=0,
            max=1,
            callback=check_finite,
        ),
    ] = 0.0,
    seed: Annotated[
        int, typer.Option(metavar="N", help="Seed for ids, generated fleets, metric noise and faults.")
    ] = 0,
    region: Annotated[
        str, typer.Option(metavar="REGION", help="Region the scenario is built in.", callback=check_text)
    ] = DEFAULT_REGION,
    secret_id: Annotated[
        str, typer.Option(metavar="ID", help="Accepted SecretId.", callback=check_text)
    ] = LOCAL_SECRET_ID,
    secret_key: Annotated[
        str, typer.Option(metavar="KEY", help="Accepted SecretKey.", show_default=False, callback=check_text)
    ] = LOCAL_SECRET_KEY,
    fleet_size: Annotated[
        int, typer.Option(metavar="N", help="Instances in the `fleet` scenario.", min=1, max=MAX_FLEET_SIZE)
    ] = DEFAULT_FLEET_SIZE,
    transition_seconds: Annotated[
        float,
        typer.Option(
            metavar="SECONDS",
            help="Duration of each instance state transition.",
            min=0,
            max=3600,
            callback=check_finite,
        ),
    ] = 1.0,
    regions: Annotated[
        str,
        typer.Option(
            help="More regions to serve, comma-separated (e.g. ap-shanghai,ap-beijing): each gets its own "
            "copy of the scenario (its own fleet and ids)."
        ),
    ] = "",
    rate_limits: Annotated[
        RateLimitMode,
        typer.Option(
            help="Per-action request-rate limits: Tencent's documented defaults "
            "(RequestLimitExceeded past them), or off."
        ),
    ] = RateLimitMode.documented,
    account_rate_limit: Annotated[
        list[str] | None,
        typer.Option(
            "--rate-limit",
            metavar="ACTION=N",
            callback=check_rate_limits,
            help="This account's own limit for ACTION, N requests per second, where it differs from "
            "the documented default, e.g. GetMonitorData=20 (repeatable, or comma-separated pairs).",
        ),
    ] = None,
) -> None:
    """Serve Tencent Cloud API 3.0 (CVM, VPC, Monitor, TAT, CBS, Tag) on one HTTP listener.

    The first line on stdout is the endpoint, e.g. http://127.0.0.1:8080.
    """
    from tcremedy.emulator.core.app import EmulatorConfig
    from tcremedy.emulator.core.persistence import StateFileError
    from tcremedy.emulator.core.server import EmulatorServer
    from tcremedy.ratelimits import overrides_from

    if throttle_rate + error_rate > 1:
        raise _fail("--throttle-rate plus --error-rate must not exceed 1")
    if bool(secret_id.strip()) != bool(secret_key.strip()) or not secret_id.strip():
        raise _fail("--secret-id and --secret-key must both be non-empty")
    extra_regions = tuple(r.strip() for r in regions.split(",") if r.strip())
    if bad := [r for r in extra_regions if not re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", r)]:
        raise _fail(f"--regions {bad[0]!r}: expected region names like ap-shanghai, comma-separated")
    config = EmulatorConfig(
        host=host,
        port=port,
        scenario=scenario,
        state_file=state,
        latency_ms=latency_ms,
        throttle_rate=throttle_rate,
        error_rate=error_rate,
        seed=seed,
        region=region,
        secret_id=secret_id,
        secret_key=secret_key,
        fleet_size=fleet_size,
        transition_seconds=transition_seconds,
        rate_limits=rate_limits.value,
        account_rate_limits=tuple(overrides_from(account_rate_limit).items()),
        regions=extra_regions,
    )
    try:
        server = EmulatorServer(config)
    except (TcremedyError, StateFileError) as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(f"cannot listen on {host}:{port}: {exc.strerror}") from None

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    server.emulator.warm()  # before the endpoint is announced: the first listing finds it ready
    sys.stdout.write(server.endpoint + "\n")
    sys.stdout.flush()
    settle_long_lived()  # the world just built lives as long as the server: never rescan it
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
