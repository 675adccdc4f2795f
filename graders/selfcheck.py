"""Learner-side self-check: `from graders.selfcheck import check; check("ex03")` in a notebook.

Runs only that exercise's *visible* tests (the ones already in the learner's notebook; the student version never
contains hidden tests, and any hidden region found is skipped, never shown), prints a French verdict and records
the attempt in the progress service with the learner's hub token. Recording is best effort: outside the hub, or
when the service is unreachable, the verdict is still printed.

The `exNN-verifier` cells calling it are part of the notebook, so they also run when the notebook is graded (our
sandbox, nbgrader's autograde) or validated (nbgrader's "Validate" button): there, `check` does nothing at all, so
the feedback shows no verdict and no attempt is recorded in the learner's name.
"""

from __future__ import annotations

import inspect
import json
import os
import traceback
from pathlib import Path
from typing import Any

import httpx

BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"
END_HIDDEN = "END HIDDEN TESTS"


def _test_cell(nb_path: Path, exercise: str) -> str | None:
    data = json.loads(nb_path.read_text(encoding="utf-8"))
    for cell in data.get("cells", []):
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == f"{exercise}_tests":
            source = cell.get("source", "")
            return "".join(source) if isinstance(source, list) else str(source)
    return None


def _visible_only(source: str) -> str:
    kept, inside = [], False
    for line in source.split("\n"):
        if BEGIN_HIDDEN in line:
            inside = True
        elif END_HIDDEN in line:
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept)


def find_notebook(exercise: str, namespace: dict[str, Any]) -> Path | None:
    """The notebook holding `<exercise>_tests`: the kernel's session path when Jupyter gives it, else a search."""
    for candidate in (os.environ.get("JPY_SESSION_NAME"), namespace.get("__session__")):
        if candidate and Path(candidate).suffix == ".ipynb" and Path(candidate).exists():
            return Path(candidate)
    for path in sorted(Path.cwd().glob("*.ipynb")):
        try:
            if _test_cell(path, exercise) is not None:
                return path
        except (OSError, ValueError):
            continue
    return None


def _namespace(depth: int) -> dict[str, Any]:
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            return dict.__getitem__(shell.__dict__, "user_ns") if "user_ns" in shell.__dict__ else shell.user_ns
    except ImportError:
        pass
    frame = inspect.stack()[depth].frame
    return frame.f_globals


def grading_run() -> bool:
    """True when the notebook runs for grading or validation, not for the learner: nbgrader's autograde and validate
    set `NBGRADER_EXECUTION`, and so does the grader's sandbox (graders/sandbox/zygote.py)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def record(*, course: str, assignment: str, exercise: str, passed: bool, timeout: float = 3.0) -> bool:
    """POST the attempt with the learner's hub token; False (silently) when not under the hub, unreachable, or in a
    grading run (the learner did not ask for that check)."""
    token = os.environ.get("JUPYTERHUB_API_TOKEN")
    if not token or grading_run():
        return False
    url = os.environ.get("ACADEMY_PROGRESS_URL", "http://127.0.0.1:8001").rstrip("/") + "/api/v1/selfchecks"
    body = {"course": course, "assignment": assignment, "exercise": exercise, "passed": passed}
    try:
        response = httpx.post(url, json=body, headers={"Authorization": f"token {token}"}, timeout=timeout)
    except httpx.HTTPError:
        return False
    return response.status_code < 400


def _undefined_answer(exc: NameError, tests_file: str) -> str | None:
    """The name a visible test needs that the learner's cells have not defined yet (the NameError was raised by the
    test code itself, not inside the learner's own functions)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None or tb.tb_frame.f_code.co_filename != tests_file:
        return None
    return exc.name


def check(exercise: str, *, notebook: str | Path | None = None, namespace: dict[str, Any] | None = None) -> bool:
    """Run the visible tests of `exercise` against the learner's current variables; print a French verdict.
    In a grading or validation run it does nothing and returns False (see `grading_run`)."""
    if grading_run():
        return False
    ns = namespace if namespace is not None else _namespace(2)
    path = Path(notebook) if notebook else find_notebook(exercise, ns)
    if path is None:
        print(f'❓ Je ne trouve pas les tests de « {exercise} » : vérifiez le nom de l\'exercice (ex. check("ex01")).')
        return False
    source = _test_cell(path, exercise)
    if source is None:
        print(f"❓ Ce notebook n'a pas d'exercice « {exercise} ».")
        return False
    passed = False
    tests_file = f"<tests visibles de {exercise}>"
    try:
        exec(compile(_visible_only(source), tests_file, "exec"), ns)
        passed = True
        print(
            f"✅ {exercise} : les tests visibles passent. D'autres tests, non affichés, vérifieront votre réponse "
            "à la correction."
        )
    except AssertionError as exc:
        print(f"❌ {exercise} : un test visible échoue. {exc or 'Relisez l’énoncé.'}")
    except Exception as exc:
        name = _undefined_answer(exc, tests_file) if isinstance(exc, NameError) else None
        if name:
            print(
                f"❌ {exercise} : la variable « {name} » n'est pas encore définie. Exécutez les cellules au-dessus "
                "dans l'ordre, dont votre cellule de réponse (votre code à la place de `raise NotImplementedError()`), "
                "puis relancez cette vérification."
            )
        else:
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            print(f"❌ {exercise} : votre code provoque une erreur pendant les tests : {last}")
    recorded = record(
        course=path.resolve().parent.parent.name,
        assignment=path.resolve().parent.name,
        exercise=exercise,
        passed=passed,
    )
    if not recorded and os.environ.get("JUPYTERHUB_API_TOKEN"):
        print("(tentative non enregistrée : le service de suivi est injoignable)")
    return passed
