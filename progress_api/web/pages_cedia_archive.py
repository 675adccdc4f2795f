"""Archive and restore a CEDIA project from its page, like the API's `DELETE /api/v1/cedia/projects/{id}` and
`POST …/restore`.

An archived project leaves the board, the lists and the KPIs but keeps its page and history (listed at
`/cedia/projets?archived=true`); it is read-only until restored. Both forms carry the version the page showed, so
a change made meanwhile is the usual 409 on the page (`pages_cedia_forms.apply_change`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from progress_api.crud import cedia as crud
from progress_api.models.cedia import CediaProject, VersionOnly
from progress_api.web.cedia_views import Comment, Id, Version
from progress_api.web.deps import WebDep
from progress_api.web.pages_cedia_forms import apply_change, write_guard

router = APIRouter(prefix="/cedia", tags=["pages"], include_in_schema=False)


@router.post("/projets/{project_id}/archiver")
def archive_form(
    web: WebDep,
    project_id: Id,
    version: Version,
    csrf_token: Annotated[str, Form()] = "",
    comment: Comment = "",
) -> Response:
    if (denied := write_guard(web, csrf_token)) is not None:
        return denied

    def change(project: CediaProject) -> None:
        data = VersionOnly(version=version, comment=comment)  # the API's bounds on version and reason
        crud.archive_project(web.db, project=project, seen=data.version, actor=web.actor, comment=data.comment)

    return apply_change(web, project_id, change, success="archived")


@router.post("/projets/{project_id}/restaurer")
def restore_form(
    web: WebDep,
    project_id: Id,
    version: Version,
    csrf_token: Annotated[str, Form()] = "",
    comment: Comment = "",
) -> Response:
    if (denied := write_guard(web, csrf_token)) is not None:
        return denied

    def change(project: CediaProject) -> None:
        crud.restore_project(
            web.db, project=project, data=VersionOnly(version=version, comment=comment), actor=web.actor
        )

    return apply_change(web, project_id, change, success="restored")
