"""Seller performance use cases: recompute metrics and account health from order
history, keep daily snapshots, take enforcement actions and decide appeals.

Returns, claims and chargebacks (``souk.returns``), seller feedback
(``souk.feedback``) and buyer messages (``souk.messaging``) are read through
those capabilities' service functions. Every enforcement action and every
appeal decision writes its audit entry (``souk.ops``) in the same transaction.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from souk.accounts.models import User
from souk.core.clock import Clock, FrozenClock
from souk.core.errors import Conflict, InvalidInput, InvalidState, NotFound
from souk.core.events import emit
from souk.core.policy import PerformancePolicy, default_policy
from souk.marketplaces.rules import MARKETPLACES
from souk.offers.models import Offer
from souk.ops.rules import check_reason
from souk.ops.service import record
from souk.orders.models import Order
from souk.performance import rules
from souk.performance.models import (
    Appeal,
    EnforcementAction,
    MetricSnapshot,
    SellerStandingRow,
)
from souk.sellers.models import Seller
from souk.sellers.service import get_seller, set_status

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "system"
#: Automated enforcement is written to the audit log under this account, which
#: cannot sign in.
AUTOMATED_REVIEW_EMAIL = "performance-review@souk.example"
AUTOMATED_REVIEW_NAME = "Automated performance review"
STANDING_FIELDS = (
    "order_defect_rate",
    "cancellation_rate",
    "late_shipment_rate",
    "valid_tracking_rate",
    "on_time_delivery_rate",
    "response_rate_24h",
    "feedback_rating",
    "feedback_count",
    "account_health",
    "health_band",
    "is_new_seller",
)


def performance_policy(marketplace: str) -> PerformancePolicy:
    return default_policy().for_marketplace(marketplace).performance


# --- reading standings --------------------------------------------------------------


def _standing(row: SellerStandingRow) -> rules.SellerStanding:
    return rules.SellerStanding(**{name: getattr(row, name) for name in STANDING_FIELDS})


def latest_metrics(
    session: Session, marketplace: str, seller_ids: Collection[str]
) -> dict[str, rules.SellerStanding]:
    """The stored standing of each requested seller (NEUTRAL_STANDING when never computed)."""
    wanted = list(dict.fromkeys(seller_ids))
    found: dict[str, rules.SellerStanding] = {}
    if wanted:
        rows = session.scalars(
            select(SellerStandingRow).where(
                SellerStandingRow.marketplace == marketplace,
                SellerStandingRow.seller_id.in_(wanted),
            )
        )
        found = {row.seller_id: _standing(row) for row in rows}
    return {seller_id: found.get(seller_id, rules.NEUTRAL_STANDING) for seller_id in wanted}


def standing_row(session: Session, seller_id: str, marketplace: str) -> SellerStandingRow | None:
    return session.get(SellerStandingRow, (seller_id, marketplace))


def standing_marketplaces(session: Session, seller_id: str) -> list[str]:
    """Marketplaces where the seller has a computed standing, busiest first."""
    return list(
        session.scalars(
            select(SellerStandingRow.marketplace)
            .where(SellerStandingRow.seller_id == seller_id)
            .order_by(SellerStandingRow.marketplace)
        )
    )


def snapshots(
    session: Session, seller_id: str, marketplace: str, *, since: date
) -> list[MetricSnapshot]:
    """Daily snapshots for the trend chart, oldest first."""
    return list(
        session.scalars(
            select(MetricSnapshot)
            .where(
                MetricSnapshot.seller_id == seller_id,
                MetricSnapshot.marketplace == marketplace,
                MetricSnapshot.day >= since,
            )
            .order_by(MetricSnapshot.day)
        )
    )


def metric_orders(
    session: Session, seller_id: str, marketplace: str, metric: str
) -> tuple[dict[str, Any], list[Order]]:
    """A metric of the latest standing and the seller's orders behind it."""
    row = standing_row(session, seller_id, marketplace)
    if row is None or metric not in row.metrics:
        raise NotFound(f"No metric {metric!r} for {marketplace} yet.")
    figures = row.metrics[metric]
    ids = list(figures.get("order_ids", []))
    orders = (
        list(
            session.scalars(
                select(Order)
                .where(Order.id.in_(ids), Order.seller_id == seller_id)
                .order_by(Order.purchased_at.desc())
            )
        )
        if ids
        else []
    )
    return figures, orders


