"""Seller Central: the seller's own software on the seller API (applications,
authorisation, revocation)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.core.errors import SoukError
from souk.sellerapi.service import (
    Credentials,
    authorise,
    issue_credentials,
    own_application,
    revoke_application,
    seller_applications,
)
from souk.web.deps import SellerContext, check_csrf, db, read_db, runtime, seller_context
from souk.web.pages import field_errors, form_values, render
from souk.web.seller.access import require

router = APIRouter()


def apps_page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    *,
    status_code: int = 200,
    issued: Credentials | None = None,
    issued_for: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    base = runtime(request).settings.base_url.rstrip("/")
    return render(
        request,
        "sellerapi/apps.html",
        status_code=status_code,
        ctx=ctx,
        section="apps",
        applications=seller_applications(session, ctx.seller.id),
        endpoint=base,
        token_url=f"{base}/auth/o2/token",
        issued=issued,
        issued_for=issued_for,
        errors=errors or {},
        values=values or {},
    )


@router.get("/apps", response_class=HTMLResponse)
def apps(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "settings")
    return apps_page(request, session, ctx)


@router.post("/apps", dependencies=[Depends(check_csrf)])
async def create(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    """Create and authorise an application; its secrets are shown on this answer only."""
    require(ctx, "settings")
    values = await form_values(request)
    name = values.get("name", "")
    try:
        issued = issue_credentials(
            session, runtime(request).clock, seller_id=ctx.seller.id, name=name
        )
    except SoukError as error:
        if error.status != 400:
            raise
        session.rollback()
        return apps_page(
            request, session, ctx, status_code=400, errors=field_errors(error), values=values
        )
    return apps_page(request, session, ctx, issued=issued, issued_for=name.strip())


@router.post("/apps/{application_id}/authorise", dependencies=[Depends(check_csrf)])
def reauthorise(
    request: Request,
    application_id: int,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    """A new refresh token for an application whose token was lost."""
    require(ctx, "settings")
    application = own_application(session, ctx.seller.id, application_id)
    refresh = authorise(session, runtime(request).clock, application)
    session.commit()
    issued = Credentials(application.client_id, "", refresh, ctx.seller.id, application.signing_key)
    return apps_page(request, session, ctx, issued=issued, issued_for=application.name)


@router.post("/apps/{application_id}/revoke", dependencies=[Depends(check_csrf)])
def revoke(
    request: Request,
    application_id: int,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "settings")
    revoke_application(
        session, runtime(request).clock, seller_id=ctx.seller.id, application_id=application_id
    )
    return RedirectResponse("/seller/apps?revoked=1", status_code=303)
