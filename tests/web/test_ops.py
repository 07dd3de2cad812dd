"""The operations console: staff only, seller status with a reason, merges, audit log."""

from __future__ import annotations

from sqlalchemy import select

from souk.accounts.service import register_user
from souk.catalog.models import ProductMerge
from souk.offers.models import Offer
from souk.ops.models import AuditEntry
from souk.sellers.models import Seller
from tests import factories as f


def _staff(session, clock):  # type: ignore[no-untyped-def]
    user = register_user(
        session,
        clock,
        email="olga@souk.example",
        name="Olga Ops",
        password=f.PASSWORD,
        is_staff=True,
    )
    session.commit()
    return user


def _audit(session) -> list[tuple]:  # type: ignore[no-untyped-def]
    """(action, subject, staff user, reason, details) of every entry; ends the read."""
    session.expire_all()
    try:
        return [
            (e.action, e.subject, e.staff_user_id, e.reason, e.details)
            for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]
    finally:
        session.commit()


def test_ops_pages_are_for_staff_only(rt, session, browser):
    seller = f.seller(session, rt.clock)
    buyer = f.buyer(session, rt.clock)
    session.commit()
    anonymous = browser.get("/ops/sellers", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/signin")
    browser.sign_in(buyer.user.email)
    for url in (
        "/ops",
        "/ops/sellers",
        f"/ops/sellers/{seller.id}",
        "/ops/catalog",
        "/ops/marketplaces",
        "/ops/audit",
    ):
        assert browser.get(url).status_code == 403, url
    refused = browser.post(
        f"/ops/sellers/{seller.id}/status", {"action": "suspend", "reason": "spam"}
    )
    assert refused.status_code == 403
    session.expire_all()
    assert session.get(Seller, seller.id).status == "active"
    session.commit()
    # A seller's own admin is not staff either.
    browser.sign_in(seller.email)
    assert browser.get("/ops/sellers").status_code == 403


def test_sellers_list_shows_real_counts(rt, session, browser):
    staff = _staff(session, rt.clock)
    busy = f.seller(session, rt.clock, name="Busy Kettles")
    f.seller(session, rt.clock, name="Quiet Teapots")
    product = f.product(session, rt.clock)
    f.offer(session, rt.clock, seller_id=busy.id, asin=product.asin)
    session.commit()
    browser.sign_in(staff.email)
    page = browser.get("/ops/sellers")
    assert page.status_code == 200
    row = page.text.split("Busy Kettles", 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">1</td>' in row  # one active offer
    assert "Quiet Teapots" in page.text
    filtered = browser.get("/ops/sellers?q=quiet")
    assert "Quiet Teapots" in filtered.text and "Busy Kettles" not in filtered.text
    assert "Busy Kettles" not in browser.get("/ops/sellers?status=suspended").text


def test_suspend_hides_offers_at_once_and_is_audited(rt, session, browser):
    staff = _staff(session, rt.clock)
    staff_id = staff.id
    cheap = f.seller(session, rt.clock, name="Cheap Kettles")
    dear = f.seller(session, rt.clock, name="Dear Kettles")
    product = f.product(session, rt.clock)
    f.offer(session, rt.clock, seller_id=cheap.id, asin=product.asin, price="10.00")
    f.offer(session, rt.clock, seller_id=dear.id, asin=product.asin, price="30.00")
    cheap_id, asin = cheap.id, product.asin
    session.commit()
    before = browser.get(f"/dp/{asin}").text
    assert "Cheap Kettles" in before
    browser.sign_in(staff.email)

    no_reason = browser.post(
        f"/ops/sellers/{cheap_id}/status", {"action": "suspend", "reason": " "}
    )
    assert no_reason.status_code == 400
    assert "Give the reason" in no_reason.text
    bad_action = browser.post(
        f"/ops/sellers/{cheap_id}/status", {"action": "explode", "reason": "x"}
    )
    assert bad_action.status_code == 400 and "Action must be one of" in bad_action.text
    assert _audit(session) == []
    session.expire_all()
    assert session.get(Seller, cheap_id).status == "active"
    session.commit()

    done = browser.post(
        f"/ops/sellers/{cheap_id}/status",
        {"action": "suspend", "reason": "Counterfeit complaints from the rights owner"},
    )
    assert done.status_code == 303
    after = browser.get(f"/dp/{asin}").text
    assert "Cheap Kettles" not in after and "Dear Kettles" in after
    assert _audit(session) == [
        (
            "seller.suspend",
            cheap_id,
            staff_id,
            "Counterfeit complaints from the rights owner",
            {"from": "active", "to": "suspended"},
        )
    ]
    detail = browser.get(f"/ops/sellers/{cheap_id}").text
    assert "Counterfeit complaints" in detail and "Olga Ops" in detail
    log = browser.get("/ops/audit").text
    assert "seller.suspend" in log and cheap_id in log

    browser.post(
        f"/ops/sellers/{cheap_id}/status", {"action": "reinstate", "reason": "Appeal accepted"}
    )
    assert "Cheap Kettles" in browser.get(f"/dp/{asin}").text
    assert [e[0] for e in _audit(session)] == ["seller.suspend", "seller.reinstate"]
    assert browser.get("/ops/sellers/ANOSUCHSELLER").status_code == 404


def test_merge_moves_offers_and_redirects(rt, session, browser):
    staff = _staff(session, rt.clock)
    seller = f.seller(session, rt.clock, name="Kettle House")
    kept = f.product(session, rt.clock, title="Acme Kettle 1.7 l")
    duplicate = f.product(session, rt.clock, title="Acme Kettle 1.7 litre steel")
    f.offer(session, rt.clock, seller_id=seller.id, asin=duplicate.asin, sku="DUP-1")
    kept_asin, dup_asin = kept.asin, duplicate.asin
    session.commit()
    browser.sign_in(staff.email)
    found = browser.get(f"/ops/catalog?q={dup_asin}")
    assert found.status_code == 200 and dup_asin in found.text

    same = browser.post(
        "/ops/catalog/merge",
        {"duplicate_asin": kept_asin, "kept_asin": kept_asin, "reason": "dup"},
    )
    assert same.status_code == 400 and "two different products" in same.text
    missing = browser.post(
        "/ops/catalog/merge",
        {"duplicate_asin": dup_asin, "kept_asin": "B0NOTHERE1", "reason": "dup"},
    )
    assert missing.status_code == 400 and "No product B0NOTHERE1" in missing.text
    no_reason = browser.post(
        "/ops/catalog/merge", {"duplicate_asin": dup_asin, "kept_asin": kept_asin}
    )
    assert no_reason.status_code == 400 and "Give the reason" in no_reason.text
    assert _audit(session) == []

    merged = browser.post(
        "/ops/catalog/merge",
        {"duplicate_asin": dup_asin, "kept_asin": kept_asin, "reason": "Same kettle"},
    )
    assert merged.status_code == 303
    session.expire_all()
    assert session.scalar(select(Offer.asin).where(Offer.sku == "DUP-1")) == kept_asin
    assert session.get(ProductMerge, dup_asin).kept_asin == kept_asin
    session.commit()
    moved = browser.get(f"/dp/{dup_asin}", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == f"/dp/{kept_asin}"
    assert "Kettle House" in browser.get(f"/dp/{kept_asin}").text
    ((action, subject, _, _, details),) = _audit(session)
    assert (action, subject, details["kept_asin"]) == (
        "catalog.merge",
        dup_asin,
        kept_asin,
    )
    again = browser.post(
        "/ops/catalog/merge",
        {"duplicate_asin": dup_asin, "kept_asin": kept_asin, "reason": "again"},
    )
    assert again.status_code == 400 and "already merged" in again.text


def test_marketplaces_and_fees_view(rt, session, browser):
    staff = _staff(session, rt.clock)
    browser.sign_in(staff.email)
    page = browser.get("/ops/marketplaces")
    assert page.status_code == 200
    assert "ATVPDKIKX0DER" in page.text and "Asia/Tokyo" in page.text
    assert "no referral-fee or fulfilment-fee table" in page.text
    assert "NoInventory" in page.text