# --- recomputing ----------------------------------------------------------------------


def _optional(module: str) -> Any | None:
    """A capability that may not be installed in this build (its metrics stay empty)."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError:
        return None


def _defects(
    session: Session, seller_id: str, marketplace: str, since: datetime, until: datetime
) -> list[rules.Defect]:
    found: list[rules.Defect] = []
    returns = _optional("souk.returns.service")
    if returns is not None and hasattr(returns, "order_defects"):
        found += [
            rules.Defect(d.order_id, d.kind, d.at)
            for d in returns.order_defects(session, [seller_id], marketplace, since, until)
        ]
    feedback = _optional("souk.feedback.service")
    if feedback is not None and hasattr(feedback, "negative_feedback"):
        found += [
            rules.Defect(d.order_id, d.kind, d.at)
            for d in feedback.negative_feedback(session, [seller_id], marketplace, since, until)
        ]
    return found


def _returns_refunds(
    session: Session, seller_id: str, marketplace: str, since: datetime, until: datetime
) -> tuple[int, int]:
    returns = _optional("souk.returns.service")
    if returns is None or not hasattr(returns, "return_refund_counts"):
        return 0, 0
    counted: tuple[int, int] = returns.return_refund_counts(
        session, seller_id, marketplace, since, until
    )
    return counted


def _feedback(
    session: Session, seller_id: str, marketplace: str, now: datetime
) -> tuple[float | None, int]:
    feedback = _optional("souk.feedback.service")
    if feedback is None or not hasattr(feedback, "seller_ratings"):
        return None, 0
    rating = feedback.seller_ratings(session, [seller_id], marketplace, now).get(seller_id)
    if rating is None:
        return None, 0
    return rating.average_12m, rating.count_12m


def _responses(session: Session, seller_id: str, now: datetime) -> dict[int, tuple[int, int]]:
    from souk.messaging.service import response_time_for

    metric = response_time_for(session, FrozenClock(now), seller_id)
    shares = {7: (metric.answered_in_time_7d, metric.counted_7d)}
    shares[30] = (metric.answered_in_time_30d, metric.counted_30d)
    return {
        days: (round(share * counted) if share is not None else 0, counted)
        for days, (share, counted) in shares.items()
    }


def _order_facts(
    session: Session, seller_id: str, marketplace: str, since: datetime
) -> list[rules.OrderFacts]:
    rows = session.execute(
        select(
            Order.id,
            Order.buyer_id,
            Order.purchased_at,
            Order.status,
            Order.fulfillment_channel,
            Order.latest_ship_at,
            Order.latest_delivery_at,
            Order.shipped_at,
            Order.delivered_at,
            Order.canceled_at,
            Order.canceled_by,
        ).where(
            Order.seller_id == seller_id,
            Order.marketplace == marketplace,
            Order.purchased_at >= since,
        )
    ).all()
    return [rules.OrderFacts(*row) for row in rows]


def _past_actions(session: Session, seller_id: str) -> list[EnforcementAction]:
    return list(
        session.scalars(
            select(EnforcementAction)
            .where(EnforcementAction.seller_id == seller_id)
            .order_by(EnforcementAction.created_at, EnforcementAction.id)
        )
    )


def seller_history(
    session: Session, seller: Seller, marketplace: str, now: datetime
) -> rules.SellerHistory:
    """Everything the metrics of one seller in one marketplace are computed from."""
    policy = performance_policy(marketplace)
    longest = max(
        policy.order_defect_days,
        policy.cancellation_days,
        *policy.late_shipment_days,
        policy.valid_tracking_days,
        policy.on_time_delivery_days,
        policy.return_days,
        policy.repeat_purchase_days,
    )
    # Orders due to ship or delivered inside a window may have been bought before it.
    orders = _order_facts(session, seller.id, marketplace, now - timedelta(days=longest + 30))
    defect_since = now - timedelta(days=policy.order_defect_days)
    # Windows include their last instant; the other capabilities' ranges end before it.
    until = now + timedelta(microseconds=1)
    returns, refunds = _returns_refunds(
        session, seller.id, marketplace, now - timedelta(days=policy.return_days), until
    )
    rating, count = _feedback(session, seller.id, marketplace, now)
    points = rules.violation_points(
        (
            (a.points, a.created_at, a.reversed_at is not None)
            for a in _past_actions(session, seller.id)
        ),
        now=now,
        days=policy.violation_points_days,
    )
    return rules.SellerHistory(
        created_at=seller.created_at,
        orders=orders,
        defects=_defects(session, seller.id, marketplace, defect_since, until),
        responses=_responses(session, seller.id, now),
        returns=returns,
        refunds=refunds,
        violation_points=points,
        feedback_rating=rating,
        feedback_count=count,
    )


def _metrics_json(evaluation: rules.Evaluation, policy: PerformancePolicy) -> dict[str, Any]:
    return {
        m.name: {
            "label": m.label,
            "numerator": m.numerator,
            "denominator": m.denominator,
            "rate": m.rate,
            "window_days": m.window_days,
            "target": m.target,
            "higher_is_better": m.higher_is_better,
            "status": m.status(policy.min_denominator),
            "order_ids": list(m.order_ids[: policy.orders_listed]),
        }
        for m in evaluation.metrics
    }


def _longest_window_days(policy: PerformancePolicy) -> int:
    return max(
        policy.order_defect_days,
        policy.cancellation_days,
        *policy.late_shipment_days,
        policy.valid_tracking_days,
        policy.on_time_delivery_days,
        policy.return_days,
        policy.repeat_purchase_days,
    )


def seller_marketplaces(session: Session, seller_id: str, now: datetime) -> list[str]:
    """Where the seller trades: marketplaces of its offers, and of orders recent enough
    to count in any metric's window."""
    offers = session.scalars(
        select(Offer.marketplace).where(Offer.seller_id == seller_id).distinct()
    ).all()
    longest = max(_longest_window_days(performance_policy(m)) for m in MARKETPLACES)
    since = now - timedelta(days=longest)
    orders = session.scalars(
        select(Order.marketplace)
        .where(Order.seller_id == seller_id, Order.purchased_at >= since)
        .distinct()
    ).all()
    return sorted(set(offers) | set(orders))


