"""`academy hub prestart --cohort C`: start a cohort's servers before a session, through the hub's REST API.

At 9:00 a whole cohort logs in at once; on a small machine the cold boots queue (hub/README.md has the figures).
Started a few minutes before, every learner finds a ready JupyterLab. The command talks to the running hub with the
`prestart` service's token (`$ACADEMY_HOME/hub/prestart_hub_token`, role: list/read users and groups, start
servers), so it is run by the platform's operator (or a scheduled job), never by learners. Servers left unused are
stopped by the idle culler after `ACADEMY_CULL_TIMEOUT` seconds, so prestart within that time of the session.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import typer
from rich.console import Console

from hub.config import HubSettings
from hub.roster_sync import COHORT_PREFIX
from hub.secret_store import SecretError, read_secret

PRESTART_TOKEN = "prestart_hub_token"
# What the prestart service may do in the hub: find the cohort's members and start (never read) their servers.
PRESTART_SCOPES = ["list:users", "read:users", "read:groups", "servers"]
START_WORKERS = 16


class PrestartError(RuntimeError):
    """The cohort is unknown to the hub, or the hub cannot be reached; the message says what to check."""


@dataclass
class PrestartReport:
    started: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def _ready(model: dict[str, Any]) -> bool:
    return bool(model.get("servers", {}).get("", {}).get("ready"))


def prestart(*, hub_api: str, token: str, cohort: str, timeout: float = 600.0) -> PrestartReport:
    """Start every member's server of `cohort` that is not running; wait until all are ready (or `timeout`)."""
    report = PrestartReport()
    began = time.monotonic()
    with httpx.Client(
        base_url=hub_api.rstrip("/") + "/", headers={"Authorization": f"token {token}"}, timeout=60
    ) as hub:
        group = hub.get(f"groups/{COHORT_PREFIX}{cohort}")
        if group.status_code == 404:
            raise PrestartError(
                f"no cohort {cohort!r} in the hub (group {COHORT_PREFIX}{cohort}): is it in the progress service's "
                "roster? The roster sync brings it within ACADEMY_ROSTER_INTERVAL seconds."
            )
        group.raise_for_status()
        names = sorted(group.json()["users"])
        report.already = [name for name in names if _ready(hub.get(f"users/{name}").json())]
        # The hub answers a start request only once the server is up or after its slow_spawn_timeout (10 s): ask in
        # parallel (the hub still boots them a few at a time, ACADEMY_SPAWN_CONCURRENCY).
        to_start = [name for name in names if name not in report.already]
        with ThreadPoolExecutor(max_workers=START_WORKERS) as pool:
            answers = zip(to_start, pool.map(lambda name: hub.post(f"users/{name}/server"), to_start), strict=True)
        pending = []
        for name, answer in answers:
            if answer.status_code in (201, 202) or (answer.status_code == 400 and "pending" in answer.text):
                pending.append(name)
            elif answer.status_code == 400:  # started meanwhile (the learner logged in first)
                report.already.append(name)
            else:
                report.failed[name] = f"HTTP {answer.status_code}: {answer.text[:200]}"
        while pending and time.monotonic() - began < timeout:
            time.sleep(1.0)
            for name in list(pending):
                model = hub.get(f"users/{name}").json()
                if _ready(model):
                    pending.remove(name)
                    report.started.append(name)
                elif not model.get("servers", {}).get(""):  # the spawn failed: no server, not pending
                    pending.remove(name)
                    report.failed[name] = "the server did not start (see the hub log)"
        for name in pending:
            report.failed[name] = f"not ready after {timeout:.0f} s"
    report.seconds = time.monotonic() - began
    return report


app = typer.Typer(help="Operate the running hub.", no_args_is_help=True)


@app.command("prestart")
def prestart_cmd(
    cohort: str = typer.Option(..., "--cohort", help="Cohort id (as in the progress service's roster)."),
    timeout: float = typer.Option(600.0, help="Seconds to wait for every server to be ready."),
) -> None:
    """Start a cohort's JupyterLab servers before a session, so learners find them ready."""
    settings, console = HubSettings(), Console()
    try:
        token = read_secret(PRESTART_TOKEN, settings=settings, generate=False)
        report = prestart(hub_api=f"{settings.public_url}hub/api", token=token, cohort=cohort, timeout=timeout)
    except (SecretError, PrestartError) as error:
        console.print(f"[red]✗ {error}[/]")
        raise typer.Exit(code=1) from None
    except httpx.HTTPError as error:
        console.print(f"[red]✗ the hub at {settings.public_url} did not answer ({error}): is `academy up` running?[/]")
        raise typer.Exit(code=1) from None
    console.print(
        f"cohort {cohort}: {len(report.started)} started, {len(report.already)} already running, "
        f"{len(report.failed)} failed, in {report.seconds:.1f} s"
    )
    for name, why in sorted(report.failed.items()):
        console.print(f"  [red]✗[/] {name}: {why}")
    raise typer.Exit(code=1 if report.failed else 0)
