"""Promotion pages over HTTP: Seller Central forms, Today's Deals per buyer location,
coupon clipping on the product page, events from operations to the landing page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from souk.accounts.service import register_user
from souk.core.clock import utc
from souk.promotions.models import CouponClip, Event, Promotion
from souk.web.app import create_app
from tests import factories as f
from tests.promotions import support as s
from tests.web.conftest import Browser


@pytest.fixture
def web(rt) -> Iterator[Browser]:
    with TestClient(create_app(rt, background=False)) as client:
        yield Browser(client)


@pytest.fixture
def shop(rt, session):
    seller = f.seller(session, rt.clock, name="Kettle House")
    product = f.product(session, rt.clock, title="Acme Steel Kettle")
    offer = f.offer(
        session, rt.clock, seller_id=seller.id, asin=product.asin, price="20.00", quantity=30,
        sku="KETTLE-1",
    )  # fmt: skip
    new_yorker = s.buyer_in(session, rt.clock, "NY")
    californian = s.buyer_in(session, rt.clock, "CA")
    session.commit()
    return seller, product, offer, new_yorker, californian


DEAL_FORM = {
    "kind": "lightning_deal",
    "title": "Kettle morning deal",
    "skus": "KETTLE-1",
    "deal_price": "14.00",
    "deal_quantity": "10",
    "starts": "2026-03-08T08:00",
    "ends": "2026-03-08T20:00",
    "each_zone": "1",
    "states": "NY",
}


def test_seller_creates_a_state_targeted_deal_and_only_that_state_sees_it(rt, session, web, shop):
    seller, product, _, new_yorker, californian = shop
    web.sign_in(seller.email)
    page = web.get("/seller/promotions/new?kind=lightning_deal")
    assert page.status_code == 200 and "Deal price (USD)" in page.text
    bad = web.post("/seller/promotions", {**DEAL_FORM, "deal_price": "21.00"})
    assert bad.status_code == 400
    assert "below the current price" in bad.text
    bad = web.post("/seller/promotions", {**DEAL_FORM, "states": "ZZ"})
    assert bad.status_code == 400 and "not a state or province" in bad.text
    assert session.scalar(select(func.count()).select_from(Promotion)) == 0
    session.commit()  # end the read: SQLite has one writer
    made = web.post("/seller/promotions", DEAL_FORM)
    assert made.status_code == 303, made.text
    listing = web.get("/seller/promotions")
    assert "Kettle morning deal" in listing.text and "US-NY" in listing.text
    assert "Scheduled" in listing.text
    web.post("/signout")
    web.client.cookies.clear()

    rt.clock.set(utc(2026, 3, 8, 12, 30))  # 08:30 in New York
    web.sign_in(new_yorker.user.email)
    deals = web.get("/deals")
    assert product.title in deals.text and "Lightning deal" in deals.text
    assert "0% claimed" in deals.text
    page = web.get(f"/dp/{product.asin}")
    assert "Lightning deal" in page.text and "Save $6.00" in page.text
    web.client.cookies.clear()
    web.sign_in(californian.user.email)
    assert product.title not in web.get("/deals").text
    assert "Lightning deal" not in web.get(f"/dp/{product.asin}").text


def test_buyer_clips_a_coupon_on_the_product_page(rt, session, web, shop):
    seller, product, _, new_yorker, _ = shop
    from datetime import datetime

    from souk.core.money import Money
    from souk.promotions import rules
    from souk.promotions.service import PromotionDraft, create_promotion

    coupon = create_promotion(
        session, rt.clock, seller_id=seller.id, marketplace="US",
        draft=PromotionDraft(
            kind=rules.COUPON, title="Spring coupon", skus=("KETTLE-1",),
            starts=datetime(2026, 3, 1), ends=datetime(2026, 3, 31),
            amount_off=Money.parse("2.50", "USD"),
        ),
    )  # fmt: skip
    coupon_id = coupon.id
    session.commit()
    page = web.get(f"/dp/{product.asin}")
    assert "Apply 2.50 USD coupon" in page.text
    answer = web.post(f"/deals/coupons/{coupon_id}/clip", {"next": f"/dp/{product.asin}"})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/signin")
    web.sign_in(new_yorker.user.email)
    answer = web.post(f"/deals/coupons/{coupon_id}/clip", {"next": f"/dp/{product.asin}"})
    assert answer.status_code == 303
    assert "Coupon clipped" in web.get(f"/dp/{product.asin}").text
    assert session.scalar(select(func.count()).select_from(CouponClip)) == 1


def test_staff_run_an_event_and_its_landing_page_shows_accepted_deals(rt, session, web, shop):
    seller, product, _, _, californian = shop
    staff = register_user(
        session, rt.clock, email="olga@souk.example", name="Olga Ops", password=f.PASSWORD,
        is_staff=True,
    )  # fmt: skip
    session.commit()
    web.sign_in(staff.email)
    form = {
        "marketplace": "US",
        "name": "Members' Spring Sale",
        "description": "Two days of deals for members.",
        "starts": "2026-03-10T00:00",
        "ends": "2026-03-12T00:00",
        "submissions": "2026-03-05T00:00",
        "min_rating": "0",
        "min_discount": "15",
    }
    bad = web.post("/ops/events", {**form, "submissions": "2026-03-11T00:00"})
    assert bad.status_code == 400 and "close before the event starts" in bad.text
    made = web.post("/ops/events", form)
    assert made.status_code == 303
    event_id = session.scalar(select(Event.id))
    session.commit()
    web.client.cookies.clear()

    web.sign_in(seller.email)
    page = web.get("/seller/promotions")
    assert "Members&#39; Spring Sale" in page.text
    bad = web.post(
        f"/seller/promotions/events/{event_id}",
        {"sku": "KETTLE-1", "deal_price": "19.00", "deal_quantity": "5"},
    )
    assert bad.status_code == 400 and "15%" in bad.text
    ok = web.post(
        f"/seller/promotions/events/{event_id}",
        {"sku": "KETTLE-1", "deal_price": "15.00", "deal_quantity": "5"},
    )
    assert ok.status_code == 303
    deal_id = session.scalar(select(Promotion.id).where(Promotion.event_id == event_id))
    session.commit()
    web.client.cookies.clear()

    web.sign_in(staff.email)
    assert "To review" in web.get(f"/ops/events/{event_id}").text
    answer = web.post(
        f"/ops/events/{event_id}/submissions/{deal_id}", {"decision": "approve", "note": ""}
    )
    assert answer.status_code == 303
    web.client.cookies.clear()

    rt.clock.set(utc(2026, 3, 11, 15))
    web.sign_in(californian.user.email)
    landing = web.get("/events/members-spring-sale")
    assert landing.status_code == 200 and product.title in landing.text
    assert "$15.00" in landing.text
    assert "Members&#39; Spring Sale" in web.get("/deals/events").text
