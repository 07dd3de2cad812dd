"""Prime on the storefront: the membership page (join with a free trial, cancel)
and the "Arrives by" promise with the Prime badge on product pages, which the
buy box asks for through the ``fulfilment_promise`` template global."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.buybox.rules import OfferFacts
from souk.core.errors import SoukError
from souk.core.money import Money
from souk.core.policy import default_policy
from souk.finance.cards import card_of_user
from souk.fulfillment import network, prime
from souk.fulfillment.rules import TWO_DAY
from souk.orders.payments import Card
from souk.web.deps import check_csrf, current_marketplace, db, read_db, runtime, signed_in_user
from souk.web.pages import ENV, field_errors, form_values, render
from souk.web.storefront.cart import whole_number

router = APIRouter()


@dataclass(frozen=True)
class BuyBoxPromise:
    arrives: date | None  # None: merchant-fulfilled (the seller's own window applies)
    prime_badge: bool
    prime_member: bool
    fast_arrives: date | None  # what Prime members get, shown to others as an invitation


def _postal_code(request: Request, user: User | None, marketplace: str) -> str:
    if user is not None and user.addresses:
        first = next((a for a in user.addresses if a.is_default), user.addresses[0])
        return first.postal_code
    return default_policy().for_marketplace(marketplace).fulfilment.default_postal_code


def fulfilment_promise(request: Request, offer: OfferFacts | None) -> BuyBoxPromise | None:
    """The network's promise for the featured offer, or the Prime badge of a
    merchant-fulfilled seller who earned it; None when neither applies."""
    if offer is None:
        return None
    rt = runtime(request)
    market = current_marketplace(request)
    now = rt.clock.now()
    shared = getattr(request.state, "souk_read_session", None) or getattr(
        request.state, "souk_session", None
    )
    session = shared if shared is not None else rt.read_sessions()
    try:
        user_id = request.session.get("user_id")
        user = session.get(User, user_id) if user_id is not None else None
        if offer.fulfillment_channel != "PLATFORM":
            badge = bool(prime.merchant_prime_sellers(session, [offer.seller_id], market.code, now))
            return BuyBoxPromise(None, True, False, None) if badge else None
        stock = network.offer_centres(session, [offer.offer_id]).get(offer.offer_id, {})
        if not stock:
            return None
        member = network.is_prime_member(session, user_id, market.code, now)
        postal = _postal_code(request, user, market.code)
        standard = network.promise_from_stock(
            session, stock, market.code, postal, now, prime_member=member
        )
        fast = network.promise_from_stock(session, stock, market.code, postal, now, TWO_DAY)
        if standard is None:
            return None
        return BuyBoxPromise(
            standard.arrives, True, member, fast.arrives if fast is not None else None
        )
    finally:
        if shared is None:
            session.close()


ENV.globals["fulfilment_promise"] = fulfilment_promise


def _prime_page(
    request: Request,
    session: Session,
    user: User,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    market = current_marketplace(request)
    policy = prime.prime_policy(market.code)
    now = runtime(request).clock.now()
    found = prime.membership(session, user.id, market.code)
    return render(
        request,
        "fulfilment/prime.html",
        status_code=status_code,
        membership=found,
        active=prime.active_membership(session, user.id, market.code, now),
        policy=policy,
        monthly=Money(market.currency, policy.monthly_fee_minor),
        yearly=Money(market.currency, policy.yearly_fee_minor),
        card=card_of_user(session, user.id),
        charges=prime.fee_history(session, user.id, market.code),
        errors=errors or {},
        values=values or {},
        done=request.query_params.get("done"),
    )


def _card(values: dict[str, str]) -> Card | None:
    """The card typed on the form; None when the member keeps the card on file."""
    if not values.get("card_number", "").strip():
        return None
    return Card(
        number=values.get("card_number", ""),
        exp_month=whole_number(values.get("card_exp_month"), "card_exp_month"),
        exp_year=whole_number(values.get("card_exp_year"), "card_exp_year"),
        cvc=values.get("card_cvc", "").strip(),
        holder=values.get("card_name", "").strip(),
    )


@router.get("/prime", response_class=HTMLResponse)
def prime_page(
    request: Request,
    user: User = Depends(signed_in_user),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    return _prime_page(request, session, user)


@router.post("/prime/join", dependencies=[Depends(check_csrf)])
async def join(
    request: Request, user: User = Depends(signed_in_user), session: Session = Depends(db)
) -> Response:
    values = await form_values(request)
    rt = runtime(request)
    try:
        prime.join(
            session,
            rt.clock,
            rt.payments,
            user_id=user.id,
            marketplace=current_marketplace(request).code,
            plan=values.get("plan", ""),
            card=_card(values),
        )
    except SoukError as error:
        if error.status not in (400, 402, 409):
            raise
        session.rollback()
        values.pop("card_cvc", None)
        values.pop("card_number", None)
        return _prime_page(
            request, session, user, errors=field_errors(error), values=values, status_code=400
        )
    return RedirectResponse("/prime?done=joined", status_code=303)


@router.post("/prime/cancel", dependencies=[Depends(check_csrf)])
def cancel(
    request: Request, user: User = Depends(signed_in_user), session: Session = Depends(db)
) -> Response:
    prime.cancel(
        session,
        runtime(request).clock,
        user_id=user.id,
        marketplace=current_marketplace(request).code,
    )
    return RedirectResponse("/prime?done=canceled", status_code=303)
