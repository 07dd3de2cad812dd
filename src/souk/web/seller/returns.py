"""Seller Central: Returns (authorise, decline, record receipt and refund),
A-to-z claims (respond within 48 hours), chargebacks (send evidence for the
card issuer once, within the policy's days) and Feedback (reply once, ask for
removal). The order page shows the order's after-sales state through
``returns/_seller_order.html``, which asks ``seller_aftersales_for``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.core.errors import InvalidInput, SoukError
from souk.feedback import rules as feedback_rules
from souk.feedback import service as feedback
from souk.orders.models import Order
from souk.returns import rules
from souk.returns import service as returns
from souk.web.deps import (
    SellerContext,
    check_csrf,
    current_marketplace,
    db,
    read_db,
    runtime,
    seller_context,
)
from souk.web.pages import ENV, field_errors, form_values, render
from souk.web.seller.access import require

router = APIRouter()

RETURN_TABS = {
    "requested": "Waiting for you",
    "authorized": "Authorised",
    "received": "Received",
    "declined": "Declined",
    "": "All",
}
CLAIM_TABS = {"active": "Open", "decided": "Decided", "all": "All"}
CHARGEBACK_TABS = {"open": "Open", "decided": "Decided", "all": "All"}


def seller_aftersales_for(request: Request, order: Order) -> dict[str, Any]:
    rt = runtime(request)
    with rt.read_sessions() as session:
        return {
            "returns": returns.order_returns(session, order.id),
            "refunds": returns.order_refunds(session, order.id),
            "claim": returns.order_claim(session, order.id),
            "feedback": feedback.order_feedback(session, order.id),
        }


ENV.globals["seller_aftersales_for"] = seller_aftersales_for


# --- returns ----------------------------------------------------------------------


def _returns_page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    status: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    failed: int | None = None,
) -> HTMLResponse:
    status = status if status in RETURN_TABS else "requested"
    market = current_marketplace(request)
    return render(
        request,
        "returns/seller_returns.html",
        status_code=status_code,
        ctx=ctx,
        section="returns",
        tab=status,
        tabs=RETURN_TABS,
        lines=returns.seller_returns(session, ctx.seller.id, status=status),
        conditions=rules.CONDITIONS,
        max_deduction=returns.returns_policy(market.code).max_deduction_percent,
        errors=errors or {},
        failed=failed,
    )


@router.get("/returns", response_class=HTMLResponse)
def returns_list(
    request: Request,
    status: str = "requested",
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "orders")
    return _returns_page(request, session, ctx, status)


@router.post("/returns/{return_id}/{action}", dependencies=[Depends(check_csrf)])
async def return_action(
    request: Request,
    return_id: int,
    action: str,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "orders")
    values = await form_values(request)
    rt = runtime(request)
    tab = values.get("tab", "requested")
    try:
        if action == "authorize":
            returns.authorize_return(
                session, rt.clock, seller_id=ctx.seller.id, return_id=return_id
            )
        elif action == "decline":
            returns.decline_return(
                session,
                rt.clock,
                seller_id=ctx.seller.id,
                return_id=return_id,
                reason=values.get("decline_reason", ""),
            )
        elif action == "receive":
            try:
                deduction = int(values.get("deduction_percent", "0") or 0)
            except ValueError:
                raise InvalidInput(
                    "The deduction is a whole percentage.", field="deduction_percent"
                ) from None
            returns.receive_return(
                session,
                rt.clock,
                rt.payments,
                return_id=return_id,
                seller_id=ctx.seller.id,
                condition=values.get("condition", ""),
                deduction_percent=deduction,
                restock=values.get("restock") == "yes",
            )
        else:
            raise InvalidInput("Unknown action.")
    except SoukError as error:
        if error.status == 404:
            raise
        session.rollback()
        return _returns_page(
            request,
            session,
            ctx,
            tab,
            status_code=error.status,
            errors=field_errors(error),
            failed=return_id,
        )
    return RedirectResponse(f"/seller/returns?status={tab}&done={return_id}", status_code=303)


# --- claims -----------------------------------------------------------------------


async def _seller_answer(
    request: Request,
    answer: Callable[[str], object],
    page: Callable[..., HTMLResponse],
    session: Session,
    *,
    failed: int,
    done: str,
) -> Response:
    """A seller's written answer to a claim or a chargeback: on bad input the page
    again with the error beside the answer; another seller's case (404) shows nothing."""
    values = await form_values(request)
    try:
        answer(values.get("response", ""))
    except SoukError as error:
        if error.status == 404:
            raise
        session.rollback()
        return page(
            status_code=error.status,
            errors=field_errors(error, "response"),
            failed=failed,
            values=values,
        )
    return RedirectResponse(done, status_code=303)


def _claims_page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    tab: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    failed: int | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    tab = tab if tab in CLAIM_TABS else "active"
    statuses = {
        "active": (rules.CLAIM_OPEN, rules.CLAIM_RESPONDED),
        "decided": (rules.CLAIM_DECIDED, rules.CLAIM_WITHDRAWN),
        "all": (),
    }[tab]
    return render(
        request,
        "returns/seller_claims.html",
        status_code=status_code,
        ctx=ctx,
        section="claims",
        tab=tab,
        tabs=CLAIM_TABS,
        lines=returns.claims_queue(session, statuses=statuses, seller_id=ctx.seller.id),
        now=runtime(request).clock.now(),
        errors=errors or {},
        failed=failed,
        values=values or {},
    )


