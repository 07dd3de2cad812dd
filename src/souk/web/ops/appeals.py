"""Operations console: the appeals queue, each appeal with its evidence, and the decision."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.core.errors import SoukError
from souk.performance import rules, service
from souk.web.deps import check_csrf, db, read_db, runtime, staff_user
from souk.web.pages import field_errors, form_values, render

router = APIRouter()

TABS = {rules.PENDING: "Waiting", rules.APPROVED: "Approved", rules.DECLINED: "Declined"}


@router.get("/appeals", response_class=HTMLResponse)
def queue(
    request: Request,
    staff: User = Depends(staff_user),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    status = request.query_params.get("status", rules.PENDING)
    if status not in TABS:
        status = rules.PENDING
    return render(
        request,
        "performance/ops_appeals.html",
        section="appeals",
        tabs=TABS,
        status=status,
        queue=service.appeals_queue(session, status=status),
        step_labels=rules.STEP_LABELS,
    )


def _appeal_page(
    request: Request,
    session: Session,
    appeal_id: int,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    found = service.get_appeal(session, appeal_id)
    standings = [
        row
        for code in service.standing_marketplaces(session, found.seller.id)
        if (row := service.standing_row(session, found.seller.id, code)) is not None
    ]
    return render(
        request,
        "performance/ops_appeal.html",
        status_code=status_code,
        section="appeals",
        found=found,
        action=found.action,
        standings=standings,
        history=service.enforcement_actions(session, found.seller.id),
        step_labels=rules.STEP_LABELS,
        band_labels=rules.BAND_LABELS,
        errors=errors or {},
        values=values or {},
    )


@router.get("/appeals/{appeal_id}", response_class=HTMLResponse)
def appeal(
    request: Request,
    appeal_id: int,
    staff: User = Depends(staff_user),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    return _appeal_page(request, session, appeal_id)


@router.post("/appeals/{appeal_id}", dependencies=[Depends(check_csrf)])
async def decide(
    request: Request,
    appeal_id: int,
    staff: User = Depends(staff_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    decision = values.get("decision", "")
    try:
        if decision not in ("approve", "decline"):
            from souk.core.errors import InvalidInput

            raise InvalidInput("Approve or decline the appeal.", field="decision")
        service.decide_appeal(
            session,
            runtime(request).clock,
            appeal_id=appeal_id,
            staff_user_id=staff.id,
            approve=decision == "approve",
            note=values.get("note", ""),
        )
    except SoukError as error:
        if error.status == 404:
            raise
        session.rollback()
        return _appeal_page(
            request,
            session,
            appeal_id,
            status_code=error.status,
            errors=field_errors(error, "note"),
            values=values,
        )
    return RedirectResponse(f"/ops/appeals?done={appeal_id}", status_code=303)
