"""The learner's page: my progress, my competency profile, my feedback (the core's `learner_progress`)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from progress_api.crud import users as users_crud
from progress_api.services.progress import learner_progress
from progress_api.web.deps import WebDep

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/moi")
def my_progress(web: WebDep) -> Response:
    if (denied := web.guard("progress:read")) is not None:
        return denied
    user = users_crud.get_user(web.db, username=web.actor)
    if user is None:  # a hub user the service has never seen: nothing recorded yet
        return web.render("error.html", title="Ma progression", message="Aucune activité enregistrée pour l'instant.")
    return web.render("learner/me.html", nav="me", progress=learner_progress(web.db, user=user))
