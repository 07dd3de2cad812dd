"""Seller Central: onboarding, chart, reports, settings and roles, bulk upload, packing slip."""

from __future__ import annotations

from sqlalchemy import select

from souk.accounts.service import register_user
from souk.offers.models import Offer
from souk.orders.service import CheckoutRequest, place_order
from souk.sellers.models import Seller
from tests import factories as f


def _offers(session, seller_id: str) -> dict[str, tuple[str, int, int]]:  # type: ignore[no-untyped-def]
    """{sku: (asin, price, quantity)}; ends the read so the app can write (SQLite)."""
    session.expire_all()
    try:
        rows = session.scalars(select(Offer).where(Offer.seller_id == seller_id))
        return {o.sku: (o.asin, o.price_minor, o.quantity) for o in rows}
    finally:
        session.commit()


def _sell(rt, session, seller_id: str, quantity: int = 2):  # type: ignore[no-untyped-def]
    product = f.product(session, rt.clock)
    offer = f.offer(session, rt.clock, seller_id=seller_id, asin=product.asin, price="20.00")
    buyer = f.buyer(session, rt.clock)
    result = place_order(
        session,
        rt.clock,
        rt.payments,
        CheckoutRequest(
            buyer.user.id,
            "US",
            buyer.address.id,
            "standard",
            f.GOOD_CARD,
            "k",
            ((offer.id, quantity),),
        ),
    )
    order_id = result.orders[0].id
    session.commit()
    return order_id


def test_dashboard_checklist_and_chart(rt, session, browser):
    seller = f.seller(session, rt.clock, name="Chart House")
    email, seller_id = seller.email, seller.id
    session.commit()
    browser.sign_in(email)
    fresh = browser.get("/seller").text
    assert "1 of 5 done" in fresh
    assert "Identity verification" in fresh and "Not started" in fresh
    _sell(rt, session, seller_id)
    page = browser.get("/seller").text
    assert "3 of 5 done" in page  # business details, marketplace, first listing
    assert "<svg" in page and "Sales (USD)" in page
    assert "<script" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    # The table fallback holds today's sale: 2 units at $20.00.
    assert "$40.00" in page.split("Show the numbers as a table", 1)[1]


def test_sales_report_and_csv(rt, session, browser):
    seller = f.seller(session, rt.clock)
    email, seller_id = seller.email, seller.id
    session.commit()
    _sell(rt, session, seller_id, quantity=3)
    browser.sign_in(email)
    page = browser.get("/seller/reports")
    assert page.status_code == 200
    assert "Fees are not included" in page.text and "$60.00" in page.text
    csv_text = browser.get("/seller/reports/sales.csv?from=2026-03-01&to=2026-03-02")
    assert csv_text.headers["content-type"].startswith("text/csv")
    lines = csv_text.text.strip().splitlines()
    assert lines[0] == "date,marketplace,currency,orders,units,sales,refunds,refunded"
    assert lines[1:] == ["2026-03-01,US,USD,0,0,0.00,0,0.00", "2026-03-02,US,USD,1,3,60.00,0,0.00"]
    backwards = browser.get("/seller/reports?from=2026-03-05&to=2026-03-01")
    assert backwards.status_code == 400 and "on or before the end date" in backwards.text
    assert browser.get("/seller/reports?from=yesterday").status_code == 400
    assert browser.get("/seller/reports?from=2020-01-01&to=2026-03-01").status_code == 400


def test_settings_holiday_and_handling(rt, session, browser):
    seller = f.seller(session, rt.clock, name="Holiday Kettles")
    product = f.product(session, rt.clock)
    f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin)
    email, seller_id, asin = seller.email, seller.id, product.asin
    session.commit()
    browser.sign_in(email)
    assert "Holiday Kettles" in browser.get(f"/dp/{asin}").text
    assert browser.post("/seller/settings/holiday", {"on_holiday": "on"}).status_code == 303
    assert "Holiday Kettles" not in browser.get(f"/dp/{asin}").text
    assert "not selling on souk right now" in browser.get(f"/sellers/{seller_id}").text
    browser.post("/seller/settings/holiday", {"on_holiday": "off"})
    assert "Holiday Kettles" in browser.get(f"/dp/{asin}").text
    assert browser.post("/seller/settings/holiday", {"on_holiday": "maybe"}).status_code == 400

    bad = browser.post(
        "/seller/settings/store",
        {"default_handling_days": "99", "returns_policy": "30 days", "about": "Kettles"},
    )
    assert bad.status_code == 400 and "Handling time must be 0 to 30 days" in bad.text
    assert "30 days" in bad.text  # the input is kept
    session.expire_all()
    assert session.get(Seller, seller_id).returns_policy == ""
    session.commit()
    ok = browser.post(
        "/seller/settings/store",
        {"default_handling_days": "1", "returns_policy": "Return within 30 days.", "about": "Hi"},
    )
    assert ok.status_code == 303
    session.expire_all()
    saved = session.get(Seller, seller_id)
    assert (saved.default_handling_days, saved.returns_policy) == (1, "Return within 30 days.")
    session.commit()
    assert "Return within 30 days." in browser.get(f"/sellers/{seller_id}").text


