"""Seller metrics, account health and the enforcement ladder, counted by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from souk.core.clock import utc
from souk.core.errors import InvalidInput
from souk.core.policy import load_policy
from souk.performance import rules
from souk.performance.rules import Defect, MetricValue, OrderFacts, PastAction

NOW = utc(2026, 6, 1, 12, 0)
POLICY = load_policy().default.performance
#: The policy without small-sample smoothing: scores straight from the rates.
EXACT = POLICY.model_copy(update={"prior_orders": 0})
OLD_SELLER = NOW - timedelta(days=400)


def order(
    order_id: str,
    *,
    bought_days_ago: float,
    buyer: int = 1,
    status: str = "Shipped",
    channel: str = "MERCHANT",
    ship_by_days: float = 2,
    shipped_after_days: float | None = 1,
    deliver_by_days: float = 6,
    delivered_after_days: float | None = None,
    canceled_by: str = "",
) -> OrderFacts:
    bought = NOW - timedelta(days=bought_days_ago)
    shipped = (
        bought + timedelta(days=shipped_after_days) if shipped_after_days is not None else None
    )
    delivered = (
        bought + timedelta(days=delivered_after_days) if delivered_after_days is not None else None
    )
    return OrderFacts(
        order_id=order_id,
        buyer_id=buyer,
        purchased_at=bought,
        status=status,
        fulfillment_channel=channel,
        latest_ship_at=bought + timedelta(days=ship_by_days),
        latest_delivery_at=bought + timedelta(days=deliver_by_days),
        shipped_at=shipped,
        delivered_at=delivered,
        canceled_at=bought + timedelta(hours=3) if status == "Canceled" else None,
        canceled_by=canceled_by,
    )


# --- windows and each metric ---------------------------------------------------------


def test_window_includes_both_edges() -> None:
    assert rules.in_window(NOW - timedelta(days=60), NOW, 60)
    assert not rules.in_window(NOW - timedelta(days=60, seconds=1), NOW, 60)
    assert rules.in_window(NOW, NOW, 60)
    assert not rules.in_window(NOW + timedelta(seconds=1), NOW, 60)
    assert not rules.in_window(None, NOW, 60)


def test_order_defect_rate_counts_an_order_exactly_60_days_old() -> None:
    orders = [
        order("edge", bought_days_ago=60),  # exactly 60 days: inside
        order("outside", bought_days_ago=60 + 1 / 86400),  # a second older: outside
        order("a", bought_days_ago=10),
        order("b", bought_days_ago=5),
    ]
    defects = [
        Defect("edge", "a_to_z_claim", NOW - timedelta(days=20)),
        Defect("outside", "chargeback", NOW - timedelta(days=2)),
        Defect("a", "negative_feedback", NOW - timedelta(days=3)),
        Defect("a", "chargeback", NOW - timedelta(days=1)),  # one order, two defects: one
    ]
    metric = rules.order_defect_rate(orders, defects, now=NOW, days=60, limit=0.01)
    assert (metric.numerator, metric.denominator) == (2, 3)
    assert metric.order_ids == ("a", "edge")
    assert metric.rate == pytest.approx(2 / 3)
    assert metric.status() == rules.OFF_TARGET


def test_cancellation_rate_counts_only_the_sellers_own_cancellations_in_7_days() -> None:
    orders = [
        order(
            "s1",
            bought_days_ago=1,
            status="Canceled",
            canceled_by="seller",
            shipped_after_days=None,
        ),
        order(
            "b1", bought_days_ago=1, status="Canceled", canceled_by="buyer", shipped_after_days=None
        ),
        order(
            "s-old",
            bought_days_ago=8,
            status="Canceled",
            canceled_by="seller",
            shipped_after_days=None,
        ),
        order(
            "edge",
            bought_days_ago=7,
            status="Canceled",
            canceled_by="seller",
            shipped_after_days=None,
        ),
        order("ok", bought_days_ago=2, shipped_after_days=0.5),
    ]
    metric = rules.cancellation_rate(orders, now=NOW, days=7, limit=0.025)
    assert (metric.numerator, metric.denominator) == (2, 4)
    assert metric.order_ids == ("edge", "s1")


def test_late_shipment_rate_over_10_and_30_days_with_overdue_unshipped_orders() -> None:
    orders = [
        order("late", bought_days_ago=5, ship_by_days=1, shipped_after_days=2),
        order("on-time", bought_days_ago=6, ship_by_days=2, shipped_after_days=1),
        # Due 1 day ago, not shipped: late already.
        order(
            "overdue",
            bought_days_ago=3,
            ship_by_days=2,
            status="Unshipped",
            shipped_after_days=None,
        ),
        # Shipped early, before its ship-by date (still to come): on time, counted.
        order("early", bought_days_ago=0.5, ship_by_days=2, shipped_after_days=0.25),
        # Not due yet and not shipped: not counted.
        order(
            "waiting",
            bought_days_ago=0.5,
            ship_by_days=2,
            status="Unshipped",
            shipped_after_days=None,
        ),
        # Platform fulfilled: the platform's lateness, not the seller's.
        order(
            "platform", bought_days_ago=4, channel="PLATFORM", ship_by_days=1, shipped_after_days=3
        ),
        # Due 20 days ago and late: only in the 30-day window.
        order("late-20", bought_days_ago=22, ship_by_days=2, shipped_after_days=4),
        # Canceled before its ship date passed: not counted.
        order(
            "canceled",
            bought_days_ago=4,
            status="Canceled",
            canceled_by="buyer",
            shipped_after_days=None,
        ),
    ]
    ten = rules.late_shipment_rate(orders, now=NOW, days=10, limit=0.04)
    thirty = rules.late_shipment_rate(orders, now=NOW, days=30, limit=0.04)
    assert ten.name == "late_shipment_rate_10d"
    assert (ten.numerator, ten.denominator) == (2, 4)
    assert ten.order_ids == ("late", "overdue")
    assert (thirty.numerator, thirty.denominator) == (3, 5)


def test_valid_tracking_counts_parcels_the_carrier_never_reported() -> None:
    orders = [
        order("delivered", bought_days_ago=10, delivered_after_days=4),
        # Shipped, never reported, delivery date + 3 days grace long gone: invalid.
        order("lost", bought_days_ago=12, deliver_by_days=5),
        # Not reported yet but still inside delivery date + grace: valid so far.
        order("in-transit", bought_days_ago=3, deliver_by_days=5),
        order("shipped-31-days-ago", bought_days_ago=32, delivered_after_days=None),
    ]
    metric = rules.valid_tracking_rate(orders, now=NOW, days=30, floor=0.95, grace_days=3)
    assert (metric.numerator, metric.denominator) == (2, 3)
    assert metric.order_ids == ("lost",)
    assert metric.higher_is_better
    assert metric.status() == rules.OFF_TARGET


def test_on_time_delivery_rate_over_orders_delivered_in_14_days() -> None:
    orders = [
        order("on-time", bought_days_ago=8, deliver_by_days=6, delivered_after_days=5),
        order("late", bought_days_ago=9, deliver_by_days=6, delivered_after_days=7),
        order("exactly-due", bought_days_ago=7, deliver_by_days=6, delivered_after_days=6),
        order("too-old", bought_days_ago=30, deliver_by_days=6, delivered_after_days=9),
    ]
    metric = rules.on_time_delivery_rate(orders, now=NOW, days=14, floor=0.97)
    assert (metric.numerator, metric.denominator) == (2, 3)
    assert metric.order_ids == ("late",)


def test_repeat_purchase_rate_counts_buyers_with_two_orders() -> None:
    orders = [
        order("1", bought_days_ago=3, buyer=1),
        order("2", bought_days_ago=40, buyer=1),
        order("3", bought_days_ago=5, buyer=2),
        order("4", bought_days_ago=100, buyer=2),  # outside 90 days
        order("5", bought_days_ago=6, buyer=3, status="Canceled", canceled_by="buyer"),
    ]
    metric = rules.repeat_purchase_rate(orders, now=NOW, days=90)
    assert (metric.numerator, metric.denominator) == (1, 2)
    assert metric.target is None and metric.status() == rules.INFORMATION


def test_response_rate_refuses_impossible_counts() -> None:
    assert rules.response_rate(9, 10, days=7, floor=0.9).status() == rules.OFF_TARGET
    assert rules.response_rate(10, 10, days=7, floor=0.9).status() == rules.ON_TARGET
    with pytest.raises(ValueError):
        rules.response_rate(3, 2, days=7, floor=0.9)


# --- account health --------------------------------------------------------------------


def metric(numerator: int, denominator: int, target: float, higher: bool = False) -> MetricValue:
    return MetricValue("m", "M", numerator, denominator, 30, target, higher)


@pytest.mark.parametrize(
    ("numerator", "denominator", "score", "band"),
    [
        (0, 100, 1000, rules.HEALTHY),  # no failures
        (2, 100, 600, rules.HEALTHY),  # half the 4 % limit
        (4, 100, 199, rules.AT_RISK),  # exactly at the limit is off target
        (6, 100, 150, rules.AT_RISK),
        (8, 100, 100, rules.AT_RISK),  # twice the limit: lowest at-risk score
        (10, 100, 50, rules.CRITICAL),
        (12, 100, 0, rules.CRITICAL),  # three times the limit (critical_multiple)
        (50, 100, 0, rules.CRITICAL),
    ],
)
def test_failure_rate_scores_and_bands(
    numerator: int, denominator: int, score: int, band: str
) -> None:
    m = metric(numerator, denominator, 0.04)
    assert rules.metric_score(m, EXACT) == score
    assert rules.health_band(rules.account_health([m], 0, EXACT), EXACT) == band


def test_success_rates_score_on_their_failure_share() -> None:
    # 95 % floor: 5 % may fail. 97.5 % delivered -> half the allowance used.
    assert rules.metric_score(metric(39, 40, 0.95, True), EXACT) == 600
    assert rules.metric_score(metric(19, 20, 0.95, True), EXACT) == 199  # exactly 95 %
    assert rules.metric_score(metric(9, 10, 0.95, True), EXACT) == 100  # 10 % failed = 2x
    assert rules.metric_score(metric(17, 20, 0.95, True), EXACT) == 0  # 15 % failed = 3x


def test_small_samples_are_pulled_towards_half_the_limit() -> None:
    assert POLICY.prior_orders == 20
    # 1 late of 8 (12.5 %): read as (1 + 0.02 * 20) / 28 = 5 %, at risk, not critical.
    one_of_eight = metric(1, 8, 0.04)
    assert rules.metric_score(one_of_eight, EXACT) == 0
    assert rules.metric_score(one_of_eight, POLICY) == 199 - 24
    # A spotless seller with 5 orders: (0 + 0.4) / 25 = 1.6 % -> 200 + 800 * 0.6.
    assert rules.metric_score(metric(0, 5, 0.04), POLICY) == 680
    # 1 of 20 is off target as measured (5 %): smoothing never lifts it above at risk.
    assert rules.metric_score(metric(1, 20, 0.04), POLICY) == 199
    # Many orders: smoothing hardly moves the rate (5 % reads 4.94 %: 176 against 175).
    assert rules.metric_score(metric(50, 1000, 0.04), EXACT) == 175
    assert rules.metric_score(metric(50, 1000, 0.04), POLICY) == 176


def test_health_is_the_weakest_metric_less_violation_points_and_small_samples_do_not_count() -> (
    None
):
    good = metric(0, 100, 0.01)
    weak = metric(2, 100, 0.04)  # 600
    tiny = metric(3, 3, 0.025)  # 100 % canceled, but only 3 orders: no judgement
    assert rules.metric_score(tiny, EXACT) is None
    assert tiny.status(EXACT.min_denominator) == rules.NO_DATA
    assert rules.account_health([good, weak, tiny], 0, EXACT) == 600
    assert rules.account_health([good, weak], 450, EXACT) == 150
    assert rules.account_health([good, weak], 5000, EXACT) == 0
    assert rules.account_health([], 0, EXACT) == 1000
    with pytest.raises(ValueError):
        rules.account_health([good], -1, EXACT)


def test_new_sellers_have_tighter_limits() -> None:
    assert rules.is_new_seller(NOW - timedelta(days=89), NOW, 90)
    assert not rules.is_new_seller(NOW - timedelta(days=90), NOW, 90)
    assert rules.failure_limit(0.04, True, POLICY) == pytest.approx(0.032)
    assert rules.success_floor(0.95, True, POLICY) == pytest.approx(0.96)
    # 3.5 % late: fine for an established seller, off target for a new one.
    orders = [
        order(f"o{i}", bought_days_ago=5, ship_by_days=1, shipped_after_days=2 if i < 7 else 0.5)
        for i in range(200)
    ]
    old = rules.evaluate(rules.SellerHistory(OLD_SELLER, orders), now=NOW, policy=POLICY)
    new = rules.evaluate(
        rules.SellerHistory(NOW - timedelta(days=10), orders), now=NOW, policy=POLICY
    )
    late_old = old.metric("late_shipment_rate_10d")
    late_new = new.metric("late_shipment_rate_10d")
    assert late_old is not None and late_new is not None
    assert late_old.rate == pytest.approx(0.035)
    assert late_old.status(POLICY.min_denominator) == rules.ON_TARGET
    assert late_new.status(POLICY.min_denominator) == rules.OFF_TARGET
    assert old.health_band == rules.HEALTHY and new.health_band == rules.AT_RISK
    assert new.is_new_seller and not old.is_new_seller


def test_evaluate_builds_the_standing_with_every_metric() -> None:
    orders = [order(f"o{i}", bought_days_ago=1 + i % 20, delivered_after_days=4) for i in range(40)]
    history = rules.SellerHistory(
        OLD_SELLER,
        orders,
        defects=[Defect("o1", "a_to_z_claim", NOW - timedelta(days=1))],
        responses={7: (9, 10), 30: (27, 30)},
        returns=4,
        refunds=2,
        feedback_rating=4.5,
        feedback_count=12,
    )
    evaluation = rules.evaluate(history, now=NOW, policy=POLICY)
    names = [m.name for m in evaluation.metrics]
    assert names == [
        "order_defect_rate",
        "cancellation_rate",
        "late_shipment_rate_10d",
        "late_shipment_rate_30d",
        "valid_tracking_rate",
        "on_time_delivery_rate",
        "response_rate_24h_7d",
        "response_rate_24h_30d",
        "return_rate",
        "refund_rate",
        "repeat_purchase_rate",
    ]
    standing = evaluation.standing()
    assert standing.order_defect_rate == pytest.approx(1 / 40)
    assert standing.response_rate_24h == pytest.approx(0.9)
    assert standing.feedback_rating == 4.5 and standing.feedback_count == 12
    # ODR 1 of 40 (2.5 % against 1 %) reads (1 + 0.005 * 20) / 60 = 1.83 %:
    # 199 - floor(199 * 0.83 / 2) = 117, the weakest metric.
    assert standing.account_health == 117
    assert standing.health_band == rules.AT_RISK
    ret = evaluation.metric("return_rate")
    assert ret is not None and (ret.numerator, ret.denominator) == (4, 40)


def test_neutral_standing_is_healthy_without_rates() -> None:
    assert rules.NEUTRAL_STANDING.account_health == 1000
    assert rules.NEUTRAL_STANDING.health_band == rules.HEALTHY
    assert rules.NEUTRAL_STANDING.order_defect_rate is None


# --- the ladder --------------------------------------------------------------------------


def defective_evaluation(created: object = OLD_SELLER) -> rules.Evaluation:
    orders = [order(f"o{i}", bought_days_ago=2 + i, delivered_after_days=4) for i in range(50)]
    defects = [Defect(f"o{i}", "chargeback", NOW - timedelta(days=1)) for i in range(3)]
    return rules.evaluate(
        rules.SellerHistory(OLD_SELLER, orders, defects=defects), now=NOW, policy=POLICY
    )


def test_off_target_metric_earns_a_warning_with_evidence() -> None:
    decisions = rules.decide_enforcement(
        defective_evaluation(), [], seller_status="active", now=NOW, policy=POLICY
    )
    assert [(d.step, d.case_kind) for d in decisions] == [
        (rules.WARNING, "metric:order_defect_rate")
    ]
    evidence = decisions[0].evidence
    assert evidence["numerator"] == 3 and evidence["denominator"] == 50
    assert evidence["order_ids"] == ["o0", "o1", "o2"]
    assert "6.0 %" in decisions[0].reason


def test_warning_then_restriction_after_the_grace_period() -> None:
    case = "metric:order_defect_rate"
    recent = [PastAction(rules.WARNING, case, NOW - timedelta(days=3))]
    assert (
        rules.decide_enforcement(
            defective_evaluation(), recent, seller_status="active", now=NOW, policy=POLICY
        )
        == []
    )
    old = [PastAction(rules.WARNING, case, NOW - timedelta(days=POLICY.warning_grace_days))]
    decisions = rules.decide_enforcement(
        defective_evaluation(), old, seller_status="active", now=NOW, policy=POLICY
    )
    assert [d.step for d in decisions] == [rules.SELLING_RESTRICTION]
    assert decisions[0].evidence["warned_at"] == old[0].at.isoformat()


def test_an_at_risk_account_is_warned_but_not_restricted() -> None:
    # 1 defect in 80 orders: 1.25 % against 1 %, at risk but not critical.
    orders = [order(f"o{i}", bought_days_ago=2 + i / 2, delivered_after_days=4) for i in range(80)]
    evaluation = rules.evaluate(
        rules.SellerHistory(OLD_SELLER, orders, defects=[Defect("o0", "chargeback", NOW)]),
        now=NOW,
        policy=POLICY,
    )
    assert evaluation.health_band == rules.AT_RISK
    old = [PastAction(rules.WARNING, "metric:order_defect_rate", NOW - timedelta(days=20))]
    assert (
        rules.decide_enforcement(evaluation, old, seller_status="active", now=NOW, policy=POLICY)
        == []
    )


def test_an_approved_appeal_closes_the_case_and_the_ladder_starts_again() -> None:
    case = "metric:order_defect_rate"
    past = [
        PastAction(rules.WARNING, case, NOW - timedelta(days=20)),
        PastAction(rules.SELLING_RESTRICTION, case, NOW - timedelta(days=10), reversed=True),
    ]
    decisions = rules.decide_enforcement(
        defective_evaluation(), past, seller_status="active", now=NOW, policy=POLICY
    )
    assert [d.step for d in decisions] == [rules.WARNING]


def test_suspended_sellers_get_no_new_warnings_and_are_deactivated_after_long_restriction() -> None:
    case = "metric:order_defect_rate"
    restricted = [PastAction(rules.SELLING_RESTRICTION, case, NOW - timedelta(days=30))]
    assert (
        rules.decide_enforcement(
            defective_evaluation(), restricted, seller_status="suspended", now=NOW, policy=POLICY
        )
        == []
    )
    long_ago = [
        PastAction(
            rules.SELLING_RESTRICTION, case, NOW - timedelta(days=POLICY.deactivate_after_days)
        )
    ]
    decisions = rules.decide_enforcement(
        defective_evaluation(), long_ago, seller_status="suspended", now=NOW, policy=POLICY
    )
    assert [d.step for d in decisions] == [rules.DEACTIVATION]
    assert (
        rules.decide_enforcement(
            defective_evaluation(), long_ago, seller_status="deactivated", now=NOW, policy=POLICY
        )
        == []
    )


def test_violation_points_expire_and_lifted_actions_do_not_count() -> None:
    actions = [
        (100, NOW - timedelta(days=10), False),
        (50, NOW - timedelta(days=10), True),
        (70, NOW - timedelta(days=180), False),
    ]
    assert rules.violation_points(actions, now=NOW, days=180) == 100


def test_plan_of_action_needs_all_three_answers() -> None:
    plan = rules.check_plan_of_action(
        "  Our courier missed pickups.  ", "We changed courier last week.", "Daily pickup checks."
    )
    assert plan.root_cause == "Our courier missed pickups."
    with pytest.raises(InvalidInput) as error:
        rules.check_plan_of_action("", "We changed courier last week.", "Daily pickup checks.")
    assert error.value.field == "root_cause"
    with pytest.raises(InvalidInput) as error:
        rules.check_plan_of_action("Our courier missed pickups.", "fixed", "Daily pickup checks.")
    assert error.value.field == "actions_taken"
    with pytest.raises(InvalidInput):
        rules.check_step("shaming")