def recompute_seller(
    session: Session, clock: Clock, seller_id: str, marketplace: str, *, enforce: bool = True
) -> rules.Evaluation:
    """Recompute one seller's metrics in one marketplace from its order history, store
    the standing and today's snapshot, and (with ``enforce``) apply the ladder.

    Emits ``seller.metrics_changed`` when any figure of the standing changed. The
    caller commits (enforcement actions commit their own step).
    """
    now = clock.now()
    seller = get_seller(session, seller_id)
    policy = performance_policy(marketplace)
    evaluation = rules.evaluate(
        seller_history(session, seller, marketplace, now), now=now, policy=policy
    )
    standing = evaluation.standing()
    row = standing_row(session, seller_id, marketplace)
    before = _standing(row) if row is not None else None
    if row is None:
        row = SellerStandingRow(seller_id=seller_id, marketplace=marketplace)
        session.add(row)
    for name in STANDING_FIELDS:
        setattr(row, name, getattr(standing, name))
    row.computed_at = now
    row.violation_points = evaluation.violation_points
    row.metrics = _metrics_json(evaluation, policy)
    day = now.date()
    snapshot = session.scalar(
        select(MetricSnapshot).where(
            MetricSnapshot.seller_id == seller_id,
            MetricSnapshot.marketplace == marketplace,
            MetricSnapshot.day == day,
        )
    )
    if snapshot is None:
        snapshot = MetricSnapshot(seller_id=seller_id, marketplace=marketplace, day=day)
        session.add(snapshot)
    snapshot.computed_at = now
    snapshot.account_health = evaluation.account_health
    snapshot.health_band = evaluation.health_band
    snapshot.figures = {
        m.name: {"numerator": m.numerator, "denominator": m.denominator, "rate": m.rate}
        for m in evaluation.metrics
    }
    if before != standing:
        emit(session, "seller.metrics_changed", seller_id, {"marketplace": marketplace}, now)
    session.flush()
    if enforce and not seller.is_platform_retail:
        _apply_ladder(session, clock, seller, marketplace, evaluation, policy)
    return evaluation


