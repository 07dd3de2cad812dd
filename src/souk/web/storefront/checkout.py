"""Checkout: address, delivery speed, test card, review, place order (idempotent)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.accounts.rules import PostalAddress
from souk.accounts.service import add_address, addresses
from souk.core.clock import Clock
from souk.core.errors import InvalidInput, SoukError
from souk.core.money import Money
from souk.core.policy import default_policy
from souk.marketplaces.rules import SHIP_TO_COUNTRY, Marketplace
from souk.orders import rules
from souk.orders.cart import CartView, cart_view, find_cart
from souk.orders.payments import Card, TestPaymentProvider
from souk.orders.service import CheckoutRequest, buyer_order, place_order
from souk.web.deps import check_csrf, current_marketplace, db, read_db, runtime, signed_in_user
from souk.web.pages import field_errors, form_values, render
from souk.web.storefront.cart import whole_number

router = APIRouter()

ADDRESS_FIELDS = ("full_name", "line1", "line2", "city", "state", "postal_code", "phone")


@dataclass(frozen=True)
class SpeedQuote:
    """What one delivery speed costs and promises for this cart."""

    code: str
    label: str
    available: bool
    shipping: Money
    total: Money
    earliest: datetime | None
    latest: datetime | None


def _purchasables(view: CartView) -> list[rules.Purchasable]:
    return [
        rules.Purchasable(
            offer_id=item.offer.id,
            seller_id=item.seller.id,
            asin=item.product.asin,
            sku=item.offer.sku,
            title=item.product.title,
            condition=item.offer.condition,
            unit_price=part.unit_price,
            unit_shipping=Money(item.offer.currency, item.offer.shipping_minor),
            quantity=part.quantity,
            handling_days=item.offer.handling_days,
            fulfillment_channel=item.offer.fulfillment_channel,
        )
        for item in view.active
        if not item.problem
        for part in item.price_parts
    ]


def quotes(view: CartView, market: Marketplace, clock: Clock) -> tuple[Money, list[SpeedQuote]]:
    """Items subtotal and each delivery speed's charge, total and arrival, from the order rules."""
    policy = default_policy().for_marketplace(market.code).shipping
    parcels = rules.split_by_seller(_purchasables(view))
    items = sum(
        (rules.parcel_items_total(p, market.currency) for p in parcels), Money.zero(market.currency)
    )
    result = []
    for code, speed in policy.speeds.items():
        charge = Money(market.currency, speed.charge_minor)
        shipping = sum(
            (rules.parcel_shipping_total(p, market.currency, charge) for p in parcels),
            Money.zero(market.currency),
        )
        windows = [
            rules.delivery_window(
                clock.now(),
                p.handling_days,
                speed.transit_days_min,
                speed.transit_days_max,
                market.zone,
                policy.cutoff_hour_local,
            )
            for p in parcels
        ]
        result.append(
            SpeedQuote(
                code=code,
                label=speed.label,
                available=bool(parcels)
                and all(p.fulfillment_channel in speed.channels for p in parcels),
                shipping=shipping,
                total=items + shipping,
                earliest=min((w.earliest_delivery_at for w in windows), default=None),
                latest=max((w.latest_delivery_at for w in windows), default=None),
            )
        )
    return items, result


