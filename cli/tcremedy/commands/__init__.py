"""Thin typer commands: parse options, call the core, render through a view."""
