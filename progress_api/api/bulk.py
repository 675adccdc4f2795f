"""Bodies of the bulk endpoints (`/ingest/grades`, `/cohorts/{c}/enrolments/bulk`), parsed by hand.

One pass of pydantic-core over the raw bytes (`model_validate_json`): FastAPI's default (`json.loads`, then
validating Python objects) costs about a second more on 100,000 rows. And one error shape for every bulk
endpoint: a row that fails the schema is reported like a row that fails the business checks, as
`422 invalid_rows` with `details.errors = [{row, field, message}]`. A body that is not a batch at all (broken
JSON, the list missing) stays a `422 validation_error`.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from progress_api.core.errors import ApiError
from progress_api.services.ingest import MAX_ERRORS

B = TypeVar("B", bound=BaseModel)


def parse_batch(model: type[B], raw: bytes, *, rows: str) -> B:
    """`model` validated from `raw`; its list field `rows` holds the batch's rows."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False)
        per_row = [_row_error(err, rows) for err in errors]
        if errors and all(e is not None for e in per_row):
            found = [e for e in per_row if e is not None]
            raise ApiError(
                422,
                "invalid_rows",
                f"{len(found)} erreur(s) dans les lignes : rien n'a été enregistré.",
                {"errors": found[:MAX_ERRORS], "rows": _count_rows(raw, rows)},
            ) from None
        located = [{**err, "loc": ("body", *err["loc"])} for err in errors]
        raise RequestValidationError(located) from None


def _row_error(err: Any, rows: str) -> dict[str, Any] | None:
    """{row, field, message} for an error inside one row (`loc` = (rows, index, field...)), else None."""
    loc = tuple(err.get("loc", ()))
    if len(loc) < 2 or loc[0] != rows or not isinstance(loc[1], int):
        return None
    field = ".".join(str(part) for part in loc[2:]) or None
    return {"row": loc[1], "field": field, "message": err.get("msg", "valeur invalide")}


def _count_rows(raw: bytes, rows: str) -> int | None:
    """How many rows the batch had (only computed on the error path)."""
    try:
        items = json.loads(raw).get(rows)
    except (ValueError, AttributeError):
        return None
    return len(items) if isinstance(items, list) else None
