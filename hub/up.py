"""`academy up`: start the whole platform locally."""

import typer


def up() -> None:
    """Start the platform on the embedded defaults (SQLite, local processes)."""
    typer.echo("The local platform launcher is not built yet (see the hub issue).")
    raise typer.Exit(code=1)
