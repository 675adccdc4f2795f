"""One error shape for every failure: `{"error": {"code", "message", "details"}}` (docs/interfaces.md)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    503: "unavailable",
}


OUT_OF_RANGE = (
    "Une valeur de la requête dépasse ce que la base peut enregistrer (nombre trop grand, texte trop long ou "
    "caractère nul) : rien n'a été enregistré."
)


class ApiError(Exception):
    """An error a client can act on; raise it from crud/services/routes, the handler renders it."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def not_found(what: str, ident: object) -> ApiError:
    return ApiError(404, "not_found", f"{what} introuvable : {ident}")


def conflict(message: str, details: Any = None) -> ApiError:
    return ApiError(409, "conflict", message, details)


def invalid(message: str, details: Any = None) -> ApiError:
    return ApiError(422, "validation_error", message, details)


def forbidden(message: str = "Accès refusé.") -> ApiError:
    return ApiError(403, "forbidden", message)


def unauthorized(message: str = "Authentification requise (jeton absent, invalide ou expiré).") -> ApiError:
    return ApiError(401, "unauthorized", message)


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    """The body of every 4xx/5xx answer."""

    error: ErrorBody


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": jsonable_encoder(details)}}
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Render every exception in the shared shape (no stack traces, no HTML)."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return error_response(exc.status, exc.code, exc.message, exc.details, headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = STATUS_CODES.get(exc.status_code, "error")
        return error_response(exc.status_code, code, str(exc.detail), None, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
            for err in exc.errors()
        ]
        return error_response(422, "validation_error", "Requête invalide.", details)

    @app.exception_handler(IntegrityError)
    async def _integrity_error(_request: Request, exc: IntegrityError) -> JSONResponse:
        log.info("integrity error: %s", exc.orig)
        return error_response(409, "conflict", "Conflit avec des données existantes (doublon ou référence).")

    # A value the database cannot hold (a number beyond its integer range, a NUL byte or over-long text on
    # PostgreSQL) is the client's input, not a fault of the service: 422, and the transaction is rolled back.
    @app.exception_handler(DataError)
    async def _data_error(_request: Request, exc: DataError) -> JSONResponse:
        log.info("value refused by the database: %s", exc.orig)
        return error_response(422, "out_of_range", OUT_OF_RANGE)

    @app.exception_handler(OverflowError)
    async def _overflow_error(_request: Request, exc: OverflowError) -> JSONResponse:
        log.info("value refused by the database driver: %s", exc)
        return error_response(422, "out_of_range", OUT_OF_RANGE)

    @app.exception_handler(OperationalError)
    async def _operational_error(_request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable: %s", exc.orig)
        return error_response(503, "unavailable", "Base de données momentanément indisponible, réessayez.")

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return error_response(500, "internal_error", "Erreur interne du service.")
