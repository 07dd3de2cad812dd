"""Operations console: sellers, seller actions, catalog merges, policy, audit log.

Every page is for platform staff only (``staff_user`` answers 403 to others);
every action posts a reason and is written to the audit log with the change.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.catalog.service import find_by_identifier, match_titles, merged_into
from souk.core.errors import SoukError
from souk.core.policy import default_policy
from souk.marketplaces.rules import MARKETPLACES
from souk.ops.rules import SELLER_ACTIONS
from souk.ops.service import (
    audit_log,
    change_seller_status,
    merge_duplicate,
    seller_line,
    sellers_overview,
)
from souk.sellers.rules import STATUSES
from souk.sellers.service import get_seller
from souk.web.deps import check_csrf, db, read_db, runtime, staff_user
from souk.web.ops.reviews import router as reviews_router
from souk.web.pages import field_errors, form_values, render
from souk.web.storefront.queries import with_images

router = APIRouter(dependencies=[Depends(staff_user)])
router.include_router(reviews_router)

SELLERS_SHOWN = 200
FOUND = 30
AUDIT_PAGE = 100


@router.get("", response_class=HTMLResponse)
@router.get("/", response_class=HTMLResponse, include_in_schema=False)
@router.get("/sellers", response_class=HTMLResponse)
def sellers(
    request: Request,
    status: str = "",
    q: str = "",
    session: Session = Depends(read_db),
) -> HTMLResponse:
    status = status if status in STATUSES else ""
    lines = sellers_overview(
        session, runtime(request).clock, status=status, text=q, limit=SELLERS_SHOWN
    )
    return render(
        request,
        "ops/sellers.html",
        section="sellers",
        lines=lines,
        status=status,
        statuses=STATUSES,
        q=q,
        shown=SELLERS_SHOWN,
    )


def seller_page(
    request: Request,
    session: Session,
    seller_id: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    seller = get_seller(session, seller_id)
    return render(
        request,
        "ops/seller.html",
        status_code=status_code,
        section="sellers",
        seller=seller,
        line=seller_line(session, runtime(request).clock, seller_id),
        history=audit_log(session, subject=seller_id, limit=AUDIT_PAGE),
        actions=SELLER_ACTIONS,
        errors=errors or {},
        values=values or {},
    )


@router.get("/sellers/{seller_id}", response_class=HTMLResponse)
def seller_detail(
    request: Request, seller_id: str, session: Session = Depends(read_db)
) -> HTMLResponse:
    return seller_page(request, session, seller_id)


@router.post("/sellers/{seller_id}/status", dependencies=[Depends(check_csrf)])
async def seller_status(
    request: Request,
    seller_id: str,
    staff: User = Depends(staff_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    try:
        change_seller_status(
            session,
            runtime(request).clock,
            staff_user_id=staff.id,
            seller_id=seller_id,
            action=values.get("action", ""),
            reason=values.get("reason", ""),
        )
    except SoukError as error:
        if error.status != 400:
            raise
        session.rollback()
        return seller_page(
            request,
            session,
            seller_id,
            status_code=400,
            errors=field_errors(error, "reason"),
            values=values,
        )
    return RedirectResponse(f"/ops/sellers/{seller_id}?done=1", status_code=303)


def catalog_page(
    request: Request,
    session: Session,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    q = request.query_params.get("q", "")
    found = []
    if q.strip():
        exact = find_by_identifier(session, q)
        found = [exact] if exact is not None else match_titles(session, q, limit=FOUND)
    return render(
        request,
        "ops/catalog.html",
        status_code=status_code,
        section="catalog",
        q=q,
        found=with_images(session, found),
        merged={p.asin: merged_into(session, p.asin) for p in found},
        errors=errors or {},
        values=values or {},
    )


@router.get("/catalog", response_class=HTMLResponse)
def catalog(request: Request, session: Session = Depends(read_db)) -> HTMLResponse:
    return catalog_page(request, session)


@router.post("/catalog/merge", dependencies=[Depends(check_csrf)])
async def merge(
    request: Request, staff: User = Depends(staff_user), session: Session = Depends(db)
) -> Response:
    values = await form_values(request)
    try:
        merged = merge_duplicate(
            session,
            runtime(request).clock,
            staff_user_id=staff.id,
            duplicate_asin=values.get("duplicate_asin", ""),
            kept_asin=values.get("kept_asin", ""),
            reason=values.get("reason", ""),
        )
    except SoukError as error:
        if error.status not in (400, 404):
            raise
        session.rollback()
        return catalog_page(
            request, session, status_code=400, errors=field_errors(error), values=values
        )
    return RedirectResponse(
        f"/ops/catalog?q={merged.kept_asin}&merged={merged.duplicate_asin}", status_code=303
    )


@router.get("/marketplaces", response_class=HTMLResponse)
def marketplaces(request: Request) -> HTMLResponse:
    book = default_policy()
    return render(
        request,
        "ops/marketplaces.html",
        section="marketplaces",
        sites=[(m, book.for_marketplace(m.code)) for m in MARKETPLACES.values()],
    )


@router.get("/audit", response_class=HTMLResponse)
def audit(
    request: Request, subject: str = "", page: int = 1, session: Session = Depends(read_db)
) -> HTMLResponse:
    page = max(1, page)
    lines = audit_log(
        session, subject=subject, limit=AUDIT_PAGE + 1, offset=(page - 1) * AUDIT_PAGE
    )
    return render(
        request,
        "ops/audit.html",
        section="audit",
        lines=lines[:AUDIT_PAGE],
        subject=subject,
        page=page,
        more=len(lines) > AUDIT_PAGE,
    )
