"""Typed loader and validator of the curriculum manifests (`course.yml` files and `competencies.yml`).

Pure functions over YAML files: no nbgrader, no notebook parsing, so the progress service and the graders can
read the catalogue cheaply. `load_catalog(root)` returns every course under `root` (the `courses/` directory),
validated against the academy-wide competency framework; any inconsistency raises `ManifestError` naming the
file and the entry to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

__all__ = [
    "Assignment",
    "Competency",
    "CompetencyLevel",
    "Course",
    "Exercise",
    "ManifestError",
    "default_root",
    "load_catalog",
    "load_competencies",
    "load_course",
]

COURSE_FILE = "course.yml"
COMPETENCIES_FILE = "competencies.yml"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EXERCISE_ID = {"auto": re.compile(r"^ex\d{2}$"), "manual": re.compile(r"^ecrit\d{2}$")}
COMPETENCY_ID = re.compile(r"^[a-z0-9_]+(?:\.[a-z0-9_]+)+$")

ExerciseKind = Literal["auto", "manual"]


class ManifestError(ValueError):
    """A manifest file is missing, malformed or inconsistent; the message says which file and entry."""


@dataclass(frozen=True)
class CompetencyLevel:
    level: int
    label: str


@dataclass(frozen=True)
class Competency:
    id: str
    label: str
    domain: str
    levels: tuple[CompetencyLevel, ...]


@dataclass(frozen=True)
class Exercise:
    id: str
    points: float
    kind: ExerciseKind
    competencies: tuple[str, ...]


@dataclass(frozen=True)
class Assignment:
    id: str
    title: str
    due_offset_days: int
    exercises: tuple[Exercise, ...]

    @property
    def points(self) -> float:
        return sum(e.points for e in self.exercises)

    def exercise(self, exercise_id: str) -> Exercise:
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        raise KeyError(exercise_id)


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    order: int
    assignments: tuple[Assignment, ...]
    path: Path

    @property
    def source_dir(self) -> Path:
        """nbgrader's `source/` folder of this course (one sub-folder per assignment)."""
        return self.path / "source"

    def assignment(self, assignment_id: str) -> Assignment:
        for assignment in self.assignments:
            if assignment.id == assignment_id:
                return assignment
        raise KeyError(assignment_id)


