"""Serves stored media (product images) with long cache lifetimes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from souk.core.errors import NotFound
from souk.web.deps import runtime

router = APIRouter()


@router.get("/media/{key:path}", include_in_schema=False)
def media(key: str, request: Request) -> FileResponse:
    try:
        path = runtime(request).media.path(key)
    except Exception:
        path = None
    if path is None:
        raise NotFound("No such image.")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=31536000, immutable"})
