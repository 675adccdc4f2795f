"""`academy up`: the whole platform on one machine, from a fresh clone, with one command.

Each step is idempotent, so running it twice duplicates nothing: the demo data is generated only when missing, the
database migration and the demo seed are no-ops the second time, the service tokens are created once and kept in
0600 files, an assignment already in the exchange is not released again, and the hub keeps its own database.
The other parts are driven through their public CLIs (style.md: the hub configures and launches, nobody imports it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import sysconfig
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import typer
from rich.console import Console

from hub.config import HubSettings
from hub.instance import AlreadyRunning, check_port_free, single_instance
from hub.isolation import protect_platform
from hub.process import Supervised, wait_http
from hub.secret_store import SecretError, check_production, read_secret, secret_path, write_secret
from hub.services import SERVICE_ACCOUNTS

RELEASE_WORKERS = 3
CONFIG_FILE = Path(__file__).with_name("jupyterhub_config.py")
# Service tokens of the progress service the hub needs: secret name -> (role, user) for `academy api token create`.
SERVICE_TOKENS = {"grader_token": ("grader", SERVICE_ACCOUNTS[0]), "roster_token": ("admin", SERVICE_ACCOUNTS[1])}


class StepError(RuntimeError):
    """A preparation step failed; the message says which command and what it printed."""


def _run(cmd: list[str], *, env: dict[str, str], cwd: Path, what: str, show: bool = False) -> str:
    """Run one step; `show` lets its own output (a progress bar) through instead of keeping it for the error."""
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=not show, text=True, check=False)
    if show:
        if done.returncode != 0:
            raise StepError(f"{what} failed ({' '.join(cmd[1:])}, exit {done.returncode}): see its output above")
        return ""
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()[-3000:]
        raise StepError(f"{what} failed ({' '.join(cmd[1:])}, exit {done.returncode}):\n{output}")
    return done.stdout


def child_env(settings: HubSettings) -> dict[str, str]:
    """The environment of every process we start: ours, with the platform's paths made absolute."""
    return {**os.environ, **settings.academy_env()}


def academy(settings: HubSettings, *args: str) -> list[str]:
    return [str(settings.bin_dir / "academy"), *args]


def ensure_datasets(settings: HubSettings, *, console: Console) -> None:
    if (settings.datasets_dir / "manifest.json").exists():
        console.print(f"[green]✓[/] demo data present: {settings.datasets_dir}")
        return
    console.print(f"… generating the demo data ({settings.demo_members} members) into {settings.datasets_dir}")
    cmd = academy(settings, "data", "generate", "--out", str(settings.datasets_dir))
    env = child_env(settings)
    _run([*cmd, "--members", str(settings.demo_members)], env=env, cwd=settings.home, what="data", show=True)
    console.print("[green]✓[/] demo data generated")


def parse_token(output: str) -> str:
    """`academy api token create` prints the token once; it is the last non-empty line of its output."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    if not lines:
        raise StepError("`academy api token create` printed nothing")
    return lines[-1].split()[-1]


def ensure_service_tokens(settings: HubSettings) -> None:
    """Create the grader's and the roster sync's progress-service tokens once; later runs reuse the 0600 files."""
    for name, (role, user) in SERVICE_TOKENS.items():
        try:
            read_secret(name, settings=settings, generate=False)
            continue
        except SecretError:
            if secret_path(name, settings=settings).exists():
                raise  # unsafe permissions or empty: say so rather than silently replace it
        output = _run(
            academy(settings, "api", "token", "create", "--role", role, "--user", user),
            env=child_env(settings),
            cwd=settings.home,
            what=f"creating the {role} token",
        )
        write_secret(name, parse_token(output), settings=settings)


def ensure_dirs(settings: HubSettings) -> None:
    for path in (settings.home, settings.exchange_dir):
        path.mkdir(parents=True, exist_ok=True)
    protect_platform(settings)  # hub/ (tokens, hub database), grading/, logs/: 0700 from the start


def prepare_progress(settings: HubSettings, *, console: Console) -> None:
    """The progress service's database: migrated, demo seeded, the hub's service tokens created."""
    env = child_env(settings)
    _run(academy(settings, "api", "migrate"), env=env, cwd=settings.home, what="database migration")
    console.print("[green]✓[/] database migrated")
    if settings.env == "production":
        console.print("demo accounts not seeded (production: people come from the SSO and the roster)")
    else:
        _run(academy(settings, "api", "seed-demo"), env=env, cwd=settings.home, what="demo seed")
        console.print("[green]✓[/] demo cohort seeded")
    ensure_service_tokens(settings)
    protect_platform(settings)  # progress.db exists now: 0600 (SQLite gives its WAL files the same mode)
    console.print("[green]✓[/] service tokens ready")


def first_assignments(only: list[str] | None = None) -> list[tuple[str, str]]:
    """(course, assignment) of each course's first assignment, from the course catalogue (courses/*/course.yml)."""
    from courses.manifest import load_catalog

    catalog = [course for course in load_catalog() if course.assignments and (only is None or course.id in only)]
    return [(course.id, course.assignments[0].id) for course in catalog]


