"""`academy api …`: migrate, serve, seed the demo, manage API tokens. A thin layer over the package's functions."""

from __future__ import annotations

import os
from typing import Annotated
from urllib.parse import urlparse

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from progress_api.core.config import get_settings
from progress_api.core.db import alembic_config, get_engine, unmigrated_message, upgrade
from progress_api.models.common import Role

app = typer.Typer(no_args_is_help=True)
token_app = typer.Typer(no_args_is_help=True, help="Create and revoke API tokens (stored hashed).")
app.add_typer(token_app, name="token")
console = Console(stderr=True)


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema (every migration branch: `upgrade heads`)."""
    settings = get_settings()
    upgrade(settings.db_url)
    console.print(f"[green]Database migrated[/green]: {_safe_url(settings.db_url)}")


@app.command()
def revision(
    message: Annotated[str, typer.Option("--message", "-m", help="What the migration does.")],
    autogenerate: Annotated[bool, typer.Option(help="Diff the models against the database.")] = True,
    head: Annotated[str, typer.Option(help="Parent revision or branch head, e.g. progress@head.")] = "progress@head",
    branch_label: Annotated[str | None, typer.Option(help="Label of a new branch (with --head base).")] = None,
    depends_on: Annotated[str | None, typer.Option(help="Revision this one depends on (another branch).")] = None,
    rev_id: Annotated[str | None, typer.Option(help="Readable revision id, e.g. 0002_progress_indexes.")] = None,
) -> None:
    """For developers: write a new migration file (the database must be at every head first)."""
    from alembic import command

    settings = get_settings()
    command.revision(
        alembic_config(settings.db_url),
        message=message,
        autogenerate=autogenerate,
        head=head,
        branch_label=branch_label,
        depends_on=depends_on,
        rev_id=rev_id,
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default ACADEMY_PORT, 8001).")] = None,
    log_level: Annotated[str, typer.Option()] = "info",
) -> None:
    """Run the service (refuses an unmigrated database and says what to run)."""
    import uvicorn

    from progress_api.main import create_app

    settings = get_settings()
    problem = unmigrated_message(get_engine(settings.db_url, settings.sqlite_busy_timeout_ms))
    if problem:
        typer.echo(problem, err=True)
        raise typer.Exit(2)
    service_url = os.environ.get("JUPYTERHUB_SERVICE_URL")  # set by the hub for a managed service
    if service_url and (host is None or port is None):
        parsed = urlparse(service_url)
        host = host or parsed.hostname
        port = port or parsed.port
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level=log_level,
        proxy_headers=True,
    )


@app.command("seed-demo")
def seed_demo_command() -> None:
    """Seed the demo cohort, learners, trainer, CEDIA account, admin and catalogue (safe to run again)."""
    from progress_api.services.seed import seed_demo

    settings = get_settings()
    engine = get_engine(settings.db_url, settings.sqlite_busy_timeout_ms)
    _require_migrated(engine)
    with Session(engine) as db:
        done = seed_demo(db, settings=settings)
        db.commit()
    console.print(f"[green]Demo data seeded[/green] ({', '.join(done)}).")


@token_app.command("create")
def token_create(
    role: Annotated[Role, typer.Option(help="Role carried by the token.")],
    user: Annotated[str, typer.Option(help="Username (created with that role if missing).")],
    note: Annotated[str, typer.Option(help="What the token is for.")] = "",
) -> None:
    """Print a new API token (once: only its hash is stored)."""
    from progress_api.core.auth import create_api_token

    settings = get_settings()
    engine = get_engine(settings.db_url, settings.sqlite_busy_timeout_ms)
    _require_migrated(engine)
    with Session(engine) as db:
        raw = create_api_token(db, username=user, role=role, note=note)
        db.commit()
    typer.echo(raw)


@token_app.command("revoke")
def token_revoke(user: Annotated[str, typer.Option(help="Username whose tokens are deleted.")]) -> None:
    """Delete every token (API and web sessions) of a user."""
    from progress_api.core.auth import revoke_tokens

    settings = get_settings()
    engine = get_engine(settings.db_url, settings.sqlite_busy_timeout_ms)
    _require_migrated(engine)
    with Session(engine) as db:
        count = revoke_tokens(db, username=user)
        db.commit()
    console.print(f"{count} token(s) revoked for {user}.")


def _require_migrated(engine: object) -> None:
    problem = unmigrated_message(engine)  # type: ignore[arg-type]
    if problem:
        typer.echo(problem, err=True)
        raise typer.Exit(2)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