def _apply_ladder(
    session: Session,
    clock: Clock,
    seller: Seller,
    marketplace: str,
    evaluation: rules.Evaluation,
    policy: PerformancePolicy,
) -> None:
    past = [
        rules.PastAction(a.step, a.case_kind, a.created_at, a.reversed_at is not None)
        for a in _past_actions(session, seller.id)
        if a.marketplace in (marketplace, "")
    ]
    decisions = rules.decide_enforcement(
        evaluation, past, seller_status=seller.status, now=clock.now(), policy=policy
    )
    for decision in decisions:
        evidence = dict(decision.evidence)
        evidence["marketplace"] = marketplace
        take_enforcement_action(
            session,
            clock,
            seller_id=seller.id,
            step=decision.step,
            reason=decision.reason,
            evidence=evidence,
            actor=SYSTEM_ACTOR,
            case_kind=decision.case_kind,
        )


@dataclass(frozen=True)
class RecomputeResult:
    sellers: int
    standings: int
    actions: int

    def __str__(self) -> str:
        return (
            f"{self.standings} standings of {self.sellers} sellers recomputed, "
            f"{self.actions} enforcement actions"
        )


def recompute(
    sessions: sessionmaker[Session],
    clock: Clock,
    *,
    seller_id: str | None = None,
    enforce: bool = True,
) -> RecomputeResult:
    """Recompute every seller (or one) in every marketplace it trades in, one
    transaction per seller so one seller's failure does not hold back the rest."""
    with sessions() as session:
        if seller_id is not None:
            get_seller(session, seller_id)
            ids = [seller_id]
        else:
            ids = list(session.scalars(select(Seller.id).order_by(Seller.id)))
        actions_before = session.scalar(select(func.count()).select_from(EnforcementAction)) or 0
    standings = 0
    for one in ids:
        with sessions() as session:
            try:
                for marketplace in seller_marketplaces(session, one, clock.now()):
                    recompute_seller(session, clock, one, marketplace, enforce=enforce)
                    standings += 1
                session.commit()
            except Exception:
                session.rollback()
                if seller_id is not None:
                    raise
                log.exception("recomputing seller %s failed", one)
    with sessions() as session:
        actions_after = session.scalar(select(func.count()).select_from(EnforcementAction)) or 0
    return RecomputeResult(len(ids), standings, actions_after - actions_before)


# --- enforcement ------------------------------------------------------------------------


def _audit_user_id(session: Session, actor: str, now: datetime) -> int:
    """The audit log's user for an actor: a staff user's id, or the automated review."""
    if actor.isdigit():
        user = session.get(User, int(actor))
        if user is None or not user.is_staff:
            raise InvalidInput(f"No staff user {actor}.", field="actor")
        return user.id
    user_id = session.scalar(select(User.id).where(User.email == AUTOMATED_REVIEW_EMAIL))
    if user_id is None:
        user = User(
            email=AUTOMATED_REVIEW_EMAIL,
            name=AUTOMATED_REVIEW_NAME,
            password_hash="!",  # no password matches: nobody signs in as the rules
            is_staff=False,
            is_active=False,
            created_at=now,
        )
        session.add(user)
        session.flush()
        user_id = user.id
    return user_id


def _offer_changed(session: Session, offer: Offer, change: str, now: datetime) -> None:
    # The same event the offers capability emits, so search and the Buy Box follow.
    emit(
        session,
        "offer.changed",
        offer.asin,
        {
            "offer_id": offer.id,
            "asin": offer.asin,
            "seller_id": offer.seller_id,
            "marketplace": offer.marketplace,
            "sku": offer.sku,
            "change": change,
            "price_minor": offer.price_minor,
            "shipping_minor": offer.shipping_minor,
            "quantity": offer.quantity,
            "currency": offer.currency,
        },
        now,
    )


