from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from souk.core.runtime import Runtime
from souk.offers.models import Offer
from souk.orders.models import Order
from tests import factories as f
from tests.api.support import GOOD_CARD, Shop, assert_error, database_state

ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")


def _stock(rt: Runtime, offer_id: int) -> int:
    with rt.read_sessions() as session:
        return session.get(Offer, offer_id).quantity  # type: ignore[union-attr]


def _order_count(rt: Runtime) -> int:
    with rt.read_sessions() as session:
        return session.scalar(select(func.count()).select_from(Order)) or 0


def test_checkout_places_an_order_and_a_replay_returns_it(shop: Shop, rt: Runtime) -> None:
    placed = shop.checkout("key-1", [{"offer_id": shop.offer_id, "quantity": 2}])
    assert placed.status_code == 201, placed.text
    assert "Idempotent-Replayed" not in placed.headers
    body = placed.json()
    [order] = body["orders"]
    assert ORDER_ID.match(order["id"])
    assert order["status"] == "Unshipped"
    assert order["total"] == {"amount": "39.98", "currency": "USD", "minor": 3998}
    assert order["items"][0]["quantity"] == 2
    assert _stock(rt, shop.offer_id) == 3

    replay = shop.checkout("key-1", [{"offer_id": shop.offer_id, "quantity": 2}])
    assert replay.status_code == 200
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert [o["id"] for o in replay.json()["orders"]] == [order["id"]]
    assert _order_count(rt) == 1
    assert _stock(rt, shop.offer_id) == 3

    listed = shop.client.get("/api/v1/orders", headers=shop.buyer).json()
    assert [o["id"] for o in listed["orders"]] == [order["id"]]
    assert listed["next_offset"] is None
    read = shop.client.get(f"/api/v1/orders/{order['id']}", headers=shop.buyer)
    assert read.status_code == 200 and read.json()["seller_id"] == shop.seller_id


def test_checkout_of_the_cart_splits_per_seller_and_empties_it(
    shop: Shop, rt: Runtime, session: Session
) -> None:
    other = f.seller(session, rt.clock)
    second = f.product(session, rt.clock)
    other_offer = f.offer(session, rt.clock, seller_id=other.id, asin=second.asin, price="5.00")
    session.commit()
    for offer_id in (shop.offer_id, other_offer.id):
        answer = shop.client.post(
            "/api/v1/cart/lines", json={"offer_id": offer_id, "quantity": 1}, headers=shop.buyer
        )
        assert answer.status_code == 201
    placed = shop.checkout("cart-key")
    assert placed.status_code == 201, placed.text
    assert sorted(o["seller_id"] for o in placed.json()["orders"]) == sorted(
        [shop.seller_id, other.id]
    )
    assert placed.json()["total"]["amount"] == "24.99"
    assert shop.client.get("/api/v1/cart", headers=shop.buyer).json()["lines"] == []


def test_checkout_needs_an_idempotency_key(shop: Shop, rt: Runtime) -> None:
    before = database_state(rt)
    answer = shop.client.post(
        "/api/v1/checkout",
        json={
            "marketplace": "US",
            "address_id": shop.address_id,
            "delivery_speed": "standard",
            "card": GOOD_CARD,
            "lines": [{"offer_id": shop.offer_id, "quantity": 1}],
        },
        headers=shop.buyer,
    )
    assert_error(answer, 400, "InvalidInput")
    assert "idempotency-key" in answer.json()["error"]["message"].lower()
    assert database_state(rt) == before


def test_bad_checkouts_are_refused_and_change_nothing(
    shop: Shop, rt: Runtime, session: Session
) -> None:
    stranger = f.buyer(session, rt.clock)
    stranger_address = stranger.address.id
    session.commit()
    line = [{"offer_id": shop.offer_id, "quantity": 1}]
    before = database_state(rt)
    cases = [
        (dict(lines=[{"offer_id": shop.offer_id, "quantity": 0}]), 400, "InvalidInput"),
        (dict(lines=[{"offer_id": shop.offer_id, "quantity": -1}]), 400, "InvalidInput"),
        (dict(lines=[{"offer_id": 424242, "quantity": 1}]), 404, "NotFound"),
        (dict(lines=[{"quantity": 1}]), 400, "InvalidInput"),
        (dict(lines=[]), 400, "InvalidInput"),
        (dict(lines=None), 400, "InvalidInput"),  # the cart is empty
        (dict(lines=line, marketplace="XX"), 400, "InvalidInput"),
        (dict(lines=line, marketplace="DE"), 400, "InvalidInput"),  # a US address
        (dict(lines=line, delivery_speed="teleport"), 400, "InvalidInput"),
        (dict(lines=line, address_id=stranger_address), 404, "NotFound"),
        (dict(lines=line, card={**GOOD_CARD, "number": "4242424242424241"}), 400, "InvalidInput"),
        (dict(lines=line, card={**GOOD_CARD, "number": "abc"}), 400, "InvalidInput"),
        (dict(lines=line, card={**GOOD_CARD, "exp_year": 2020}), 400, "InvalidInput"),
        (dict(lines=line, card={"number": "4242424242424242"}), 400, "InvalidInput"),
    ]
    for number, (changes, status, code) in enumerate(cases):
        answer = shop.checkout(f"bad-{number}", **changes)
        assert_error(answer, status, code)
    malformed = shop.client.post(
        "/api/v1/checkout",
        content=b'{"marketplace": "US",',
        headers={**shop.buyer, "Idempotency-Key": "bad-json", "Content-Type": "application/json"},
    )
    assert_error(malformed, 400, "InvalidInput")
    assert database_state(rt) == before


def test_a_corrected_card_can_retry_with_the_same_key(shop: Shop, rt: Runtime) -> None:
    line = [{"offer_id": shop.offer_id, "quantity": 1}]
    typo = shop.checkout("retry", line, card={**GOOD_CARD, "number": "4242424242424243"})
    assert_error(typo, 400, "InvalidInput", "card_number")
    fixed = shop.checkout("retry", line)
    assert fixed.status_code == 201, fixed.text


def test_a_declined_card_is_a_402_and_takes_no_stock(shop: Shop, rt: Runtime) -> None:
    line = [{"offer_id": shop.offer_id, "quantity": 1}]
    declined = shop.checkout("declined", line, card={**GOOD_CARD, "number": "4000000000000002"})
    assert_error(declined, 402, "PaymentDeclined")
    assert _order_count(rt) == 0
    assert _stock(rt, shop.offer_id) == 5


def test_more_than_the_stock_is_refused(shop: Shop, rt: Runtime) -> None:
    answer = shop.checkout("too-many", [{"offer_id": shop.offer_id, "quantity": 6}])
    assert_error(answer, 409, "OutOfStock")
    assert _order_count(rt) == 0
    assert _stock(rt, shop.offer_id) == 5
