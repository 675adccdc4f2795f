"""The local spawner: one JupyterLab server per user, home under $ACADEMY_HOME/hub/users/<name>.

No per-user accounts are needed on the machine (`make up` works on a fresh clone), yet, when the hub runs as root,
learners are separated: each server runs under its own uid in a private mount view that shows only what a learner
needs (hub/isolation.py). As an ordinary user (a developer's `make up`), servers share the developer's uid; the view
still hides the platform's private files through a user namespace when the kernel allows it (honest limit: code
running as the same uid as the hub can reach the hub's own processes, so this stops mistakes, not an attacker).

Servers are forked from a warm fork server (hub/forkserver.py) that has the single-user stack imported already;
when it is unavailable, a plain subprocess (`python -m hub.launch`, same sandbox) starts them, and the log says so.
Formgrader and the assignment-creation tools are hidden: grading happens in the grader service and the progress
service's trainer pages, scoped by cohort there.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from functools import cache
from pathlib import Path
from typing import Any

import psutil
from jupyterhub.spawner import SimpleLocalProcessSpawner
from jupyterhub.utils import random_port
from traitlets import Bool, Dict, Integer, Unicode

from hub.config import HubSettings, running_as_root
from hub.isolation import can_use_mount_view, learner_uid, learner_view
from hub.launch import Launch

# Lab plugins and server extensions of nbgrader meant for course authors, not for users of this platform.
HIDDEN_LAB_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment")
HIDDEN_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader",)
# Server extensions JupyterLab does not need here, left out to shorten every server's start-up: no language
# server is installed (jupyter_lsp only scans for them) and the classic Notebook 7 UI is not offered.
SKIPPED_SERVER_EXTENSIONS = ("jupyter_lsp", "notebook")
# JupyterLab's "official Jupyter news" prompt fetches from the internet, which learners' servers cannot reach and
# should not try to: a prompt about it on every first login only distracts.
SKIPPED_LAB_PLUGINS = ("@jupyterlab/apputils-extension:announcements",)
# How long a spawn waits for the fork server (a managed service, booting right after the hub) before falling back.
FORK_SERVER_WAIT = 30.0


def nbgrader_config_text(*, username: str, exchange: Path) -> str:
    """The learner's nbgrader_config.py: the grader part's rendering plus who the learner is."""
    courses = sorted(p.name for p in exchange.iterdir() if p.is_dir()) if exchange.is_dir() else []
    try:
        from graders.learner_config import render
    except ImportError:  # the grading part not installed: the exchange root is still enough to list assignments
        text = f"c = get_config()  # noqa: F821\nc.Exchange.root = {str(exchange)!r}\n"
    else:
        text = render(exchange=exchange, courses=courses)
    # The server's uid has no passwd entry, so nbgrader must not derive the student id from it. Identity does not
    # rest on this file (the learner may edit it): submissions are owned by the learner's uid, which the grader checks.
    return (
        text.rstrip("\n")
        + f"\n\n# Added by the hub: the learner's identity.\nc.CourseDirectory.student_id = {username!r}\n"
    )


def jupyter_settings() -> dict[str, str]:
    """Jupyter config files (relative to a config dir) hiding nbgrader's authoring tools and unused extensions."""
    return {
        "labconfig/page_config.json": json.dumps(
            {"disabledExtensions": dict.fromkeys(HIDDEN_LAB_PLUGINS + SKIPPED_LAB_PLUGINS, True)}, indent=2
        ),
        "jupyter_server_config.json": json.dumps(
            {
                "ServerApp": {
                    "jpserver_extensions": dict.fromkeys(HIDDEN_SERVER_EXTENSIONS + SKIPPED_SERVER_EXTENSIONS, False)
                },
                # Learners do not install JupyterLab extensions (their servers cannot reach PyPI, and the stack is
                # the academy's). The default PyPI manager also builds an HTTPS client at every start: a quarter of
                # a server's boot CPU, measured with py-spy.
                "LabApp": {"extension_manager": "readonly"},
            },
            indent=2,
        ),
    }


