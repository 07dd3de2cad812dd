from __future__ import annotations

from sqlalchemy.orm import Session

from souk.core.policy import default_policy
from souk.core.runtime import Runtime
from tests import factories as f
from tests.api.support import Shop, assert_error, bearer, database_state, token_for


def test_add_change_and_remove_cart_lines(shop: Shop) -> None:
    client = shop.client
    empty = client.get("/api/v1/cart?marketplace=US", headers=shop.buyer).json()
    assert empty["lines"] == [] and empty["subtotal"]["minor"] == 0
    added = client.post(
        "/api/v1/cart/lines", json={"offer_id": shop.offer_id, "quantity": 2}, headers=shop.buyer
    )
    assert added.status_code == 201, added.text
    cart = added.json()
    [line] = cart["lines"]
    assert line["quantity"] == 2 and line["asin"] == shop.asin
    assert cart["subtotal"] == {"amount": "39.98", "currency": "USD", "minor": 3998}
    changed = client.patch(
        f"/api/v1/cart/lines/{line['line_id']}", json={"quantity": 3}, headers=shop.buyer
    )
    assert changed.status_code == 200
    assert changed.json()["item_count"] == 3
    assert client.get("/api/v1/cart", headers=shop.buyer).json()["item_count"] == 3
    removed = client.delete(f"/api/v1/cart/lines/{line['line_id']}", headers=shop.buyer)
    assert removed.status_code == 200 and removed.json()["lines"] == []


def test_bad_cart_input_is_refused_and_changes_nothing(
    shop: Shop, rt: Runtime, session: Session
) -> None:
    de_seller = f.seller(session, rt.clock)
    de_offer = f.offer(
        session, rt.clock, seller_id=de_seller.id, asin=shop.asin, marketplace="DE", price="9.00"
    )
    session.commit()
    limit = default_policy().for_marketplace("US").checkout.max_quantity_per_line
    before = database_state(rt)
    post = lambda body: shop.client.post("/api/v1/cart/lines", json=body, headers=shop.buyer)  # noqa: E731
    assert_error(post({"offer_id": shop.offer_id, "quantity": 0}), 400, "InvalidInput", "quantity")
    assert_error(post({"offer_id": shop.offer_id, "quantity": -2}), 400, "InvalidInput", "quantity")
    assert_error(
        post({"offer_id": shop.offer_id, "quantity": limit + 1}), 400, "InvalidInput", "quantity"
    )
    assert_error(post({"offer_id": shop.offer_id, "quantity": 6}), 400, "InvalidInput", "quantity")
    assert_error(post({"offer_id": 999999, "quantity": 1}), 404, "NotFound", "offer_id")
    assert_error(post({"offer_id": 10**30, "quantity": 1}), 400, "InvalidInput", "offer_id")
    assert_error(post({"offer_id": de_offer.id, "quantity": 1}), 404, "NotFound", "offer_id")
    assert_error(post({"quantity": 1}), 400, "InvalidInput", "offer_id")
    assert_error(post({"offer_id": "one", "quantity": 1}), 400, "InvalidInput", "offer_id")
    assert_error(
        post({"offer_id": shop.offer_id, "quantity": 1, "marketplace": "XX"}),
        400,
        "InvalidInput",
        "marketplace",
    )
    malformed = shop.client.post(
        "/api/v1/cart/lines",
        content=b"{offer_id: 1}",
        headers={**shop.buyer, "Content-Type": "application/json"},
    )
    assert_error(malformed, 400, "InvalidInput")
    assert_error(
        shop.client.patch("/api/v1/cart/lines/12345", json={"quantity": 1}, headers=shop.buyer),
        404,
        "NotFound",
    )
    zero_line = shop.client.delete("/api/v1/cart/lines/0", headers=shop.buyer)
    assert_error(zero_line, 400, "InvalidInput")
    assert_error(
        shop.client.get("/api/v1/cart?marketplace=XX", headers=shop.buyer), 400, "InvalidInput"
    )
    assert database_state(rt) == before


def test_negative_quantity_on_a_cart_line_changes_nothing(shop: Shop, rt: Runtime) -> None:
    cart = shop.client.post(
        "/api/v1/cart/lines", json={"offer_id": shop.offer_id, "quantity": 1}, headers=shop.buyer
    ).json()
    line_id = cart["lines"][0]["line_id"]
    before = database_state(rt)
    answer = shop.client.patch(
        f"/api/v1/cart/lines/{line_id}", json={"quantity": -1}, headers=shop.buyer
    )
    assert_error(answer, 400, "InvalidInput", "quantity")
    assert database_state(rt) == before


def test_someone_elses_cart_line_is_not_found(shop: Shop, rt: Runtime, session: Session) -> None:
    cart = shop.client.post(
        "/api/v1/cart/lines", json={"offer_id": shop.offer_id, "quantity": 1}, headers=shop.buyer
    ).json()
    line_id = cart["lines"][0]["line_id"]
    other = f.buyer(session, rt.clock)
    email = other.user.email
    session.commit()
    headers = bearer(token_for(shop.client, email))
    before = database_state(rt)
    assert_error(
        shop.client.delete(f"/api/v1/cart/lines/{line_id}", headers=headers), 404, "NotFound"
    )
    assert database_state(rt) == before


def test_quantity_zero_removes_a_cart_line(shop: Shop) -> None:
    cart = shop.client.post(
        "/api/v1/cart/lines", json={"offer_id": shop.offer_id, "quantity": 1}, headers=shop.buyer
    ).json()
    line_id = cart["lines"][0]["line_id"]
    answer = shop.client.patch(
        f"/api/v1/cart/lines/{line_id}", json={"quantity": 0}, headers=shop.buyer
    )
    assert answer.status_code == 200 and answer.json()["lines"] == []
