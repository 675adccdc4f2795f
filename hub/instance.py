"""One `academy up` per platform home, and a clear word when the port is taken.

The lock is an flock on `$ACADEMY_HOME/hub/up.lock`, held for the launcher's lifetime: the kernel releases it when
the launcher dies, however it dies, so a stale lock never blocks the next run. The file says who holds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import psutil

from hub.config import HubSettings


class AlreadyRunning(RuntimeError):
    """Another launcher holds this home, or something else listens on the hub's port; the message says what."""


@contextlib.contextmanager
def single_instance(settings: HubSettings) -> Iterator[None]:
    """Hold the platform home's launcher lock, or raise AlreadyRunning naming the running launcher."""
    path = settings.hub_dir / "up.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").split()
            pid, url = [*holder, "?", "?"][:2]
            raise AlreadyRunning(
                f"Académie is already running from {settings.home} (academy up, pid {pid}, {url}). "
                f"Open it in a browser, or stop it first: Ctrl-C in its terminal, or `kill {pid}`."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {settings.public_url}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def check_port_free(settings: HubSettings) -> None:
    """Refuse early, and say why, when the hub's public port is taken (e.g. a hub left by a killed launcher)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((settings.hub_ip, settings.hub_port))
            return
        except OSError:
            pass
    leftover = _leftover_hub(settings.hub_dir / "jupyterhub.pid")
    hint = (
        f"a JupyterHub from an earlier run of this platform is still running (pid {leftover}): `kill {leftover}`"
        if leftover
        else "another program uses it: stop it, or choose another port with `academy up --port N`"
    )
    raise AlreadyRunning(f"port {settings.hub_port} on {settings.hub_ip} is already in use; {hint}.")


def _leftover_hub(pid_file: Path) -> int | None:
    try:
        pid = int(pid_file.read_text().strip())
        return pid if psutil.pid_exists(pid) else None
    except (OSError, ValueError):
        return None
