"""Checkout: turn the cart (or explicit lines) into paid orders, once per key."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Header, Request, Response
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.core.money import Money
from souk.orders.payments import Card
from souk.orders.service import CheckoutRequest, place_order
from souk.web.api.common import errors, marketplace_code
from souk.web.api.schemas import CheckoutIn, CheckoutOut, MoneyOut, OrderOut
from souk.web.deps import api_user, db, runtime

router = APIRouter(tags=["buyer"])


@router.post(
    "/checkout",
    summary="Place an order",
    description="Pays with the card and creates one order per seller. The `Idempotency-Key` "
    "header is required: repeating a request with the same key returns the orders of "
    "the first one (status 200, header `Idempotent-Replayed: true`) and charges nothing.",
    response_model=CheckoutOut,
    status_code=201,
    responses={
        **errors(401, 402, 404, 409),
        200: {
            "model": CheckoutOut,
            "description": "A replay of an earlier request with the same Idempotency-Key.",
        },
    },
)
def checkout(
    body: CheckoutIn,
    request: Request,
    idempotency_key: str = Header(
        ...,
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        description="A unique key per purchase attempt, e.g. a UUID.",
    ),
    user: User = Depends(api_user),
    session: Session = Depends(db),
) -> Response:
    rt = runtime(request)
    card = body.card
    result = place_order(
        session,
        rt.clock,
        rt.payments,
        CheckoutRequest(
            buyer_id=user.id,
            marketplace=marketplace_code(body.marketplace),
            address_id=body.address_id,
            delivery_speed=body.delivery_speed,
            card=Card(card.number, card.exp_month, card.exp_year, card.cvc, card.holder),
            idempotency_key=idempotency_key,
            lines=None
            if body.lines is None
            else tuple((line.offer_id, line.quantity) for line in body.lines),
        ),
    )
    checkout = result.checkout
    out = CheckoutOut(
        checkout_id=checkout.id,
        marketplace=checkout.marketplace,
        total=MoneyOut.of(Money(checkout.currency, checkout.total_minor)),
        orders=[OrderOut.of(order) for order in result.orders],
    )
    # Already a CheckoutOut: sent as it is, without FastAPI validating it a second time
    # on the busiest write (the response model still documents it).
    return Response(
        out.model_dump_json(),
        status_code=200 if result.replayed else 201,
        headers={"Idempotent-Replayed": "true"} if result.replayed else None,
        media_type="application/json",
    )
