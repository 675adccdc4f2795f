"""The local spawner: one JupyterLab server per user, home under $ACADEMY_HOME/hub/users/<name>.

Every user server runs as the hub's own Unix user (SimpleLocalProcessSpawner): no per-user accounts are needed on
the machine, which is what makes `make up` work on a fresh clone, and also why this is a one-machine demo and
training setup, not an isolation boundary (the Kubernetes path gives each user a pod). What we can do here:
- nbgrader identifies the learner by `c.CourseDirectory.student_id` (the Unix user is the same for everyone);
- the datasets are bind-mounted read-only in a private mount namespace of each server when the hub runs as root
  and `unshare` works (a server running as root could still remount them: it stops mistakes, not an attacker);
- formgrader and the assignment-creation tools are hidden: grading happens in the grader service and the
  progress service's trainer pages, scoped by cohort there.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from jupyterhub.spawner import SimpleLocalProcessSpawner
from traitlets import Dict, Integer, Unicode

# Lab plugins and server extensions of nbgrader meant for course authors, not for users of this platform.
HIDDEN_LAB_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment")
HIDDEN_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader",)
# Server extensions JupyterLab does not need here, left out to shorten every server's start-up: no language
# server is installed (jupyter_lsp only scans for them) and the classic Notebook 7 UI is not offered.
SKIPPED_SERVER_EXTENSIONS = ("jupyter_lsp", "notebook")

# Runs before the user server, inside its own mount namespace: $0 is the datasets folder, "$@" the server command.
_READONLY_SCRIPT = (
    'if [ -d "$0" ]; then mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" || exit 1; fi; exec "$@"'
)


@cache
def can_unshare_mounts() -> bool:
    """Can this process create a private mount namespace (root, and a kernel/container that allows it)?"""
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    try:
        done = subprocess.run(
            [unshare, "--mount", "--propagation", "private", "true"], capture_output=True, timeout=60, check=False
        )
    except OSError:
        return False
    return done.returncode == 0


def readonly_datasets_prefix(datasets: Path) -> list[str]:
    """Command prefix that starts the server with `datasets` mounted read-only (in its namespace only)."""
    unshare = shutil.which("unshare") or "unshare"
    return [unshare, "--mount", "--propagation", "private", "--", "/bin/sh", "-c", _READONLY_SCRIPT, str(datasets)]


def nbgrader_config_text(*, username: str, exchange: Path) -> str:
    """The learner's nbgrader_config.py: the grader part's rendering plus who the learner is."""
    courses = sorted(p.name for p in exchange.iterdir() if p.is_dir()) if exchange.is_dir() else []
    try:
        from graders.learner_config import render
    except ImportError:  # the grading part not installed: the exchange root is still enough to list assignments
        text = f"c = get_config()  # noqa: F821\nc.Exchange.root = {str(exchange)!r}\n"
    else:
        text = render(exchange=exchange, courses=courses)
    # All local servers share one Unix user, so nbgrader must not derive the student id from it.
    return (
        text.rstrip("\n")
        + f"\n\n# Added by the hub: the learner's identity.\nc.CourseDirectory.student_id = {username!r}\n"
    )


def write_jupyter_settings(config_dir: Path) -> None:
    """Hide nbgrader's authoring tools in a Jupyter config dir (~/.jupyter locally, /etc/jupyter in the k8s image)."""
    (config_dir / "labconfig").mkdir(parents=True, exist_ok=True)
    (config_dir / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": dict.fromkeys(HIDDEN_LAB_PLUGINS, True)}, indent=2)
    )
    (config_dir / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {
                    "jpserver_extensions": dict.fromkeys(HIDDEN_SERVER_EXTENSIONS + SKIPPED_SERVER_EXTENSIONS, False)
                }
            },
            indent=2,
        )
    )


def prepare_home(home: Path, *, username: str, exchange: Path) -> None:
    """Write the per-user configuration the server reads at start-up (rewritten at every spawn)."""
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)
    (home / "nbgrader_config.py").write_text(nbgrader_config_text(username=username, exchange=exchange))
    write_jupyter_settings(home / ".jupyter")


class AcademySpawner(SimpleLocalProcessSpawner):
    """SimpleLocalProcessSpawner that prepares the user's home and gives the academy's environment."""

    exchange = Unicode("", config=True, help="nbgrader exchange root (ACADEMY_EXCHANGE)")
    academy_environment = Dict(config=True, help="ACADEMY_* variables given to every user server")
    boot_concurrency = Integer(2, config=True, help="user servers booting at the same time (others wait)")

    def get_env(self) -> dict[str, Any]:
        env: dict[str, Any] = super().get_env()
        env.update(self.academy_environment)
        # The JupyterHub username, for code that needs it without asking the hub (self-check, notebooks).
        env["ACADEMY_USER"] = self.user.name
        return env

    async def start(self) -> Any:
        prepare_home(Path(self.home_dir), username=self.user.name, exchange=Path(self.exchange))
        # A server's boot is mostly CPU (imports). Fifty booting at once on two cores all miss the HTTP timeout;
        # booting a few at a time serves everyone, the first ones quickly.
        async with _boot_slots(self.boot_concurrency):
            ip, port = await super().start()
            await self._wait_listening(ip, port)
        return ip, port

    async def _wait_listening(self, ip: str, port: int) -> None:
        """Return once the server accepts connections; fail fast if it exits meanwhile."""
        while True:
            status = await self.poll()
            if status is not None:
                raise RuntimeError(f"the server of {self.user.name} exited with status {status} while starting")
            try:
                _reader, writer = await asyncio.open_connection(ip or "127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            writer.close()
            return


_SLOTS: dict[int, asyncio.Semaphore] = {}


def _boot_slots(size: int) -> asyncio.Semaphore:
    """One semaphore per size for the hub's event loop (created lazily, inside the loop)."""
    if size not in _SLOTS:
        _SLOTS[size] = asyncio.Semaphore(size)
    return _SLOTS[size]
