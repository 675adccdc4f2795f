"""Learners separated on the local platform: what code in a learner's kernel can and cannot reach (real hub, real
spawns, real kernels), and nbgrader's fetch / submit / fetch_feedback working from the learner's own uid."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import nbformat
import pytest
from hub_harness import RunningHub, run_in_kernel, server_pid, user_token, wait_ready_server

from hub.isolation import REPO, UID_BASE, read_uids
from hub.roster_sync import HubClient, sync_once
from hub.secret_store import read_secret

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="separate uids need the hub to run as root")

LEARNERS = ("camille", "yanis")
COURSE, ASSIGNMENT = "c-iso", "ps1"
# The kernel tries each path and reports what happened, without raising: one cell tells the whole picture.
PROBE = """
import json, os
def attempt(path, mode):
    try:
        if mode == "r" and os.path.isdir(path):
            os.listdir(path)
            return "read"
        with open(path, mode) as handle:
            handle.write("x") if mode == "a" else handle.read(1)
        return "read" if mode == "r" else "written"
    except FileNotFoundError:
        return "absent"
    except PermissionError:
        return "denied"
    except OSError as error:
        return error.strerror or type(error).__name__
print(json.dumps({name: attempt(path, mode) for name, (path, mode) in TARGETS.items()}))
"""


def probe(hub: RunningHub, session: httpx.Client, name: str, targets: dict[str, tuple[Path, str]]) -> dict[str, str]:
    code = f"TARGETS = { ({k: (str(p), m) for k, (p, m) in targets.items()})!r}\n{PROBE}"
    result: dict[str, str] = json.loads(run_in_kernel(hub, session, name, code))
    return result


@pytest.fixture(scope="module")
def learners(hub_alone: RunningHub) -> dict[str, httpx.Client]:
    """Camille and Yanis enrolled, logged in, servers running; the platform has a database and a gradebook."""
    settings = hub_alone.settings
    settings.datasets_dir.mkdir(parents=True, exist_ok=True)
    (settings.datasets_dir / "manifest.json").write_text("{}")
    (settings.home / "progress.db").write_text("the progress database")
    (settings.grading_dir / COURSE).mkdir(parents=True, exist_ok=True)
    (settings.grading_dir / COURSE / "gradebook.db").write_text("a gradebook")
    release_assignment(settings.exchange_dir, settings.home / "instructor")
    token = read_secret("roster_sync_hub_token", settings=settings, generate=False)
    roster = {"users": [{"username": n, "roles": ["learner"], "cohorts": ["p1"], "trains": []} for n in LEARNERS]}
    sync_once(roster=roster, hub=HubClient(api_url=hub_alone.url + "/hub/api", token=token))
    sessions = {name: hub_alone.login(name) for name in LEARNERS}
    for name, session in sessions.items():
        wait_ready_server(session, name)
    return sessions


def release_assignment(exchange: Path, course_root: Path) -> None:
    """Put a one-notebook assignment in the exchange with nbgrader's own release step (as the grader does, root)."""
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeReleaseAssignment
    from traitlets.config import Config

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("reponse = None")])
    (course_root / "release" / ASSIGNMENT).mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, course_root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    config = Config()
    config.CourseDirectory.root = str(course_root)
    config.CourseDirectory.course_id = COURSE
    config.CourseDirectory.assignment_id = ASSIGNMENT
    config.Exchange.root = str(exchange)
    config.Exchange.path_includes_course = True
    exchange.mkdir(parents=True, exist_ok=True)
    release = ExchangeReleaseAssignment(coursedir=CourseDirectory(config=config), config=config)
    release.start()


def test_each_learner_runs_under_an_own_recorded_uid(hub_alone: RunningHub, learners: dict[str, httpx.Client]) -> None:
    """Does each server run under its own unprivileged uid, recorded in user_uids.json, with HOME its own home?"""
    uids = read_uids(hub_alone.settings)
    assert set(uids) >= set(LEARNERS) and len({uids[n] for n in LEARNERS}) == 2
    assert all(uid > UID_BASE for uid in uids.values())
    path = hub_alone.settings.hub_dir / "user_uids.json"
    assert path.stat().st_uid == 0 and oct(path.stat().st_mode & 0o777) == "0o644"
    assert oct(hub_alone.settings.hub_dir.stat().st_mode & 0o777) == "0o700"
    seen = json.loads(
        run_in_kernel(
            hub_alone,
            learners["camille"],
            "camille",
            "import os, json\nprint(json.dumps([os.getuid(), os.getgid(), os.environ['HOME']]))",
        )
    )
    home = hub_alone.settings.users_dir / "camille"
    assert seen == [uids["camille"], uids["camille"], str(home)]
    assert home.stat().st_uid == uids["camille"] and oct(home.stat().st_mode & 0o777) == "0o700"
    assert "--allow-root" not in Path(f"/proc/{server_pid(hub_alone, 'camille')}/cmdline").read_text()


