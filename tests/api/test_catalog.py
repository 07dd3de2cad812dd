from __future__ import annotations

from sqlalchemy.orm import Session

from souk.core.runtime import Runtime
from tests import factories as f
from tests.api.support import Shop, assert_error


def test_product_read_has_offers_with_prices(shop: Shop, rt: Runtime, session: Session) -> None:
    other = f.seller(session, rt.clock)
    f.offer(session, rt.clock, seller_id=other.id, asin=shop.asin, price="24.50", quantity=2)
    session.commit()
    answer = shop.client.get(f"/api/v1/products/{shop.asin}?marketplace=US")
    assert answer.status_code == 200, answer.text
    product = answer.json()
    assert product["asin"] == shop.asin
    assert product["title"] == "Acme Steel Kettle 1.7 l"
    assert product["brand"] == "Acme"
    assert product["bullets"] == ["Boils fast"]
    assert [c["name"] for c in product["category_path"]] == ["Home & Kitchen", "Kitchen"]
    featured = product["featured_offer"]
    assert featured["offer_id"] == shop.offer_id
    assert featured["price"] == {"amount": "19.99", "currency": "USD", "minor": 1999}
    assert [o["price"]["amount"] for o in product["other_offers"]] == ["24.50"]


def test_product_in_a_marketplace_without_offers(shop: Shop) -> None:
    product = shop.client.get(f"/api/v1/products/{shop.asin}?marketplace=DE").json()
    assert product["featured_offer"] is None and product["other_offers"] == []


def test_unknown_product_and_marketplace_are_4xx(shop: Shop) -> None:
    assert_error(shop.client.get("/api/v1/products/B0NOSUCH00"), 404, "NotFound", "asin")
    assert_error(
        shop.client.get(f"/api/v1/products/{shop.asin}?marketplace=XX"),
        400,
        "InvalidInput",
        "marketplace",
    )
    assert_error(shop.client.get("/api/v1/products/B0%00"), 400, "InvalidInput", "path.asin")
    assert_error(shop.client.get("/api/v1/products?q=kettle&marketplace=ZZ"), 400, "InvalidInput")


def test_title_search_finds_the_product_with_its_featured_offer(shop: Shop) -> None:
    answer = shop.client.get("/api/v1/products", params={"q": "steel kettle", "marketplace": "US"})
    assert answer.status_code == 200
    [found] = answer.json()["products"]
    assert found["asin"] == shop.asin
    assert found["featured_offer"]["price"]["minor"] == 1999
    nothing = shop.client.get("/api/v1/products", params={"q": "submarine"}).json()
    assert nothing["products"] == []
    assert_error(shop.client.get("/api/v1/products"), 400, "InvalidInput")
    assert_error(shop.client.get("/api/v1/products", params={"q": "a\x00b"}), 400, "InvalidInput")


def test_categories_browse_down_the_tree(shop: Shop) -> None:
    top = shop.client.get("/api/v1/categories").json()
    assert [c["name"] for c in top["categories"]] == ["Home & Kitchen"]
    path = top["categories"][0]["path"]
    children = shop.client.get("/api/v1/categories", params={"parent": path}).json()
    assert children["parent"]["path"] == path
    assert [c["name"] for c in children["categories"]] == ["Kitchen"]
    assert_error(
        shop.client.get("/api/v1/categories", params={"parent": "no/such"}), 404, "NotFound"
    )
