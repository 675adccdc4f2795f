"""Process supervision for the launcher: start the hub in its own process group, stop everything it started.

JupyterHub starts the proxy, the managed services and the user servers with `start_new_session=True` (so that a
Ctrl-C in the hub's terminal does not kill them behind its back); a process-group signal therefore does not reach
them. We remember the hub's whole process tree while it runs and, on stop, let the hub shut down cleanly first
(it stops its servers, services and proxy), then terminate and finally kill whatever is left of that tree.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx
import psutil


class Supervised:
    """A command started in its own process group, with the PIDs of every descendant it has had."""

    def __init__(self, cmd: Sequence[str], *, env: Mapping[str, str], log: Path, cwd: Path) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        # 0600: the logs name learners and what they do; nobody else on the machine reads them.
        self._log = os.fdopen(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
        os.fchmod(self._log.fileno(), 0o600)
        self.popen = subprocess.Popen(
            list(cmd), env=dict(env), cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT, process_group=0
        )
        self.known: dict[int, float] = {}  # pid -> create_time, so a recycled pid is never killed by mistake
        self.refresh()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def refresh(self) -> None:
        """Record the current descendants (call it regularly: orphans are re-parented and leave the tree)."""
        try:
            root = psutil.Process(self.pid)
            for proc in [root, *root.children(recursive=True)]:
                self.known.setdefault(proc.pid, proc.create_time())
        except psutil.NoSuchProcess:
            pass

    def alive(self) -> list[psutil.Process]:
        """Processes of the tree still running (matching pid and start time)."""
        found = []
        for pid, created in self.known.items():
            try:
                proc = psutil.Process(pid)
                if proc.create_time() == created and proc.status() != psutil.STATUS_ZOMBIE:
                    found.append(proc)
            except psutil.NoSuchProcess:
                continue
        return found

    def stop(self, *, grace: float = 20.0) -> None:
        """SIGTERM the hub (clean shutdown of its children), then SIGTERM and SIGKILL any survivor of the tree."""
        self.refresh()
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=grace)
        for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            left = self.alive()
            if not left:
                break
            for proc in left:
                try:
                    proc.send_signal(sig)
                except psutil.NoSuchProcess:
                    continue
            psutil.wait_procs(left, timeout=wait)
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait()
        self._log.close()


def wait_http(
    url: str, *, timeout: float, proc: Supervised | None = None, ok: frozenset[int] = frozenset({200})
) -> None:
    """Wait until `url` answers one of `ok`; fail early with a clear message if `proc` dies meanwhile."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc is not None:
            if proc.popen.poll() is not None:
                raise RuntimeError(f"the process exited with status {proc.popen.returncode} before {url} answered")
            proc.refresh()
        try:
            answer = httpx.get(url, timeout=5.0)
            if answer.status_code in ok:
                return
            last = f"HTTP {answer.status_code}"
        except httpx.HTTPError as error:
            last = str(error) or type(error).__name__
        time.sleep(0.25)
    raise TimeoutError(f"{url} not ready after {timeout:.0f} s ({last})")


def free_ports(count: int) -> list[int]:
    """`count` distinct TCP ports free on 127.0.0.1 right now, for servers started on free loopback ports.

    The sockets are held open until all are chosen: asked one at a time, the OS can hand out a port it has just
    released, and two parts of one platform given the same port talk to themselves (seen: the proxy forwarding to
    its own port in a loop of 404s).
    """
    held: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            held.append(sock)
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in held]
    finally:
        for sock in held:
            sock.close()


def free_port() -> int:
    """One TCP port free on 127.0.0.1 right now (for several at once, use free_ports)."""
    return free_ports(1)[0]
