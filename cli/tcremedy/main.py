"""The typer application: one sub-module per command under ``tcremedy.commands``.

Commands parse options, call one core function and hand the result to a view. Project errors
(``TcremedyError``) become a one-line message on stderr and exit code 1; no tracebacks.
"""

from __future__ import annotations

import sys

import typer

from tcremedy import __version__
from tcremedy.commands import apply as apply_cmd
from tcremedy.commands import check as check_cmd
from tcremedy.commands import emulator as emulator_cmd
from tcremedy.commands import plan as plan_cmd
from tcremedy.commands import policy as policy_cmd
from tcremedy.commands import shards as shards_cmd
from tcremedy.commands import verify as verify_cmd
from tcremedy.commands.command import TcremedyCommand, TcremedyGroup
from tcremedy.errors import TcremedyError

app = typer.Typer(
    name="tcremedy",
    help="Find out why a Windows CVM cannot be reached over RDP, name the root cause, repair it as code.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rich's import alone costs more than the start-up budget
    cls=TcremedyGroup,  # --help not given is False: no pydantic coercion of it on every start
)

plan_cmd.register(app)
apply_cmd.register(app)
check_cmd.register(app)
verify_cmd.register(app)
shards_cmd.register(app)
app.add_typer(emulator_cmd.app, name="emulator")
app.add_typer(policy_cmd.app, name="policy")


@app.command(cls=TcremedyCommand)
def version() -> None:
    """Print the tcremedy version."""
    typer.echo(__version__)


def run() -> None:
    """Console-script entry point: exit 0 ok, 1 error (bad input included), 2 drift/not compliant."""
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as exc:  # a bad command or flag outside a command: 1 (2 means "drift")
        typer.echo(f"error: {exc.format_message()} (see `tcremedy --help`)", err=True)
        sys.exit(1)
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        sys.exit(1)
    except TcremedyError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    run()
