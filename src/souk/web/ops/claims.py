"""Operations console: the A-to-z claims queue (decide), chargebacks recorded
from the payment provider and the card issuer's decision on them, and seller
feedback removal (held feedback and sellers' removal requests)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.core.errors import InvalidInput, SoukError
from souk.core.money import Money
from souk.feedback import service as feedback
from souk.orders.models import Order
from souk.returns import rules
from souk.returns import service as returns
from souk.returns.models import Claim
from souk.web.deps import check_csrf, current_marketplace, db, read_db, runtime, staff_user
from souk.web.pages import field_errors, form_values, render

router = APIRouter(dependencies=[Depends(staff_user)])

TABS = {"open": "Waiting for a decision", "decided": "Decided", "all": "All"}


def _claims_page(
    request: Request,
    session: Session,
    tab: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    failed: str | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    tab = tab if tab in TABS else "open"
    statuses = {
        "open": (rules.CLAIM_OPEN, rules.CLAIM_RESPONDED),
        "decided": (rules.CLAIM_DECIDED, rules.CLAIM_WITHDRAWN),
        "all": (),
    }[tab]
    policy = returns.returns_policy(current_marketplace(request).code)
    now = runtime(request).clock.now()
    return render(
        request,
        "returns/ops_claims.html",
        status_code=status_code,
        section="claims",
        tab=tab,
        tabs=TABS,
        lines=returns.claims_queue(session, statuses=statuses),
        chargebacks=returns.chargeback_queue(session, now),
        chargeback_reasons=policy.chargeback_reasons,
        chargeback_response_days=policy.chargeback_response_days,
        now=now,
        errors=errors or {},
        failed=failed,
        values=values or {},
    )


@router.get("/claims", response_class=HTMLResponse)
def claims(
    request: Request, tab: str = "open", session: Session = Depends(read_db)
) -> HTMLResponse:
    return _claims_page(request, session, tab)


def _minor(text: str, currency: str, field: str) -> int:
    text = text.strip()
    if not text:
        return 0
    try:
        return Money.parse(text, currency).minor
    except (ValueError, ArithmeticError):
        raise InvalidInput("Give an amount like 12.50.", field=field) from None


@router.post("/claims/{claim_id}/decide", dependencies=[Depends(check_csrf)])
async def decide(
    request: Request,
    claim_id: int,
    staff: User = Depends(staff_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    rt = runtime(request)
    try:
        claim = session.get(Claim, claim_id)
        currency = claim.currency if claim is not None else "USD"
        returns.decide_claim(
            session,
            rt.clock,
            rt.payments,
            claim_id=claim_id,
            staff_user_id=staff.id,
            outcome=values.get("outcome", ""),
            amount_minor=_minor(values.get("amount", ""), currency, "amount"),
            note=values.get("note", ""),
        )
    except SoukError as error:
        if error.status == 404:
            raise
        session.rollback()
        return _claims_page(
            request,
            session,
            "open",
            status_code=error.status,
            errors=field_errors(error, "note"),
            failed=str(claim_id),
            values=values,
        )
    return RedirectResponse(f"/ops/claims?done={claim_id}", status_code=303)


@router.post("/chargebacks", dependencies=[Depends(check_csrf)])
async def chargeback(
    request: Request,
    staff: User = Depends(staff_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    try:
        order = session.get(Order, values.get("order_id", "").strip())
        if order is None:
            raise InvalidInput(f"No order {values.get('order_id', '')}.", field="order_id")
        returns.record_chargeback(
            session,
            runtime(request).clock,
            order_id=order.id,
            provider_reference=values.get("provider_reference", ""),
            reason=values.get("reason", ""),
            amount_minor=_minor(values.get("amount", ""), order.currency, "amount"),
            recorded_by=staff.id,
        )
    except SoukError as error:
        session.rollback()
        return _claims_page(
            request,
            session,
            "open",
            status_code=error.status,
            errors=field_errors(error, "order_id"),
            failed="chargeback",
            values=values,
        )
    return RedirectResponse("/ops/claims?chargeback=1#chargebacks", status_code=303)


@router.post("/chargebacks/{chargeback_id}/decide", dependencies=[Depends(check_csrf)])
async def decide_chargeback(
    request: Request,
    chargeback_id: int,
    staff: User = Depends(staff_user),
    session: Session = Depends(db),
) -> Response:
    """Record the card issuer's decision on a dispute (won for the seller, or lost)."""
    values = await form_values(request)
    try:
        returns.decide_chargeback(
            session,
            runtime(request).clock,
            chargeback_id=chargeback_id,
            outcome=values.get("outcome", ""),
            decided_by=staff.id,
        )
    except SoukError as error:
        session.rollback()
        return _claims_page(
            request,
            session,
            "open",
            status_code=error.status,
            errors=field_errors(error, "outcome"),
            failed=f"chargeback-{chargeback_id}",
            values=values,
        )
    return RedirectResponse(
        f"/ops/claims?chargeback_decided={chargeback_id}#chargebacks", status_code=303
    )


@router.get("/feedback", response_class=HTMLResponse)
def feedback_queue(request: Request, session: Session = Depends(read_db)) -> HTMLResponse:
    return render(
        request,
        "returns/ops_feedback.html",
        section="feedback",
        queue=feedback.moderation_queue(session),
    )


@router.post("/feedback/{order_id}", dependencies=[Depends(check_csrf)])
async def moderate(
    request: Request,
    order_id: str,
    staff: User = Depends(staff_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    feedback.moderate(
        session,
        runtime(request).clock,
        staff_id=staff.id,
        order_id=order_id,
        remove=values.get("decision") == "remove",
        note=values.get("note", ""),
    )
    return RedirectResponse(f"/ops/feedback?done={order_id}", status_code=303)
