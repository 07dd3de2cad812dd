"""The buyer's cart, one per marketplace."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.core.money import Money
from souk.marketplaces.rules import MARKETPLACES
from souk.orders.cart import (
    CartView,
    add_to_cart,
    cart_view,
    find_cart,
    get_or_create_cart,
    remove_line,
    set_quantity,
)
from souk.web.api.common import errors, marketplace_code
from souk.web.api.schemas import (
    MAX_INT,
    CartLineIn,
    CartLineOut,
    CartLineUpdate,
    CartOut,
    Clean,
    ImageOut,
    MoneyOut,
)
from souk.web.deps import api_user, db, read_db, runtime

router = APIRouter(prefix="/cart", tags=["buyer"])

LineId = Annotated[int, Path(ge=1, le=MAX_INT, description="The cart line's id.")]
MarketplaceQuery = Annotated[
    str | None,
    Query(
        max_length=10, description="The cart's marketplace; the account's default when left out."
    ),
    Clean,
]


def _cart_out(view: CartView) -> CartOut:
    lines = [
        CartLineOut(
            line_id=item.line_id,
            offer_id=item.offer.id,
            asin=item.product.asin,
            title=item.product.title,
            seller_id=item.seller.id,
            seller_name=item.seller.store_name,
            condition=item.offer.condition,
            quantity=item.quantity,
            unit_price=MoneyOut.minor_units(item.offer.currency, item.offer.price_minor),
            line_total=MoneyOut.of(item.line_total),
            saved_for_later=item.saved_for_later,
            problem=item.problem,
            image=ImageOut.of(item.image) if item.image else None,
        )
        for item in view.items
    ]
    return CartOut(
        marketplace=view.cart.marketplace,
        currency=view.currency,
        item_count=view.item_count,
        subtotal=MoneyOut.of(view.subtotal),
        lines=lines,
    )


def _market(user: User, marketplace: str | None) -> str:
    return marketplace_code(marketplace or user.default_marketplace)


@router.get(
    "",
    summary="Read my cart",
    response_model=CartOut,
    responses=errors(401),
)
def read_cart(
    marketplace: MarketplaceQuery = None,
    user: User = Depends(api_user),
    session: Session = Depends(read_db),
) -> CartOut:
    code = _market(user, marketplace)
    cart = find_cart(session, marketplace=code, buyer_id=user.id)
    if cart is None:
        currency = MARKETPLACES[code].currency
        return CartOut(
            marketplace=code,
            currency=currency,
            item_count=0,
            subtotal=MoneyOut.of(Money.zero(currency)),
            lines=[],
        )
    return _cart_out(cart_view(session, cart))


@router.post(
    "/lines",
    summary="Add an offer to my cart",
    description="Adding an offer already in the cart adds to its quantity.",
    response_model=CartOut,
    status_code=201,
    responses=errors(401, 404),
)
def add_line(
    body: CartLineIn,
    request: Request,
    user: User = Depends(api_user),
    session: Session = Depends(db),
) -> CartOut:
    clock = runtime(request).clock
    code = _market(user, body.marketplace)
    cart = get_or_create_cart(session, clock, marketplace=code, buyer_id=user.id)
    add_to_cart(session, clock, cart, body.offer_id, body.quantity)
    return _cart_out(cart_view(session, cart))


@router.patch(
    "/lines/{line_id}",
    summary="Change a cart line's quantity",
    description="A quantity of 0 removes the line, as on the cart page.",
    response_model=CartOut,
    responses=errors(401, 404),
)
def change_line(
    line_id: LineId,
    body: CartLineUpdate,
    request: Request,
    marketplace: MarketplaceQuery = None,
    user: User = Depends(api_user),
    session: Session = Depends(db),
) -> CartOut:
    clock = runtime(request).clock
    cart = get_or_create_cart(
        session, clock, marketplace=_market(user, marketplace), buyer_id=user.id
    )
    set_quantity(session, clock, cart, line_id, body.quantity)
    return _cart_out(cart_view(session, cart))


@router.delete(
    "/lines/{line_id}",
    summary="Remove a line from my cart",
    response_model=CartOut,
    responses=errors(401, 404),
)
def delete_line(
    line_id: LineId,
    request: Request,
    marketplace: MarketplaceQuery = None,
    user: User = Depends(api_user),
    session: Session = Depends(db),
) -> CartOut:
    clock = runtime(request).clock
    cart = get_or_create_cart(
        session, clock, marketplace=_market(user, marketplace), buyer_id=user.id
    )
    remove_line(session, clock, cart, line_id)
    return _cart_out(cart_view(session, cart))
