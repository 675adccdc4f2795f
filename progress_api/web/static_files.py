"""The one stylesheet of the pages (served by a route: the registry mounts routers, not sub-applications)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from progress_api.web.templating import STATIC_DIR

router = APIRouter(tags=["pages"], include_in_schema=False)

FILES = {"style.css": "text/css; charset=utf-8"}


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in FILES:  # a fixed list: no path ever reaches the filesystem from the URL
        return Response(status_code=404)
    body = (STATIC_DIR / name).read_bytes()
    return Response(body, media_type=FILES[name], headers={"Cache-Control": "public, max-age=3600"})
