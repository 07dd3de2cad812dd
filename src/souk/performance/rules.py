"""Seller performance: metrics, account health and the enforcement ladder.

Pure functions over plain values; the time ("now") is always passed in.

Windows
-------
A metric's window of N days is ``[now - N days, now]``: both edges are in.
An order bought exactly 60 days ago is inside the 60-day order defect window;
one bought a second earlier is not; one bought this instant is.

Metrics
-------
Each metric has a numerator, a denominator, a window and a target, and keeps
the ids of the orders in its numerator so the seller can open them:

- order defect rate (60 days): orders bought in the window with negative
  feedback, an A-to-z claim or a chargeback, over orders bought in the window.
- pre-fulfilment cancellation rate (7 days): orders the seller canceled
  before shipping, over orders bought in the window.
- late shipment rate (10 and 30 days): merchant-fulfilled orders decided in
  the window (shipped, or their latest ship date passed, whichever came first)
  that shipped after their latest ship date or have not shipped although it
  has passed, over all orders decided in the window.
- valid tracking rate (30 days): merchant shipments of the window whose
  carrier reported the parcel (delivered), or that are still inside their
  delivery window plus a grace period, over all merchant shipments.
- on-time delivery rate (14 days): merchant orders delivered in the window by
  their latest delivery date, over merchant orders delivered in the window.
- buyer messages answered within 24 hours (7 and 30 days).
- for the seller's own use: return rate, refund rate, repeat-purchase rate.

Account health
--------------
Each targeted metric with enough data scores 0-1000: a failure rate ``r``
against its limit ``L`` scores ``200 + 800 * (L - r) / L`` while ``r < L``
(1000 at zero), and falls from 199 to 0 as ``r`` climbs from ``L`` to
``critical_multiple * L``. ``r`` is first pulled towards ``L / 2`` by
``prior_orders`` imaginary orders, so small samples are judged gently, but a
metric that is off target as measured never scores above 199. Success rates
are scored on their failure share (``1 - rate`` against ``1 - floor``). The
rating is the lowest score minus the points of policy violations in the last
180 days, kept in 0-1000; bands are healthy from 200, at risk 100-199,
critical below 100. So a single metric off
target puts the account at risk, and one far off target makes it critical.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from souk.core.errors import InvalidInput
from souk.core.policy import PerformancePolicy

HEALTHY = "healthy"
AT_RISK = "at_risk"
CRITICAL = "critical"
BAND_LABELS = {HEALTHY: "Healthy", AT_RISK: "At risk", CRITICAL: "Critical"}

WARNING = "warning"
LISTING_REMOVAL = "listing_removal"
SELLING_RESTRICTION = "selling_restriction"
DEACTIVATION = "deactivation"
STEPS = (WARNING, LISTING_REMOVAL, SELLING_RESTRICTION, DEACTIVATION)
STEP_LABELS = {
    WARNING: "Warning",
    LISTING_REMOVAL: "Listing removal",
    SELLING_RESTRICTION: "Selling restriction",
    DEACTIVATION: "Deactivation",
}
#: The seller status each step leaves behind (None: the status does not change).
STEP_STATUS: dict[str, str | None] = {
    WARNING: None,
    LISTING_REMOVAL: None,
    SELLING_RESTRICTION: "suspended",
    DEACTIVATION: "deactivated",
}

PENDING = "pending"
APPROVED = "approved"
DECLINED = "declined"
PLAN_FIELD_MIN = 20
PLAN_FIELD_MAX = 4000

ON_TARGET = "on_target"
OFF_TARGET = "off_target"
NO_DATA = "no_data"
INFORMATION = "information"

MERCHANT = "MERCHANT"
SHIPPED_STATUSES = ("Shipped", "PartiallyShipped")
CANCELED = "Canceled"


@dataclass(frozen=True)
class SellerStanding:
    """A seller's latest metrics in one marketplace, as other capabilities read them."""

    order_defect_rate: float | None
    cancellation_rate: float | None
    late_shipment_rate: float | None
    valid_tracking_rate: float | None
    on_time_delivery_rate: float | None
    response_rate_24h: float | None
    feedback_rating: float | None  # 12-month average stars 1-5
    feedback_count: int
    account_health: int  # 0-1000
    health_band: str  # "healthy" | "at_risk" | "critical"
    is_new_seller: bool


