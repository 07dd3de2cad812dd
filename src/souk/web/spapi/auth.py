"""``POST /auth/o2/token``: refresh tokens and client credentials for access tokens."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from souk.sellerapi.service import OAuthError, exchange_token
from souk.web.deps import db, runtime

router = APIRouter(tags=["seller API: tokens"])


@router.post("/auth/o2/token", include_in_schema=False)
async def token(request: Request, session: Session = Depends(db)) -> JSONResponse:
    """OAuth-style token endpoint; errors are ``{"error", "error_description"}``."""
    try:
        form = await request.form()
    except Exception:
        form = None
    if form is None:
        return JSONResponse(
            {"error": "invalid_request", "error_description": "Send a form-encoded body."}, 400
        )
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    from fastapi.concurrency import run_in_threadpool

    try:
        answer = await run_in_threadpool(exchange_token, session, runtime(request).clock, fields)
    except OAuthError as error:
        return JSONResponse(
            {"error": error.error, "error_description": error.description},
            status_code=error.status,
            headers={"cache-control": "no-store"},
        )
    return JSONResponse(answer, headers={"cache-control": "no-store"})
