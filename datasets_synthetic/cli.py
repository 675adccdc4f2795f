"""Command-line group for `datasets_synthetic` (mounted by the `academy` root command)."""

import typer

app = typer.Typer(no_args_is_help=True)
