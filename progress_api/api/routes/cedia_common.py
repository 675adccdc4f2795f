"""What the CEDIA routers share: their permission dependencies (`cedia:read`, `cedia:write` in `api.access.POLICY`),
bounded id types, the project detail.

Ids and versions are INTEGER columns, so path and query values beyond `MAX_ROW_ID` are refused at validation (422)
instead of overflowing the database driver.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query
from sqlalchemy.orm import Session

from progress_api.api.deps import Access, authorize
from progress_api.crud import cedia as crud
from progress_api.crud import cedia_plan as plan
from progress_api.crud import cedia_team as team
from progress_api.models.cedia import BlockerPublic, HistoryEntry, MilestonePublic, ProjectDetail
from progress_api.models.common import MAX_ROW_ID

Reader = Annotated[Access, Depends(authorize("cedia:read"))]
Writer = Annotated[Access, Depends(authorize("cedia:write"))]
Id = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
VersionQuery = Annotated[
    int, Query(ge=1, le=MAX_ROW_ID, description="La version lue de ce que vous supprimez (dépassée : 409).")
]
Name = Annotated[str, Path(min_length=1, max_length=200)]
HISTORY_IN_DETAIL = 200  # newest entries shown with a project; the rest through /history (paginated)


def project_detail(db: Session, project_id: int) -> ProjectDetail:
    """A project with its milestones, blockers, team and latest history (a constant number of queries)."""
    project = crud.get_project(db, project_id=project_id)
    [summary] = crud.public(db, projects=[project])
    _, events = crud.history(db, project_id=project_id, limit=HISTORY_IN_DETAIL, offset=0)
    return ProjectDetail(
        **summary.model_dump(),
        milestones=[
            MilestonePublic.model_validate(m, from_attributes=True) for m in plan.milestones(db, project_id=project_id)
        ],
        blockers=[
            BlockerPublic.model_validate(b, from_attributes=True) for b in plan.blockers(db, project_id=project_id)
        ],
        members=team.members(db, project_id=project_id),
        history=[HistoryEntry.model_validate(e, from_attributes=True) for e in events],
    )
