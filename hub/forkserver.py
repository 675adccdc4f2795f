"""Fork server: imports the single-user stack once, then forks one fresh child per user server.

A user server's boot is mostly imports (jupyterhub.singleuser, jupyter_server, jupyterlab, nbgrader's extensions:
hub/README.md has the measured split). This process, started by the hub as a managed service, pays them once; each
spawn then costs only the server's own initialisation.

Isolation between learners, by construction:
- the parent never runs learner code and never reads a request: it accepts a connection from the hub (checked by
  peer credentials), forks, and forgets it. The child reads the spawn request itself, so no learner's token or
  environment ever sits in the parent's memory, where the next child would inherit it;
- the parent imports modules only (no app is created, no event loop, no thread: fork-safe), so every child starts
  from the same pristine state; `random` reseeds itself in each child (os.register_at_fork);
- the parent's own environment is scrubbed at start (it re-execs itself), since /proc/<child>/environ shows it;
- the child closes the listening socket, applies the sandbox (hub/launch.py), then runs the server script.

    python -m hub.forkserver --socket $ACADEMY_HOME/hub/forkserver.sock
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import runpy
import select
import signal
import socket
import struct
import sys
import threading
import time
import traceback

from hub.launch import Launch, LaunchError, enter

# What the single-user server imports while it boots (each entry pulls in its tree; the list comes from comparing
# sys.modules in a booted child with the parent's: what is left is a few small modules).
PRELOAD = (
    "jupyterhub.singleuser",
    "jupyterhub.singleuser.extension",
    "jupyter_server.serverapp",
    "jupyter_server.services.contents.largefilemanager",
    "jupyter_server.services.kernels.kernelmanager",
    "jupyter_server.gateway.managers",
    # Request handlers jupyter_server imports while it builds its web application.
    *(
        f"jupyter_server.{name}.handlers"
        for name in (
            "kernelspecs",
            "nbconvert",
            "view",
            "services.api",
            "services.config",
            "services.contents",
            "services.events",
            "services.kernels",
            "services.kernelspecs",
            "services.nbconvert",
            "services.security",
            "services.sessions",
        )
    ),
    "jupyter_server.services.shutdown",
    "jupyter_core.migrate",
    "tornado.platform.asyncio",
    "jupyterlab",
    "jupyterlab.labapp",
    "jupyterlab.handlers.announcements",
    "jupyterlab_server",
    "jupyter_server_terminals",
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.course_list",
    "nbgrader.server_extensions.validate_assignment",
    "notebook_shim",
    "notebook_shim.nbserver",
    # Imported lazily once the server runs (hub API client, contents and kernel helpers).
    "httpx",
    "anyio._backends._asyncio",
    "IPython",
    "jinja2.ext",
)
# The only variables the parent keeps (the child gets the spawn's own environment).
KEPT_ENV: tuple[str, ...] = ("PATH", "LANG", "LC_ALL", "TZ", "VIRTUAL_ENV")
KEPT_ENV += ("JUPYTERHUB_SINGLEUSER_APP", "JUPYTERHUB_SINGLEUSER_EXTENSION")  # read when jupyterhub.singleuser loads
SCRUBBED = "ACADEMY_FORKSERVER_SCRUBBED"
REQUEST_TIMEOUT = 30.0
PR_SET_PDEATHSIG = 1


def scrub_environment() -> None:
    """Re-exec with only KEPT_ENV (and a HOME nobody has): the managed-service variables hold the hub's tokens."""
    if os.environ.get(SCRUBBED) == "1":
        return
    clean = {key: os.environ[key] for key in KEPT_ENV if key in os.environ}
    clean.update({"HOME": "/nonexistent", SCRUBBED: "1"})
    os.execve(sys.executable, [sys.executable, "-m", "hub.forkserver", *sys.argv[1:]], clean)


