"""The platform's web pages (French, server-rendered with Jinja2), mounted under the service prefix."""

from __future__ import annotations

from fastapi import APIRouter

from progress_api.web import (
    pages_auth,
    pages_cedia,
    pages_cedia_archive,
    pages_cedia_forms,
    pages_cedia_project,
    pages_cedia_relays,
    pages_cedia_team,
    pages_dashboard,
    pages_learner,
    pages_trainer,
    static_files,
)

ROUTERS: list[APIRouter] = [
    static_files.router,
    pages_auth.router,
    pages_cedia.router,
    pages_cedia_forms.router,  # before the project page: `/cedia/projets/nouveau` is not a project id
    pages_cedia_project.router,
    pages_cedia_team.router,
    pages_cedia_archive.router,
    pages_cedia_relays.router,
    pages_dashboard.router,
    pages_trainer.router,
    pages_learner.router,
]
