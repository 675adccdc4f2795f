"""A JupyterHub application initialised in the test process (database, authenticator, roles, services), not started.

`JupyterHub.initialize` is what `jupyterhub` runs before listening: it refuses contradictory configuration (roles
naming unknown services, `load_groups` with an authenticator managing groups...) the way the real hub would at
start-up, without a proxy, a port or a spawned server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from jupyterhub.app import JupyterHub
from traitlets.config import Config

T = TypeVar("T")


@dataclass
class InitialisedHub:
    """The application and the event loop it was initialised on (spawner calls must run on the same loop)."""

    app: JupyterHub
    loop: asyncio.AbstractEventLoop

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)


async def cancel_background_tasks() -> None:
    """End the tasks clients left on the loop (KubeSpawner closes its Kubernetes client when the loop ends)."""
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


@contextmanager
def initialised_hub(config: Config, *, workdir: Path, argv: list[str] | None = None) -> Iterator[InitialisedHub]:
    """The hub application built from `config` (and `argv`, e.g. `-f file`), its state under `workdir`."""
    config = Config(config)
    config.JupyterHub.cookie_secret_file = str(workdir / "jupyterhub_cookie_secret")
    app = JupyterHub(config=config)
    hub = InitialisedHub(app=app, loop=asyncio.new_event_loop())
    try:
        hub.run(app.initialize(argv or []))
        yield hub
    finally:
        if getattr(app, "db", None) is not None:
            app.db.close()
        hub.run(cancel_background_tasks())
        hub.loop.close()