#: A seller without history: no rates, full health, treated as new.
NEUTRAL_STANDING = SellerStanding(
    order_defect_rate=None,
    cancellation_rate=None,
    late_shipment_rate=None,
    valid_tracking_rate=None,
    on_time_delivery_rate=None,
    response_rate_24h=None,
    feedback_rating=None,
    feedback_count=0,
    account_health=1000,
    health_band=HEALTHY,
    is_new_seller=True,
)


@dataclass(frozen=True)
class OrderFacts:
    """What the metrics need to know about one of the seller's orders."""

    order_id: str
    buyer_id: int
    purchased_at: datetime
    status: str
    fulfillment_channel: str
    latest_ship_at: datetime
    latest_delivery_at: datetime
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    canceled_at: datetime | None = None
    canceled_by: str = ""


@dataclass(frozen=True)
class Defect:
    """A negative feedback, A-to-z claim or chargeback against an order."""

    order_id: str
    kind: str
    at: datetime


@dataclass(frozen=True)
class MetricValue:
    """One metric: counts, window, target and the orders in its numerator."""

    name: str
    label: str
    numerator: int
    denominator: int
    window_days: int
    #: For failure rates the limit (on target below it), for success rates the
    #: floor (on target above it); None for metrics the seller reads for itself.
    target: float | None
    higher_is_better: bool = False
    order_ids: tuple[str, ...] = ()

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def status(self, min_denominator: int = 1) -> str:
        """on_target, off_target, no_data (too few to judge) or information."""
        if self.target is None:
            return INFORMATION
        rate = self.rate
        if rate is None or self.denominator < min_denominator:
            return NO_DATA
        if self.higher_is_better:
            return ON_TARGET if rate > self.target else OFF_TARGET
        return ON_TARGET if rate < self.target else OFF_TARGET


def in_window(at: datetime | None, now: datetime, days: int) -> bool:
    """Whether ``at`` falls in the ``days``-day window ending now: ``[now - days, now]``."""
    return at is not None and now - timedelta(days=days) <= at <= now


def is_new_seller(created_at: datetime, now: datetime, new_seller_days: int) -> bool:
    """Sellers in their first ``new_seller_days`` days are held to tighter limits."""
    return now - created_at < timedelta(days=new_seller_days)


def failure_limit(limit: float, new_seller: bool, policy: PerformancePolicy) -> float:
    """The allowed failure rate, tightened for new sellers."""
    return limit * policy.new_seller_factor if new_seller else limit


def success_floor(floor: float, new_seller: bool, policy: PerformancePolicy) -> float:
    """The required success rate: new sellers may fail less often."""
    return 1 - failure_limit(1 - floor, new_seller, policy)


def order_defect_rate(
    orders: Iterable[OrderFacts],
    defects: Iterable[Defect],
    *,
    now: datetime,
    days: int,
    limit: float,
) -> MetricValue:
    """Orders bought in the window with at least one defect, over orders bought in it."""
    bought = {o.order_id for o in orders if in_window(o.purchased_at, now, days)}
    defective = sorted({d.order_id for d in defects if d.order_id in bought and d.at <= now})
    return MetricValue(
        "order_defect_rate",
        "Order defect rate",
        len(defective),
        len(bought),
        days,
        limit,
        order_ids=tuple(defective),
    )


def cancellation_rate(
    orders: Iterable[OrderFacts], *, now: datetime, days: int, limit: float
) -> MetricValue:
    """Orders the seller canceled before shipping, over orders bought in the window."""
    bought = [o for o in orders if in_window(o.purchased_at, now, days)]
    canceled = sorted(
        o.order_id
        for o in bought
        if o.status == CANCELED
        and o.canceled_by == "seller"
        and o.shipped_at is None
        and o.canceled_at is not None
        and o.canceled_at <= now
    )
    return MetricValue(
        "cancellation_rate",
        "Pre-fulfilment cancellation rate",
        len(canceled),
        len(bought),
        days,
        limit,
        order_ids=tuple(canceled),
    )


