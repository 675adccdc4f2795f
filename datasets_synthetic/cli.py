"""Command-line group for `datasets_synthetic` (mounted by the `academy` root command as `academy data`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from datasets_synthetic.config import get_settings
from datasets_synthetic.generator import generate as generate_dataset
from datasets_synthetic.generator import verify as verify_dataset
from datasets_synthetic.writer import DatasetError

app = typer.Typer(no_args_is_help=True)


@app.callback()
def data() -> None:
    """Generate and inspect the synthetic health-insurance datasets."""


@app.command()
def generate(
    out: Annotated[Path | None, typer.Option(help="Output directory (default: ACADEMY_DATASETS).")] = None,
    members: Annotated[int, typer.Option(help="Number of insured people (beneficiaries).")] = 20000,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same bytes.")] = 42,
    year: Annotated[int, typer.Option(help="Year of the data (claims also cover the end of the year before).")] = 2025,
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    force: Annotated[bool, typer.Option(help="Replace a dataset this generator wrote (nothing else).")] = False,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: CPU count).")] = None,
) -> None:
    """Generate the synthetic health-insurance dataset (tables, manifest.json, DICTIONNAIRE.md)."""
    console = Console(stderr=True)
    target = out if out is not None else get_settings().dataset_root
    try:
        manifest = generate_dataset(
            out=target, members=members, seed=seed, year=year, fmt=fmt, force=force, progress=True, workers=workers
        )
    except DatasetError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error
    rows = ", ".join(f"{name} {info['rows']:,}" for name, info in manifest.tables.items())
    console.print(f"Dataset written to {target.absolute()}: {rows}")


@app.command()
def verify(
    root: Annotated[Path | None, typer.Option(help="Dataset directory (default: ACADEMY_DATASETS).")] = None,
) -> None:
    """Check every file of a dataset against the sha256 recorded in its manifest.json."""
    target = root if root is not None else get_settings().dataset_root
    problems = verify_dataset(target)
    console = Console(stderr=True)
    for problem in problems:
        console.print(f"[red]{problem}[/red]")
    if problems:
        raise typer.Exit(1)
    console.print(f"{target}: every file matches its manifest")