def take_enforcement_action(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    step: str,
    reason: str,
    evidence: dict[str, Any],
    actor: str,
    case_kind: str,
    points: int = 0,
    asins: Sequence[str] = (),
) -> EnforcementAction:
    """Take one step of the ladder against a seller, with its evidence, and commit.

    ``listing_removal`` takes the seller's offers of ``asins`` off sale;
    ``selling_restriction`` and ``deactivation`` change the seller's status (its
    offers vanish from product pages and search at once); ``points`` lower account
    health for the policy's violation window. The audit entry is written with it.
    """
    rules.check_step(step)
    reason = check_reason(reason)
    if not case_kind.strip():
        raise InvalidInput("Say what the case is about.", field="case_kind")
    if points < 0:
        raise InvalidInput("Points cannot be negative.", field="points")
    wanted_asins = [a.strip().upper() for a in asins if a.strip()]
    if step == rules.LISTING_REMOVAL and not wanted_asins:
        raise InvalidInput("Name the products whose listings are removed.", field="asins")
    seller = get_seller(session, seller_id)
    now = clock.now()
    staff_user_id = _audit_user_id(session, actor, now)
    action = EnforcementAction(
        seller_id=seller.id,
        marketplace=str(evidence.get("marketplace", ""))[:2],
        step=step,
        case_kind=case_kind.strip()[:60],
        reason=reason,
        evidence=evidence,
        actor=actor,
        points=points,
        asins=wanted_asins,
        offer_ids=[],
        previous_status=seller.status,
        created_at=now,
    )
    session.add(action)
    session.flush()
    if step == rules.LISTING_REMOVAL:
        offers = session.scalars(
            select(Offer)
            .where(Offer.seller_id == seller.id, Offer.asin.in_(wanted_asins), Offer.is_active)
            .order_by(Offer.id)
        ).all()
        for offer in offers:
            offer.is_active = False
            offer.updated_at = now
            _offer_changed(session, offer, "inactive", now)
        action.offer_ids = [o.id for o in offers]
    record(
        session,
        staff_user_id,
        f"performance.{step}",
        seller.id,
        reason,
        {
            "action_id": action.id,
            "case_kind": action.case_kind,
            "points": points,
            "asins": wanted_asins,
            "evidence": evidence,
        },
        at=now,
    )
    emit(
        session,
        "seller.enforcement",
        seller.id,
        {"seller_id": seller.id, "step": step, "action_id": action.id},
        now,
    )
    status = rules.STEP_STATUS[step]
    if status is not None and seller.status != status:
        # set_status emits seller.status_changed and commits the whole step.
        set_status(session, clock, seller.id, status, reason)
    else:
        session.commit()
    return action


def enforcement_actions(session: Session, seller_id: str) -> list[EnforcementAction]:
    """The seller's actions, newest first."""
    return list(
        session.scalars(
            select(EnforcementAction)
            .where(EnforcementAction.seller_id == seller_id)
            .order_by(EnforcementAction.created_at.desc(), EnforcementAction.id.desc())
        )
    )


def appeals_for(session: Session, action_ids: Collection[int]) -> dict[int, list[Appeal]]:
    """Appeals per action, oldest first."""
    found: dict[int, list[Appeal]] = {}
    if not action_ids:
        return found
    for appeal in session.scalars(
        select(Appeal).where(Appeal.action_id.in_(list(action_ids))).order_by(Appeal.id)
    ):
        found.setdefault(appeal.action_id, []).append(appeal)
    return found


def seller_action(session: Session, seller_id: str, action_id: int) -> EnforcementAction:
    """One of this seller's actions; another seller's is not found, as if it did not exist."""
    action = session.get(EnforcementAction, action_id)
    if action is None or action.seller_id != seller_id:
        raise NotFound(f"There is no enforcement action {action_id} on your account.")
    return action


# --- appeals --------------------------------------------------------------------------------


def submit_appeal(
    session: Session,
    clock: Clock,
    *,
    action_id: int,
    seller_id: str,
    root_cause: str,
    actions_taken: str,
    prevention: str,
) -> Appeal:
    """The seller appeals one of its actions with a plan of action; staff review it."""
    action = seller_action(session, seller_id, action_id)
    if action.reversed_at is not None:
        raise InvalidState("This action has already been lifted; there is nothing to appeal.")
    pending = session.scalar(
        select(Appeal.id).where(Appeal.action_id == action.id, Appeal.status == rules.PENDING)
    )
    if pending is not None:
        raise Conflict("An appeal of this action is already waiting for review.")
    plan = rules.check_plan_of_action(root_cause, actions_taken, prevention)
    appeal = Appeal(
        action_id=action.id,
        seller_id=seller_id,
        root_cause=plan.root_cause,
        actions_taken=plan.actions_taken,
        prevention=plan.prevention,
        status=rules.PENDING,
        submitted_at=clock.now(),
    )
    session.add(appeal)
    session.flush()
    emit(
        session,
        "seller.appeal_submitted",
        seller_id,
        {"seller_id": seller_id, "action_id": action.id, "appeal_id": appeal.id},
        clock.now(),
    )
    session.commit()
    return appeal