def default_root() -> Path:
    """The `courses/` directory of this checkout (where the course folders and competencies.yml live)."""
    return Path(__file__).resolve().parent


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ManifestError(f"{path}: file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ManifestError(f"{path}: invalid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: expected a mapping at the top level")
    return data


def _field(data: dict[str, Any], name: str, kind: type | tuple[type, ...], where: str) -> Any:
    if name not in data:
        raise ManifestError(f"{where}: missing field '{name}'")
    value = data[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ManifestError(f"{where}: field '{name}' has the wrong type ({type(value).__name__})")
    return value


def load_competencies(root: Path | None = None) -> dict[str, Competency]:
    """The academy's competency framework, keyed by id (`<root>/competencies.yml`)."""
    path = (root or default_root()) / COMPETENCIES_FILE
    data = _read_yaml(path)
    result: dict[str, Competency] = {}
    for i, item in enumerate(_field(data, "competencies", list, str(path))):
        where = f"{path}: competencies[{i}]"
        if not isinstance(item, dict):
            raise ManifestError(f"{where}: expected a mapping")
        cid = _field(item, "id", str, where)
        if not COMPETENCY_ID.match(cid):
            raise ManifestError(f"{where}: id '{cid}' must look like 'domain.name' (lower case, dots)")
        if cid in result:
            raise ManifestError(f"{where}: duplicate competency id '{cid}'")
        levels = []
        for j, level in enumerate(_field(item, "levels", list, where)):
            lwhere = f"{where}.levels[{j}]"
            if not isinstance(level, dict):
                raise ManifestError(f"{lwhere}: expected a mapping")
            levels.append(
                CompetencyLevel(level=_field(level, "level", int, lwhere), label=_field(level, "label", str, lwhere))
            )
        if [lv.level for lv in levels] != list(range(1, len(levels) + 1)) or not levels:
            raise ManifestError(f"{where}: levels must be numbered 1, 2, 3… without gaps")
        result[cid] = Competency(
            id=cid,
            label=_field(item, "label", str, where),
            domain=_field(item, "domain", str, where),
            levels=tuple(levels),
        )
    return result


def _load_exercise(item: Any, where: str, competencies: dict[str, Competency]) -> Exercise:
    if not isinstance(item, dict):
        raise ManifestError(f"{where}: expected a mapping")
    kind = _field(item, "kind", str, where)
    if kind not in EXERCISE_ID:
        raise ManifestError(f"{where}: kind must be 'auto' or 'manual', not '{kind}'")
    eid = _field(item, "id", str, where)
    if not EXERCISE_ID[kind].match(eid):
        expected = "exNN" if kind == "auto" else "ecritNN"
        raise ManifestError(f"{where}: a {kind} exercise id must look like '{expected}', not '{eid}'")
    points = _field(item, "points", (int, float), where)
    if points <= 0:
        raise ManifestError(f"{where}: points must be positive")
    comps = _field(item, "competencies", list, where)
    if not comps:
        raise ManifestError(f"{where}: an exercise trains at least one competency")
    unknown = [c for c in comps if c not in competencies]
    if unknown:
        raise ManifestError(f"{where}: unknown competencies {unknown} (declare them in {COMPETENCIES_FILE})")
    return Exercise(id=eid, points=float(points), kind=kind, competencies=tuple(comps))


def load_course(course_dir: Path, competencies: dict[str, Competency]) -> Course:
    """One course from `<course_dir>/course.yml`, checked against the competency framework."""
    path = course_dir / COURSE_FILE
    data = _read_yaml(path)
    where = str(path)
    cid = _field(data, "id", str, where)
    if cid != course_dir.name:
        raise ManifestError(f"{where}: id '{cid}' must equal the course directory name '{course_dir.name}'")
    assignments: list[Assignment] = []
    for i, item in enumerate(_field(data, "assignments", list, where)):
        awhere = f"{where}: assignments[{i}]"
        if not isinstance(item, dict):
            raise ManifestError(f"{awhere}: expected a mapping")
        aid = _field(item, "id", str, awhere)
        if not SLUG.match(aid):
            raise ManifestError(f"{awhere}: id '{aid}' must be a slug (lower case, digits, hyphens)")
        if any(a.id == aid for a in assignments):
            raise ManifestError(f"{awhere}: duplicate assignment id '{aid}'")
        exercises = tuple(
            _load_exercise(e, f"{awhere}.exercises[{j}]", competencies)
            for j, e in enumerate(_field(item, "exercises", list, awhere))
        )
        ids = [e.id for e in exercises]
        if len(set(ids)) != len(ids):
            raise ManifestError(f"{awhere}: duplicate exercise ids in {ids}")
        if not exercises:
            raise ManifestError(f"{awhere}: an assignment needs at least one exercise")
        due = _field(item, "due_offset_days", int, awhere)
        if due < 0:
            raise ManifestError(f"{awhere}: due_offset_days must be zero or positive")
        assignments.append(
            Assignment(id=aid, title=_field(item, "title", str, awhere), due_offset_days=due, exercises=exercises)
        )
    if not assignments:
        raise ManifestError(f"{where}: a course needs at least one assignment")
    return Course(
        id=cid,
        title=_field(data, "title", str, where),
        order=_field(data, "order", int, where),
        assignments=tuple(assignments),
        path=course_dir,
    )


def load_catalog(root: Path | None = None) -> list[Course]:
    """Every course under `root` (a directory holding `<course>/course.yml`), sorted by `order`."""
    root = root or default_root()
    competencies = load_competencies(root)
    courses = [load_course(p.parent, competencies) for p in sorted(root.glob(f"*/{COURSE_FILE}"))]
    if not courses:
        raise ManifestError(f"{root}: no course found (expected <course>/{COURSE_FILE})")
    orders = [c.order for c in courses]
    if len(set(orders)) != len(orders):
        raise ManifestError(f"{root}: two courses share the same order {sorted(orders)}")
    return sorted(courses, key=lambda c: c.order)
