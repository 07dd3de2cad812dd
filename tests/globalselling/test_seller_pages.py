"""Seller Central, Global selling: enable a marketplace, see copies, translate, set a zone."""

from __future__ import annotations

from sqlalchemy import select

from souk.globalselling import service as selling
from souk.offers.models import Offer
from tests import factories as f


def test_seller_enables_germany_and_sees_the_converted_copy(rt, session, browser):
    seller = f.seller(session, rt.clock, name="Kettle House")
    kettle = f.product(session, rt.clock, title="Acme Steel Kettle")
    f.offer(session, rt.clock, seller_id=seller.id, asin=kettle.asin, price="19.99", sku="K-1")
    selling.record_rate(
        session, rt.clock, day=rt.clock.now().date(), base="USD", quote="EUR", rate="0.92"
    )
    email, seller_id, asin = seller.email, seller.id, kettle.asin
    session.commit()
    browser.sign_in(email)
    page = browser.get("/seller/global")
    assert page.status_code == 200 and "Marketplaces you sell in" in page.text
    # Bad input: a message beside the field and nothing saved.
    bad = browser.post(
        "/seller/global/marketplaces",
        {
            "marketplace": "DE",
            "copy_from": "US",
            "margin": "12.345",
            "shipping": "0",
            "handling_days": "2",
        },
    )
    assert bad.status_code == 400 and "at most two decimal places" in bad.text
    bad = browser.post(
        "/seller/global/marketplaces",
        {
            "marketplace": "DE",
            "copy_from": "US",
            "margin": "5",
            "shipping": "4.999",
            "handling_days": "2",
        },
    )
    assert bad.status_code == 400 and "Enter the shipping charge in EUR" in bad.text
    with rt.read_sessions() as check:
        assert selling.seller_marketplaces(check, seller_id) == []
    done = browser.post(
        "/seller/global/marketplaces",
        {
            "marketplace": "DE",
            "copy_from": "US",
            "margin": "5",
            "shipping": "2.99",
            "handling_days": "3",
            "vat_number": "DE123456789",
        },
    )
    assert done.status_code == 303
    page = browser.get(done.headers["location"]).text
    assert "Germany saved." in page and "Including 19 % VAT" in page and "DE123456789" in page
    assert "€22.99" in page and "In sync" in page  # Seller Central here reads in US English
    with rt.read_sessions() as check:
        copy = check.scalar(
            select(Offer).where(Offer.seller_id == seller_id, Offer.marketplace == "DE")
        )
        assert copy.price_minor == 2299 and copy.sku == "K-1"
    # The copy is on sale in Germany, shown the German way.
    browser.post("/marketplace", {"marketplace": "DE", "next": "/"})
    assert "22,99\xa0€" in browser.get(f"/dp/{asin}").text


def test_seller_translates_a_product_and_sets_a_time_zone(rt, session, browser):
    seller = f.seller(session, rt.clock)
    kettle = f.product(session, rt.clock, title="Acme Steel Kettle")
    f.offer(session, rt.clock, seller_id=seller.id, asin=kettle.asin, marketplace="DE")
    email, asin = seller.email, kettle.asin
    session.commit()
    browser.sign_in(email)
    answer = browser.post(
        "/seller/global/translations",
        {
            "asin": asin,
            "language": "de",
            "title": "Acme Wasserkocher",
            "bullets": "Kocht schnell\nLeise",
            "description": "",
        },
    )
    assert answer.status_code == 303
    page = browser.get("/seller/global").text
    assert "Acme Wasserkocher" in page
    bad = browser.post(
        "/seller/global/translations", {"asin": asin, "language": "de", "title": " "}
    )
    assert bad.status_code == 400 and "A translation needs a title." in bad.text
    assert browser.post("/seller/global/time-zone", {"time_zone": "Nowhere"}).status_code == 400
    assert browser.post("/seller/global/time-zone", {"time_zone": "Asia/Tokyo"}).status_code == 303
    page = browser.get("/seller/global").text
    assert "Seller Central shows dates in <strong>Asia/Tokyo</strong>" in page
    # The frame of every Seller Central page names the zone its dates are in.
    assert "Asia/Tokyo" in browser.get("/seller/orders").text
    browser.post("/marketplace", {"marketplace": "DE", "next": "/"})
    product = browser.get(f"/dp/{asin}").text
    assert "Acme Wasserkocher" in product and "Leise" in product


def test_buyers_cannot_open_global_selling(rt, session, browser):
    buyer = f.buyer(session, rt.clock)
    email = buyer.user.email
    session.commit()
    browser.sign_in(email)
    assert browser.get("/seller/global").status_code == 403
    assert browser.post("/seller/global/time-zone", {"time_zone": "Asia/Tokyo"}).status_code == 403
