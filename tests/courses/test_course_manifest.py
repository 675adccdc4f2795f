"""The manifest loader: does it read the real catalogue, and reject each kind of broken manifest with a clear error?"""

from __future__ import annotations

from pathlib import Path

import pytest

from courses.manifest import ManifestError, default_root, load_catalog, load_competencies

COMPETENCIES = """
competencies:
  - id: python.bases
    label: "Bases de Python"
    domain: programmation
    levels:
      - {level: 1, label: "Découverte"}
      - {level: 2, label: "Application"}
"""

COURSE = """
id: c09-essai
title: "Cours d'essai"
order: 9
assignments:
  - id: a01-essai
    title: "Devoir d'essai"
    due_offset_days: 7
    exercises:
      - {id: ex01, points: 1, kind: auto, competencies: [python.bases]}
      - {id: ecrit01, points: 2.5, kind: manual, competencies: [python.bases]}
"""


def _write(root: Path, course: str = COURSE, competencies: str = COMPETENCIES, name: str = "c09-essai") -> Path:
    (root / name).mkdir(parents=True, exist_ok=True)
    (root / name / "course.yml").write_text(course, encoding="utf-8")
    (root / "competencies.yml").write_text(competencies, encoding="utf-8")
    return root


def test_real_catalogue_loads_in_order_with_points() -> None:
    """Does the committed curriculum load, sorted by order, with every assignment worth some points?"""
    catalog = load_catalog(default_root())
    assert [c.order for c in catalog] == sorted(c.order for c in catalog)
    assert catalog[0].id == "c01-python-pandas"
    assert all(a.points > 0 for c in catalog for a in c.assignments)
    assert all(c.source_dir.is_dir() for c in catalog)


def test_valid_manifest_gives_typed_course(tmp_path: Path) -> None:
    """Does a well-formed manifest give typed courses, assignments and exercises?"""
    course = load_catalog(_write(tmp_path))[0]
    assignment = course.assignment("a01-essai")
    assert assignment.points == 3.5
    assert assignment.exercise("ecrit01").kind == "manual"
    assert assignment.exercise("ex01").competencies == ("python.bases",)
    assert load_competencies(tmp_path)["python.bases"].levels[1].label == "Application"


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (
            COURSE.replace(
                "competencies: [python.bases]}\n      - {id: ecrit01",
                "competencies: [sql.bases]}\n      - {id: ecrit01",
            ),
            "unknown competencies",
        ),
        (COURSE.replace("id: ecrit01", "id: ex01"), "must look like 'ecritNN'"),
        (
            COURSE.replace("id: ecrit01, points: 2.5, kind: manual", "id: ex02, points: 2.5, kind: auto").replace(
                "id: ex01,", "id: ex02,"
            ),
            "duplicate exercise ids",
        ),
        (COURSE.replace("kind: auto", "kind: quiz"), "kind must be 'auto' or 'manual'"),
        (COURSE.replace("points: 1,", "points: 0,"), "points must be positive"),
        (COURSE.replace("id: c09-essai", "id: autre-cours"), "must equal the course directory name"),
        (COURSE.replace("due_offset_days: 7", "due_offset_days: -1"), "due_offset_days"),
        (COURSE.replace("    due_offset_days: 7\n", ""), "missing field 'due_offset_days'"),
        (COURSE.replace("id: a01-essai", "id: A01 Essai"), "must be a slug"),
        ("id: [unclosed", "invalid YAML"),
        ("- just a list", "expected a mapping"),
    ],
)
def test_broken_manifest_is_rejected_with_a_clear_message(tmp_path: Path, broken: str, message: str) -> None:
    """Does each kind of broken course.yml raise ManifestError naming the file and the problem?"""
    _write(tmp_path, course=broken)
    with pytest.raises(ManifestError, match=message) as error:
        load_catalog(tmp_path)
    assert "course.yml" in str(error.value)


def test_competency_levels_must_be_numbered_without_gaps(tmp_path: Path) -> None:
    """Is a competency whose levels skip a number rejected?"""
    _write(tmp_path, competencies=COMPETENCIES.replace("level: 2", "level: 3"))
    with pytest.raises(ManifestError, match="levels must be numbered"):
        load_catalog(tmp_path)


def test_duplicate_competency_is_rejected(tmp_path: Path) -> None:
    """Is a competency declared twice rejected?"""
    doubled = COMPETENCIES + COMPETENCIES.split("competencies:\n")[1]
    _write(tmp_path, competencies=doubled)
    with pytest.raises(ManifestError, match="duplicate competency id"):
        load_competencies(tmp_path)


def test_missing_files_are_reported(tmp_path: Path) -> None:
    """Does an empty directory or a missing competencies.yml give a ManifestError, not a crash?"""
    with pytest.raises(ManifestError, match=r"competencies\.yml: file not found"):
        load_catalog(tmp_path)
    (tmp_path / "competencies.yml").write_text(COMPETENCIES, encoding="utf-8")
    with pytest.raises(ManifestError, match="no course found"):
        load_catalog(tmp_path)


def test_two_courses_with_the_same_order_are_rejected(tmp_path: Path) -> None:
    """Is the catalogue order unambiguous?"""
    _write(tmp_path)
    _write(tmp_path, course=COURSE.replace("c09-essai", "c10-essai"), name="c10-essai")
    with pytest.raises(ManifestError, match="same order"):
        load_catalog(tmp_path)