def release_first_assignments(settings: HubSettings, *, cohorts: list[str], console: Console) -> None:
    """Release each course's first assignment to the demo cohorts (needs the progress service up: it registers).

    Courses have separate nbgrader directories and gradebooks, so they are released a few at a time.
    """
    env = {
        **child_env(settings),
        "ACADEMY_PROGRESS_URL": settings.progress_internal_url,
        "ACADEMY_GRADER_TOKEN": read_secret("grader_token", settings=settings, generate=False),
    }

    def release(course: str, assignment: str) -> str:
        if (settings.exchange_dir / course / "outbound" / assignment).is_dir():
            # Released by an earlier run: a second `academy up` must not re-release (learners may have fetched it).
            return f"{course}/{assignment} already released"
        for cohort in cohorts:
            cmd = ["grade", "release", "--course", course, "--assignment", assignment, "--cohort", cohort]
            _run(academy(settings, *cmd), env=env, cwd=settings.home, what=f"release of {course}/{assignment}")
        return f"released {course}/{assignment} to {', '.join(cohorts)}"

    with ThreadPoolExecutor(max_workers=RELEASE_WORKERS) as pool:
        for done in pool.map(lambda pair: release(*pair), first_assignments(settings.release_courses)):
            console.print(f"[green]✓[/] {done}")


def compile_bytecode(settings: HubSettings, *, console: Console) -> None:
    """Compile the venv's bytecode once: learners' kernels cannot write it (read-only venv, their own uid), so an
    uncompiled module would be compiled again at every kernel start (ipykernel, pandas, scikit-learn...)."""
    paths = sorted({sysconfig.get_paths()[key] for key in ("purelib", "platlib")})
    # Up to date files are skipped (≈ 0.2 s on later runs); a file that does not compile is only reported.
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", *paths], capture_output=True, check=False)
    console.print("[green]✓[/] bytecode of the venv compiled")


def prepare(settings: HubSettings, *, console: Console) -> None:
    """Everything before the hub starts; each step idempotent."""
    ensure_dirs(settings)
    ensure_datasets(settings, console=console)
    compile_bytecode(settings, console=console)
    prepare_progress(settings, console=console)


def start_hub(settings: HubSettings) -> Supervised:
    return Supervised(
        [str(settings.bin_dir / "jupyterhub"), "-f", str(CONFIG_FILE)],
        env=child_env(settings),
        log=settings.logs_dir / "jupyterhub.log",
        cwd=settings.hub_dir,
    )


