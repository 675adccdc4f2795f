"""The router registry: every JSON API router, mounted by the app factory under `{prefix}/api/v1`.

Add a router by appending it to `API_ROUTERS` (issue 4 adds the CEDIA routers here). Web pages (HTML, not under
`/api/v1`) go in `WEB_ROUTERS`, mounted under `{prefix}`.
"""

from __future__ import annotations

from fastapi import APIRouter

from progress_api.api.routes import (
    analytics,
    answers,
    catalog,
    cohorts,
    exports,
    grades,
    health,
    me,
    releases,
    roster,
    selfchecks,
    users,
)
from progress_api.api.routes import cedia as cedia_routes
from progress_api.api.routes import cedia_team as cedia_team_routes
from progress_api.web import ROUTERS as PAGE_ROUTERS
from progress_api.web import pages_marking

API_ROUTERS: list[APIRouter] = [
    cedia_routes.router,
    cedia_team_routes.router,
    health.router,
    me.router,
    users.router,
    cohorts.router,
    catalog.router,
    releases.router,
    grades.router,
    answers.router,
    selfchecks.router,
    analytics.router,
    exports.router,
    roster.router,
]

WEB_ROUTERS: list[APIRouter] = [
    *PAGE_ROUTERS,
    pages_marking.router,
]
