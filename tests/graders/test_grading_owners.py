"""Submissions handed in under another learner's name are refused (owners.py), with really chowned directories:
not collected, not graded, reported in French; without the hub's uid map nothing is checked and the run says so."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from graders import collect, owners, release, watch
from graders.config import GraderSettings, SandboxLimits
from graders.sandbox.pool import SandboxPool
from tests.graders.conftest import ASSIGNMENT, COURSE

UIDS = {"alice": 70001, "bob": 70002}

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="chowning submissions to other uids needs root")


@pytest.fixture
def exchange(settings: GraderSettings) -> GraderSettings:
    """The fixture assignment released to the exchange, and the hub's uid map (root-owned, 0644)."""
    release.main(course=COURSE, assignment=ASSIGNMENT, settings=settings)
    path = settings.submitter_uids_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o755)
    path.write_text(json.dumps(UIDS))
    path.chmod(0o644)
    return settings


def hand_in(
    settings: GraderSettings, student: str, uid: int, stamp: str, *, also: Callable[[Path], None] | None = None
) -> str:
    """What nbgrader's submit leaves in the inbound, owned by `uid` (the learner's server's user)."""
    name = f"{student}+{ASSIGNMENT}+2026-12-01 08:00:{stamp}.000000 UTC+{os.urandom(4).hex()}"
    entry = settings.exchange_dir / COURSE / "inbound" / name
    shutil.copytree(settings.grading_dir / COURSE / "release" / ASSIGNMENT, entry)
    (entry / "timestamp.txt").write_text(f"2026-12-01 08:00:{stamp}.000000 UTC")
    if also is not None:
        also(entry)
    for root, dirs, files in os.walk(entry):
        for item in [root, *(os.path.join(root, n) for n in dirs + files)]:
            os.lchown(item, uid, uid)
    return name


def test_submission_in_another_learners_name_is_refused(exchange: GraderSettings) -> None:
    """alice forges a newer submission as bob: bob's own older one is collected, the forgery is refused; carol,
    unknown to the hub, is refused too; each with a French reason."""
    hand_in(exchange, "alice", UIDS["alice"], "01")
    hand_in(exchange, "bob", UIDS["bob"], "02")
    forged = hand_in(exchange, "bob", UIDS["alice"], "09")
    stranger = hand_in(exchange, "carol", 70003, "03")
    summary = collect.main(course=COURSE, assignment=ASSIGNMENT, settings=exchange)
    assert summary.changed == ["alice", "bob"]
    assert collect.submitted_timestamp(exchange, COURSE, ASSIGNMENT, "bob") == "2026-12-01 08:00:02.000000 UTC"
    assert not (exchange.grading_dir / COURSE / "submitted" / "carol").exists()
    reasons = {r.entry: r.reason for r in summary.rejected}
    assert set(reasons) == {forged, stranger}
    assert reasons[forged] == (
        f"Rendu « {forged} » refusé : {forged} appartient à l'uid 70001, pas à celui de l'apprenant (70002) ; "
        "il n'est pas corrigé au nom de bob."
    )
    assert "carol n'a pas d'uid dans" in reasons[stranger]
    assert summary.owner_check.startswith("Contrôle des propriétaires des rendus : actif")
    assert collect.attempt_number(exchange, COURSE, ASSIGNMENT, "bob", rejected=reasons) == 1


def test_a_foreign_file_or_a_symlink_inside_a_submission_is_refused(exchange: GraderSettings) -> None:
    def foreign_file(entry: Path) -> None:
        (entry / "notes.txt").write_text("x")

    other = hand_in(exchange, "alice", UIDS["alice"], "01", also=foreign_file)
    os.lchown(exchange.exchange_dir / COURSE / "inbound" / other / "notes.txt", UIDS["bob"], UIDS["bob"])
    linked = hand_in(exchange, "bob", UIDS["bob"], "02", also=lambda e: (e / "copie.ipynb").symlink_to("/etc/passwd"))
    check = owners.check(exchange, COURSE, ASSIGNMENT)
    assert "notes.txt appartient à l'uid 70002" in check.rejected[other].reason
    assert "lien symbolique" in check.rejected[linked].reason


def test_without_the_uid_map_every_submission_is_collected_and_the_summary_says_so(exchange: GraderSettings) -> None:
    exchange.submitter_uids_path.unlink()
    hand_in(exchange, "bob", UIDS["alice"], "01")
    summary = collect.main(course=COURSE, assignment=ASSIGNMENT, settings=exchange)
    assert summary.changed == ["bob"] and summary.rejected == []
    assert "désactivé" in summary.owner_check and str(exchange.submitter_uids_path) in summary.owner_check


def test_a_uid_map_others_can_change_is_not_trusted(exchange: GraderSettings) -> None:
    exchange.submitter_uids_path.chmod(0o666)
    with pytest.raises(owners.OwnerMapError, match="make it root-owned"):
        collect.main(course=COURSE, assignment=ASSIGNMENT, settings=exchange)


def test_watch_grades_nothing_in_the_impersonated_name(exchange: GraderSettings, limits: SandboxLimits) -> None:
    """On submit, the forgery is reported and bob is neither collected nor graded; alice is."""
    hand_in(exchange, "alice", UIDS["alice"], "01")
    forged = hand_in(exchange, "bob", UIDS["alice"], "02")
    with SandboxPool(workers=1, limits=limits, datasets=exchange.datasets_dir) as pool:
        done = watch.grade_new(settings=exchange, limits=limits, pool=pool, seen=set(), publish_grades=False)
    assert [r.student for r in done.results] == ["alice"]
    assert [r.entry for r in done.rejected] == [forged]
    assert not (exchange.grading_dir / COURSE / "submitted" / "bob").exists()