def read_roster(settings: HubSettings) -> list[dict[str, Any]]:
    """The progress service's roster (admin token): who logs in with which role, which cohorts exist."""
    token = read_secret("roster_token", settings=settings, generate=False)
    answer = httpx.get(
        settings.progress_internal_url + "/api/v1/roster", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    answer.raise_for_status()
    users: list[dict[str, Any]] = answer.json().get("users", [])
    return users


def demo_logins(roster: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Role -> usernames, from the roster the hub syncs from (so what we print is what works)."""
    logins: dict[str, list[str]] = {}
    for user in roster:
        if user["username"] in SERVICE_ACCOUNTS:
            continue
        for role in user.get("roles", []):
            logins.setdefault(role, []).append(user["username"])
    return logins


def wait_ready(settings: HubSettings, hub: Supervised, *, timeout: float = 120.0) -> None:
    wait_http(f"{settings.public_url}hub/api/", timeout=timeout, proc=hub)
    if settings.progress_service:
        wait_http(f"{settings.progress_internal_url}/api/v1/health", timeout=timeout, proc=hub)


def _interrupt(signum: int, frame: FrameType | None) -> Any:
    raise KeyboardInterrupt  # `kill <pid>` or closing the terminal stops the platform as cleanly as Ctrl-C does


def _already_stopping(signum: int, frame: FrameType | None) -> Any:
    print("already stopping: waiting for every process to exit", flush=True)


def _stopping() -> None:
    """From here on a second Ctrl-C (an impatient user, or `timeout`, which signals its whole group) must not cut
    the stop short: the launcher would die and leave the hub, its services and the user servers running."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _already_stopping)


def main(*, settings: HubSettings, console: Console) -> int:
    """Refuse what cannot run, prepare, start the hub (proxy, services, user servers), wait for Ctrl-C."""
    # Ctrl-C, `kill` and a closed terminal (SIGHUP) all stop the platform cleanly, even during the preparation.
    # SIGINT too, explicitly: a launcher started from a background job inherits SIGINT ignored, and Python then
    # installs no KeyboardInterrupt handler, so `kill -INT` would be lost (seen running the tests from a script).
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    try:
        check_production(settings)  # before anything is generated or seeded
        with single_instance(settings):
            check_port_free(settings)
            return _serve(settings, console=console)
    except (SecretError, AlreadyRunning) as error:
        console.print(f"[red]✗ {error}[/]")
        return 1


def _serve(settings: HubSettings, *, console: Console) -> int:
    try:
        prepare(settings, console=console)
    except (StepError, SecretError) as error:
        console.print(f"[red]✗ {error}[/]")
        return 1
    except KeyboardInterrupt:
        console.print("\ninterrupted before the hub started: nothing is running.")
        return 130
    hub = start_hub(settings)
    try:
        try:
            wait_ready(settings, hub)
        except (RuntimeError, TimeoutError) as error:
            console.print(f"[red]✗ the hub did not start: {error}[/]\n  see {settings.logs_dir / 'jupyterhub.log'}")
            return 1
        try:
            roster = read_roster(settings)
            cohorts = sorted({cohort for user in roster for cohort in user.get("cohorts", [])})
            release_first_assignments(settings, cohorts=cohorts, console=console)
        except (StepError, SecretError, httpx.HTTPError) as error:
            console.print(f"[red]✗ {error}[/]")
            return 1
        console.print(f"\n[bold]Académie is running:[/] {settings.public_url}")
        if settings.env != "production":
            console.print(f"[yellow]DEMO accounts[/] (password [bold]{settings.demo_password}[/], demo only):")
            for role, names in sorted(demo_logins(roster).items()):
                console.print(f"  {role:<8} {', '.join(sorted(names)[:8])}{' …' if len(names) > 8 else ''}")
        console.print(f"Logs: {settings.logs_dir}. Press Ctrl-C to stop everything.")
        while hub.popen.poll() is None:
            hub.refresh()
            time.sleep(1.0)
        console.print(f"[red]the hub exited with status {hub.popen.returncode}[/]; see {settings.logs_dir}")
        return 1
    except KeyboardInterrupt:
        _stopping()
        console.print("\nstopping the platform…")
        return 0
    finally:
        _stopping()
        hub.stop()
        console.print("stopped.")


def up(
    port: int = typer.Option(None, help="Public port of the hub (default 8000, or ACADEMY_HUB_PORT)."),
    members: int = typer.Option(None, help="Members in the demo dataset when it must be generated."),
) -> None:
    """Start the whole platform locally: data, database, demo cohort, releases, JupyterHub and its services."""
    # Options are environment overrides: the hub process reads the same ACADEMY_* variables as this one.
    if port is not None:
        os.environ["ACADEMY_HUB_PORT"] = str(port)
    if members is not None:
        os.environ["ACADEMY_DEMO_MEMBERS"] = str(members)
    raise typer.Exit(code=main(settings=HubSettings(), console=Console(soft_wrap=True)))