def late_shipment_rate(
    orders: Iterable[OrderFacts], *, now: datetime, days: int, limit: float
) -> MetricValue:
    """Merchant orders decided in the window that shipped late or are overdue, over
    all orders decided in it. Platform-fulfilled orders are the platform's."""
    counted: list[str] = []
    late: list[str] = []
    for o in orders:
        if o.fulfillment_channel != MERCHANT:
            continue
        shipped = o.shipped_at is not None and o.shipped_at <= now
        # An order is decided when it ships or when its ship-by date passes, whichever is first.
        decided = (
            min(o.latest_ship_at, o.shipped_at)
            if shipped and o.shipped_at is not None
            else o.latest_ship_at
        )
        if not in_window(decided, now, days):
            continue
        if shipped:
            counted.append(o.order_id)
            if o.shipped_at is not None and o.shipped_at > o.latest_ship_at:
                late.append(o.order_id)
        elif o.status != CANCELED:
            # Due and still not shipped: late already.
            counted.append(o.order_id)
            late.append(o.order_id)
    return MetricValue(
        f"late_shipment_rate_{days}d",
        f"Late shipment rate ({days} days)",
        len(late),
        len(counted),
        days,
        limit,
        order_ids=tuple(sorted(late)),
    )


def valid_tracking_rate(
    orders: Iterable[OrderFacts], *, now: datetime, days: int, floor: float, grace_days: int
) -> MetricValue:
    """Merchant shipments of the window whose tracking the carrier reported (or that
    are still within their delivery window plus grace), over all such shipments."""
    shipped = [
        o
        for o in orders
        if o.fulfillment_channel == MERCHANT and in_window(o.shipped_at, now, days)
    ]
    invalid = sorted(
        o.order_id
        for o in shipped
        if (o.delivered_at is None or o.delivered_at > now)
        and now > o.latest_delivery_at + timedelta(days=grace_days)
    )
    return MetricValue(
        "valid_tracking_rate",
        "Valid tracking rate",
        len(shipped) - len(invalid),
        len(shipped),
        days,
        floor,
        higher_is_better=True,
        order_ids=tuple(invalid),
    )


def on_time_delivery_rate(
    orders: Iterable[OrderFacts], *, now: datetime, days: int, floor: float
) -> MetricValue:
    """Merchant orders delivered in the window by their latest delivery date, over
    merchant orders delivered in the window. The listed orders are the late ones."""
    delivered = [
        o
        for o in orders
        if o.fulfillment_channel == MERCHANT and in_window(o.delivered_at, now, days)
    ]
    late = sorted(
        o.order_id
        for o in delivered
        if o.delivered_at is not None and o.delivered_at > o.latest_delivery_at
    )
    return MetricValue(
        "on_time_delivery_rate",
        "On-time delivery rate",
        len(delivered) - len(late),
        len(delivered),
        days,
        floor,
        higher_is_better=True,
        order_ids=tuple(late),
    )


def response_rate(answered_in_time: int, counted: int, *, days: int, floor: float) -> MetricValue:
    """Buyer messages answered within the reply window, over messages that needed one."""
    if not 0 <= answered_in_time <= counted:
        raise ValueError("answered messages must be between 0 and the messages counted")
    return MetricValue(
        f"response_rate_24h_{days}d",
        f"Buyer messages answered within 24 hours ({days} days)",
        answered_in_time,
        counted,
        days,
        floor,
        higher_is_better=True,
    )


def repeat_purchase_rate(orders: Iterable[OrderFacts], *, now: datetime, days: int) -> MetricValue:
    """Buyers with two or more orders in the window, over buyers with any order in it."""
    counts: dict[int, int] = {}
    for o in orders:
        if in_window(o.purchased_at, now, days) and o.status != CANCELED:
            counts[o.buyer_id] = counts.get(o.buyer_id, 0) + 1
    repeat = sum(1 for n in counts.values() if n >= 2)
    return MetricValue(
        "repeat_purchase_rate", "Repeat-purchase rate", repeat, len(counts), days, None
    )


def orders_bought(orders: Iterable[OrderFacts], *, now: datetime, days: int) -> int:
    """Orders bought in the window (the denominator of return and refund rates)."""
    return sum(1 for o in orders if in_window(o.purchased_at, now, days))