@router.get("/claims", response_class=HTMLResponse)
def claims_list(
    request: Request,
    tab: str = "active",
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "orders")
    return _claims_page(request, session, ctx, tab)


@router.post("/claims/{claim_id}/respond", dependencies=[Depends(check_csrf)])
async def respond(
    request: Request,
    claim_id: int,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "orders")
    clock = runtime(request).clock
    return await _seller_answer(
        request,
        lambda text: returns.respond_to_claim(
            session, clock, seller_id=ctx.seller.id, claim_id=claim_id, response=text
        ),
        lambda **shown: _claims_page(request, session, ctx, "active", **shown),
        session,
        failed=claim_id,
        done=f"/seller/claims?done={claim_id}",
    )


# --- chargebacks ---------------------------------------------------------------------


def _chargebacks_page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    tab: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    failed: int | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    tab = tab if tab in CHARGEBACK_TABS else "open"
    statuses = {
        "open": (rules.CHARGEBACK_OPEN,),
        "decided": (rules.CHARGEBACK_WON, rules.CHARGEBACK_LOST),
        "all": (),
    }[tab]
    market = current_marketplace(request)
    return render(
        request,
        "returns/seller_chargebacks.html",
        status_code=status_code,
        ctx=ctx,
        section="claims",
        tab=tab,
        tabs=CHARGEBACK_TABS,
        lines=returns.chargeback_queue(
            session, runtime(request).clock.now(), statuses=statuses, seller_id=ctx.seller.id
        ),
        response_days=returns.returns_policy(market.code).chargeback_response_days,
        response_min=rules.CHARGEBACK_RESPONSE_MIN,
        response_max=rules.CHARGEBACK_RESPONSE_MAX,
        errors=errors or {},
        failed=failed,
        values=values or {},
    )


@router.get("/chargebacks", response_class=HTMLResponse)
def chargebacks_list(
    request: Request,
    tab: str = "open",
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "orders")
    return _chargebacks_page(request, session, ctx, tab)


@router.post("/chargebacks/{chargeback_id}/respond", dependencies=[Depends(check_csrf)])
async def respond_to_chargeback(
    request: Request,
    chargeback_id: int,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "orders")
    clock = runtime(request).clock
    return await _seller_answer(
        request,
        lambda text: returns.respond_to_chargeback(
            session, clock, seller_id=ctx.seller.id, chargeback_id=chargeback_id, response=text
        ),
        lambda **shown: _chargebacks_page(request, session, ctx, "open", **shown),
        session,
        failed=chargeback_id,
        done=f"/seller/chargebacks?done={chargeback_id}",
    )


# --- feedback ----------------------------------------------------------------------


def _feedback_page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    page: int,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    failed: str | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    rt = runtime(request)
    market = current_marketplace(request)
    page = max(1, page)
    per_page = 25
    found = feedback.seller_feedback(
        session,
        ctx.seller.id,
        market.code,
        statuses=feedback_rules.STATUSES,
        limit=per_page,
        offset=(page - 1) * per_page,
    )
    return render(
        request,
        "returns/seller_feedback.html",
        status_code=status_code,
        ctx=ctx,
        section="feedback",
        rating=feedback.seller_ratings(session, [ctx.seller.id], market.code, rt.clock.now())[
            ctx.seller.id
        ],
        entries=found.entries,
        more=found.more,
        page=page,
        removal_reasons=feedback.feedback_policy(market.code).removal_reasons,
        errors=errors or {},
        failed=failed,
        values=values or {},
    )


@router.get("/feedback", response_class=HTMLResponse)
def feedback_list(
    request: Request,
    page: int = 1,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "orders")
    return _feedback_page(request, session, ctx, page)


@router.post("/feedback/{order_id}/{action}", dependencies=[Depends(check_csrf)])
async def feedback_action(
    request: Request,
    order_id: str,
    action: str,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "orders")
    values = await form_values(request)
    clock = runtime(request).clock
    try:
        if action == "reply":
            feedback.reply(
                session,
                clock,
                seller_id=ctx.seller.id,
                order_id=order_id,
                text=values.get("reply", ""),
            )
        elif action == "request-removal":
            feedback.request_removal(
                session,
                clock,
                seller_id=ctx.seller.id,
                order_id=order_id,
                reason=values.get("reason", ""),
            )
        else:
            raise InvalidInput("Unknown action.")
    except SoukError as error:
        if error.status == 404:
            raise
        session.rollback()
        return _feedback_page(
            request,
            session,
            ctx,
            1,
            status_code=error.status,
            errors=field_errors(error, "reply" if action == "reply" else "reason"),
            failed=order_id,
            values=values,
        )
    return RedirectResponse(f"/seller/feedback?done={action}", status_code=303)
