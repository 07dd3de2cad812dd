"""The brand registry and IP complaints for rights owners, and buyers' "Report this
seller" from the store page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.catalog.models import Brand, Product
from souk.core.errors import NotFound, SoukError
from souk.identity.service import identity_policy
from souk.policy import rules
from souk.policy.service import (
    TRADEMARK_OFFICES,
    brand_listings,
    complaints,
    file_complaint,
    owned_brands,
    register_brand,
    report_seller,
)
from souk.sellers.service import get_seller
from souk.web.deps import check_csrf, current_marketplace, db, read_db, runtime, signed_in_user
from souk.web.pages import field_errors, form_values, render

router = APIRouter()

COMPLAINT_WORDS = {
    "pending_review": "Listing removed, under review",
    "upheld": "Upheld",
    "rejected": "Rejected",
    "reinstated": "Listing reinstated",
}


def registry_page(
    request: Request,
    session: Session,
    user: User,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    market = current_marketplace(request)
    brands = owned_brands(session, user.id)
    return render(
        request,
        "policy/brand_registry.html",
        status_code=status_code,
        brands=brands,
        listings={b.id: brand_listings(session, b.id, market.code) for _, b in brands},
        filed=complaints(session, user_id=user.id),
        offices=TRADEMARK_OFFICES,
        words=COMPLAINT_WORDS,
        ip_kinds=rules.IP_KINDS,
        errors=errors or {},
        values=values or {},
    )


@router.get("/brand-registry", response_class=HTMLResponse)
def registry(
    request: Request, user: User = Depends(signed_in_user), session: Session = Depends(read_db)
) -> HTMLResponse:
    return registry_page(request, session, user)


@router.post("/brand-registry", dependencies=[Depends(check_csrf)])
async def enrol(
    request: Request, user: User = Depends(signed_in_user), session: Session = Depends(db)
) -> Response:
    values = await form_values(request)
    try:
        register_brand(
            session,
            runtime(request).clock,
            user_id=user.id,
            brand_name=values.get("brand", ""),
            trademark_number=values.get("trademark_number", ""),
            trademark_office=values.get("trademark_office", ""),
        )
    except SoukError as error:
        if error.status not in (400, 409):
            raise
        session.rollback()
        return registry_page(
            request, session, user, status_code=400, errors=field_errors(error), values=values
        )
    return RedirectResponse("/brand-registry?enrolled=1", status_code=303)


def complaint_form(
    request: Request,
    session: Session,
    user: User,
    asin: str,
    seller_id: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    product = session.get(Product, asin)
    if product is None or product.brand_id is None:
        raise NotFound("No such product.")
    brand = session.get(Brand, product.brand_id)
    return render(
        request,
        "policy/complaint_form.html",
        status_code=status_code,
        product=product,
        brand=brand,
        seller=get_seller(session, seller_id),
        ip_kinds=rules.IP_KINDS,
        errors=errors or {},
        values=values or {},
    )


@router.get("/brand-registry/complaints/new", response_class=HTMLResponse)
def new_complaint(
    request: Request,
    asin: str,
    seller: str,
    user: User = Depends(signed_in_user),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    return complaint_form(request, session, user, asin, seller)


@router.post("/brand-registry/complaints", dependencies=[Depends(check_csrf)])
async def create_complaint(
    request: Request, user: User = Depends(signed_in_user), session: Session = Depends(db)
) -> Response:
    values = await form_values(request)
    asin, seller_id = values.get("asin", ""), values.get("seller_id", "")
    try:
        file_complaint(
            session,
            runtime(request).clock,
            user_id=user.id,
            asin=asin,
            seller_id=seller_id,
            kind=values.get("kind", ""),
            evidence=values.get("evidence", ""),
        )
    except SoukError as error:
        if error.status not in (400, 409):
            raise
        session.rollback()
        return complaint_form(
            request,
            session,
            user,
            asin,
            seller_id,
            status_code=400,
            errors=field_errors(error),
            values=values,
        )
    return RedirectResponse("/brand-registry?filed=1", status_code=303)


# -- "Report this seller" -------------------------------------------------------------------


def report_page(
    request: Request,
    session: Session,
    seller_id: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "policy/report_seller.html",
        status_code=status_code,
        seller=get_seller(session, seller_id),
        reasons=identity_policy().report_reasons,
        errors=errors or {},
        values=values or {},
    )


@router.get("/sellers/{seller_id}/report", response_class=HTMLResponse)
def report_form(
    request: Request,
    seller_id: str,
    user: User = Depends(signed_in_user),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    return report_page(request, session, seller_id)


@router.post("/sellers/{seller_id}/report", dependencies=[Depends(check_csrf)])
async def report(
    request: Request,
    seller_id: str,
    user: User = Depends(signed_in_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    try:
        report_seller(
            session,
            runtime(request).clock,
            user_id=user.id,
            seller_id=seller_id,
            reason=values.get("reason", ""),
            details=values.get("details", ""),
        )
    except SoukError as error:
        if error.status != 400:
            raise
        session.rollback()
        return report_page(
            request, session, seller_id, status_code=400, errors=field_errors(error), values=values
        )
    return render(
        request, "policy/report_seller.html", seller=get_seller(session, seller_id), sent=True
    )
