"""Account health and appeals pages over HTTP: what a seller sees, who may see it,
bad plans of action beside their fields, staff decisions."""

from __future__ import annotations

from sqlalchemy import func, select

from souk.accounts.service import register_user
from souk.performance import rules, service
from souk.performance.models import Appeal
from souk.sellers.models import Seller
from tests import factories as f
from tests.performance import support as s

PLAN = {
    "root_cause": "Our courier stopped collecting parcels on Fridays.",
    "actions_taken": "We moved to a courier that collects every weekday at four.",
    "prevention": "We check the collection scan of every parcel the next morning.",
}


def _restricted_shop(rt, session):  # type: ignore[no-untyped-def]
    shop = s.shop(rt, session)
    placed = [s.buy(rt, session, shop) for _ in range(6)]
    for o in placed[:3]:
        s.ship(rt, session, o)
    s.cancel(rt, session, placed[3])
    service.recompute_seller(session, rt.clock, shop.seller.id, "US", enforce=False)
    action = service.take_enforcement_action(
        session,
        rt.clock,
        seller_id=shop.seller.id,
        step=rules.SELLING_RESTRICTION,
        reason="Pre-fulfilment cancellation rate 16.7 % over 7 days.",
        evidence={
            "metric": "cancellation_rate",
            "label": "Pre-fulfilment cancellation rate",
            "numerator": 1,
            "denominator": 6,
            "rate": 1 / 6,
            "target": 0.02,
            "higher_is_better": False,
            "window_days": 7,
            "order_ids": [placed[3].id],
        },
        actor="system",
        case_kind="metric:cancellation_rate",
    )
    return shop, placed, action


def test_seller_sees_account_health_and_the_orders_behind_a_metric(rt, session, browser):  # type: ignore[no-untyped-def]
    shop, placed, action = _restricted_shop(rt, session)
    session.commit()
    browser.sign_in(shop.seller.email)
    page = browser.get("/seller/performance")
    assert page.status_code == 200
    text = page.text
    assert "Account health" in text and "Pre-fulfilment cancellation rate" in text
    assert "Late shipment rate (10 days)" in text and "Valid tracking rate" in text
    assert "Off target" in text and "Selling restriction" in text
    assert "suspended" in text
    assert f"/seller/performance/actions/{action.id}/appeal" in text
    listed = browser.get("/seller/performance/metrics/cancellation_rate")
    assert listed.status_code == 200 and placed[3].id in listed.text
    assert placed[0].id not in listed.text
    assert browser.get("/seller/performance/metrics/nonsense").status_code == 404


def test_appeal_form_refuses_bad_plans_and_other_sellers_actions(
    rt, session, browser, other_browser
):  # type: ignore[no-untyped-def]
    shop, _, action = _restricted_shop(rt, session)
    stranger = f.seller(session, rt.clock)
    session.commit()
    browser.sign_in(shop.seller.email)
    empty = browser.post(
        f"/seller/performance/actions/{action.id}/appeal", {**PLAN, "root_cause": "  "}
    )
    assert empty.status_code == 400
    assert "Explain what caused the problem." in empty.text
    assert PLAN["prevention"] in empty.text  # what was typed is kept
    other_browser.sign_in(stranger.email)
    assert other_browser.get(f"/seller/performance/actions/{action.id}/appeal").status_code == 404
    theirs = other_browser.post(f"/seller/performance/actions/{action.id}/appeal", PLAN)
    assert theirs.status_code == 404
    with rt.sessions() as check:
        assert check.scalar(select(func.count()).select_from(Appeal)) == 0

    sent = browser.post(f"/seller/performance/actions/{action.id}/appeal", PLAN)
    assert sent.status_code == 303
    assert "Under review" in browser.get("/seller/performance").text


def test_staff_review_the_queue_and_approve(rt, session, browser, other_browser):  # type: ignore[no-untyped-def]
    shop, _, action = _restricted_shop(rt, session)
    appeal = service.submit_appeal(
        session, rt.clock, action_id=action.id, seller_id=shop.seller.id, **PLAN
    )
    staff = register_user(
        session,
        rt.clock,
        email="olga@souk.example",
        name="Olga Ops",
        password=f.PASSWORD,
        is_staff=True,
    )
    session.commit()
    other_browser.sign_in(shop.seller.email)
    assert other_browser.get("/ops/appeals").status_code == 403
    browser.sign_in(staff.email)
    listing = browser.get("/ops/appeals")
    assert listing.status_code == 200 and shop.seller.business_name in listing.text
    detail = browser.get(f"/ops/appeals/{appeal.id}")
    assert PLAN["root_cause"] in detail.text and "Pre-fulfilment cancellation rate" in detail.text
    refused = browser.post(f"/ops/appeals/{appeal.id}", {"decision": "decline", "note": ""})
    assert refused.status_code == 400 and "Give the reason the seller will read" in refused.text
    done = browser.post(f"/ops/appeals/{appeal.id}", {"decision": "approve", "note": ""})
    assert done.status_code == 303
    with rt.sessions() as check:
        assert check.get(Seller, shop.seller.id).status == "active"
        assert check.get(Appeal, appeal.id).status == rules.APPROVED
    assert "No appeal waits" in browser.get("/ops/appeals").text
    assert "performance.appeal_approved" in browser.get("/ops/audit").text