def preload() -> list[str]:
    """Import the server's modules; return those that failed (logged: the child will import them itself)."""
    failed = []
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception as error:  # a missing optional extension must not stop the server
            failed.append(f"{name} ({type(error).__name__}: {error})")
    return failed


def warm_caches() -> None:
    """Build, once, what each server would otherwise build on its first notebook.

    Opening or creating a notebook validates it, and nbformat compiles its JSON schema into a validator on first use:
    ≈ 0.05 CPU-s per server, a third of a server's CPU from boot to its first notebook (measured with py-spy).
    The compiled validator is a plain function, shared copy-on-write by the children like the imported modules.
    """
    import nbformat
    from nbformat.validator import get_validator

    get_validator(nbformat.current_nbformat, nbformat.v4.nbformat_minor)


def _reap(*_args: object) -> None:
    """Collect finished children at once: a zombie would still answer the hub's `kill -0` poll as alive."""
    with contextlib.suppress(ChildProcessError):
        while True:
            pid, _status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                return


def _peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return int(uid)


def _read_request(conn: socket.socket) -> Launch:
    conn.settimeout(REQUEST_TIMEOUT)
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            raise LaunchError("the hub closed the connection before sending the request")
        data += chunk
    return Launch.from_json(data.decode())


def run_child(listener: socket.socket, conn: socket.socket) -> int:
    """In the forked child: become the learner's server and run it; returns the exit status."""
    listener.close()
    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        launch = _read_request(conn)
        enter(launch)
    except (LaunchError, OSError, ValueError, TypeError) as error:
        with contextlib.suppress(OSError):
            conn.sendall(json.dumps({"error": str(error)}).encode() + b"\n")
        return 70
    conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
    conn.close()
    os.closerange(3, 65536)  # nothing of the parent's (or of the hub's) descriptors reaches the learner's server
    sys.argv = list(launch.argv)
    try:
        runpy.run_path(launch.argv[0], run_name="__main__")
    except SystemExit as done:
        code = done.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except BaseException:  # the server's own crash: in the log, like a process's
        traceback.print_exc()
        return 1
    return 0


def serve(path: str) -> None:
    """Accept the hub's connections; one fork per connection, nothing else."""
    owner = os.getuid()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)  # the socket is 0600: only the hub's user may connect (checked again per peer)
    try:
        listener.bind(path)
    finally:
        os.umask(old_umask)
    listener.listen(128)
    parent = os.getppid()
    signal.signal(signal.SIGCHLD, _reap)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # user servers live on: the hub stops them itself
    print(f"academy fork server: ready on {path} (pid {os.getpid()})", flush=True)
    while os.getppid() == parent:
        ready, _w, _x = select.select([listener], [], [], 1.0)
        if not ready:
            _reap()
            continue
        conn, _addr = listener.accept()
        if _peer_uid(conn) != owner:
            conn.close()  # someone else on the machine: never fork for them
            continue
        if threading.active_count() != 1:  # fork with threads is unsafe: refuse rather than give a broken child
            conn.close()
            print("academy fork server: a thread appeared, refusing to fork; exiting", flush=True)
            return
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = run_child(listener, conn)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        conn.close()
    print("academy fork server: the hub is gone, exiting", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="Fork server of the academy's user servers.")
    parser.add_argument("--socket", required=True, help="Unix socket path (in the hub's private directory)")
    args = parser.parse_args()
    scrub_environment()
    import ctypes

    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)  # the hub killed hard: do not linger
    started = time.process_time()
    failed = preload()
    try:
        warm_caches()
    except Exception as error:  # an optimisation only: the children build the validator themselves
        failed.append(f"nbformat validator ({type(error).__name__}: {error})")
    print(
        f"academy fork server: {len(sys.modules)} modules preloaded in {time.process_time() - started:.2f} CPU-s"
        + (f"; not preloaded: {', '.join(failed)}" if failed else ""),
        flush=True,
    )
    serve(args.socket)


if __name__ == "__main__":
    main()