def write_jupyter_settings(config_dir: Path) -> None:
    """Write jupyter_settings() into a config dir (/etc/jupyter in the Kubernetes user image)."""
    for relative, text in jupyter_settings().items():
        (config_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (config_dir / relative).write_text(text)


def home_files(*, username: str, exchange: Path) -> dict[str, str]:
    """What the hub (re)writes in a home at each spawn, as the learner (hub/launch.py)."""
    files = {"nbgrader_config.py": nbgrader_config_text(username=username, exchange=exchange)}
    files.update({f".jupyter/{name}": text for name, text in jupyter_settings().items()})
    return files


def is_python_script(path: str) -> bool:
    """Can the fork server run this command in-process (a Python script such as the venv's jupyterhub-singleuser)?"""
    try:
        with open(path, "rb") as handle:
            first = handle.readline(200)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


class AcademySpawner(SimpleLocalProcessSpawner):
    """Local spawner with per-learner uid and mount view, started from a warm fork server."""

    exchange = Unicode("", config=True, help="nbgrader exchange root (ACADEMY_EXCHANGE)")
    academy_environment = Dict(config=True, help="ACADEMY_* variables given to every user server")
    boot_concurrency = Integer(2, config=True, help="user servers booting at the same time (others wait)")
    fork_server_socket = Unicode("", config=True, help="Unix socket of hub.forkserver; empty = plain subprocesses")
    isolate = Bool(True, config=True, help="own uid (as root) and private mount view for each server")

    def user_env(self, env: dict[str, Any]) -> dict[str, Any]:
        env = super().user_env(env)  # USER and HOME
        env["SHELL"] = "/bin/bash"  # terminals: the uid has no passwd entry to name a shell
        return env

    def get_env(self) -> dict[str, Any]:
        env: dict[str, Any] = super().get_env()
        env.update(self.academy_environment)
        # The JupyterHub username, for code that needs it without asking the hub (self-check, notebooks).
        env["ACADEMY_USER"] = self.user.name
        return env

    def launch_request(self) -> Launch:
        """Everything the server process must become (hub/launch.py applies it)."""
        if self.port == 0:  # type: ignore[has-type]  # (a traitlets property mypy cannot see through)
            self.port = _free_port()
        home = Path(self.home_dir)
        settings = _settings()
        as_root = running_as_root()
        argv = [*self.cmd, *self.get_args()]
        launch = Launch(
            argv=argv,
            env={key: str(value) for key, value in self.get_env().items()},
            cwd=str(home),
            files=home_files(username=self.user.name, exchange=Path(self.exchange)),
            log=str(settings.logs_dir / "users" / f"{self.user.name}.log"),
        )
        if not self.isolate:
            if as_root:
                launch.argv.append("--allow-root")  # servers refuse root otherwise (stack notes)
            return launch
        if as_root:
            launch.uid = launch.gid = learner_uid(settings, username=self.user.name, user_id=self.user.id)
        if can_use_mount_view(as_root=as_root):
            view = learner_view(settings, home=home, as_root=as_root)
            launch.hide, launch.expose, launch.userns = view.hide, view.expose, not as_root
        else:
            self.log.warning(
                "No private mount view possible here (unshare refused): %s's server sees the machine's files with "
                "its uid's rights, datasets writable by file modes only.",
                self.user.name,
            )
        return launch

    async def start(self) -> Any:
        home = Path(self.home_dir)
        home.mkdir(parents=True, exist_ok=True)
        home.chmod(0o700)
        launch = self.launch_request()
        _BOOTING_PORTS.add(self.port)  # until the server holds it, no other spawn may be given this port
        try:
            return await self._start(launch)
        finally:
            _BOOTING_PORTS.discard(self.port)

    async def _start(self, launch: Launch) -> Any:
        # A server's boot is mostly CPU. Fifty booting at once on two cores all miss the HTTP timeout; booting a
        # few at a time serves everyone, the first ones quickly.
        async with _boot_slots(self.boot_concurrency):
            started = time.monotonic()
            self.proc = None  # a Popen left by an earlier fallback spawn must not answer poll() for this one
            pid = await self._fork(launch) if self._can_fork(launch) else None
            how = "fork server"
            if pid is None:
                pid, how = self._popen(launch), "subprocess"
            self.pid = pid
            ip, port = self.ip or "127.0.0.1", self.port
            await self._wait_listening(pid, ip, port)
            self.log.info(
                "%s's server listening after %.2f s, %.2f CPU-s (%s, pid %d)",
                self.user.name,
                time.monotonic() - started,
                _cpu_seconds(pid),
                how,
                pid,
            )
        return ip, port

    def _can_fork(self, launch: Launch) -> bool:
        return bool(self.fork_server_socket) and len(launch.argv) > 0 and is_python_script(launch.argv[0])

    async def _fork(self, launch: Launch) -> int | None:
        """A child of the fork server, or None (logged) when the fork server cannot give one."""
        deadline = time.monotonic() + FORK_SERVER_WAIT
        while True:
            try:
                reader, writer = await asyncio.open_unix_connection(self.fork_server_socket)
                break
            except OSError as error:
                if time.monotonic() > deadline:
                    self.log.warning(
                        "fork server unavailable (%s): %s's server starts as a plain subprocess", error, self.user.name
                    )
                    return None
                await asyncio.sleep(0.2)
        try:
            writer.write(launch.to_json().encode() + b"\n")
            await writer.drain()
            line = await asyncio.wait_for(reader.readline(), timeout=60)
        except (OSError, TimeoutError) as error:
            self.log.warning("fork server failed (%s): %s's server starts as a plain subprocess", error, self.user.name)
            return None
        finally:
            writer.close()
        reply = json.loads(line or b"{}")
        if "pid" not in reply:
            raise RuntimeError(f"the server of {self.user.name} could not start: {reply.get('error', 'no answer')}")
        return int(reply["pid"])

    def _popen(self, launch: Launch) -> int:
        """Fallback: `python -m hub.launch` reads the request on stdin, applies the same sandbox, execs the server."""
        proc = subprocess.Popen([sys.executable, "-m", "hub.launch"], stdin=subprocess.PIPE, start_new_session=True)
        assert proc.stdin is not None
        proc.stdin.write(launch.to_json().encode())
        proc.stdin.close()
        self.proc = proc  # type: ignore[assignment]  # poll() and stop() use it, as LocalProcessSpawner does
        return int(proc.pid)

    async def _wait_listening(self, pid: int, ip: str, port: int) -> None:
        """Return once *this* server process listens on its port (not merely someone on it); fail fast if it exits."""
        while True:
            status = await self.poll()
            if status is not None:
                log = _settings().logs_dir / "users" / f"{self.user.name}.log"
                raise RuntimeError(
                    f"the server of {self.user.name} exited with status {status} while starting: see {log}"
                )
            # Whose socket it is means reading the machine's TCP table (thousands of lines at 9:00) in the hub, the
            # one process every spawn waits for; a refused connection is cheap, so ask only once somebody listens.
            if await _accepts(ip, port) and _listens(pid, port):
                return
            await asyncio.sleep(0.1)


# Ports handed to servers that are still booting: a port looks free until its server binds it, so two spawns at the
# same instant could be given the same one, and the proxy would send one learner to the other's server.
_BOOTING_PORTS: set[int] = set()
TCP_LISTEN = "0A"  # the state column of /proc/net/tcp


def _free_port() -> int:
    while True:
        port = int(random_port())
        if port not in _BOOTING_PORTS:
            return port


async def _accepts(ip: str, port: int) -> bool:
    """Does something accept TCP connections on ip:port right now?"""
    try:
        _reader, writer = await asyncio.wait_for(asyncio.open_connection(ip, port), timeout=1.0)
    except (OSError, TimeoutError):
        return False
    writer.close()
    return True


def _listens(pid: int, port: int) -> bool:
    """Does process `pid` itself hold a socket listening on TCP `port`?

    Read from /proc directly: psutil's net_connections decodes every TCP socket of the machine to answer this,
    ≈ 20 ms with fifty learners connected, in the hub's one process that every spawn waits for.
    """
    wanted = f":{port:04X} "
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{table}") as lines:
                next(lines, None)  # the header
                for line in lines:
                    # Thousands of lines at 9:00 (every connection, TIME_WAIT included): split only the candidates.
                    if wanted not in line:
                        continue
                    fields = line.split()  # sl, local, remote, state, ..., inode (10th)
                    if len(fields) > 9 and fields[3] == TCP_LISTEN and fields[1].endswith(wanted.strip()):
                        inodes.add(fields[9])
        except OSError:
            continue
    if not inodes:
        return False
    try:
        descriptors = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for descriptor in descriptors:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{descriptor}")
        except OSError:
            continue
        if target.startswith("socket:[") and target[len("socket:[") : -1] in inodes:
            return True
    return False


def _cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far (the boot's cost, logged for hub/README.md's figures)."""
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return float("nan")
    return float(times.user + times.system)


@cache
def _settings() -> HubSettings:
    """The hub's settings, read once from its environment (the same ACADEMY_* as jupyterhub_config.py)."""
    return HubSettings()


_SLOTS: dict[int, asyncio.Semaphore] = {}


def _boot_slots(size: int) -> asyncio.Semaphore:
    """One semaphore per size for the hub's event loop (created lazily, inside the loop)."""
    if size not in _SLOTS:
        _SLOTS[size] = asyncio.Semaphore(size)
    return _SLOTS[size]
