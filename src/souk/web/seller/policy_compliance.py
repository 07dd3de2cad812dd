"""Seller Central: policy compliance. The seller's cases and the IP complaints
against its listings, each with the reason, and the appeal with invoices."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.core.errors import SoukError
from souk.policy import rules
from souk.policy.service import (
    appeal_complaint,
    cases,
    complaints,
    pending_appeal_id,
    seller_complaint,
)
from souk.web.deps import SellerContext, check_csrf, db, read_db, runtime, seller_context
from souk.web.ops.policy import CASE_NAMES
from souk.web.pages import field_errors, form_values, render
from souk.web.seller.access import require
from souk.web.storefront.brand_complaints import COMPLAINT_WORDS

router = APIRouter()


@router.get("/compliance", response_class=HTMLResponse)
def compliance(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "settings")
    return render(
        request,
        "policy/seller_compliance.html",
        ctx=ctx,
        section="compliance",
        complaints=complaints(session, seller_id=ctx.seller.id),
        cases=[c for c, _ in cases(session, seller_id=ctx.seller.id)],
        case_names=CASE_NAMES,
        words=COMPLAINT_WORDS,
        ip_kinds=rules.IP_KINDS,
    )


def complaint_page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    complaint_id: int,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    complaint = seller_complaint(session, ctx.seller.id, complaint_id)
    row = next(r for r in complaints(session, seller_id=ctx.seller.id) if r[0].id == complaint.id)
    return render(
        request,
        "policy/seller_complaint.html",
        status_code=status_code,
        ctx=ctx,
        section="compliance",
        complaint=complaint,
        product=row[2],
        brand=row[3],
        appeal_pending=pending_appeal_id(session, complaint.action_id) is not None,
        words=COMPLAINT_WORDS,
        ip_kinds=rules.IP_KINDS,
        errors=errors or {},
        values=values or {},
    )


@router.get("/compliance/complaints/{complaint_id}", response_class=HTMLResponse)
def complaint(
    request: Request,
    complaint_id: int,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "settings")
    return complaint_page(request, session, ctx, complaint_id)


@router.post("/compliance/complaints/{complaint_id}", dependencies=[Depends(check_csrf)])
async def appeal(
    request: Request,
    complaint_id: int,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "settings")
    values = await form_values(request)
    try:
        appeal_complaint(
            session,
            runtime(request).clock,
            seller_id=ctx.seller.id,
            complaint_id=complaint_id,
            root_cause=values.get("root_cause", ""),
            actions_taken=values.get("actions_taken", ""),
            prevention=values.get("prevention", ""),
            invoices=values.get("invoices", ""),
        )
    except SoukError as error:
        if error.status not in (400, 409):
            raise
        session.rollback()
        return complaint_page(
            request,
            session,
            ctx,
            complaint_id,
            status_code=400,
            errors=field_errors(error),
            values=values,
        )
    return RedirectResponse(
        f"/seller/compliance/complaints/{complaint_id}?appealed=1", status_code=303
    )
