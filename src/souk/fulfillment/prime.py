"""Prime: buyers' memberships (monthly or yearly, a free trial, cancellation) and
the Prime badge for merchant-fulfilled sellers who deliver on time with tracking."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from souk.core.clock import Clock
from souk.core.errors import InvalidInput, InvalidState, NotFound, PaymentDeclined
from souk.core.events import emit
from souk.core.money import Money
from souk.core.policy import PrimePolicy, default_policy
from souk.finance.cards import card_of_user, keep_card
from souk.finance.models import CardOnFile
from souk.fulfillment import rules
from souk.fulfillment.models import PrimeCharge, PrimeMembership, Shipment
from souk.marketplaces.rules import MARKETPLACES
from souk.orders.models import Order
from souk.orders.payments import Card, PaymentProvider


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


#: Memberships that stop at ``renews_at``: canceled by the member, or ended
#: because the fee could not be charged.
ENDING = ("canceled", "unpaid")


def active_membership(
    session: Session, user_id: int, marketplace: str, now: datetime
) -> PrimeMembership | None:
    """The membership giving benefits now: a trial or paid period not yet over
    (a canceled membership runs to the end of what was paid)."""
    found = membership(session, user_id, marketplace)
    if found is None:
        return None
    ends = _aware(found.renews_at)
    if ends is not None and ends <= now and found.status in ENDING:
        return None
    return found


def join(
    session: Session,
    clock: Clock,
    payments: PaymentProvider,
    *,
    user_id: int,
    marketplace: str,
    plan: str,
    card: Card | None = None,
) -> PrimeMembership:
    """Start (or restart) a membership; first-time members get the free trial.

    The fee is charged to the card on file (``card`` replaces it) when the trial
    ends; a returning member pays the first period now. A refused card raises
    and changes nothing."""
    if marketplace not in MARKETPLACES:
        raise InvalidInput(f"Unknown marketplace {marketplace!r}.", field="marketplace")
    now = clock.now()
    policy = prime_policy(marketplace)
    found = membership(session, user_id, marketplace)
    if (
        found is not None
        and active_membership(session, user_id, marketplace, now)
        and found.status not in ENDING
    ):
        raise InvalidState("You are a Prime member already.")
    term = rules.start_prime(now, plan, policy.trial_days, had_trial=found is not None)
    if card is not None:
        keep_card(session, clock, payments, card, user_id=user_id)
    on_file = card_of_user(session, user_id)
    if on_file is None:
        raise InvalidInput("Add a card for the Prime fee.", field="card_number")
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
    found.failure = ""
    session.flush()
    if term.status == "active":  # no trial: the first period is paid now
        charge = _charge(session, payments, found, on_file, now, now, term.renews_at)
        if charge.status != "paid":
            session.rollback()
            raise PaymentDeclined(charge.failure, field="card_number")
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
    if found is None or found.status in ENDING:
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


def _charge(
    session: Session,
    payments: PaymentProvider,
    found: PrimeMembership,
    card: CardOnFile | None,
    now: datetime,
    start: datetime,
    end: datetime,
) -> PrimeCharge:
    """Charge one period's fee to the card on file and record it (platform
    revenue, not a seller's ledger line). A period already paid is not charged
    again: the provider key and the row are per membership and period."""
    charge = session.scalar(
        select(PrimeCharge).where(
            PrimeCharge.membership_id == found.id, PrimeCharge.period_start == start
        )
    )
    if charge is not None and charge.status == "paid":
        return charge
    if charge is None:  # a declined attempt stays as the period's row; a retry reuses it
        charge = PrimeCharge(
            membership_id=found.id,
            user_id=found.user_id,
            marketplace=found.marketplace,
            currency=found.currency,
            amount_minor=found.fee_minor,
            period_start=start,
            period_end=end,
        )
        session.add(charge)
    charge.card_last4 = card.last4 if card is not None else ""
    charge.charged_at = now
    charge.provider_reference, charge.failure = "", ""
    try:
        if card is None:
            raise PaymentDeclined("There is no card on file.")
        key = f"prime-{found.id}-{start.astimezone(UTC).strftime('%Y%m%dT%H%M%S')}"
        amount = Money(found.currency, found.fee_minor)
        charge.provider_reference = payments.charge_saved(card.token, amount, key)
        charge.status = "paid"
    except PaymentDeclined as declined:
        charge.status = "declined"
        charge.failure = declined.message[:300]
    session.flush()
    return charge


def renew_due(session: Session, clock: Clock, payments: PaymentProvider) -> int:
    """Charge the next period's fee of memberships whose trial or period ended and
    roll them into it; a declined fee ends the membership (status ``unpaid``, the
    reason shown on /prime). Returns how many memberships were renewed."""
    now = clock.now()
    renewed = 0
    due = session.scalars(
        select(PrimeMembership).where(
            PrimeMembership.status.in_(("trial", "active")), PrimeMembership.renews_at <= now
        )
    ).all()
    for found in due:
        start = _aware(found.renews_at) or now
        end = rules.next_renewal(start, found.plan)
        card = card_of_user(session, found.user_id)
        charge = _charge(session, payments, found, card, now, start, end)
        if charge.status == "paid":
            found.status = "active"
            found.trial_ends_at = None
            found.renews_at = end
            found.failure = ""
            renewed += 1
        else:
            found.status = "unpaid"  # ends at renews_at, which has passed
            found.failure = (
                f"Your Prime membership ended on {start.date().isoformat()}: the fee of "
                f"{Money(found.currency, found.fee_minor)} could not be charged "
                f"({charge.failure.rstrip('.')})."
            )[:300]
        emit(
            session,
            "prime.renewed" if charge.status == "paid" else "prime.unpaid",
            str(found.user_id),
            {
                "user_id": found.user_id,
                "marketplace": found.marketplace,
                "amount_minor": found.fee_minor,
                "currency": found.currency,
                "status": charge.status,
            },
            now,
        )
        session.commit()  # one member at a time: a failure elsewhere keeps this one
    return renewed


def fee_history(session: Session, user_id: int, marketplace: str) -> list[PrimeCharge]:
    return list(
        session.scalars(
            select(PrimeCharge)
            .where(PrimeCharge.user_id == user_id, PrimeCharge.marketplace == marketplace)
            .order_by(PrimeCharge.period_start.desc())
        )
    )


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