def checkout_page(
    request: Request,
    session: Session,
    user: User,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    address_errors: dict[str, str] | None = None,
    address_values: dict[str, str] | None = None,
) -> Response:
    market = current_marketplace(request)
    cart = find_cart(session, marketplace=market.code, buyer_id=user.id)
    view = cart_view(session, cart) if cart else None
    if view is None or not view.active:
        return RedirectResponse("/cart", status_code=303)
    items_total, speed_quotes = quotes(view, market, runtime(request).clock)
    ship_to = SHIP_TO_COUNTRY[market.code]
    book = [a for a in addresses(session, user.id) if a.country == ship_to]
    values = dict(values or {})
    values.setdefault("address_id", request.query_params.get("address") or "")
    if not values["address_id"] and book:
        values["address_id"] = str(book[0].id)
    available = [q for q in speed_quotes if q.available]
    values.setdefault("delivery_speed", available[0].code if available else "")
    chosen = next((q for q in speed_quotes if q.code == values["delivery_speed"]), None)
    return render(
        request,
        "storefront/checkout.html",
        status_code=status_code,
        view=view,
        items_total=items_total,
        quotes=speed_quotes,
        chosen=chosen,
        book=book,
        ship_to=ship_to,
        errors=errors or {},
        values=values,
        address_errors=address_errors or {},
        address_values=address_values or {},
        # A fresh key per rendered form: a double submit of this form yields one order.
        idempotency_key=secrets.token_urlsafe(18),
        test_cards=TestPaymentProvider,
    )


@router.get("/checkout", response_class=HTMLResponse)
def checkout(
    request: Request, user: User = Depends(signed_in_user), session: Session = Depends(read_db)
) -> Response:
    return checkout_page(request, session, user)


@router.post("/checkout/address", dependencies=[Depends(check_csrf)])
async def new_address(
    request: Request, user: User = Depends(signed_in_user), session: Session = Depends(db)
) -> Response:
    values = await form_values(request)
    market = current_marketplace(request)
    fields = {name: values.get(name, "") for name in ADDRESS_FIELDS}
    try:
        address = add_address(
            session,
            user.id,
            PostalAddress(country=SHIP_TO_COUNTRY[market.code], **fields),
            make_default=values.get("make_default") == "1",
        )
    except InvalidInput as error:
        session.rollback()
        return checkout_page(
            request,
            session,
            user,
            status_code=400,
            address_errors=field_errors(error),
            address_values=values,
        )
    return RedirectResponse(f"/checkout?address={address.id}", status_code=303)


def _card(values: dict[str, str]) -> Card:
    return Card(
        number=values.get("card_number", ""),
        exp_month=whole_number(values.get("card_exp_month"), "card_exp_month"),
        exp_year=whole_number(values.get("card_exp_year"), "card_exp_year"),
        cvc=values.get("card_cvc", "").strip(),
        holder=values.get("card_name", "").strip(),
    )


@router.post("/checkout/place", dependencies=[Depends(check_csrf)])
async def place(
    request: Request, user: User = Depends(signed_in_user), session: Session = Depends(db)
) -> Response:
    values = await form_values(request)
    rt = runtime(request)
    try:
        address_id = whole_number(values.get("address_id"), "address_id")
        result = place_order(
            session,
            rt.clock,
            rt.payments,
            CheckoutRequest(
                buyer_id=user.id,
                marketplace=current_marketplace(request).code,
                address_id=address_id,
                delivery_speed=values.get("delivery_speed", ""),
                card=_card(values),
                idempotency_key=values.get("idempotency_key", ""),
            ),
        )
    except SoukError as error:
        if error.status >= 500:
            raise
        session.rollback()
        values.pop("card_cvc", None)
        if error.field == "address_id" and not values.get("address_id"):
            error = InvalidInput("Choose a delivery address or add one.", field="address_id")
        return checkout_page(
            request, session, user, status_code=400, errors=field_errors(error), values=values
        )
    ids = ",".join(order.id for order in result.orders)
    return RedirectResponse(f"/orders/placed?ids={ids}", status_code=303)


@router.get("/orders/placed", response_class=HTMLResponse)
def placed(
    request: Request,
    ids: str = "",
    user: User = Depends(signed_in_user),
    session: Session = Depends(read_db),
) -> Response:
    orders = [buyer_order(session, user.id, order_id) for order_id in ids.split(",") if order_id]
    if not orders:
        return RedirectResponse("/orders", status_code=303)
    return render(request, "storefront/placed.html", orders=orders)