def share_metric(name: str, label: str, numerator: int, denominator: int, days: int) -> MetricValue:
    """A metric for the seller's own reading, without a target (return and refund rates)."""
    return MetricValue(name, label, min(numerator, denominator), denominator, days, None)


def metric_score(metric: MetricValue, policy: PerformancePolicy) -> int | None:
    """The metric's 0-1000 score towards account health, or None when it cannot judge.

    The score reads the failure rate pulled towards half the limit by
    ``prior_orders`` imaginary orders, so one unlucky order of a seller with
    few orders does not read like a systematic failure; a metric that is off
    target as measured still scores at most 199 (at risk).
    """
    if metric.target is None or metric.status(policy.min_denominator) == NO_DATA:
        return None
    rate = metric.rate
    assert rate is not None
    raw_failure = 1 - rate if metric.higher_is_better else rate
    limit = 1 - metric.target if metric.higher_is_better else metric.target
    healthy = policy.healthy_from
    if limit <= 0:
        return 1000 if raw_failure <= 0 else 0
    prior = policy.prior_orders
    failure = (raw_failure * metric.denominator + limit / 2 * prior) / (metric.denominator + prior)
    off = metric.status(policy.min_denominator) == OFF_TARGET
    # Exactly at the limit is already off target: the highest at-risk score.
    below = healthy - 1
    if failure < limit:
        score = healthy + _floor((1000 - healthy) * (limit - failure) / limit)
        return min(below, score) if off else score
    span = limit * (policy.critical_multiple - 1)
    if span <= 0:
        return 0
    score = below - _floor(below * (failure - limit) / span)
    return max(0, min(below, score))


def _floor(value: float) -> int:
    # Rates like 1 - 0.9 are not exact in binary; a hair below a whole number is it.
    return math.floor(value + 1e-9)


def health_band(rating: int, policy: PerformancePolicy) -> str:
    """healthy (from 200), at_risk (100-199) or critical (below 100)."""
    if rating >= policy.healthy_from:
        return HEALTHY
    if rating >= policy.at_risk_from:
        return AT_RISK
    return CRITICAL


def account_health(
    metrics: Sequence[MetricValue], violation_points: int, policy: PerformancePolicy
) -> int:
    """The 0-1000 rating: the weakest metric's score less policy-violation points."""
    if violation_points < 0:
        raise ValueError("violation points cannot be negative")
    scores = [s for s in (metric_score(m, policy) for m in metrics) if s is not None]
    base = min(scores) if scores else 1000
    return max(0, min(1000, base - violation_points))


@dataclass(frozen=True)
class Evaluation:
    """Everything one recompute found for a seller in a marketplace."""

    metrics: tuple[MetricValue, ...]
    account_health: int
    health_band: str
    is_new_seller: bool
    violation_points: int
    feedback_rating: float | None = None
    feedback_count: int = 0

    def metric(self, name: str) -> MetricValue | None:
        return next((m for m in self.metrics if m.name == name), None)

    def standing(self) -> SellerStanding:
        def rate(name: str) -> float | None:
            found = self.metric(name)
            return found.rate if found is not None else None

        return SellerStanding(
            order_defect_rate=rate("order_defect_rate"),
            cancellation_rate=rate("cancellation_rate"),
            late_shipment_rate=rate(_longest("late_shipment_rate", self.metrics)),
            valid_tracking_rate=rate("valid_tracking_rate"),
            on_time_delivery_rate=rate("on_time_delivery_rate"),
            response_rate_24h=rate(_longest("response_rate_24h", self.metrics)),
            feedback_rating=self.feedback_rating,
            feedback_count=self.feedback_count,
            account_health=self.account_health,
            health_band=self.health_band,
            is_new_seller=self.is_new_seller,
        )


def _longest(prefix: str, metrics: Sequence[MetricValue]) -> str:
    named = [m for m in metrics if m.name.startswith(prefix)]
    return max(named, key=lambda m: m.window_days).name if named else prefix


