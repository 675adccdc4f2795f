"""What the CEDIA pages share: path and form types, menu entries, form choices, how a refusal is shown.

The pages are split by job: `pages_cedia` (the board and the project list), `pages_cedia_project` (a project's
page), `pages_cedia_forms`, `pages_cedia_team` and `pages_cedia_archive` (the forms that change a project),
`pages_cedia_relays` (the data relays of the roster).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Path
from pydantic import ValidationError

from progress_api.core.errors import ApiError
from progress_api.crud import cedia_team as team
from progress_api.models.cedia import ProjectPublic
from progress_api.models.common import MAX_ROW_ID
from progress_api.services import cedia_portfolio as portfolio
from progress_api.services.cedia_kpi import MEMBER_ROLE_LABELS
from progress_api.services.cedia_rules import (
    HOSTING_LABELS,
    MAIN_PATH,
    RISK_LABELS,
    STAGE_LABELS,
    USE_CASE_LABELS,
    Stage,
    UseCase,
)
from progress_api.web.deps import Web

# Form fields of the CEDIA pages, bounded as the API's models bound them (one place for each bound).
Name = Annotated[str, Form(max_length=200)]  # a title, a direction, a person's name
Choice = Annotated[str, Form(max_length=30)]  # a key of a closed list: stage, use-case type, hosting
Comment = Annotated[str, Form(max_length=2000)]  # a reason kept in the history
Paragraph = Annotated[str, Form(max_length=1000)]
Text = Annotated[str, Form(max_length=4000)]
Version = Annotated[int, Form(ge=1)]  # the version the page showed (a change made meanwhile is a 409)
Id = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def target_options(current: Stage, targets: list[Stage]) -> list[tuple[str, str]]:
    """Move menu entries, the usual next step first (so it is the preselected choice)."""

    def rank(target: Stage) -> int:
        if current in MAIN_PATH and target in MAIN_PATH and MAIN_PATH.index(target) == MAIN_PATH.index(current) + 1:
            return 0
        return 1 if target in MAIN_PATH else 2

    return [(t.value, STAGE_LABELS[t]) for t in sorted(targets, key=rank)]


def use_case_label(value: str) -> str:
    """The French label of a use-case type (the raw value for one the rules do not know)."""
    try:
        return USE_CASE_LABELS[UseCase(value)]
    except ValueError:
        return value


def form_options(web: Web) -> dict[str, Any]:
    """The choices of the board filters and the project forms."""
    return {
        "units": portfolio.units_in_use(web.db),
        "use_cases": [(u.value, label) for u, label in USE_CASE_LABELS.items()],
        "coaches": team.all_coaches(web.db),
        "risks": [(r.value, label) for r, label in RISK_LABELS.items()],
        "hostings": [(h.value, label) for h, label in HOSTING_LABELS.items()],
        "roles": [(r.value, label) for r, label in MEMBER_ROLE_LABELS.items()],
    }


def error_view(exc: ApiError | ValueError) -> dict[str, str | list[str]]:
    """A refusal as the pages show it: the French message and, for the delivery gate, what is missing."""
    if isinstance(exc, ValidationError):
        fields = ", ".join(str(e["loc"][-1]) for e in exc.errors())
        return {"message": f"Saisie invalide ({fields}) : rien n'a été enregistré.", "missing": []}
    if not isinstance(exc, ApiError):
        return {"message": "Saisie invalide : rien n'a été enregistré.", "missing": []}
    missing = (exc.details or {}).get("missing", []) if isinstance(exc.details, dict) else []
    return {"message": exc.message, "missing": [m["message"] for m in missing]}


def error_status(exc: ApiError | ValueError) -> int:
    return exc.status if isinstance(exc, ApiError) else 422


def project_view(p: ProjectPublic) -> dict[str, Any]:
    """A project as the templates read it (enum values and their French labels)."""
    return {
        **p.model_dump(),
        "stage": p.stage.value,
        "stage_label": STAGE_LABELS[p.stage],
        "use_case_label": use_case_label(p.use_case.value),
    }
