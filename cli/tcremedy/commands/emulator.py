"""`tcremedy emulator ...` (being written)."""

from __future__ import annotations

import typer

app = typer.Typer(help="The local Tencent Cloud emulator.", no_args_is_help=True)