@dataclass(frozen=True)
class QueuedAppeal:
    appeal: Appeal
    action: EnforcementAction
    seller: Seller


def appeals_queue(
    session: Session, *, status: str = rules.PENDING, limit: int = 200
) -> list[QueuedAppeal]:
    """Appeals for staff, oldest first when pending, newest first otherwise."""
    order = Appeal.submitted_at if status == rules.PENDING else Appeal.submitted_at.desc()
    rows = session.execute(
        select(Appeal, EnforcementAction, Seller)
        .join(EnforcementAction, EnforcementAction.id == Appeal.action_id)
        .join(Seller, Seller.id == Appeal.seller_id)
        .where(Appeal.status == status)
        .order_by(order, Appeal.id)
        .limit(limit)
    ).all()
    return [QueuedAppeal(a, act, s) for a, act, s in rows]


def get_appeal(session: Session, appeal_id: int) -> QueuedAppeal:
    row = session.execute(
        select(Appeal, EnforcementAction, Seller)
        .join(EnforcementAction, EnforcementAction.id == Appeal.action_id)
        .join(Seller, Seller.id == Appeal.seller_id)
        .where(Appeal.id == appeal_id)
    ).first()
    if row is None:
        raise NotFound(f"No appeal {appeal_id}.")
    return QueuedAppeal(*row)


def decide_appeal(
    session: Session,
    clock: Clock,
    *,
    appeal_id: int,
    staff_user_id: int,
    approve: bool,
    note: str,
) -> Appeal:
    """Staff approve or decline a plan of action. Approval lifts the action: the
    seller's status and removed listings come back and its points stop counting."""
    found = get_appeal(session, appeal_id)
    appeal, action = found.appeal, found.action
    if appeal.status != rules.PENDING:
        raise InvalidState(f"This appeal was already {appeal.status}.")
    if not approve and not note.strip():
        raise InvalidInput("Give the reason the seller will read when you decline.", field="note")
    note = check_reason(note) if note.strip() else ""
    staff = session.get(User, staff_user_id)
    if staff is None or not staff.is_staff:
        raise InvalidInput("Only staff decide appeals.", field="staff_user_id")
    now = clock.now()
    appeal.status = rules.APPROVED if approve else rules.DECLINED
    appeal.decided_at = now
    appeal.decided_by = staff_user_id
    appeal.decision_note = note
    restore_status: str | None = None
    if approve:
        action.reversed_at = now
        offers = (
            session.scalars(
                select(Offer).where(
                    Offer.id.in_(list(action.offer_ids)), Offer.seller_id == action.seller_id
                )
            ).all()
            if action.offer_ids
            else []
        )
        for offer in offers:
            if not offer.is_active:
                offer.is_active = True
                offer.updated_at = now
                _offer_changed(session, offer, "active", now)
        taken = rules.STEP_STATUS[action.step]
        seller = found.seller
        if taken is not None and seller.status == taken:
            others = session.scalar(
                select(func.count())
                .select_from(EnforcementAction)
                .where(
                    EnforcementAction.seller_id == seller.id,
                    EnforcementAction.id != action.id,
                    EnforcementAction.step.in_((rules.SELLING_RESTRICTION, rules.DEACTIVATION)),
                    EnforcementAction.reversed_at.is_(None),
                )
            )
            if not others:
                restore_status = "active"
    record(
        session,
        staff_user_id,
        "performance.appeal_approved" if approve else "performance.appeal_declined",
        action.seller_id,
        note or "Plan of action accepted.",
        {
            "appeal_id": appeal.id,
            "action_id": action.id,
            "step": action.step,
            "reinstated": restore_status is not None,
        },
        at=now,
    )
    emit(
        session,
        "seller.appeal_decided",
        action.seller_id,
        {
            "seller_id": action.seller_id,
            "appeal_id": appeal.id,
            "action_id": action.id,
            "approved": approve,
        },
        now,
    )
    if approve:
        # Points of the lifted action stop counting at once.
        for marketplace in standing_marketplaces(session, action.seller_id):
            recompute_seller(session, clock, action.seller_id, marketplace, enforce=False)
    if restore_status is not None:
        set_status(session, clock, action.seller_id, restore_status, "")
    else:
        session.commit()
    return appeal
