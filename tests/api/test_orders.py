from __future__ import annotations

from sqlalchemy.orm import Session

from souk.core.runtime import Runtime
from souk.offers.models import Offer
from tests import factories as f
from tests.api.support import Shop, assert_error, bearer, database_state, token_for


def _place(shop: Shop, quantity: int = 2) -> str:
    answer = shop.checkout("order-key", [{"offer_id": shop.offer_id, "quantity": quantity}])
    assert answer.status_code == 201, answer.text
    return str(answer.json()["orders"][0]["id"])


def _stock(rt: Runtime, offer_id: int) -> int:
    with rt.read_sessions() as session:
        return session.get(Offer, offer_id).quantity  # type: ignore[union-attr]


def test_buyer_cancels_an_unshipped_order_and_stock_returns(shop: Shop, rt: Runtime) -> None:
    order_id = _place(shop)
    assert _stock(rt, shop.offer_id) == 3
    answer = shop.client.post(
        f"/api/v1/orders/{order_id}/cancel",
        json={"reason": "Ordered by mistake"},
        headers=shop.buyer,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "Canceled"
    assert answer.json()["canceled_by"] == "buyer"
    assert _stock(rt, shop.offer_id) == 5


def test_another_buyers_order_is_not_found(shop: Shop, rt: Runtime, session: Session) -> None:
    order_id = _place(shop)
    other = f.buyer(session, rt.clock)
    email = other.user.email
    session.commit()
    headers = bearer(token_for(shop.client, email))
    before = database_state(rt)
    read = shop.client.get(f"/api/v1/orders/{order_id}", headers=headers)
    assert_error(read, 404, "NotFound")
    assert set(read.json()) == {"error"}
    cancel = shop.client.post(
        f"/api/v1/orders/{order_id}/cancel", json={"reason": "Other"}, headers=headers
    )
    assert_error(cancel, 404, "NotFound")
    assert shop.client.get("/api/v1/orders", headers=headers).json()["orders"] == []
    assert database_state(rt) == before


def test_bad_cancellations_change_nothing(shop: Shop, rt: Runtime) -> None:
    order_id = _place(shop)
    before = database_state(rt)
    url = f"/api/v1/orders/{order_id}/cancel"
    assert_error(
        shop.client.post(url, json={"reason": "  "}, headers=shop.buyer), 400, "InvalidInput"
    )
    assert_error(shop.client.post(url, json={}, headers=shop.buyer), 400, "InvalidInput")
    assert_error(
        shop.client.post(
            "/api/v1/orders/000-0000000-0000000/cancel", json={"reason": "x"}, headers=shop.buyer
        ),
        404,
        "NotFound",
    )
    assert database_state(rt) == before


def test_a_shipped_order_cannot_be_canceled_by_the_buyer(shop: Shop, rt: Runtime) -> None:
    order_id = _place(shop)
    shipped = shop.client.post(
        f"/api/v1/seller/orders/{order_id}/shipment",
        json={"carrier": "FedEx", "tracking_number": "123456789012"},
        headers=shop.seller,
    )
    assert shipped.status_code == 201, shipped.text
    before = database_state(rt)
    answer = shop.client.post(
        f"/api/v1/orders/{order_id}/cancel", json={"reason": "Other"}, headers=shop.buyer
    )
    assert_error(answer, 409, "InvalidState")
    assert database_state(rt) == before
    read = shop.client.get(f"/api/v1/orders/{order_id}", headers=shop.buyer).json()
    assert read["status"] == "Shipped"
    assert read["shipments"][0]["tracking_number"] == "123456789012"


def test_order_list_pages(shop: Shop) -> None:
    for n in range(3):
        answer = shop.checkout(f"page-{n}", [{"offer_id": shop.offer_id, "quantity": 1}])
        assert answer.status_code == 201
    first = shop.client.get("/api/v1/orders?limit=2", headers=shop.buyer).json()
    assert len(first["orders"]) == 2 and first["next_offset"] == 2
    rest = shop.client.get("/api/v1/orders?limit=2&offset=2", headers=shop.buyer).json()
    assert len(rest["orders"]) == 1 and rest["next_offset"] is None
    ids = {o["id"] for o in first["orders"]} | {o["id"] for o in rest["orders"]}
    assert len(ids) == 3
    assert_error(shop.client.get("/api/v1/orders?limit=0", headers=shop.buyer), 400, "InvalidInput")