def test_users_and_roles_are_enforced(rt, session, browser, other_browser):
    seller = f.seller(session, rt.clock)
    register_user(
        session, rt.clock, email="packer@example.com", name="Pat Packer", password=f.PASSWORD
    )
    email = seller.email
    session.commit()
    browser.sign_in(email)
    unknown = browser.post(
        "/seller/settings/users", {"email": "nobody@example.com", "role": "orders"}
    )
    assert unknown.status_code == 400 and "Nobody has a souk account" in unknown.text
    bad_role = browser.post(
        "/seller/settings/users", {"email": "packer@example.com", "role": "boss"}
    )
    assert bad_role.status_code == 400 and "Role must be one of" in bad_role.text
    assert (
        browser.post(
            "/seller/settings/users", {"email": "packer@example.com", "role": "orders"}
        ).status_code
        == 303
    )
    assert "Pat Packer" in browser.get("/seller/settings").text

    other_browser.sign_in("packer@example.com")
    assert other_browser.get("/seller/orders").status_code == 200
    for url in (
        "/seller/inventory",
        "/seller/inventory/upload",
        "/seller/reports",
        "/seller/settings",
    ):
        assert other_browser.get(url).status_code == 403, url
    refused = other_browser.post("/seller/settings/holiday", {"on_holiday": "on"})
    assert refused.status_code == 403


def test_bulk_upload_saves_good_rows_only(rt, session, browser):
    seller = f.seller(session, rt.clock)
    kettle = f.product(session, rt.clock)
    teapot = f.product(session, rt.clock)
    email, seller_id, kettle_asin, teapot_asin = seller.email, seller.id, kettle.asin, teapot.asin
    session.commit()
    browser.sign_in(email)
    text = (
        "sku\tasin\tprice\tquantity\tcondition\n"
        f"K-1\t{kettle_asin}\t34.99\t5\tnew\n"
        f"K-2\t{teapot_asin}\t-3\t5\tnew\n"
        f"K-3\tB0NOTHERE9\t10.00\t1\t\n"
        f"K-4\t{teapot_asin}\t12.50\tmany\tnew\n"
        f"K-5\t{teapot_asin}\t12.50\t2\tused_good\n"
        f"K-1\t{teapot_asin}\t9.99\t2\tnew\n"
    )
    answer = browser.post(
        "/seller/inventory/upload",
        files={"file": ("offers.tsv", text.encode(), "text/tab-separated-values")},
    )
    assert answer.status_code == 200
    assert "2 offers saved" in answer.text and "4 rows rejected" in answer.text
    assert "The price must be more than zero." in answer.text
    assert "No product B0NOTHERE9." in answer.text
    assert "Enter a whole number." in answer.text and "SKU repeats row 2." in answer.text
    assert _offers(session, seller_id) == {
        "K-1": (kettle_asin, 3499, 5),
        "K-5": (teapot_asin, 1250, 2),
    }
    no_header = browser.post(
        "/seller/inventory/upload", files={"file": ("o.csv", b"foo,bar\n1,2\n", "text/csv")}
    )
    assert no_header.status_code == 400 and "missing: sku, asin, price, quantity" in no_header.text
    empty = browser.post("/seller/inventory/upload", files={"file": ("o.csv", b"", "text/csv")})
    assert empty.status_code == 400
    csv_rows = f"sku,asin,price,quantity\nK-1,{kettle_asin},30.00,7\n"
    again = browser.post(
        "/seller/inventory/upload", files={"file": ("o.csv", csv_rows.encode(), "text/csv")}
    )
    assert "1 offer saved" in again.text
    assert _offers(session, seller_id)["K-1"] == (kettle_asin, 3000, 7)


def test_packing_slip_is_the_sellers_own(rt, session, browser, other_browser):
    seller = f.seller(session, rt.clock)
    rival = f.seller(session, rt.clock)
    email, rival_email, seller_id = seller.email, rival.email, seller.id
    session.commit()
    order_id = _sell(rt, session, seller_id)
    browser.sign_in(email)
    slip = browser.get(f"/seller/orders/{order_id}/packing-slip")
    assert slip.status_code == 200
    assert "Packing slip" in slip.text and "1 Main St" in slip.text and order_id in slip.text
    other_browser.sign_in(rival_email)
    assert other_browser.get(f"/seller/orders/{order_id}/packing-slip").status_code == 404
