"""Buyers' after-sales pages: return items (with the prepaid label), leave
seller feedback, file an A-to-z guarantee claim; a seller's ratings and
feedback on the store and product pages.

The order page shows what the buyer may do through
``returns/_order_actions.html``, which asks ``aftersales_for`` (a template
global registered here); store and product pages ask ``seller_ratings_for``
and ``store_feedback_for``. So the order, store and product handlers do not
change.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.catalog.service import products_by_asin
from souk.core.errors import InvalidState, SoukError
from souk.feedback import rules as feedback_rules
from souk.feedback import service as feedback
from souk.feedback.rules import SellerRating
from souk.orders.models import Order
from souk.orders.service import buyer_order
from souk.returns import rules
from souk.returns import service as returns
from souk.sellers.models import Seller
from souk.web.deps import (
    check_csrf,
    current_marketplace,
    db,
    read_db,
    runtime,
    signed_in_user,
)
from souk.web.pages import ENV, field_errors, form_values, render

router = APIRouter()

STORE_FEEDBACK_SHOWN = 10


# --- template globals ----------------------------------------------------------


def aftersales_for(request: Request, order: Order) -> dict[str, Any]:
    """Returns, refunds, claim and feedback of one order, and what the buyer may do."""
    rt = runtime(request)
    with rt.read_sessions() as session:
        return {
            "returns": returns.order_returns(session, order.id),
            "refunds": returns.order_refunds(session, order.id),
            "can_return": returns.return_eligibility(session, rt.clock, order),
            "claim": returns.order_claim(session, order.id),
            "can_claim": returns.claim_eligibility(session, rt.clock, order),
            "feedback": feedback.order_feedback(session, order.id),
            "can_feedback": feedback.feedback_eligibility(session, rt.clock, order),
            "conditions": rules.CONDITIONS,
        }


def seller_ratings_for(request: Request, seller_ids: Collection[str]) -> dict[str, SellerRating]:
    """Lifetime and 12-month ratings of these sellers in the shopper's marketplace."""
    rt = runtime(request)
    market = current_marketplace(request)
    cache: dict[str, SellerRating] = getattr(request.state, "souk_seller_ratings", None) or {}
    wanted = [i for i in seller_ids if i not in cache]
    if wanted:
        with rt.read_sessions() as session:
            cache.update(feedback.seller_ratings(session, wanted, market.code, rt.clock.now()))
        request.state.souk_seller_ratings = cache
    return {i: cache.get(i, feedback_rules.NO_RATING) for i in seller_ids}


def store_feedback_for(request: Request, seller_id: str) -> dict[str, Any]:
    rt = runtime(request)
    market = current_marketplace(request)
    with rt.read_sessions() as session:
        page = feedback.seller_feedback(session, seller_id, market.code, limit=STORE_FEEDBACK_SHOWN)
    return {
        "rating": seller_ratings_for(request, [seller_id])[seller_id],
        "entries": page.entries,
    }


ENV.globals["aftersales_for"] = aftersales_for
ENV.globals["seller_ratings_for"] = seller_ratings_for
ENV.globals["store_feedback_for"] = store_feedback_for


# --- return items -----------------------------------------------------------------


