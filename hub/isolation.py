"""Who a learner's server runs as and what it may see, on the local platform.

- Identity: as root, each user server runs under its own unprivileged uid (gid = uid, no /etc/passwd entry needed):
  `UID_BASE` + the hub's id of the user, persisted in `$ACADEMY_HOME/hub/user_uids.json` (`{"<username>": uid}`),
  which the grader reads to check that a submission in the exchange is owned by the learner it claims to be.
- View: an allow-list. The repository checkout, `$ACADEMY_HOME`, the hub user's own home, /tmp, /dev/shm and /run
  are covered by empty tmpfs; bound back are only what a learner's server needs: the venv and the interpreter
  (read-only), the modules notebooks import (read-only: `datasets_synthetic`, `courses.checks`/`courses.stubs`,
  `graders.selfcheck`/`graders.learner_config`), the datasets (read-only), the exchange and the learner's own home.
  Solutions (courses/*/source, courses/authoring), tests/, .git, tokens, databases, gradebooks, logs and other
  learners' homes are therefore not in the view at all. hub/launch.py applies the view.
- Host permissions as a second line: hub/ and grading/ 0700, progress.db* 0600, logs/ 0700.
"""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hub.config import HubSettings
from hub.launch import Launch

REPO = Path(__file__).resolve().parents[1]
# Everything of the checkout a learner's kernel imports; the rest of the repository is hidden.
LEARNER_CODE = (
    "datasets_synthetic",
    "courses/__init__.py",
    "courses/checks.py",
    "courses/stubs.py",
    "graders/__init__.py",
    "graders/selfcheck.py",
    "graders/learner_config.py",
)
# Name resolution on systemd hosts reads /run/systemd/resolve (through /etc/resolv.conf): kept visible.
RUN_KEPT = ("/run/systemd/resolve",)
UID_BASE = 70000
UIDS_FILE = "user_uids.json"


@dataclass(frozen=True)
class View:
    hide: list[tuple[str, int]]
    expose: list[tuple[str, bool]]


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def learner_view(settings: HubSettings, *, home: Path, as_root: bool) -> View:
    """The learner server's mount view: hidden roots (tmpfs mode) and exposed paths (read-only?)."""
    hide: dict[str, int] = {"/tmp": 0o1777, "/dev/shm": 0o1777, "/run": 0o755}
    for private in (REPO, settings.home, Path(os.path.expanduser("~")), *_git_dirs(REPO)):
        if str(private) not in ("/", "") and private.is_dir():
            hide[str(private)] = 0o755
    expose: dict[str, bool] = {sys.prefix: True, sys.base_prefix: True}
    expose.update({str(REPO / name): True for name in LEARNER_CODE if (REPO / name).exists()})
    expose.update(dict.fromkeys(RUN_KEPT, True))
    expose[str(settings.datasets_dir)] = True
    expose[str(settings.exchange_dir)] = False
    expose[str(home)] = False
    if as_root:
        # The learner's uid is "other" for every path of the machine: a parent it cannot traverse (e.g. /root for
        # an interpreter under /root/.pyenv) is covered too, so that the exposed path is reachable in the view.
        for path in list(expose):
            for parent in reversed(Path(path).parents[:-1]):  # from the top down, "/" excluded
                if any(_under(str(parent), root) for root in hide):
                    break
                if parent.exists() and not parent.stat().st_mode & 0o001:
                    hide[str(parent)] = 0o755
                    break
    return View(hide=sorted(hide.items()), expose=sorted(expose.items()))


def _git_dirs(repo: Path) -> list[Path]:
    """The git directory of a worktree checkout lives elsewhere (`.git` is then a file): hide it as well."""
    dot_git = repo / ".git"
    if not dot_git.is_file():
        return []
    text = dot_git.read_text().strip()
    if not text.startswith("gitdir:"):
        return []
    gitdir = (repo / text.removeprefix("gitdir:").strip()).resolve()
    common = gitdir / "commondir"
    found = [gitdir]
    if common.is_file():
        found.append((gitdir / common.read_text().strip()).resolve())
    return found


def protect_platform(settings: HubSettings, *, reachable_homes: bool = False) -> None:
    """Private modes on the platform's state; `reachable_homes` when servers switch uid without a mount view."""
    private_dir = 0o711 if reachable_homes else 0o700  # 0711: a learner can reach its home by path, list nothing
    for directory, mode in (
        (settings.hub_dir, private_dir),
        (settings.users_dir, private_dir),
        (settings.grading_dir, 0o700),
        (settings.logs_dir, 0o700),
    ):
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(mode)
    for database in _sqlite_files(settings):
        database.chmod(0o600)  # SQLite creates its -wal/-shm files with the database's own mode


def _sqlite_files(settings: HubSettings) -> list[Path]:
    url = settings.database_url or f"sqlite:///{settings.home / 'progress.db'}"
    if not url.startswith("sqlite:///"):
        return []
    database = Path(url.removeprefix("sqlite:///"))
    return [
        p
        for p in (database, *(database.with_name(database.name + s) for s in ("-wal", "-shm", "-journal")))
        if p.exists()
    ]


def read_uids(settings: HubSettings) -> dict[str, int]:
    path = settings.hub_dir / UIDS_FILE
    if not path.exists():
        return {}
    return {str(name): int(uid) for name, uid in json.loads(path.read_text()).items()}


def learner_uid(settings: HubSettings, *, username: str, user_id: int) -> int:
    """The learner's uid: the one already recorded, else UID_BASE + hub id (the next free one if taken), recorded."""
    table = read_uids(settings)
    if username in table:
        return table[username]
    taken = set(table.values())
    uid = UID_BASE + user_id
    while uid in taken or _system_uid(uid):
        uid += 1
    table[username] = uid
    path = settings.hub_dir / UIDS_FILE
    tmp = path.with_name(f".{UIDS_FILE}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    tmp.chmod(0o644)  # the grader reads it (as root, the hub directory itself stays 0700)
    os.replace(tmp, path)
    return uid


def _system_uid(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


@cache
def can_use_mount_view(*, as_root: bool) -> bool:
    """Can this machine give a server a private mount view (root, or an unprivileged user namespace)? Probed for
    real: hub.launch hides a scratch directory and runs /bin/true there."""
    with tempfile.TemporaryDirectory(prefix="academy-probe-") as scratch:
        launch = Launch(argv=["/bin/true"], env={}, cwd="/", userns=not as_root, hide=[(scratch, 0o755)])
        try:
            done = subprocess.run(
                [sys.executable, "-m", "hub.launch"],
                input=launch.to_json(),
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
                cwd=str(REPO),
            )
        except (OSError, subprocess.TimeoutExpired):
            return False
    return done.returncode == 0
