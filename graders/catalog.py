"""Read a course's manifest (`courses/<course>/course.yml`) and the competency framework, per docs/interfaces.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def course_manifest(courses_root: Path, course: str) -> dict[str, Any]:
    path = courses_root / course / "course.yml"
    if not path.exists():
        raise FileNotFoundError(f"no manifest {path}: every course needs a course.yml (docs/interfaces.md)")
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def assignment_manifest(courses_root: Path, course: str, assignment: str) -> dict[str, Any]:
    for entry in course_manifest(courses_root, course).get("assignments", []):
        if entry.get("id") == assignment:
            return dict(entry)
    raise KeyError(f"{assignment} is not listed in {courses_root / course / 'course.yml'}")


def competencies(courses_root: Path) -> list[dict[str, Any]]:
    path = courses_root / "competencies.yml"
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return list(data.get("competencies", []))


def exercise_of(grade_id: str) -> str | None:
    """The exercise a notebook cell belongs to (cell naming of docs/interfaces.md, courses section): `exNN`,
    `exNN_tests` and the self-check cell `exNN-verifier` -> `exNN`, `ecritNN` -> itself; None for the provided code
    cells `code-NN`, which every exercise relies on: what happens to them concerns the whole assignment."""
    if grade_id.startswith("code-"):
        return None
    return grade_id.removesuffix("_tests").removesuffix("-verifier")