def test_a_learners_kernel_cannot_read_platform_secrets_solutions_or_other_homes(
    hub_alone: RunningHub, learners: dict[str, httpx.Client]
) -> None:
    """From Camille's kernel: no other home, roster token, progress.db, gradebook, course source, authoring, .git."""
    settings = hub_alone.settings
    source = next((REPO / "courses").glob("*/source/*/*.ipynb"))
    authoring = next((REPO / "courses" / "authoring" / "content").glob("c*.py"))
    secrets = {
        "other home": (settings.users_dir / "yanis" / "nbgrader_config.py", "r"),
        "roster token": (settings.hub_dir / "roster_token", "r"),
        "hub database": (settings.hub_dir / "jupyterhub.sqlite", "r"),
        "progress.db": (settings.home / "progress.db", "r"),
        "gradebook": (settings.grading_dir / COURSE / "gradebook.db", "r"),
        "course source": (source, "r"),
        "authoring": (authoring, "r"),
        "git": (REPO / ".git", "r"),
        "tests": (REPO / "tests" / "hub" / "conftest.py", "r"),
        "other server's environment": (Path(f"/proc/{server_pid(hub_alone, 'yanis')}/environ"), "r"),
        "hub's files": (Path(f"/proc/{hub_alone.proc.pid}/root/etc/hostname"), "r"),
        "hub log": (settings.logs_dir / "jupyterhub.log", "r"),
    }
    seen = probe(hub_alone, learners["camille"], "camille", secrets)
    leaked = {name: what for name, what in seen.items() if what in ("read", "written")}
    assert not leaked, seen
    # A descriptor inherited from the server (its output) skips the directories' modes when reopened through
    # /proc/self/fd: it must be a file only root may open, the learner's own log, not the hub's.
    code = f"""
import json, os
found = {{}}
for fd in os.listdir("/proc/self/fd"):
    try:
        target = os.readlink(f"/proc/self/fd/{{fd}}")
    except FileNotFoundError:  # the descriptor listdir itself used
        continue
    if target.startswith({str(settings.logs_dir)!r}):
        try:
            open(f"/proc/self/fd/{{fd}}").read(1)
            found[target] = "read"
        except PermissionError:
            found[target] = "denied"
print(json.dumps(found))
"""
    inherited = json.loads(run_in_kernel(hub_alone, learners["camille"], "camille", code))
    assert inherited == {str(settings.logs_dir / "users" / "camille.log"): "denied"}, inherited
    assert (settings.logs_dir / "users" / "camille.log").stat().st_mode & 0o777 == 0o600
    # What the learner does need is there: the course helpers import, the exchange is visible.
    code = "import datasets_synthetic, courses.checks, graders.selfcheck; print('ok')"
    assert run_in_kernel(hub_alone, learners["camille"], "camille", code).strip() == "ok"


def test_datasets_are_readable_but_read_only_and_the_home_writable(
    hub_alone: RunningHub, learners: dict[str, httpx.Client]
) -> None:
    """Can Camille's kernel read the datasets but not write them (read-only mount), and write in her home?"""
    settings = hub_alone.settings
    home = settings.users_dir / "camille"
    seen = probe(
        hub_alone,
        learners["camille"],
        "camille",
        {
            "datasets": (settings.datasets_dir / "manifest.json", "r"),
            "datasets write": (settings.datasets_dir / "tampered.txt", "a"),
            "home write": (home / "notes.txt", "a"),
            "exchange": (settings.exchange_dir, "r"),
        },
    )
    assert seen["datasets"] == "read" and seen["home write"] == "written" and seen["exchange"] == "read", seen
    assert seen["datasets write"] == "Read-only file system", seen
    assert not (settings.datasets_dir / "tampered.txt").exists()
    flags = run_in_kernel(
        hub_alone,
        learners["camille"],
        "camille",
        f"import os; print(os.statvfs({str(settings.datasets_dir)!r}).f_flag)",
    )
    assert int(flags) & os.ST_RDONLY


