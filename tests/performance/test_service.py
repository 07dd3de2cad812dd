"""Metrics from real order history, stored standings, enforcement and appeals,
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from souk.accounts.service import register_user
from souk.core.errors import Conflict, InvalidInput, InvalidState, NotFound
from souk.core.events import OutboxEvent
from souk.core.runtime import Runtime
from souk.jobs.registry import run_job
from souk.offers.service import product_offers
from souk.ops.models import AuditEntry
from souk.performance import rules, service
from souk.performance.models import Appeal, EnforcementAction, MetricSnapshot
from souk.sellers.models import Seller
from tests import factories as f
from tests.performance import support as s

PLAN = {
    "root_cause": "Our only packer was ill and orders waited for days.",
    "actions_taken": "We hired a second packer and cleared every open order.",
    "prevention": "Two people can pack now, and we check open orders each morning.",
}


def _events(session, topic: str) -> list[OutboxEvent]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(OutboxEvent).where(OutboxEvent.topic == topic)))


def _staff(rt: Runtime, session) -> int:  # type: ignore[no-untyped-def]
    user = register_user(
        session, rt.clock, email="staff@example.com", name="Sam Staff", password=f.PASSWORD
    )
    user.is_staff = True
    session.commit()
    return user.id


def test_recompute_counts_real_orders(rt: Runtime, session) -> None:  # type: ignore[no-untyped-def]
    shop = s.shop(rt, session)
    orders = [s.buy(rt, session, shop) for _ in range(6)]
    s.ship(rt, session, orders[0])
    s.ship(rt, session, orders[1])
    s.cancel(rt, session, orders[2])
    s.ship(rt, session, orders[3], late=True)  # moves the clock past the other ship dates
    # orders[4] and [5] were never shipped and are now overdue.
    assert rt.clock.now() > orders[4].latest_ship_at

    evaluation = service.recompute_seller(session, rt.clock, shop.seller.id, "US")
    session.commit()

    late = evaluation.metric("late_shipment_rate_30d")
    assert late is not None
    # Shipped: 0, 1 on time, 3 late; 4 and 5 overdue; 2 canceled.
    assert (late.numerator, late.denominator) == (3, 5)
    assert set(late.order_ids) == {orders[3].id, orders[4].id, orders[5].id}
    cancel = evaluation.metric("cancellation_rate")
    assert cancel is not None and (cancel.numerator, cancel.denominator) == (1, 6)

    standings = service.latest_metrics(session, "US", [shop.seller.id, "A0000000000NONE"])
    mine = standings[shop.seller.id]
    assert mine.cancellation_rate == pytest.approx(1 / 6)
    assert mine.late_shipment_rate == pytest.approx(3 / 5)
    assert mine.health_band == rules.CRITICAL and mine.account_health == 0
    assert mine.is_new_seller
    assert standings["A0000000000NONE"] == rules.NEUTRAL_STANDING
    assert [e.subject for e in _events(session, "seller.metrics_changed")] == [shop.seller.id]

    s.deliver(rt, session, orders[0])
    s.deliver(rt, session, orders[3], on_time=False)
    later = service.recompute_seller(session, rt.clock, shop.seller.id, "US", enforce=False)
    session.commit()
    otd = later.metric("on_time_delivery_rate")
    assert otd is not None and (otd.numerator, otd.denominator) == (1, 2)
    assert otd.order_ids == (orders[3].id,)
    later_cancel = later.metric("cancellation_rate")
    assert later_cancel is not None and later_cancel.denominator == 0  # a week has passed

    figures, listed = service.metric_orders(session, shop.seller.id, "US", "on_time_delivery_rate")
    assert figures["numerator"] == 1 and [o.id for o in listed] == [orders[3].id]
    with pytest.raises(NotFound):
        service.metric_orders(session, shop.seller.id, "US", "no_such_metric")


def test_recompute_keeps_one_snapshot_a_day_and_only_emits_on_change(rt: Runtime, session) -> None:  # type: ignore[no-untyped-def]
    shop = s.shop(rt, session)
    s.ship(rt, session, s.buy(rt, session, shop))
    service.recompute_seller(session, rt.clock, shop.seller.id, "US", enforce=False)
    session.commit()
    service.recompute_seller(session, rt.clock, shop.seller.id, "US", enforce=False)
    session.commit()
    assert len(_events(session, "seller.metrics_changed")) == 1
    rt.clock.advance(timedelta(days=1))
    service.recompute_seller(session, rt.clock, shop.seller.id, "US", enforce=False)
    session.commit()
    days = service.snapshots(
        session, shop.seller.id, "US", since=(rt.clock.now() - timedelta(days=30)).date()
    )
    assert len(days) == 2
    assert days[0].day < days[1].day


def test_order_defect_rate_reads_chargebacks(rt: Runtime, session) -> None:  # type: ignore[no-untyped-def]
    from souk.returns.service import record_chargeback

    shop = s.shop(rt, session)
    orders = [s.buy(rt, session, shop) for _ in range(5)]
    for o in orders:
        s.ship(rt, session, o)
    rt.clock.advance(timedelta(days=2))
    record_chargeback(
        session,
        rt.clock,
        order_id=orders[1].id,
        provider_reference="ch_1",
        reason="Item not received",
        amount_minor=orders[1].total_minor,
    )
    session.commit()
    evaluation = service.recompute_seller(session, rt.clock, shop.seller.id, "US", enforce=False)
    odr = evaluation.metric("order_defect_rate")
    assert odr is not None and (odr.numerator, odr.denominator) == (1, 5)
    assert odr.order_ids == (orders[1].id,)


def _late_seller(rt: Runtime, session, count: int = 6):  # type: ignore[no-untyped-def]
    shop = s.shop(rt, session)
    placed = [s.buy(rt, session, shop) for _ in range(count)]
    rt.clock.set(max(o.latest_ship_at for o in placed) + timedelta(hours=1))
    for o in placed:
        s.ship(rt, session, o)
    return shop, placed


def test_ladder_warns_then_restricts_and_offers_vanish(rt: Runtime, session) -> None:  # type: ignore[no-untyped-def]
    shop, _ = _late_seller(rt, session)
    service.recompute_seller(session, rt.clock, shop.seller.id, "US")
    session.commit()
    actions = service.enforcement_actions(session, shop.seller.id)
    assert {(a.step, a.case_kind) for a in actions} >= {
        (rules.WARNING, "metric:late_shipment_rate_30d")
    }
    assert all(a.step == rules.WARNING for a in actions)
    assert session.get(Seller, shop.seller.id).status == "active"

    # A day later: still within the grace period, nothing new.
    rt.clock.advance(timedelta(days=1))
    service.recompute_seller(session, rt.clock, shop.seller.id, "US")
    session.commit()
    assert len(service.enforcement_actions(session, shop.seller.id)) == len(actions)

    rt.clock.advance(timedelta(days=7))
    service.recompute_seller(session, rt.clock, shop.seller.id, "US")
    session.commit()
    restriction = service.enforcement_actions(session, shop.seller.id)[0]
    assert restriction.step == rules.SELLING_RESTRICTION
    assert restriction.evidence["metric"] == "late_shipment_rate_30d"
    assert restriction.evidence["numerator"] == 6 and restriction.evidence["denominator"] == 6
    assert session.get(Seller, shop.seller.id).status == "suspended"
    assert product_offers(session, shop.product.asin, "US").featured is None
    audit = session.scalars(
        select(AuditEntry.action).where(AuditEntry.subject == shop.seller.id)
    ).all()
    assert "performance.selling_restriction" in audit and "performance.warning" in audit
    assert _events(session, "seller.enforcement")
    assert _events(session, "seller.status_changed")


def test_appeal_approved_reinstates_the_seller_and_its_offers(rt: Runtime, session) -> None:  # type: ignore[no-untyped-def]
    staff_id = _staff(rt, session)
    shop = s.shop(rt, session)
    action = service.take_enforcement_action(
        session,
        rt.clock,
        seller_id=shop.seller.id,
        step=rules.SELLING_RESTRICTION,
        reason="Late shipment rate 60 % over 30 days.",
        evidence={"metric": "late_shipment_rate_30d"},
        actor=str(staff_id),
        case_kind="metric:late_shipment_rate_30d",
        points=50,
    )
    assert session.get(Seller, shop.seller.id).status == "suspended"
    assert product_offers(session, shop.product.asin, "US").featured is None

    appeal = service.submit_appeal(
        session, rt.clock, action_id=action.id, seller_id=shop.seller.id, **PLAN
    )
    with pytest.raises(Conflict):
        service.submit_appeal(
            session, rt.clock, action_id=action.id, seller_id=shop.seller.id, **PLAN
        )
    session.rollback()
    assert [q.appeal.id for q in service.appeals_queue(session)] == [appeal.id]

    decided = service.decide_appeal(
        session, rt.clock, appeal_id=appeal.id, staff_user_id=staff_id, approve=True, note=""
    )
    assert decided.status == rules.APPROVED
    seller = session.get(Seller, shop.seller.id)
    session.refresh(seller)
    assert seller.status == "active"
    featured = product_offers(session, shop.product.asin, "US").featured
    assert featured is not None and featured.seller_id == shop.seller.id
    session.refresh(action)
    assert action.reversed_at is not None
    assert service.appeals_queue(session) == []
    audit = session.scalars(
        select(AuditEntry.action).where(AuditEntry.subject == shop.seller.id)
    ).all()
    assert "performance.appeal_approved" in audit
    with pytest.raises(InvalidState):
        service.decide_appeal(
            session,
            rt.clock,
            appeal_id=appeal.id,
            staff_user_id=staff_id,
            approve=False,
            note="Too late",
        )


def test_declined_appeal_changes_nothing_but_the_appeal(rt: Runtime, session) -> None:  # type: ignore[no-untyped-def]
    staff_id = _staff(rt, session)
    shop = s.shop(rt, session)
    action = service.take_enforcement_action(
        session,
        rt.clock,
        seller_id=shop.seller.id,
        step=rules.SELLING_RESTRICTION,
        reason="Order defect rate far above target.",
        evidence={},
        actor="system",
        case_kind="metric:order_defect_rate",
    )
    appeal = service.submit_appeal(
        session, rt.clock, action_id=action.id, seller_id=shop.seller.id, **PLAN
    )
    with pytest.raises(InvalidInput):
        service.decide_appeal(
            session, rt.clock, appeal_id=appeal.id, staff_user_id=staff_id, approve=False, note=" "
        )
    session.rollback()
    service.decide_appeal(
        session,
        rt.clock,
        appeal_id=appeal.id,
        staff_user_id=staff_id,
        approve=False,
        note="The plan does not say how late orders will be caught.",
    )
    assert session.get(Seller, shop.seller.id).status == "suspended"
    assert session.get(Appeal, appeal.id).status == rules.DECLINED
    # A new plan may follow a declined one.
    again = service.submit_appeal(
        session, rt.clock, action_id=action.id, seller_id=shop.seller.id, **PLAN
    )
    assert again.status == rules.PENDING


def test_bad_appeals_are_refused_and_change_nothing(rt: Runtime, session) -> None:  # type: ignore[no-untyped-def]
    mine = s.shop(rt, session)
    other = s.shop(rt, session)
    action = service.take_enforcement_action(
        session,
        rt.clock,
        seller_id=mine.seller.id,
        step=rules.WARNING,
        reason="Cancellation rate above target.",
        evidence={},
        actor="system",
        case_kind="metric:cancellation_rate",
    )
    with pytest.raises(NotFound) as error:
        service.submit_appeal(
            session, rt.clock, action_id=action.id, seller_id=other.seller.id, **PLAN
        )
    assert "no enforcement action" in error.value.message
    session.rollback()
    with pytest.raises(InvalidInput) as bad:
        service.submit_appeal(
            session,
            rt.clock,
            action_id=action.id,
            seller_id=mine.seller.id,
            root_cause="",
            actions_taken=PLAN["actions_taken"],
            prevention=PLAN["prevention"],
        )
    assert bad.value.field == "root_cause"
    session.rollback()
    with pytest.raises(NotFound):
        service.submit_appeal(session, rt.clock, action_id=999999, seller_id=mine.seller.id, **PLAN)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Appeal)) == 0


def test_listing_removal_and_its_reversal(rt: Runtime, session) -> None:  # type: ignore[no-untyped-def]
    staff_id = _staff(rt, session)
    shop = s.shop(rt, session)
    with pytest.raises(InvalidInput):
        service.take_enforcement_action(
            session,
            rt.clock,
            seller_id=shop.seller.id,
            step=rules.LISTING_REMOVAL,
            reason="Counterfeit complaint.",
            evidence={},
            actor="system",
            case_kind="ip",
        )
    session.rollback()
    with pytest.raises(InvalidInput):
        service.take_enforcement_action(
            session,
            rt.clock,
            seller_id=shop.seller.id,
            step="fine",
            reason="x",
            evidence={},
            actor="system",
            case_kind="ip",
        )
    session.rollback()
    assert session.scalar(select(func.count()).select_from(EnforcementAction)) == 0
    action = service.take_enforcement_action(
        session,
        rt.clock,
        seller_id=shop.seller.id,
        step=rules.LISTING_REMOVAL,
        reason="Counterfeit complaint from the brand owner.",
        evidence={"complaint": "IP-1"},
        actor="system",
        case_kind="ip_complaint",
        points=120,
        asins=[shop.product.asin],
    )
    assert action.offer_ids == [shop.offer.id]
    assert product_offers(session, shop.product.asin, "US").featured is None
    assert session.get(Seller, shop.seller.id).status == "active"
    service.recompute_seller(session, rt.clock, shop.seller.id, "US", enforce=False)
    session.commit()
    assert (
        service.latest_metrics(session, "US", [shop.seller.id])[shop.seller.id].account_health
        == 880
    )
    appeal = service.submit_appeal(
        session, rt.clock, action_id=action.id, seller_id=shop.seller.id, **PLAN
    )
    service.decide_appeal(
        session, rt.clock, appeal_id=appeal.id, staff_user_id=staff_id, approve=True, note="ok"
    )
    assert product_offers(session, shop.product.asin, "US").featured is not None
    assert (
        service.latest_metrics(session, "US", [shop.seller.id])[shop.seller.id].account_health
        == 1000
    )


def test_daily_job_recomputes_every_seller(rt: Runtime, session) -> None:  # type: ignore[no-untyped-def]
    first = s.shop(rt, session)
    second = s.shop(rt, session)
    s.buy(rt, session, first)
    s.buy(rt, session, second)
    session.commit()
    result = run_job(rt.sessions, rt.clock, "performance.daily")
    assert result.startswith("2 standings of 2 sellers")
    with rt.sessions() as check:
        assert check.scalar(select(func.count()).select_from(MetricSnapshot)) == 2
