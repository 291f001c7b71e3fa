"""The command classes every tcremedy command and group is built on, and the one rule for bad flags.

``TcremedyCommand`` turns every usage error into one line, ``error: ... (see `tcremedy plan --help`)``,
exit 1 (2 means "drift"), as JSON when ``--json`` was given, refuses a value-taking option whose value
is another option (``plan --endpoint --json`` must not use ``--json`` as the endpoint), and prints help
as plain text grouped in panels. The options themselves are defined in ``commands.options``.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from tcremedy.errors import TcremedyError


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
