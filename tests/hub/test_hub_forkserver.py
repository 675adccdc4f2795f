"""The fork server (hub/forkserver.py), run for real: warm children, nothing of one spawn reaching the next, a
scrubbed environment, refusal of other users, exit with the hub."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from hub.isolation import REPO
from hub.launch import Launch
from hub.spawner import _listens

# What a child reports: its environment, whether the server stack was already imported before the script ran,
# and whether a module attribute set by an earlier child leaked into it.
CHILD = """
import json, os, sys
preloaded = "jupyter_server.serverapp" in sys.modules
import jupyter_server
import nbformat.validator
warm_validators = len(nbformat.validator.validators)
leaked = getattr(jupyter_server, "ACADEMY_TEST_MARK", None)
jupyter_server.ACADEMY_TEST_MARK = os.environ["WHO"]
with open(os.environ["OUT"], "w") as out:
    json.dump({"env": dict(os.environ), "cwd": os.getcwd(), "pid": os.getpid(), "preloaded": preloaded,
               "warm_validators": warm_validators, "leaked": leaked, "argv": sys.argv}, out)
"""


def start_fork_server() -> Iterator[tuple[Path, subprocess.Popen[bytes]]]:
    root = Path(tempfile.mkdtemp(prefix="academy-fork-"))
    sock = root / "fork.sock"
    env = {**os.environ, "JUPYTERHUB_API_TOKEN": "service-token-of-the-fork-server", "PYTHONPATH": str(REPO)}
    parent = subprocess.Popen(
        ["/bin/sh", "-c", f"{sys.executable} -m hub.forkserver --socket {sock}; exit 0"], env=env, cwd=str(root)
    )
    deadline = time.monotonic() + 120
    while not sock.exists():
        assert parent.poll() is None and time.monotonic() < deadline, "the fork server did not start"
        time.sleep(0.1)
    yield sock, parent
    if parent.poll() is None:
        parent.kill()
        parent.wait()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def fork_server() -> Iterator[tuple[Path, subprocess.Popen[bytes]]]:
    """A fork server started under `sh` (standing in for the hub), with a token in its environment (shared by the
    tests that leave it running: its preload costs seconds)."""
    yield from start_fork_server()


@pytest.fixture
def own_fork_server() -> Iterator[tuple[Path, subprocess.Popen[bytes]]]:
    """A fork server of its own, for a test that kills its parent."""
    yield from start_fork_server()


def request(sock: Path, launch: Launch) -> dict[str, object]:
    with socket.socket(socket.AF_UNIX) as conn:
        conn.connect(str(sock))
        conn.sendall(launch.to_json().encode() + b"\n")
        reply: dict[str, object] = json.loads(conn.makefile().readline())
    return reply


def wait_file(path: Path) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while not path.exists() or not path.read_text():
        assert time.monotonic() < deadline, f"{path} never written"
        time.sleep(0.05)
    time.sleep(0.1)
    data: dict[str, object] = json.loads(path.read_text())
    return data


def test_each_spawn_gets_a_fresh_warm_child_with_only_its_own_environment(
    fork_server: tuple[Path, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    """Two spawns: each child has the stack preloaded, its own env and cwd, and nothing of the other one."""
    sock, _parent = fork_server
    script = tmp_path / "child.py"
    script.write_text(f"#!{sys.executable}\n{CHILD}")
    seen = {}
    for who in ("camille", "yanis"):
        cwd = tmp_path / who
        cwd.mkdir()
        out = tmp_path / f"{who}.json"
        reply = request(sock, Launch(argv=[str(script), who], env={"WHO": who, "OUT": str(out)}, cwd=str(cwd)))
        assert isinstance(reply.get("pid"), int), reply
        seen[who] = wait_file(out)
        assert seen[who]["pid"] == reply["pid"]
    for who, report in seen.items():
        env = report["env"]
        assert isinstance(env, dict)
        assert env["WHO"] == who and "JUPYTERHUB_API_TOKEN" not in env
        assert report["cwd"] == str(tmp_path / who) and report["argv"] == [str(script), who]
        assert report["preloaded"] is True  # the imports were paid once, by the parent
        assert report["warm_validators"] >= 1  # and so was the notebook validator every first notebook needs
        assert report["leaked"] is None  # camille's mark never reached yanis' child


def test_the_parent_environment_is_scrubbed_and_a_failed_sandbox_is_reported(
    fork_server: tuple[Path, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    """Is the environment a child inherits in /proc (the parent's start-up one) free of the service token, and does a
    refused request come back as an error?"""
    sock, parent = fork_server
    (server,) = [p for p in psutil.Process(parent.pid).children() if "hub.forkserver" in " ".join(p.cmdline())]
    raw = Path(f"/proc/{server.pid}/environ").read_bytes()
    assert b"service-token-of-the-fork-server" not in raw and b"HOME=/nonexistent" in raw
    bad = Launch(argv=["/bin/true"], env={}, cwd=str(tmp_path), files={"../x": "escape"})
    reply = request(sock, bad)
    assert "refusing to write outside the home" in str(reply.get("error")), reply


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs another uid to connect")
def test_another_user_cannot_get_a_child(fork_server: tuple[Path, subprocess.Popen[bytes]], tmp_path: Path) -> None:
    """Even with the socket reachable, a connection from another uid is closed without a fork."""
    sock, _parent = fork_server
    sock.parent.chmod(0o755)
    sock.chmod(0o777)  # what a misconfiguration would allow: the peer-credential check still refuses
    out = tmp_path / "intruder"
    client = """
import socket, sys
conn = socket.socket(socket.AF_UNIX)
conn.connect(sys.argv[1])
try:
    conn.sendall(sys.argv[2].encode() + b"\\n")
    print("answered" if conn.recv(100) else "closed")
except (BrokenPipeError, ConnectionResetError):  # closed before or while we spoke
    print("closed")
"""
    launch = Launch(argv=["/bin/sh", "-c", f"touch {out}"], env={}, cwd="/", uid=0)
    done = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", client,
         str(sock), launch.to_json()],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.stdout.strip() == "closed", done.stdout + done.stderr
    time.sleep(0.5)
    assert not out.exists()


def test_the_fork_server_exits_with_the_hub(own_fork_server: tuple[Path, subprocess.Popen[bytes]]) -> None:
    """Killed hub (here: its stand-in shell, SIGKILL): the fork server does not linger."""
    _sock, parent = own_fork_server
    (server,) = [p for p in psutil.Process(parent.pid).children() if "hub.forkserver" in " ".join(p.cmdline())]
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    server.wait(timeout=30)
    assert not server.is_running() or server.status() == psutil.STATUS_ZOMBIE


def test_a_server_is_ready_only_once_it_listens_itself(tmp_path: Path) -> None:
    """Is a port held by another process never taken for the learner's server listening (it would get her traffic)?"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as own:
        own.bind(("127.0.0.1", 0))
        port = own.getsockname()[1]
        assert not _listens(os.getpid(), port)  # bound, not listening yet: the server is still booting
        own.listen()
        assert _listens(os.getpid(), port)
        other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        try:
            assert not _listens(other.pid, port)  # somebody listens on that port, but not that process
        finally:
            other.kill()
            other.wait()
    assert not _listens(os.getpid(), port)
