"""Operations console: policy cases, linked accounts (graph and evidence), IP
complaints and buyers' reports. Every decision carries a reason and is written to
the audit log with the change."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.core.errors import SoukError
from souk.ops.service import audit_log
from souk.policy import rules
from souk.policy.models import BrandOwner
from souk.policy.service import (
    act_on_case,
    cases,
    close_report,
    complaints,
    decide_complaint,
    decide_link_review,
    get_complaint,
    get_link_review,
    link_graph,
    link_reviews,
    pending_appeal_id,
    seller_reports,
)
from souk.sellers.service import get_seller
from souk.web.deps import check_csrf, db, read_db, runtime, staff_user
from souk.web.pages import field_errors, form_values, render

router = APIRouter(dependencies=[Depends(staff_user)])

CASE_STATUSES = {"open": "Waiting for staff", "actioned": "Actioned", "dismissed": "Dismissed"}
CASE_NAMES = {
    "listing_content": "Listing content",
    "upload_abuse": "Upload abuse",
    "excessive_shipping": "Excessive shipping charges",
    "media_rules": "Media rules",
    "duplicate_listing": "Duplicate detail page",
    "self_purchase": "Self or linked purchase",
    "order_burst": "Order burst from new accounts",
    "linked_account": "Linked account",
    "ip_complaint": "IP complaint",
    "high_volume_unverified": "INFORM: not verified",
}
COMPLAINT_STATUSES = {
    "pending_review": "Pending review",
    "upheld": "Upheld",
    "rejected": "Rejected",
    "reinstated": "Reinstated",
}


def _common() -> dict[str, object]:
    return {
        "section": "policy",
        "case_names": CASE_NAMES,
        "signal_names": rules.SIGNAL_NAMES,
        "ip_kinds": rules.IP_KINDS,
        "complaint_statuses": COMPLAINT_STATUSES,
    }


# -- cases ----------------------------------------------------------------------------------


def cases_page(
    request: Request,
    session: Session,
    *,
    status: str,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    failed: int | None = None,
) -> HTMLResponse:
    return render(
        request,
        "policy/ops_cases.html",
        status_code=status_code,
        tab="cases",
        rows=cases(session, status=status),
        status=status,
        statuses=CASE_STATUSES,
        errors=errors or {},
        failed=failed,
        **_common(),
    )


@router.get("/policy", response_class=HTMLResponse)
def policy_cases(
    request: Request, status: str = "open", session: Session = Depends(read_db)
) -> HTMLResponse:
    status = status if status in CASE_STATUSES else "open"
    return cases_page(request, session, status=status)


@router.post("/policy/cases/{case_id}", dependencies=[Depends(check_csrf)])
async def case_decision(
    request: Request,
    case_id: int,
    staff: User = Depends(staff_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    try:
        act_on_case(
            session,
            runtime(request).clock,
            staff_user_id=staff.id,
            case_id=case_id,
            decision=values.get("decision", ""),
            note=values.get("note", ""),
        )
    except SoukError as error:
        if error.status not in (400, 409):
            raise
        session.rollback()
        return cases_page(
            request,
            session,
            status="open",
            status_code=400,
            errors=field_errors(error, "note"),
            failed=case_id,
        )
    return RedirectResponse(f"/ops/policy?done={case_id}", status_code=303)


# -- linked accounts ------------------------------------------------------------------------


@router.get("/policy/links", response_class=HTMLResponse)
def links_queue(
    request: Request, status: str = "open", session: Session = Depends(read_db)
) -> HTMLResponse:
    status = status if status in ("open", "cleared", "confirmed") else "open"
    return render(
        request,
        "policy/ops_links.html",
        tab="links",
        rows=link_reviews(session, status=status),
        status=status,
        **_common(),
    )


def graph_page(
    request: Request,
    session: Session,
    seller_id: str,
    *,
    review_id: int | None = None,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    review = get_link_review(session, review_id) if review_id is not None else None
    if review is not None:
        seller_id = review.seller_id
    seller = get_seller(session, seller_id)
    return render(
        request,
        "policy/ops_graph.html",
        status_code=status_code,
        tab="links",
        seller=seller,
        review=review,
        graph=link_graph(session, seller.id),
        history=audit_log(session, subject=seller.id, limit=30),
        errors=errors or {},
        values=values or {},
        **_common(),
    )


@router.get("/policy/graph/{seller_id}", response_class=HTMLResponse)
def graph(request: Request, seller_id: str, session: Session = Depends(read_db)) -> HTMLResponse:
    return graph_page(request, session, seller_id)


@router.get("/policy/links/{review_id}", response_class=HTMLResponse)
def link_review(
    request: Request, review_id: int, session: Session = Depends(read_db)
) -> HTMLResponse:
    return graph_page(request, session, "", review_id=review_id)


@router.post("/policy/links/{review_id}", dependencies=[Depends(check_csrf)])
async def link_decision(
    request: Request,
    review_id: int,
    staff: User = Depends(staff_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    try:
        decide_link_review(
            session,
            runtime(request).clock,
            staff_user_id=staff.id,
            review_id=review_id,
            decision=values.get("decision", ""),
            note=values.get("note", ""),
        )
    except SoukError as error:
        if error.status not in (400, 409):
            raise
        session.rollback()
        return graph_page(
            request,
            session,
            "",
            review_id=review_id,
            status_code=400,
            errors=field_errors(error, "note"),
            values=values,
        )
    return RedirectResponse(f"/ops/policy/links/{review_id}?done=1", status_code=303)


# -- IP complaints --------------------------------------------------------------------------


@router.get("/policy/complaints", response_class=HTMLResponse)
def complaints_list(
    request: Request, status: str = "pending_review", session: Session = Depends(read_db)
) -> HTMLResponse:
    status = status if status in COMPLAINT_STATUSES else "pending_review"
    return render(
        request,
        "policy/ops_complaints.html",
        tab="complaints",
        rows=complaints(session, status=status),
        status=status,
        **_common(),
    )


def complaint_page(
    request: Request,
    session: Session,
    complaint_id: int,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    complaint = get_complaint(session, complaint_id)
    found = complaints(session, seller_id=complaint.seller_id, limit=500)
    this = next(r for r in found if r[0].id == complaint.id)
    appeal_id = pending_appeal_id(session, complaint.action_id)
    appeal = None
    if appeal_id is not None:
        from souk.performance.models import Appeal

        appeal = session.get(Appeal, appeal_id)
    owner = session.scalar(
        select(BrandOwner).where(
            BrandOwner.brand_id == complaint.brand_id,
            BrandOwner.user_id == complaint.complainant_user_id,
        )
    )
    complainant = session.get(User, complaint.complainant_user_id)
    return render(
        request,
        "policy/ops_complaint.html",
        status_code=status_code,
        tab="complaints",
        complaint=complaint,
        seller=this[1],
        product=this[2],
        brand=this[3],
        others=[r for r in found if r[0].id != complaint.id],
        appeal=appeal,
        owner=owner,
        complainant=complainant,
        history=[
            line
            for line in audit_log(session, subject=complaint.seller_id, limit=100)
            if line.entry.details.get("complaint_id") == complaint.id
            or line.entry.details.get("evidence", {}).get("complaint_id") == complaint.id
        ],
        errors=errors or {},
        values=values or {},
        **_common(),
    )


@router.get("/policy/complaints/{complaint_id}", response_class=HTMLResponse)
def complaint(
    request: Request, complaint_id: int, session: Session = Depends(read_db)
) -> HTMLResponse:
    return complaint_page(request, session, complaint_id)


@router.post("/policy/complaints/{complaint_id}", dependencies=[Depends(check_csrf)])
async def complaint_decision(
    request: Request,
    complaint_id: int,
    staff: User = Depends(staff_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    try:
        decide_complaint(
            session,
            runtime(request).clock,
            staff_user_id=staff.id,
            complaint_id=complaint_id,
            decision=values.get("decision", ""),
            note=values.get("note", ""),
        )
    except SoukError as error:
        if error.status not in (400, 409):
            raise
        session.rollback()
        return complaint_page(
            request,
            session,
            complaint_id,
            status_code=400,
            errors=field_errors(error, "note"),
            values=values,
        )
    return RedirectResponse(f"/ops/policy/complaints/{complaint_id}?done=1", status_code=303)


# -- buyers' reports ------------------------------------------------------------------------


@router.get("/policy/reports", response_class=HTMLResponse)
def reports(
    request: Request, status: str = "open", session: Session = Depends(read_db)
) -> HTMLResponse:
    status = status if status in ("open", "closed") else "open"
    return render(
        request,
        "policy/ops_reports.html",
        tab="reports",
        rows=seller_reports(session, status=status),
        status=status,
        **_common(),
    )


@router.post("/policy/reports/{report_id}", dependencies=[Depends(check_csrf)])
async def report_close(
    request: Request,
    report_id: int,
    staff: User = Depends(staff_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    close_report(
        session,
        runtime(request).clock,
        staff_user_id=staff.id,
        report_id=report_id,
        note=values.get("note", "") or "Reviewed.",
    )
    return RedirectResponse("/ops/policy/reports?done=1", status_code=303)
