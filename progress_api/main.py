"""App factory: `create_app(settings=None)` builds the FastAPI app; nothing is built at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from progress_api.api.main import API_ROUTERS, WEB_ROUTERS
from progress_api.core.config import InsecureSettings, Settings, get_settings, production_problem
from progress_api.core.db import UnmigratedDatabase, get_engine, require_migrated
from progress_api.core.errors import ErrorResponse, install_error_handlers

API_V1 = "/api/v1"
log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The progress service, every route under `settings.prefix` (the JSON API under `{prefix}/api/v1`).

    Refuses production settings with the development or a short secret key (`InsecureSettings`), and, at start-up
    (the lifespan, so `uvicorn --factory`, the hub's service and every test server get it, not only
    `academy api serve`), an unmigrated database, saying to run `academy api migrate`.
    """
    settings = settings or get_settings()
    # Settings() refuses this already; settings built with model_copy(update=...) skip validators, so again here.
    problem = production_problem(production=settings.production, secret_key=settings.secret_key)
    if problem:
        raise InsecureSettings(problem)
    prefix = settings.prefix
    checked = settings

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            require_migrated(get_engine(checked.db_url, checked.sqlite_busy_timeout_ms))
        except UnmigratedDatabase as exc:
            log.error("%s", exc)  # said once, plainly, above uvicorn's traceback
            raise
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="Académie — service de progression",
        version="1.0.0",
        description="Learning records, gradebook and analytics of the Data & AI Academy.",
        openapi_url=f"{prefix}{API_V1}/openapi.json",
        docs_url=f"{prefix}{API_V1}/docs",
        redoc_url=None,
        responses={  # every route can answer these, in the shared error shape
            401: {"model": ErrorResponse, "description": "Missing or invalid token"},
            403: {"model": ErrorResponse, "description": "Forbidden"},
            422: {"model": ErrorResponse, "description": "Invalid request"},
        },
    )
    # Routes read the settings from app.state (`api.deps.app_settings`), not through `dependency_overrides`:
    # any override makes FastAPI re-analyse every dependency on every request (≈ 4 ms each here).
    app.state.settings = settings
    install_error_handlers(app)
    for router in API_ROUTERS:
        app.include_router(router, prefix=f"{prefix}{API_V1}")
    for router in WEB_ROUTERS:
        app.include_router(router, prefix=prefix)
    _document_raw_bodies(app)
    return app


def _document_raw_bodies(app: FastAPI) -> None:
    """Put the models of bodies parsed by hand (`api/bulk.py`) into the OpenAPI components."""
    from progress_api.models.grading import GradeBatch
    from progress_api.models.people import BulkEnrolment

    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in (GradeBatch, BulkEnrolment):
                extra = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(extra.pop("$defs", {}))
                components[model.__name__] = extra
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
