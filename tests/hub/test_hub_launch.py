"""The sandbox a user server enters (hub/launch.py), run for real with `python -m hub.launch`: uid, mount view,
capabilities, and a clear refusal of bad requests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.config import HubSettings
from hub.isolation import REPO, can_use_mount_view, learner_view
from hub.launch import Launch

SYSTEM_PYTHON = Path("/usr/bin/python3")
# Printed by the sandboxed process: who it is and what it can do.
REPORT = """
import json, os, sys
def can_write(path):
    try:
        with open(path, "a") as handle:
            handle.write("x")
        return "written"
    except OSError as error:
        return error.strerror
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
print(json.dumps({
    "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(), "cwd": os.getcwd(),
    "cap_eff": status["CapEff"].strip(), "no_new_privs": status["NoNewPrivs"].strip(),
    "home_listing": sorted(os.listdir(sys.argv[1])), "repo_listing": sorted(os.listdir(sys.argv[2])),
    "datasets_write": can_write(os.path.join(sys.argv[3], "x")), "home_write": can_write("notes.txt"),
    "env": sorted(os.environ),
}))
"""


def launch(request: Launch, *, python: str = sys.executable, user: int | None = None) -> subprocess.CompletedProcess:
    """Run `python -m hub.launch` with `request` on stdin, optionally as an unprivileged `user` (setpriv)."""
    prefix = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"] if user is not None else []
    return subprocess.run(
        [*prefix, python, "-m", "hub.launch"],
        input=request.to_json(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd="/",
        env={"PYTHONPATH": str(REPO), "PATH": os.environ["PATH"]},
    )


@pytest.fixture
def platform() -> Iterator[HubSettings]:
    """A platform home with a secret, datasets and a learner's home, in a directory anyone may traverse."""
    root = Path(tempfile.mkdtemp(prefix="academy-launch-"))
    root.chmod(0o755)
    settings = HubSettings(home=root / "home")
    settings.hub_dir.mkdir(parents=True)
    (settings.hub_dir / "roster_token").write_text("secret")
    settings.datasets_dir.mkdir(parents=True)
    (settings.datasets_dir / "manifest.json").write_text("{}")
    settings.exchange_dir.mkdir()
    yield settings
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0 or not can_use_mount_view(as_root=True), reason="needs root and unshare")
def test_as_root_the_server_runs_as_its_uid_in_the_allow_list_view(platform: HubSettings, tmp_path: Path) -> None:
    """Does the process run as the learner's uid, with no capability, seeing only the allow-listed paths?"""
    home = platform.users_dir / "camille"
    view = learner_view(platform, home=home, as_root=True)
    request = Launch(
        argv=[sys.executable, "-c", REPORT, str(platform.home), str(REPO), str(platform.datasets_dir)],
        env={"HOME": str(home), "USER": "camille"},
        cwd=str(home),
        uid=71001,
        gid=71001,
        hide=view.hide,
        expose=view.expose,
        files={"nbgrader_config.py": "c = get_config()\n"},
    )
    done = launch(request)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert (seen["uid"], seen["gid"], seen["groups"]) == (71001, 71001, [])
    assert seen["cap_eff"] == "0000000000000000" and seen["no_new_privs"] == "1"
    # $ACADEMY_HOME shows the datasets, the exchange and the path to her own home; no token, no other state.
    assert seen["home_listing"] == ["datasets", "exchange", "hub"]
    assert set(seen["repo_listing"]) <= {".venv", "courses", "datasets_synthetic", "graders"}
    assert seen["datasets_write"] == "Read-only file system" and seen["home_write"] == "written"
    assert set(seen["env"]) - {"LC_CTYPE"} == {"HOME", "USER"}  # (Python adds LC_CTYPE under the C locale)
    assert home.stat().st_uid == 71001 and (home / "nbgrader_config.py").stat().st_uid == 71001


@pytest.mark.skipif(
    os.geteuid() != 0 or not SYSTEM_PYTHON.exists() or shutil.which("setpriv") is None,
    reason="runs the launcher as an unprivileged user with the system Python",
)
def test_as_an_ordinary_user_a_user_namespace_gives_the_view_without_capabilities(platform: HubSettings) -> None:
    """A developer's `make up` (not root): datasets read-only and private paths hidden through a user namespace,
    and no capability left for the server's code to undo it; or a clear failure when the kernel refuses."""
    nobody = 65534
    home = platform.users_dir / "dev"
    home.mkdir(parents=True)
    for path in (platform.home, platform.hub_dir, platform.users_dir, home):
        os.chown(path, nobody, nobody)
    request = Launch(
        argv=[str(SYSTEM_PYTHON), "-c", REPORT, str(platform.home), str(REPO), str(platform.datasets_dir)],
        env={"HOME": str(home)},
        cwd=str(home),
        userns=True,
        hide=[(str(platform.home), 0o755), (str(REPO), 0o755)],
        expose=[(str(platform.datasets_dir), True), (str(home), False)],
    )
    done = launch(request, python=str(SYSTEM_PYTHON), user=nobody)
    if done.returncode != 0:  # e.g. unprivileged user namespaces disabled by the kernel
        assert "academy launch: cannot start the server" in done.stderr, done.stderr
        pytest.skip(f"user namespaces refused here: {done.stderr.strip()}")
    seen = json.loads(done.stdout)
    assert seen["uid"] == nobody and seen["cap_eff"] == "0000000000000000"
    assert seen["home_listing"] == ["datasets", "hub"] and seen["repo_listing"] == []
    assert seen["datasets_write"] == "Read-only file system" and seen["home_write"] == "written"


def test_a_request_writing_outside_the_home_is_refused_and_nothing_runs(tmp_path: Path) -> None:
    """Does a request whose files escape the home fail with a clear message before the command runs?"""
    marker = tmp_path / "ran"
    request = Launch(
        argv=["/bin/sh", "-c", f"touch {marker}"], env={}, cwd=str(tmp_path), files={"../escape.py": "x = 1\n"}
    )
    done = launch(request)
    assert done.returncode == 70
    assert "refusing to write outside the home: ../escape.py" in done.stderr
    assert not marker.exists() and not (tmp_path.parent / "escape.py").exists()


def test_an_unreadable_request_says_so() -> None:
    """Does garbage on stdin give exit 2 and a message naming the problem, not a traceback?"""
    done = subprocess.run(
        [sys.executable, "-m", "hub.launch"], input="{not json", capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "unreadable request on stdin" in done.stderr and "Traceback" not in done.stderr
