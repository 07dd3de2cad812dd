"""Prime: buyers' memberships (monthly or yearly, a free trial, cancellation) and
the Prime badge for merchant-fulfilled sellers who deliver on time with tracking."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from souk.core.clock import Clock
from souk.core.errors import InvalidInput, InvalidState, NotFound
from souk.core.events import emit
from souk.core.policy import PrimePolicy, default_policy
from souk.fulfillment import rules
from souk.fulfillment.models import PrimeMembership, Shipment
from souk.marketplaces.rules import MARKETPLACES
from souk.orders.models import Order


def prime_policy(marketplace: str) -> PrimePolicy:
    return default_policy().for_marketplace(marketplace).fulfilment.prime


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def membership(session: Session, user_id: int, marketplace: str) -> PrimeMembership | None:
    return session.scalar(
        select(PrimeMembership).where(
            PrimeMembership.user_id == user_id, PrimeMembership.marketplace == marketplace
        )
    )


def active_membership(
    session: Session, user_id: int, marketplace: str, now: datetime
) -> PrimeMembership | None:
    """The membership giving benefits now: a trial or paid period not yet over
    (a canceled membership runs to the end of what was paid)."""
    found = membership(session, user_id, marketplace)
    if found is None:
        return None
    ends = _aware(found.renews_at)
    if ends is not None and ends <= now and found.status == "canceled":
        return None
    return found


def join(
    session: Session, clock: Clock, *, user_id: int, marketplace: str, plan: str
) -> PrimeMembership:
    """Start (or restart) a membership; first-time members get the free trial."""
    if marketplace not in MARKETPLACES:
        raise InvalidInput(f"Unknown marketplace {marketplace!r}.", field="marketplace")
    now = clock.now()
    policy = prime_policy(marketplace)
    found = membership(session, user_id, marketplace)
    if (
        found is not None
        and active_membership(session, user_id, marketplace, now)
        and found.status != "canceled"
    ):
        raise InvalidState("You are a Prime member already.")
    term = rules.start_prime(now, plan, policy.trial_days, had_trial=found is not None)
    fee = policy.monthly_fee_minor if plan == "monthly" else policy.yearly_fee_minor
    if found is None:
        found = PrimeMembership(user_id=user_id, marketplace=marketplace)
        session.add(found)
    found.plan = plan
    found.status = term.status
    found.fee_minor = fee
    found.currency = MARKETPLACES[marketplace].currency
    found.had_trial = True
    found.started_at = now
    found.trial_ends_at = term.trial_ends_at
    found.renews_at = term.renews_at
    found.canceled_at = None
    session.flush()
    emit(
        session,
        "prime.joined",
        str(user_id),
        {"user_id": user_id, "marketplace": marketplace, "plan": plan, "status": term.status},
        now,
    )
    session.commit()
    return found


def cancel(session: Session, clock: Clock, *, user_id: int, marketplace: str) -> PrimeMembership:
    """Cancel: benefits last until the trial or paid period ends; nothing renews."""
    found = membership(session, user_id, marketplace)
    if found is None or found.status == "canceled":
        raise NotFound("You have no Prime membership to cancel.")
    now = clock.now()
    found.status = "canceled"
    found.canceled_at = now
    if found.trial_ends_at is not None and (_aware(found.trial_ends_at) or now) > now:
        found.renews_at = found.trial_ends_at  # a canceled trial ends with the trial
    emit(
        session,
        "prime.canceled",
        str(user_id),
        {"user_id": user_id, "marketplace": marketplace},
        now,
    )
    session.commit()
    return found


def renew_due(session: Session, clock: Clock) -> int:
    """Roll memberships whose period ended into the next one (trials become paid)."""
    now = clock.now()
    renewed = 0
    for found in session.scalars(
        select(PrimeMembership).where(
            PrimeMembership.status.in_(("trial", "active")), PrimeMembership.renews_at <= now
        )
    ):
        start = _aware(found.renews_at) or now
        found.status = "active"
        found.trial_ends_at = None
        found.renews_at = rules.next_renewal(start, found.plan)
        renewed += 1
    session.commit()
    return renewed


def merchant_prime_sellers(
    session: Session, seller_ids: Collection[str], marketplace: str, now: datetime
) -> set[str]:
    """Merchant-fulfilled sellers who earn the Prime badge: enough delivered orders in
    the window, on time and shipped with a tracking number."""
    if not seller_ids:
        return set()
    policy = default_policy().for_marketplace(marketplace).fulfilment
    since = now - timedelta(days=policy.merchant_prime_window_days)
    tracked = select(Shipment.order_id).where(Shipment.tracking_number != "").distinct().subquery()
    rows = session.execute(
        select(
            Order.seller_id,
            func.count(Order.id),
            func.sum(case((Order.delivered_at <= Order.latest_delivery_at, 1), else_=0)),
            func.count(tracked.c.order_id),
        )
        .outerjoin(tracked, tracked.c.order_id == Order.id)
        .where(
            Order.seller_id.in_(list(seller_ids)),
            Order.marketplace == marketplace,
            Order.fulfillment_channel == "MERCHANT",
            Order.delivered_at.is_not(None),
            Order.purchased_at >= since,
        )
        .group_by(Order.seller_id)
    ).all()
    return {
        seller_id
        for seller_id, orders, on_time, with_tracking in rows
        if rules.merchant_prime_eligible(
            int(orders),
            int(on_time or 0),
            int(with_tracking or 0),
            policy.merchant_prime_min_orders,
            policy.merchant_prime_on_time_rate,
            policy.merchant_prime_tracking_rate,
        )
    }
