from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from sqlalchemy.orm import Session

from souk.core.clock import FrozenClock
from souk.core.runtime import Runtime
from souk.sellers.service import add_seller_user
from tests import factories as f
from tests.api.support import Shop, assert_error, bearer, database_state, token_for

ODD_SKU = "KETTLE/1.7 l-ĀČ-茶"


def _offer_body(asin: str, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "asin": asin,
        "marketplace": "US",
        "condition": "new",
        "price": "12.50",
        "shipping": "3.99",
        "quantity": 7,
        "handling_days": 2,
        "fulfillment_channel": "MERCHANT",
    }
    body.update(changes)
    return body


def _url(sku: str) -> str:
    return "/api/v1/seller/offers/" + quote(sku, safe="")


def _place(shop: Shop, key: str = "k") -> str:
    answer = shop.checkout(key, [{"offer_id": shop.offer_id, "quantity": 1}])
    assert answer.status_code == 201, answer.text
    return str(answer.json()["orders"][0]["id"])


def test_seller_lists_an_offer_whose_sku_has_a_slash_a_space_and_unicode(
    shop: Shop, rt: Runtime, session: Session
) -> None:
    product = f.product(session, rt.clock)
    asin = product.asin
    session.commit()
    put = shop.client.put(_url(ODD_SKU), json=_offer_body(asin), headers=shop.seller)
    assert put.status_code == 200, put.text
    offer = put.json()
    assert offer["sku"] == ODD_SKU
    assert offer["price"] == {"amount": "12.50", "currency": "USD", "minor": 1250}
    assert offer["shipping"]["minor"] == 399
    # The same SKU with its "/" left unencoded in the path names the same offer.
    raw = shop.client.put(
        "/api/v1/seller/offers/KETTLE/1.7 l-ĀČ-茶",
        json=_offer_body(asin, quantity=9),
        headers=shop.seller,
    )
    assert raw.status_code == 200 and raw.json()["offer_id"] == offer["offer_id"]

    listed = shop.client.get("/api/v1/seller/offers", headers=shop.seller).json()
    assert listed["seller_id"] == shop.seller_id
    assert {o["sku"] for o in listed["offers"]} >= {ODD_SKU}
    page = shop.client.get(f"/api/v1/products/{asin}").json()
    assert page["featured_offer"]["offer_id"] == offer["offer_id"]

    patched = shop.client.patch(
        _url(ODD_SKU),
        json={"marketplace": "US", "price": "11.00", "quantity": 3},
        headers=shop.seller,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["price"]["amount"] == "11.00"
    assert patched.json()["quantity"] == 3
    stock = shop.client.patch(
        _url(ODD_SKU), json={"marketplace": "US", "quantity": 0}, headers=shop.seller
    )
    assert stock.status_code == 200 and stock.json()["quantity"] == 0
    assert stock.json()["price"]["amount"] == "11.00"


def test_bad_offers_are_refused_and_change_nothing(
    shop: Shop, rt: Runtime, session: Session
) -> None:
    asin = shop.asin
    url = _url("NEW-SKU")
    before = database_state(rt)
    cases = [
        (_offer_body(asin, price="1.999"), 400, "price"),
        (_offer_body(asin, price="abc"), 400, "price"),
        (_offer_body(asin, price="1e5"), 400, "price"),
        (_offer_body(asin, price="0"), 400, "price"),
        (_offer_body(asin, price="-5.00"), 400, "price"),
        (_offer_body(asin, price="99999999999999999999"), 400, "price"),
        (_offer_body(asin, price=19.99), 400, "price"),
        (_offer_body(asin, shipping="-1"), 400, "shipping"),
        (_offer_body(asin, currency="EUR"), 400, "currency"),
        (_offer_body(asin, currency="XYZ"), 400, "currency"),
        (_offer_body(asin, quantity=-1), 400, "quantity"),
        (_offer_body(asin, quantity=10**20), 400, "quantity"),
        (_offer_body(asin, handling_days=-1), 400, "handling_days"),
        (_offer_body(asin, condition="mint"), 400, "condition"),
        (_offer_body(asin, fulfillment_channel="DRONE"), 400, "fulfillment_channel"),
        (_offer_body(asin, marketplace="XX"), 400, "marketplace"),
        (_offer_body("B0NOSUCH00"), 404, "asin"),
        ({k: v for k, v in _offer_body(asin).items() if k != "price"}, 400, "price"),
    ]
    for body, status, field in cases:
        answer = shop.client.put(url, json=body, headers=shop.seller)
        assert_error(answer, status, "NotFound" if status == 404 else "InvalidInput", field)
    spaced = shop.client.put(_url(" padded "), json=_offer_body(asin), headers=shop.seller)
    assert_error(spaced, 400, "InvalidInput", "sku")
    jpy = shop.client.put(
        url, json=_offer_body(asin, marketplace="JP", price="10.50"), headers=shop.seller
    )
    assert_error(jpy, 400, "InvalidInput", "price")
    assert database_state(rt) == before


def test_bad_price_and_stock_updates_change_nothing(shop: Shop, rt: Runtime) -> None:
    sku_url = shop.client.get("/api/v1/seller/offers", headers=shop.seller).json()["offers"][0]
    url = _url(sku_url["sku"])
    before = database_state(rt)
    cases = [
        ({"marketplace": "US", "price": "1.999"}, 400, "price"),
        ({"marketplace": "US", "price": "abc"}, 400, "price"),
        ({"marketplace": "US", "price": "5.00", "currency": "GBP"}, 400, "currency"),
        ({"marketplace": "US", "quantity": -3}, 400, "quantity"),
        # A good price with a bad quantity saves neither.
        ({"marketplace": "US", "price": "5.00", "quantity": -3}, 400, "quantity"),
        ({"marketplace": "XX", "quantity": 3}, 400, "marketplace"),
        ({"marketplace": "DE", "quantity": 3}, 404, "sku"),
        ({"quantity": 3}, 400, "marketplace"),
    ]
    for body, status, field in cases:
        answer = shop.client.patch(url, json=body, headers=shop.seller)
        assert_error(answer, status, "NotFound" if status == 404 else "InvalidInput", field)
    missing = shop.client.patch(
        _url("NO-SUCH"), json={"marketplace": "US", "quantity": 1}, headers=shop.seller
    )
    assert_error(missing, 404, "NotFound", "sku")
    assert database_state(rt) == before


def test_seller_sees_and_ships_the_order(shop: Shop, rt: Runtime) -> None:
    order_id = _place(shop)
    listed = shop.client.get("/api/v1/seller/orders", headers=shop.seller).json()
    assert [o["id"] for o in listed["orders"]] == [order_id]
    unshipped = shop.client.get(
        "/api/v1/seller/orders", params={"status": "Unshipped"}, headers=shop.seller
    ).json()
    assert [o["id"] for o in unshipped["orders"]] == [order_id]
    none_shipped = shop.client.get(
        "/api/v1/seller/orders", params={"status": "Shipped"}, headers=shop.seller
    ).json()
    assert none_shipped["orders"] == []
    read = shop.client.get(f"/api/v1/seller/orders/{order_id}", headers=shop.seller).json()
    assert read["ship_to"]["postal_code"] == "62701"
    assert read["status"] == "Unshipped"

    shipped = shop.client.post(
        f"/api/v1/seller/orders/{order_id}/shipment",
        json={"carrier": "UPS", "tracking_number": "1Z999AA10123456784"},
        headers=shop.seller,
    )
    assert shipped.status_code == 201, shipped.text
    assert shipped.json()["status"] == "Shipped"
    assert shipped.json()["shipments"][0]["carrier"] == "UPS"
    again = shop.client.post(
        f"/api/v1/seller/orders/{order_id}/shipment",
        json={"carrier": "UPS", "tracking_number": "1Z999AA10123456784"},
        headers=shop.seller,
    )
    assert_error(again, 409, "InvalidState")


def test_seller_orders_filter_by_time_and_page(shop: Shop, rt: Runtime) -> None:
    assert isinstance(rt.clock, FrozenClock)
    first = _place(shop, "a")
    rt.clock.advance(timedelta(hours=2))
    cutoff = rt.clock.now().isoformat()
    rt.clock.advance(timedelta(minutes=1))
    second = _place(shop, "b")
    third = _place(shop, "c")
    recent = shop.client.get(
        "/api/v1/seller/orders", params={"created_after": cutoff}, headers=shop.seller
    ).json()
    assert {o["id"] for o in recent["orders"]} == {second, third}
    page = shop.client.get("/api/v1/seller/orders?limit=2", headers=shop.seller).json()
    assert len(page["orders"]) == 2 and page["next_offset"] == 2
    last = shop.client.get("/api/v1/seller/orders?limit=2&offset=2", headers=shop.seller).json()
    assert [o["id"] for o in last["orders"]] == [first] and last["next_offset"] is None
    for params in [
        {"created_after": "2026-03-01T00:00:00"},  # no time zone
        {"created_after": "yesterday"},
        {"status": "Lost"},
        {"limit": 0},
        {"limit": 10**6},
        {"offset": -1},
    ]:
        answer = shop.client.get("/api/v1/seller/orders", params=params, headers=shop.seller)
        assert_error(answer, 400, "InvalidInput")


def test_another_sellers_order_is_not_found_and_shows_nothing(
    shop: Shop, rt: Runtime, session: Session
) -> None:
    order_id = _place(shop)
    rival = f.seller(session, rt.clock)
    email = rival.email
    session.commit()
    headers = bearer(token_for(shop.client, email))
    before = database_state(rt)
    read = shop.client.get(f"/api/v1/seller/orders/{order_id}", headers=headers)
    assert_error(read, 404, "NotFound")
    assert set(read.json()) == {"error"}
    assert "62701" not in read.text
    ship = shop.client.post(
        f"/api/v1/seller/orders/{order_id}/shipment",
        json={"carrier": "FedEx", "tracking_number": "123456789012"},
        headers=headers,
    )
    assert_error(ship, 404, "NotFound")
    cancel = shop.client.post(
        f"/api/v1/seller/orders/{order_id}/cancel", json={"reason": "NoInventory"}, headers=headers
    )
    assert_error(cancel, 404, "NotFound")
    assert shop.client.get("/api/v1/seller/orders", headers=headers).json()["orders"] == []
    assert database_state(rt) == before


def test_bad_shipments_and_cancellations_change_nothing(shop: Shop, rt: Runtime) -> None:
    order_id = _place(shop)
    before = database_state(rt)
    ship = f"/api/v1/seller/orders/{order_id}/shipment"
    for body, field in [
        ({"carrier": "UPS", "tracking_number": "1Z999AA10123456785"}, "tracking_number"),
        ({"carrier": "FedEx", "tracking_number": "12345"}, "tracking_number"),
        ({"carrier": "Pigeon", "tracking_number": "123456789012"}, "carrier"),
        ({"carrier": "UPS"}, "tracking_number"),
    ]:
        assert_error(
            shop.client.post(ship, json=body, headers=shop.seller), 400, "InvalidInput", field
        )
    cancel = f"/api/v1/seller/orders/{order_id}/cancel"
    for body in [{"reason": "Bored"}, {}]:
        assert_error(shop.client.post(cancel, json=body, headers=shop.seller), 400, "InvalidInput")
    assert database_state(rt) == before


def test_seller_cancels_with_a_reason_and_stock_returns(shop: Shop, rt: Runtime) -> None:
    order_id = _place(shop)
    answer = shop.client.post(
        f"/api/v1/seller/orders/{order_id}/cancel",
        json={"reason": "NoInventory"},
        headers=shop.seller,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "Canceled" and answer.json()["canceled_by"] == "seller"
    offers = shop.client.get("/api/v1/seller/offers", headers=shop.seller).json()["offers"]
    assert offers[0]["quantity"] == 5


def test_buyers_and_roles_without_permission_are_refused(
    shop: Shop, rt: Runtime, session: Session
) -> None:
    picker = f.buyer(session, rt.clock)
    add_seller_user(session, shop.seller_id, picker.user.id, "orders")
    email = picker.user.email
    session.commit()
    picker_headers = bearer(token_for(shop.client, email))
    before = database_state(rt)
    assert_error(shop.client.get("/api/v1/seller/offers", headers=shop.buyer), 403, "Unauthorized")
    assert_error(shop.client.get("/api/v1/seller/orders", headers=shop.buyer), 403, "Unauthorized")
    refused = shop.client.put(_url("X"), json=_offer_body(shop.asin), headers=picker_headers)
    assert_error(refused, 403, "Unauthorized")
    assert shop.client.get("/api/v1/seller/orders", headers=picker_headers).status_code == 200
    elsewhere = shop.client.get(
        "/api/v1/seller/orders", headers={**picker_headers, "X-Seller-Id": "ANOTHERSELLER1"}
    )
    assert_error(elsewhere, 404, "NotFound")
    assert_error(shop.client.get("/api/v1/seller/orders"), 401, "Unauthorized")
    assert database_state(rt) == before


def test_amounts_follow_the_marketplace_currency(shop: Shop) -> None:
    answer = shop.client.put(
        _url("KETTLE-JP"),
        json=_offer_body(shop.asin, marketplace="JP", price="1999", shipping="0"),
        headers=shop.seller,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["price"] == {"amount": "1999", "currency": "JPY", "minor": 1999}
    page = shop.client.get(f"/api/v1/products/{shop.asin}", params={"marketplace": "jp"}).json()
    assert page["featured_offer"]["price"]["currency"] == "JPY"
