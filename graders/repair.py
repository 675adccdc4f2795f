"""nbgrader metadata a learner tampered with, put back from the gradebook before nbgrader's converter reads it.

The metadata of every cell travels with the learner's notebook, and nbgrader's converter fails on much of what a
learner can do to it (a duplicated `grade_id`, an unknown grade cell, a schema version from the future, a solution
cell turned into a 50-point grade cell...), which used to make the whole run fail. The gradebook holds the truth:
cells it knows get their metadata back, cells it does not know (or a second copy) become ordinary cells whose code
still runs as the learner's, and each change is a learner incident with a French reason.

`RepairMetadata` runs first in nbgrader's sanitizing pass; `autograde` runs the same repair when it prepares the
execution ahead of the converter, so both see the same notebook.
"""

from __future__ import annotations

from typing import Any

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor

from graders.catalog import exercise_of

SCHEMA_VERSION = 3  # what nbgrader 0.9 writes and reads


def reference_metadata(gb: Gradebook, notebook: str, assignment: str) -> dict[str, dict[str, Any]]:
    """grade_id -> the nbgrader metadata the released notebook carries, rebuilt from the gradebook."""
    source_nb = gb.find_notebook(notebook, assignment)
    points = {c.name: c.max_score for c in source_nb.grade_cells}
    solutions = {c.name for c in source_nb.solution_cells}
    tasks = {c.name: c.max_score for c in source_nb.task_cells}
    reference = {}
    for cell in source_nb.source_cells:
        meta: dict[str, Any] = {
            "cell_type": cell.cell_type,
            "checksum": cell.checksum,
            "grade": cell.name in points,
            "grade_id": cell.name,
            "locked": bool(cell.locked),
            "schema_version": SCHEMA_VERSION,
            "solution": cell.name in solutions,
        }
        if cell.name in points:
            meta["points"] = points[cell.name]
        if cell.name in tasks:
            meta.update(task=True, points=tasks[cell.name])
        reference[cell.name] = {k: v for k, v in meta.items() if v is not None}
    return reference


def _semantics(meta: dict[str, Any]) -> tuple[Any, ...]:
    """What nbgrader grades by, with its defaults filled in (a missing flag is False, no points is 0): released
    notebooks differ in such details (`task: false` or not), which is no tampering."""

    def flag(key: str) -> Any:
        value = meta.get(key, False)
        return value if isinstance(value, bool) else repr(value)

    points = meta.get("points", 0)
    points = float(points) if isinstance(points, int | float) and not isinstance(points, bool) else repr(points)
    scored = flag("grade") is True or flag("task") is True
    return (
        flag("grade"),
        flag("solution"),
        flag("locked"),
        flag("task"),
        points if scored else 0.0,
        meta.get("schema_version"),
    )


def _differs(meta: dict[str, Any], reference: dict[str, Any]) -> bool:
    # Not the checksum: a released test cell carries the checksum of its visible part, the gradebook that of the
    # whole source, and nbgrader's OverwriteCells settles it anyway.
    return _semantics(meta) != _semantics(reference)


def repair_metadata(nb: NotebookNode, reference: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Put the gradebook's metadata back in `nb` (in place); one incident per cell changed."""
    incidents: list[dict[str, Any]] = []
    seen: set[str] = set()
    for cell in nb.cells:
        metadata = cell.get("metadata", {})
        if "nbgrader" not in metadata:
            continue
        meta = metadata["nbgrader"]
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if not isinstance(grade_id, str) or grade_id not in reference:
            del metadata["nbgrader"]  # an ordinary cell now: no points, no protection, its code still runs
            incidents.append({"code": "metadata_unknown", "cell": str(grade_id) if grade_id is not None else "?"})
            continue
        if grade_id in seen:
            del metadata["nbgrader"]
            incidents.append({"code": "metadata_duplicate", "cell": grade_id, "exercise": exercise_of(grade_id)})
            continue
        seen.add(grade_id)
        if _differs(dict(meta), reference[grade_id]):
            restored = dict(reference[grade_id])
            if isinstance(meta.get("checksum"), str):
                restored["checksum"] = meta["checksum"]
            metadata["nbgrader"] = from_dict(restored)
            incidents.append({"code": "metadata_tampered", "cell": grade_id, "exercise": exercise_of(grade_id)})
    return incidents


class RepairMetadata(NbGraderPreprocessor):
    """First step of nbgrader's sanitizing pass: the gradebook's metadata back on every cell it knows."""

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:  # as nbgrader's own OverwriteCells opens it
            reference = reference_metadata(gb, info["notebook"], info["assignment"])
        repair_metadata(nb, reference)
        return nb, resources
