"""`tcremedy policy schema`: print the policy file's JSON Schema (for editors and CI validation)."""

from __future__ import annotations

import typer

from tcremedy.commands.command import TcremedyCommand, TcremedyGroup

app = typer.Typer(
    help="Policy files: their JSON Schema.", no_args_is_help=True, rich_markup_mode=None, cls=TcremedyGroup
)


@app.command("schema", cls=TcremedyCommand)
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of a policy file, generated from the loader's model."""
    import json

    from tcremedy.policy.schema import policy_json_schema

    typer.echo(json.dumps(policy_json_schema(), indent=2, sort_keys=False))
