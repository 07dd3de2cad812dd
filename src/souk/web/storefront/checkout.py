"""Checkout: address, delivery speed, test card, review, place order (idempotent)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.accounts.models import Address, User
from souk.accounts.rules import PostalAddress
from souk.accounts.service import add_address, addresses
from souk.core.clock import Clock
from souk.core.errors import InvalidInput, SoukError
from souk.core.money import Money
from souk.core.policy import default_policy
from souk.fulfillment.delivery import checkout_terms
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
class ShipmentQuote:
    """One seller's parcel (one future order) at one speed."""

    seller_name: str
    titles: tuple[str, ...]
    arrives: date
    shipping: Money
    prime_free: bool


@dataclass(frozen=True)
class SpeedQuote:
    """What one delivery speed costs and promises for this cart: the same terms
    the placed order stores (fulfillment.delivery.checkout_terms)."""

    code: str
    label: str
    available: bool
    shipping: Money
    total: Money
    earliest: datetime | None
    latest: datetime | None
    shipments: tuple[ShipmentQuote, ...] = ()

    @property
    def arrives(self) -> date | None:
        """ "Arrives by": the last of the cart's shipments."""
        return self.latest.date() if self.latest is not None else None

    @property
    def prime_free(self) -> bool:
        return any(s.prime_free for s in self.shipments)


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


def quotes(
    session: Session,
    view: CartView,
    market: Marketplace,
    clock: Clock,
    *,
    buyer_id: int | None,
    postal_code: str,
) -> tuple[Money, list[SpeedQuote]]:
    """Items subtotal and each delivery speed's charge, total and "Arrives by" per
    shipment, for the buyer's postal code (the order stores the same promise)."""
    policy = default_policy().for_marketplace(market.code).shipping
    parcels = rules.split_by_seller(_purchasables(view))
    sellers = {item.seller.id: item.seller.store_name for item in view.active}
    items = sum(
        (rules.parcel_items_total(p, market.currency) for p in parcels), Money.zero(market.currency)
    )
    now = clock.now()
    result = []
    for code, speed in policy.speeds.items():
        terms = checkout_terms(
            session,
            parcels,
            marketplace=market.code,
            speed=code,
            buyer_id=buyer_id,
            postal_code=postal_code,
            now=now,
        )
        shipments = tuple(
            ShipmentQuote(
                seller_name=sellers.get(t.parcel.seller_id, t.parcel.seller_id),
                titles=tuple(line.title for line in t.parcel.lines),
                arrives=t.arrives,
                shipping=rules.parcel_shipping_total(t.parcel, market.currency, t.speed_charge),
                prime_free=t.prime_free,
            )
            for t in terms
        )
        shipping = sum((s.shipping for s in shipments), Money.zero(market.currency))
        result.append(
            SpeedQuote(
                code=code,
                label=speed.label,
                available=bool(parcels)
                and all(p.fulfillment_channel in speed.channels for p in parcels),
                shipping=shipping,
                total=items + shipping,
                earliest=min((t.window.earliest_delivery_at for t in terms), default=None),
                latest=max((t.window.latest_delivery_at for t in terms), default=None),
                shipments=shipments,
            )
        )
    return items, _worth_offering(result)


def _worth_offering(speeds: list[SpeedQuote]) -> list[SpeedQuote]:
    """The speeds checkout offers: none that a cheaper one arrives as soon as."""
    beaten = rules.beaten_speeds(
        [rules.SpeedOption(q.code, q.shipping.minor, q.latest, q.available) for q in speeds]
    )
    return [q for q in speeds if q.code not in beaten]


def _postal_code(book: list[Address], address_id: str, marketplace: str) -> str:
    """The chosen address's postal code; the marketplace's default before one is chosen."""
    chosen = next((a for a in book if str(a.id) == address_id), None)
    if chosen is not None:
        return chosen.postal_code
    return default_policy().for_marketplace(marketplace).fulfilment.default_postal_code


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
    ship_to = SHIP_TO_COUNTRY[market.code]
    book = [a for a in addresses(session, user.id) if a.country == ship_to]
    values = dict(values or {})
    values.setdefault("address_id", request.query_params.get("address") or "")
    if not values["address_id"] and book:
        values["address_id"] = str(book[0].id)
    items_total, speed_quotes = quotes(
        session,
        view,
        market,
        runtime(request).clock,
        buyer_id=user.id,
        postal_code=_postal_code(book, values["address_id"], market.code),
    )
    available = [q for q in speed_quotes if q.available]
    if values.get("delivery_speed") not in {q.code for q in available}:
        values["delivery_speed"] = available[0].code if available else ""
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
