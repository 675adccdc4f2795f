"""« Relais data »: the academy learners flagged as their unit's data relay (the portfolio's relays KPI counts them
with the projects' data-relay members), the form to designate one and a « Retirer » button per row.

Writes are those of the API (`PUT`/`DELETE /api/v1/cedia/relays/{username}`): the same `cedia:write` decision and
CSRF check (`pages_cedia_forms.write_guard`), the same CRUD functions. A refusal (unknown username, nobody's
direction) shows this page again with the French reason and what was typed, so nothing is lost.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import Response

from progress_api.core.errors import ApiError
from progress_api.crud import cedia_relays as relays
from progress_api.models.cedia import RelayFlag
from progress_api.services import cedia_portfolio as portfolio
from progress_api.web.cedia_views import Name, error_status, error_view
from progress_api.web.deps import Web, WebDep
from progress_api.web.pages_cedia_forms import write_guard

router = APIRouter(prefix="/cedia", tags=["pages"], include_in_schema=False)

PAGE_SIZE = 50
PageNumber = Annotated[int, Query(ge=1, le=100_000)]
MESSAGES = {
    "designated": "Relais data désigné : il compte dès maintenant dans l'indicateur du portefeuille.",
    "updated": "Relais data mis à jour.",
    "removed": "Relais data retiré.",
}


def relays_view(
    web: Web, *, unit: str, page: int, status_code: int = 200, typed: dict[str, str] | None = None, **extra: Any
) -> Response:
    """The page: the relays of `unit` (all when empty), page `page`, and the designation form (`typed` refills it)."""
    total, rows = relays.list_relays(web.db, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, unit=unit or None)
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:  # e.g. the last relay of the last page was just removed: show the page that is left
        page = pages
        total, rows = relays.list_relays(web.db, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, unit=unit or None)
    # Reference units, projects' units and relays' own ones: every relay can be filtered on.
    units = sorted(set(portfolio.units_in_use(web.db)) | {u for _, u in relays.roster_relays(web.db)})
    return web.render(
        "cedia/relays.html",
        status_code=status_code,
        nav="relays",
        relays=rows,
        units=units,
        filters={"unit": unit},
        page={"number": page, "pages": pages, "total": total},
        base_url=web.url(f"/cedia/relais?{urlencode({'unit': unit})}&" if unit else "/cedia/relais?"),
        typed=typed or {},
        can_edit=web.can("cedia:write"),
        **extra,
    )


def refusal(exc: ApiError | ValueError) -> dict[str, str | list[str]]:
    """The reason as the page shows it: the API's message, with the form's name for the field it names."""
    view = error_view(exc)
    if isinstance(exc, ApiError):
        # The API's message names its JSON field (`unit`); on this page that field is « Direction ».
        message = exc.message.replace("`unit`", "la direction").rstrip(" .")
        view["message"] = f"{message} ; rien n'a été enregistré."
    return view


@router.get("/relais")
def relays_page(
    web: WebDep, unit: Annotated[str, Query(max_length=200)] = "", page: PageNumber = 1, msg: str = ""
) -> Response:
    if (denied := web.guard("cedia:read")) is not None:
        return denied
    return relays_view(web, unit=unit, page=page, ok=MESSAGES.get(msg))


@router.post("/relais")
def designate_form(
    web: WebDep,
    csrf_token: Annotated[str, Form()] = "",
    username: Annotated[str, Form(max_length=100)] = "",
    unit: Name = "",
    since: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Flag (or re-flag with new details) a learner as data relay, like `PUT /api/v1/cedia/relays/{username}`."""
    if (denied := write_guard(web, csrf_token)) is not None:
        return denied
    typed = {"username": username, "unit": unit, "since": since, "note": note}
    try:
        if not username.strip():
            raise ApiError(422, "validation_error", "Indiquez l'identifiant (hub) de la personne à désigner.")
        data = RelayFlag.model_validate({"unit": unit or None, "since": since or None, "note": note})
        relay, created = relays.flag_relay(web.db, username=username.strip(), data=data, actor=web.actor)
        web.db.commit()
    except (ApiError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
        web.db.rollback()
        return relays_view(web, unit="", page=1, status_code=error_status(exc), typed=typed, error=refusal(exc))
    # Back on the list narrowed to the relay's unit, where the row just written shows (the unit may be the default).
    return web.redirect(
        f"/cedia/relais?{urlencode({'unit': relay.unit, 'msg': 'designated' if created else 'updated'})}"
    )


@router.post("/relais/{username}/retirer")
def remove_form(
    web: WebDep,
    username: Annotated[str, Path(min_length=1, max_length=100)],
    csrf_token: Annotated[str, Form()] = "",
    unit: Name = "",
    page: Annotated[int, Form(ge=1, le=100_000)] = 1,
) -> Response:
    """Take the relay flag off, like `DELETE /api/v1/cedia/relays/{username}`; back on the list as it was filtered."""
    if (denied := write_guard(web, csrf_token)) is not None:
        return denied
    try:
        relays.unflag_relay(web.db, username=username)
        web.db.commit()
    except ApiError as exc:  # e.g. already removed from another tab
        web.db.rollback()
        return relays_view(web, unit=unit, page=page, status_code=exc.status, error=refusal(exc))
    query = {k: v for k, v in {"unit": unit, "page": str(page) if page > 1 else "", "msg": "removed"}.items() if v}
    return web.redirect(f"/cedia/relais?{urlencode(query)}")