def _return_page(
    request: Request,
    session: Session,
    user: User,
    order_id: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    order = buyer_order(session, user.id, order_id)
    rt = runtime(request)
    return render(
        request,
        "returns/request.html",
        status_code=status_code,
        order=order,
        seller=session.get(Seller, order.seller_id),
        products=products_by_asin(session, [i.asin for i in order.items]),
        returnable=returns.returnable_units(session, order),
        state=returns.return_eligibility(session, rt.clock, order),
        reasons=returns.returns_policy(order.marketplace).reasons,
        errors=errors or {},
        values=values or {},
    )


@router.get("/orders/{order_id}/return", response_class=HTMLResponse)
def return_form(
    request: Request,
    order_id: str,
    user: User = Depends(signed_in_user),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    return _return_page(request, session, user, order_id)


def _quantities(values: dict[str, str]) -> dict[int, int]:
    wanted: dict[int, int] = {}
    for key, value in values.items():
        if key.startswith("qty-") and value.strip():
            try:
                wanted[int(key[4:])] = int(value)
            except ValueError:
                continue
    return wanted


@router.post("/orders/{order_id}/return", dependencies=[Depends(check_csrf)])
async def request_return(
    request: Request,
    order_id: str,
    user: User = Depends(signed_in_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    try:
        created = returns.request_return(
            session,
            runtime(request).clock,
            buyer_id=user.id,
            order_id=order_id,
            items=_quantities(values),
            reason=values.get("reason", ""),
            comment=values.get("comment", ""),
        )
    except SoukError as error:
        if error.status == 404:
            raise
        session.rollback()
        return _return_page(
            request,
            session,
            user,
            order_id,
            status_code=error.status,
            errors=field_errors(error, "items"),
            values=values,
        )
    return RedirectResponse(f"/orders/{order_id}?return={created.id}", status_code=303)


@router.get("/returns/{return_id}/label", response_class=HTMLResponse)
def label(
    request: Request,
    return_id: int,
    user: User = Depends(signed_in_user),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    """The printable prepaid return label of an authorised return."""
    found = returns.buyer_return(session, user.id, return_id)
    order = buyer_order(session, user.id, found.order_id)
    if not found.label_tracking:
        raise InvalidState("This return has no label yet: the seller has not authorised it.")
    return render(
        request,
        "returns/label.html",
        found=found,
        order=order,
        seller=session.get(Seller, order.seller_id),
        items={i.id: i for i in order.items},
    )


# --- seller feedback ---------------------------------------------------------------


def _feedback_page(
    request: Request,
    session: Session,
    user: User,
    order_id: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    order = buyer_order(session, user.id, order_id)
    return render(
        request,
        "returns/feedback_form.html",
        status_code=status_code,
        order=order,
        seller=session.get(Seller, order.seller_id),
        state=feedback.feedback_eligibility(session, runtime(request).clock, order),
        errors=errors or {},
        values=values or {},
    )


@router.get("/orders/{order_id}/feedback", response_class=HTMLResponse)
def feedback_form(
    request: Request,
    order_id: str,
    user: User = Depends(signed_in_user),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    return _feedback_page(request, session, user, order_id)


@router.post("/orders/{order_id}/feedback", dependencies=[Depends(check_csrf)])
async def leave_feedback(
    request: Request,
    order_id: str,
    user: User = Depends(signed_in_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    try:
        feedback.leave_feedback(
            session,
            runtime(request).clock,
            buyer_id=user.id,
            order_id=order_id,
            stars=values.get("stars", ""),
            comment=values.get("comment", ""),
            on_time=values.get("on_time"),
            as_described=values.get("as_described"),
        )
    except SoukError as error:
        if error.status == 404:
            raise
        session.rollback()
        return _feedback_page(
            request,
            session,
            user,
            order_id,
            status_code=error.status,
            errors=field_errors(error, "stars"),
            values=values,
        )
    return RedirectResponse(f"/orders/{order_id}?feedback=1", status_code=303)


# --- A-to-z guarantee claims -------------------------------------------------------


def _claim_page(
    request: Request,
    session: Session,
    user: User,
    order_id: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    order = buyer_order(session, user.id, order_id)
    policy = returns.returns_policy(order.marketplace)
    return render(
        request,
        "returns/claim_form.html",
        status_code=status_code,
        order=order,
        seller=session.get(Seller, order.seller_id),
        state=returns.claim_eligibility(session, runtime(request).clock, order),
        reasons=policy.claim_reasons,
        policy=policy,
        errors=errors or {},
        values=values or {},
    )


@router.get("/orders/{order_id}/claim", response_class=HTMLResponse)
def claim_form(
    request: Request,
    order_id: str,
    user: User = Depends(signed_in_user),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    return _claim_page(request, session, user, order_id)


@router.post("/orders/{order_id}/claim", dependencies=[Depends(check_csrf)])
async def file_claim(
    request: Request,
    order_id: str,
    user: User = Depends(signed_in_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    try:
        returns.file_claim(
            session,
            runtime(request).clock,
            buyer_id=user.id,
            order_id=order_id,
            reason=values.get("reason", ""),
            description=values.get("description", ""),
        )
    except SoukError as error:
        if error.status == 404:
            raise
        session.rollback()
        return _claim_page(
            request,
            session,
            user,
            order_id,
            status_code=error.status,
            errors=field_errors(error, "reason"),
            values=values,
        )
    return RedirectResponse(f"/orders/{order_id}?claim=1", status_code=303)


@router.post("/claims/{claim_id}/withdraw", dependencies=[Depends(check_csrf)])
def withdraw_claim(
    request: Request,
    claim_id: int,
    user: User = Depends(signed_in_user),
    session: Session = Depends(db),
) -> Response:
    claim = returns.withdraw_claim(
        session, runtime(request).clock, buyer_id=user.id, claim_id=claim_id
    )
    return RedirectResponse(f"/orders/{claim.order_id}?claim_withdrawn=1", status_code=303)