def test_server_environment_holds_only_what_a_learner_needs(
    hub_alone: RunningHub, learners: dict[str, httpx.Client]
) -> None:
    """No grading directory, database URL, platform home or token other than the server's own hub token."""
    env = json.loads(
        run_in_kernel(hub_alone, learners["camille"], "camille", "import os, json; print(json.dumps(dict(os.environ)))")
    )
    academy = {key for key in env if key.startswith("ACADEMY_")}
    assert academy == {"ACADEMY_DATASETS", "ACADEMY_EXCHANGE", "ACADEMY_PROGRESS_URL", "ACADEMY_USER"}, academy
    secrets = {key for key in env if any(word in key for word in ("TOKEN", "SECRET", "PASSWORD", "KEY"))}
    assert secrets <= {"JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN"}, secrets
    assert env["ACADEMY_USER"] == "camille" and env["USER"] == "camille"


def test_fetch_submit_and_fetch_feedback_work_from_the_learners_uid(
    hub_alone: RunningHub, learners: dict[str, httpx.Client]
) -> None:
    """nbgrader's multi-user exchange: Camille fetches, submits (owned by her uid) and fetches her feedback; Yanis
    cannot list the submissions nor the feedback."""
    settings = hub_alone.settings
    uids = read_uids(settings)
    camille = learners["camille"]
    server = httpx.Client(
        base_url=f"{hub_alone.url}/user/camille",
        headers={"Authorization": f"token {user_token(camille, 'camille')}"},
        timeout=120,
    )
    form = {"course_id": COURSE, "assignment_id": ASSIGNMENT}
    fetched = server.post("/assignments/fetch", data=form).json()
    assert fetched["success"], fetched
    notebook = settings.users_dir / "camille" / COURSE / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert notebook.stat().st_uid == uids["camille"]
    submitted = server.post("/assignments/submit", data=form).json()
    assert submitted["success"], submitted
    inbound = settings.exchange_dir / COURSE / "inbound"
    (submission,) = [p for p in inbound.iterdir() if p.name.startswith(f"camille+{ASSIGNMENT}+")]
    assert submission.stat().st_uid == uids["camille"]  # what the grader checks against user_uids.json

    # The grader releases feedback (as root): nbgrader names it after the submission's secret.
    from nbgrader.utils import notebook_hash

    secret = (submission / "submission_secret.txt").read_text()
    feedback_dir = settings.exchange_dir / COURSE / "feedback"
    feedback_dir.mkdir(mode=0o711, exist_ok=True)
    feedback_dir.chmod(0o711)
    html = feedback_dir / f"{notebook_hash(secret=secret, notebook_id=ASSIGNMENT)}.html"
    html.write_text("<p>Bravo</p>")
    html.chmod(0o644)
    got = server.post("/assignments/fetch_feedback", data=form).json()
    assert got["success"], got
    fetched_feedback = list((settings.users_dir / "camille" / COURSE / ASSIGNMENT / "feedback").glob("*/*.html"))
    assert [p.read_text() for p in fetched_feedback] == ["<p>Bravo</p>"]

    seen = probe(
        hub_alone,
        learners["yanis"],
        "yanis",
        {"inbound": (inbound, "r"), "feedback": (feedback_dir, "r"), "outbound": (inbound.parent / "outbound", "r")},
    )
    assert seen == {"inbound": "denied", "feedback": "denied", "outbound": "read"}, seen
    server.close()


def test_a_learner_edited_student_id_still_submits_under_their_own_uid(
    hub_alone: RunningHub, learners: dict[str, httpx.Client]
) -> None:
    """If Yanis claims to be Camille in his nbgrader config, the submission is still owned by Yanis' uid (the
    grader rejects the claim from user_uids.json)."""
    settings = hub_alone.settings
    uids = read_uids(settings)
    code = f"""
import subprocess, sys
home = {str(settings.users_dir / "yanis")!r}
subprocess.run([sys.executable, "-m", "nbgrader", "fetch_assignment", {ASSIGNMENT!r}, "--course", {COURSE!r}],
               cwd=home, capture_output=True, check=False)
done = subprocess.run([sys.executable, "-m", "nbgrader", "submit", {ASSIGNMENT!r}, "--course", {COURSE!r},
                       "--CourseDirectory.student_id=camille"], cwd=home, capture_output=True, text=True)
print(done.returncode)
"""
    assert run_in_kernel(hub_alone, learners["yanis"], "yanis", code).strip() == "0"
    inbound = settings.exchange_dir / COURSE / "inbound"
    owners = {p.stat().st_uid for p in inbound.iterdir() if p.name.startswith(f"camille+{ASSIGNMENT}+")}
    assert uids["yanis"] in owners  # claimed camille, owned by yanis: detectable