@dataclass(frozen=True)
class SellerHistory:
    """The facts one recompute starts from (read by the service)."""

    created_at: datetime
    orders: Sequence[OrderFacts]
    defects: Sequence[Defect] = ()
    #: (answered in time, counted) per window length in days.
    responses: dict[int, tuple[int, int]] = field(default_factory=dict)
    returns: int = 0
    refunds: int = 0
    violation_points: int = 0
    feedback_rating: float | None = None
    feedback_count: int = 0


def evaluate(history: SellerHistory, *, now: datetime, policy: PerformancePolicy) -> Evaluation:
    """Every metric, the account health rating and its band for one seller."""
    new = is_new_seller(history.created_at, now, policy.new_seller_days)
    orders = list(history.orders)
    metrics: list[MetricValue] = [
        order_defect_rate(
            orders,
            history.defects,
            now=now,
            days=policy.order_defect_days,
            limit=failure_limit(policy.order_defect_limit, new, policy),
        ),
        cancellation_rate(
            orders,
            now=now,
            days=policy.cancellation_days,
            limit=failure_limit(policy.cancellation_limit, new, policy),
        ),
    ]
    for days in sorted(policy.late_shipment_days):
        metrics.append(
            late_shipment_rate(
                orders,
                now=now,
                days=days,
                limit=failure_limit(policy.late_shipment_limit, new, policy),
            )
        )
    metrics.append(
        valid_tracking_rate(
            orders,
            now=now,
            days=policy.valid_tracking_days,
            floor=success_floor(policy.valid_tracking_floor, new, policy),
            grace_days=policy.tracking_grace_days,
        )
    )
    metrics.append(
        on_time_delivery_rate(
            orders,
            now=now,
            days=policy.on_time_delivery_days,
            floor=success_floor(policy.on_time_delivery_floor, new, policy),
        )
    )
    for days, (answered, counted) in sorted(history.responses.items()):
        metrics.append(
            response_rate(
                answered,
                counted,
                days=days,
                floor=success_floor(policy.response_floor, new, policy),
            )
        )
    bought = orders_bought(orders, now=now, days=policy.return_days)
    metrics.append(
        share_metric("return_rate", "Return rate", history.returns, bought, policy.return_days)
    )
    metrics.append(
        share_metric("refund_rate", "Refund rate", history.refunds, bought, policy.return_days)
    )
    metrics.append(repeat_purchase_rate(orders, now=now, days=policy.repeat_purchase_days))
    rating = account_health(metrics, history.violation_points, policy)
    return Evaluation(
        metrics=tuple(metrics),
        account_health=rating,
        health_band=health_band(rating, policy),
        is_new_seller=new,
        violation_points=history.violation_points,
        feedback_rating=history.feedback_rating,
        feedback_count=history.feedback_count,
    )


# --- the enforcement ladder -----------------------------------------------------------


@dataclass(frozen=True)
class PastAction:
    """An enforcement action already taken, as the ladder sees it."""

    step: str
    case_kind: str
    at: datetime
    reversed: bool = False


@dataclass(frozen=True)
class Decision:
    """A step the rules take, with its reason and evidence."""

    step: str
    case_kind: str
    reason: str
    evidence: dict[str, object]


def metric_case(name: str) -> str:
    """The case an off-target metric opens (one per metric)."""
    return f"metric:{name}"


def metric_evidence(metric: MetricValue, now: datetime, limit: int = 50) -> dict[str, object]:
    """What an action taken over a metric shows the seller and staff."""
    return {
        "metric": metric.name,
        "label": metric.label,
        "numerator": metric.numerator,
        "denominator": metric.denominator,
        "rate": metric.rate,
        "target": metric.target,
        "higher_is_better": metric.higher_is_better,
        "window_days": metric.window_days,
        "order_ids": list(metric.order_ids[:limit]),
        "measured_at": now.isoformat(),
    }


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f} %"


def decide_enforcement(
    evaluation: Evaluation,
    past: Sequence[PastAction],
    *,
    seller_status: str,
    now: datetime,
    policy: PerformancePolicy,
) -> list[Decision]:
    """The ladder: an off-target metric earns a warning; still off target once the
    warning is ``warning_grace_days`` old while account health is critical, a
    restricting metric suspends selling; a restriction that no appeal lifted for
    ``deactivate_after_days`` deactivates.

    A reversed action (an approved appeal) closes its case: the ladder starts
    again from a new warning. Sellers that are not active get no new warnings.
    """
    decisions: list[Decision] = []
    live = [a for a in past if not a.reversed]
    if seller_status == "suspended":
        restrictions = [a for a in live if a.step == SELLING_RESTRICTION]
        if restrictions:
            oldest_open = max(restrictions, key=lambda a: a.at)
            if now - oldest_open.at >= timedelta(days=policy.deactivate_after_days):
                decisions.append(
                    Decision(
                        DEACTIVATION,
                        oldest_open.case_kind,
                        f"Selling has been restricted since {oldest_open.at:%Y-%m-%d} "
                        "without an approved plan of action.",
                        {"restricted_at": oldest_open.at.isoformat()},
                    )
                )
        return decisions
    if seller_status != "active":
        return decisions
    reversed_cases = {a.case_kind: a.at for a in past if a.reversed}
    restricting = False
    for metric in evaluation.metrics:
        if metric.name not in policy.warned_metrics:
            continue
        if metric.status(policy.min_denominator) != OFF_TARGET:
            continue
        case = metric_case(metric.name)
        closed_at = reversed_cases.get(case)
        warnings = [
            a
            for a in live
            if a.case_kind == case
            and a.step == WARNING
            and now - a.at < timedelta(days=policy.warning_valid_days)
            and (closed_at is None or a.at > closed_at)
        ]
        direction = "above the limit of" if not metric.higher_is_better else "below the target of"
        summary = (
            f"{metric.label} is {_percent(metric.rate)} ({metric.numerator} of "
            f"{metric.denominator} orders, {metric.window_days} days), {direction} "
            f"{_percent(metric.target)}."
        )
        if not warnings:
            decisions.append(Decision(WARNING, case, summary, metric_evidence(metric, now)))
            continue
        first = min(warnings, key=lambda a: a.at)
        if (
            not restricting
            and evaluation.health_band == CRITICAL
            and metric.name in policy.restricting_metrics
            and now - first.at >= timedelta(days=policy.warning_grace_days)
        ):
            restricting = True
            evidence = metric_evidence(metric, now)
            evidence["warned_at"] = first.at.isoformat()
            decisions.append(
                Decision(
                    SELLING_RESTRICTION,
                    case,
                    f"{summary} It stayed off target {policy.warning_grace_days} days "
                    f"after the warning of {first.at:%Y-%m-%d}.",
                    evidence,
                )
            )
    return decisions


def violation_points(
    actions: Iterable[tuple[int, datetime, bool]], *, now: datetime, days: int
) -> int:
    """Points of actions (points, taken at, reversed) in the last ``days`` days."""
    return sum(
        points
        for points, at, was_reversed in actions
        if not was_reversed and now - at < timedelta(days=days)
    )


# --- appeals ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanOfAction:
    root_cause: str
    actions_taken: str
    prevention: str


def check_plan_of_action(root_cause: str, actions_taken: str, prevention: str) -> PlanOfAction:
    """A plan of action answers all three questions in the seller's own words."""
    cleaned: dict[str, str] = {}
    for name, text, what in (
        ("root_cause", root_cause, "what caused the problem"),
        ("actions_taken", actions_taken, "what you have done to fix it"),
        ("prevention", prevention, "how you will keep it from happening again"),
    ):
        value = text.strip()
        if not value:
            raise InvalidInput(f"Explain {what}.", field=name)
        if len(value) < PLAN_FIELD_MIN:
            raise InvalidInput(
                f"Explain {what} in at least {PLAN_FIELD_MIN} characters.", field=name
            )
        if len(value) > PLAN_FIELD_MAX:
            raise InvalidInput(f"Keep this under {PLAN_FIELD_MAX} characters.", field=name)
        cleaned[name] = value
    return PlanOfAction(cleaned["root_cause"], cleaned["actions_taken"], cleaned["prevention"])


def check_step(step: str) -> str:
    if step not in STEPS:
        raise InvalidInput(f"Step must be one of {', '.join(STEPS)}.", field="step")
    return step
