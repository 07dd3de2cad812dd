"""Finance use cases: fee estimates, the seller ledger, statements and payouts.

The ledger is written only by event handlers and jobs here: orders placed,
shipped and canceled, refunds, network fees and reimbursements, ad spend and
subscription fees. Each posting is one balanced transaction with a unique
``source_key``, so an event delivered twice posts once. Balances are always
sums of entries, never a stored number.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from souk.catalog.models import Product
from souk.core.clock import Clock
from souk.core.errors import InvalidInput, InvalidState, NotFound, PaymentDeclined, SoukError
from souk.core.events import DomainEvent, on
from souk.core.money import Money
from souk.core.policy import FeesPolicy, default_policy
from souk.finance import rules
from souk.finance.cards import card_of_seller
from souk.finance.models import (
    FxRate,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    PayoutAccount,
    Statement,
)
from souk.finance.rules import Dimensions, FeeEstimate, FeeLine, Posting
from souk.jobs.registry import job
from souk.marketplaces.rules import MARKETPLACES
from souk.orders.models import Order
from souk.orders.payments import PaymentProvider, TestPaymentProvider
from souk.returns.models import Chargeback, Claim
from souk.returns.rules import CHARGEBACK_WON
from souk.sellers.models import Seller

__all__ = ["FeeEstimate", "FeeLine", "estimate_fees"]

#: Used for platform fees when no one has measured a product yet: a typical
#: large-standard unit (9 x 6 x 3 in, 1 lb).
DEFAULT_UNIT = Dimensions(Decimal(9), Decimal(6), Decimal(3), Decimal(1), rules.IMPERIAL)

COUNTRY_CURRENCY = {
    "US": "USD",
    "GB": "GBP",
    "DE": "EUR",
    "FR": "EUR",
    "IT": "EUR",
    "ES": "EUR",
    "NL": "EUR",
    "JP": "JPY",
    "CA": "CAD",
    "MX": "MXN",
    "IN": "INR",
    "AU": "AUD",
}


def fees_policy(marketplace: str) -> FeesPolicy:
    if marketplace not in MARKETPLACES:
        raise InvalidInput(f"Unknown marketplace {marketplace!r}.", field="marketplace")
    return default_policy().for_marketplace(marketplace).fees


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# --------------------------------------------------------------------- fees


def _category_slug(session: Session, asin: str) -> str:
    product = session.get(Product, asin)
    if product is None:
        raise NotFound(f"No product {asin}.", field="asin")
    return product.category.path.split("/", 1)[0]


def _measure(session: Session, asin: str) -> tuple[Dimensions, bool]:
    """The product's measured unit, or the default unit (second value False)."""
    from souk.fulfillment.network import measure_of

    found = measure_of(session, asin)
    return (found, True) if found is not None else (DEFAULT_UNIT, False)


def estimate_fees(
    session: Session,
    *,
    marketplace: str,
    asin: str,
    price: Money,
    shipping: Money,
    channel: str,
    at: datetime,
    dimensions: Dimensions | None = None,
) -> FeeEstimate:
    """Fees for selling one unit of ``asin`` at ``price`` plus ``shipping`` through
    ``channel`` (MERCHANT or PLATFORM), at the fee schedule in force at ``at``."""
    fees = fees_policy(marketplace)
    currency = MARKETPLACES[marketplace].currency
    if price.currency != currency or shipping.currency != currency:
        raise InvalidInput(f"Prices in {marketplace} are in {currency}.", field="price")
    schedule = rules.schedule_at(fees, at.date())
    rate = rules.referral_rate(schedule, _category_slug(session, asin))
    fulfilment = None
    if channel == rules.PLATFORM:
        dims = dimensions or _measure(session, asin)[0]
        fulfilment = rules.fulfilment_fee(dims, fees, schedule, currency)
    return rules.estimate(
        price=price, shipping=shipping, channel=channel, rate=rate, fulfilment=fulfilment
    )


@dataclass(frozen=True)
class ChannelView:
    estimate: FeeEstimate
    storage_per_month: Money
    own_shipping: Money
    net: Money  # proceeds less product cost, own shipping and a month's storage
    break_even: Money | None


@dataclass(frozen=True)
class Comparison:
    marketplace: str
    asin: str
    title: str
    price: Money
    shipping: Money
    unit_cost: Money
    dimensions: Dimensions
    measured: bool
    size_tier: str
    dimensional_weight: Decimal
    shipping_weight: Decimal
    merchant: ChannelView
    platform: ChannelView


def compare_channels(
    session: Session,
    *,
    marketplace: str,
    asin: str,
    price: Money,
    shipping: Money,
    unit_cost: Money,
    own_shipping: Money,
    at: datetime,
    dimensions: Dimensions | None = None,
) -> Comparison:
    """The fee calculator: net proceeds per unit when the seller ships it and when
    the platform does, side by side, each with its break-even price."""
    fees = fees_policy(marketplace)
    currency = MARKETPLACES[marketplace].currency
    product = session.get(Product, asin)
    if product is None:
        raise NotFound(f"No product {asin}.", field="asin")
    if unit_cost.minor < 0 or own_shipping.minor < 0:
        raise InvalidInput("Costs cannot be negative.", field="unit_cost")
    if dimensions is not None:
        dims, measured = dimensions, True
    else:
        dims, measured = _measure(session, asin)
    schedule = rules.schedule_at(fees, at.date())
    rate = rules.referral_rate(schedule, product.category.path.split("/", 1)[0])
    ful = rules.fulfilment_fee(dims, fees, schedule, currency)
    local = dims.convert(fees.units)
    storage = rules.storage_fee(local.cubic_feet(), at.month, schedule, ful.tier.oversize, currency)
    views = {}
    for channel in rules.CHANNELS:
        platform = channel == rules.PLATFORM
        channel_shipping = Money.zero(currency) if platform else shipping
        est = rules.estimate(
            price=price,
            shipping=channel_shipping,
            channel=channel,
            rate=rate,
            fulfilment=ful if platform else None,
        )
        ship_cost = Money.zero(currency) if platform else own_shipping
        kept = storage if platform else Money.zero(currency)
        break_even = rules.break_even_price(
            currency=currency,
            unit_cost=unit_cost + kept,
            shipping=channel_shipping,
            own_shipping_cost=ship_cost,
            channel=channel,
            rate=rate,
            fulfilment=ful if platform else None,
        )
        views[channel] = ChannelView(
            est, kept, ship_cost, est.proceeds - unit_cost - ship_cost - kept, break_even
        )
    return Comparison(
        marketplace=marketplace,
        asin=asin,
        title=product.title,
        price=price,
        shipping=shipping,
        unit_cost=unit_cost,
        dimensions=local,
        measured=measured,
        size_tier=ful.tier.label,
        dimensional_weight=ful.dimensional_weight,
        shipping_weight=ful.shipping_weight,
        merchant=views[rules.MERCHANT],
        platform=views[rules.PLATFORM],
    )


# ------------------------------------------------------------------- ledger


def post(
    session: Session,
    *,
    seller_id: str,
    marketplace: str,
    kind: str,
    reference: str,
    description: str,
    source_key: str,
    occurred_at: datetime,
    recorded_at: datetime,
    postings: Sequence[Posting],
) -> LedgerTransaction | None:
    """Write one balanced transaction; ``None`` when ``source_key`` was posted before."""
    rules.check_balanced(postings)
    if session.scalar(
        select(LedgerTransaction.id).where(LedgerTransaction.source_key == source_key)
    ):
        return None
    currency = postings[0].amount.currency
    tx = LedgerTransaction(
        seller_id=seller_id,
        marketplace=marketplace,
        currency=currency,
        kind=kind,
        reference=reference[:60],
        description=description[:300],
        source_key=source_key[:120],
        occurred_at=occurred_at,
        recorded_at=recorded_at,
    )
    session.add(tx)
    session.flush()
    merged: dict[str, int] = defaultdict(int)
    for posting in postings:
        merged[posting.account] += posting.amount.minor
    for account, amount in merged.items():
        if amount:
            session.add(
                LedgerEntry(
                    transaction_id=tx.id,
                    seller_id=seller_id,
                    marketplace=marketplace,
                    account=account,
                    amount_minor=amount,
                    occurred_at=occurred_at,
                )
            )
    session.flush()
    return tx


def _posted(session: Session, source_key: str) -> LedgerTransaction | None:
    return session.scalar(
        select(LedgerTransaction)
        .where(LedgerTransaction.source_key == source_key)
        .options(selectinload(LedgerTransaction.entries))
    )


def _order(session: Session, order_id: str) -> Order | None:
    return session.scalar(
        select(Order).where(Order.id == order_id).options(selectinload(Order.items))
    )


@on("order.placed")
def _on_order_placed(session: Session, event: DomainEvent) -> None:
    payload = event.payload
    total = Money(payload["currency"], int(payload["total_minor"]))
    post(
        session,
        seller_id=payload["seller_id"],
        marketplace=payload["marketplace"],
        kind="order_placed",
        reference=payload["order_id"],
        description="Order placed; payment held until shipment",
        source_key=f"order.placed:{payload['order_id']}",
        occurred_at=event.occurred_at,
        recorded_at=event.occurred_at,
        postings=rules.order_placed_postings(total),
    )


@on("order.canceled")
def _on_order_canceled(session: Session, event: DomainEvent) -> None:
    order_id = event.payload["order_id"]
    if _posted(session, f"order.placed:{order_id}") is None:
        return  # never released to the seller (failed capture): nothing was held
    if _posted(session, f"order.shipped:{order_id}") is not None:
        return
    order = _order(session, order_id)
    assert order is not None
    post(
        session,
        seller_id=order.seller_id,
        marketplace=order.marketplace,
        kind="order_canceled",
        reference=order.id,
        description="Order canceled before shipment; payment returned to the buyer",
        source_key=f"order.canceled:{order_id}",
        occurred_at=event.occurred_at,
        recorded_at=event.occurred_at,
        postings=rules.order_canceled_postings(Money(order.currency, order.total_minor)),
    )


def order_fees(session: Session, order: Order, at: datetime) -> list[tuple[str, Money]]:
    """The fees a shipped order earns the platform: referral and closing per unit,
    fulfilment per unit for platform orders, the per-item fee for individual plans."""
    fees = fees_policy(order.marketplace)
    schedule = rules.schedule_at(fees, at.date())
    totals: dict[str, Money] = defaultdict(lambda: Money.zero(order.currency))
    for item in order.items:
        rate = rules.referral_rate(schedule, _category_slug(session, item.asin))
        unit_shipping = Money(order.currency, item.shipping_minor // max(item.quantity, 1))
        fulfilment = None
        if order.fulfillment_channel == rules.PLATFORM:
            fulfilment = rules.fulfilment_fee(
                _measure(session, item.asin)[0], fees, schedule, order.currency
            )
        est = rules.estimate(
            price=Money(order.currency, item.unit_price_minor),
            shipping=unit_shipping,
            channel=order.fulfillment_channel,
            rate=rate,
            fulfilment=fulfilment,
        )
        totals["referral"] += est.referral * item.quantity
        totals["closing"] += est.closing * item.quantity
        totals["fulfilment"] += est.fulfilment * item.quantity
    seller = session.get(Seller, order.seller_id)
    if seller is not None and seller.plan == "individual":
        units = sum(item.quantity for item in order.items)
        totals["per_item"] = Money(order.currency, schedule.individual_per_item_minor * units)
    return [(name, amount) for name, amount in totals.items() if amount.minor]


@on("order.shipped")
def _on_order_shipped(session: Session, event: DomainEvent) -> None:
    order = _order(session, event.payload["order_id"])
    if order is None:
        return
    total = Money(order.currency, order.total_minor)
    postings: list[Posting] = []
    if _posted(session, f"order.placed:{order.id}") is None:
        postings += rules.order_placed_postings(total)
    fees = order_fees(session, order, event.occurred_at)
    postings += rules.order_shipped_postings(total, fees)
    post(
        session,
        seller_id=order.seller_id,
        marketplace=order.marketplace,
        kind="order",
        reference=order.id,
        description="Order shipped: " + ", ".join(i.title[:60] for i in order.items[:2]),
        source_key=f"order.shipped:{order.id}",
        occurred_at=event.occurred_at,
        recorded_at=event.occurred_at,
        postings=postings,
    )


@on("refund.issued")
def _on_refund(session: Session, event: DomainEvent) -> None:
    payload = event.payload
    order = _order(session, payload["order_id"])
    if order is None:
        return
    amount = Money(payload["currency"], int(payload["amount_minor"]))
    key = f"refund.issued:{payload.get('refund_id') or event.id}"
    shipped = _posted(session, f"order.shipped:{order.id}")
    if shipped is not None:
        referral_paid = -sum(
            e.amount_minor for e in shipped.entries if e.account == rules.fee_account("referral")
        )
        share = Money(order.currency, referral_paid * amount.minor // max(order.total_minor, 1))
        schedule = rules.schedule_at(fees_policy(order.marketplace), event.occurred_at.date())
        back = share - rules.refund_admin_fee(share, schedule)
        postings = rules.refund_postings(amount, back)
        description = f"Refund to buyer ({payload.get('reason') or 'refund'})"
    elif _posted(session, f"order.placed:{order.id}") is not None:
        postings = rules.transfer(rules.PENDING, rules.CLEARING, amount)
        description = "Refund to buyer before shipment"
    else:
        return
    claim = session.get(Claim, payload["claim_id"]) if payload.get("claim_id") else None
    if claim is not None:
        description = f"A-to-z claim granted ({claim.reason}): refund to buyer"
    post(
        session,
        seller_id=order.seller_id,
        marketplace=order.marketplace,
        kind="claim" if claim is not None else "refund",
        reference=order.id,
        description=description,
        source_key=key,
        occurred_at=event.occurred_at,
        recorded_at=event.occurred_at,
        postings=postings,
    )
    if claim is not None:
        # Made whole, no more: what the claim took from the seller's balance.
        debited = Money(
            amount.currency,
            sum(p.amount.minor for p in postings if p.account == rules.PAYABLE),
        )
        _platform_funds(session, order, debited, claim.reason, "A-to-z claim", key, event)


def _platform_funds(
    session: Session,
    order: Order,
    amount: Money,
    reason: str,
    what: str,
    key: str,
    event: DomainEvent,
) -> None:
    """souk pays for what it caused: a claim or chargeback on an order it
    fulfilled, for a reason the policy puts on the platform (it delivered the
    parcel, it screened the payment), is credited back to the seller."""
    fees = fees_policy(order.marketplace)
    if not rules.platform_pays(order.fulfillment_channel, reason, fees.platform_funded_reasons):
        return
    if amount.minor <= 0:
        return
    post(
        session,
        seller_id=order.seller_id,
        marketplace=order.marketplace,
        kind="reimbursement",
        reference=order.id,
        description=f"{what} paid by souk: order fulfilled by souk ({reason})",
        source_key=f"funded:{key}",
        occurred_at=event.occurred_at,
        recorded_at=event.occurred_at,
        postings=rules.transfer(rules.REIMBURSEMENTS, rules.PAYABLE, amount),
    )


@on("chargeback.recorded")
def _on_chargeback(session: Session, event: DomainEvent) -> None:
    """The card issuer took the buyer's money back: it comes out of the seller's
    balance (out of the held payment if the order has not shipped)."""
    payload = event.payload
    order = _order(session, payload["order_id"])
    if order is None:
        return
    amount = Money(payload["currency"], int(payload["amount_minor"]))
    shipped = _posted(session, f"order.shipped:{order.id}") is not None
    placed = _posted(session, f"order.placed:{order.id}") is not None
    if not shipped and not placed:
        return  # never released to the seller: nothing of theirs to take back
    key = f"chargeback:{payload['chargeback_id']}"
    post(
        session,
        seller_id=order.seller_id,
        marketplace=order.marketplace,
        kind="chargeback",
        reference=order.id,
        description=f"Chargeback ({payload['reason']}): the card issuer returned "
        f"{amount} to the buyer",
        source_key=key,
        occurred_at=event.occurred_at,
        recorded_at=event.occurred_at,
        postings=rules.transfer(
            rules.PAYABLE if shipped else rules.PENDING, rules.CLEARING, amount
        ),
    )
    _platform_funds(session, order, amount, payload["reason"], "Chargeback", key, event)
    chargeback = session.get(Chargeback, payload["chargeback_id"])
    if chargeback is not None and chargeback.status == CHARGEBACK_WON:
        # Decided before this event got here (it was retried): the lines just
        # posted are reversed at once, as the decision's handler found nothing.
        _reverse_won_chargeback(session, chargeback)


@on("chargeback.decided")
def _on_chargeback_decided(session: Session, event: DomainEvent) -> None:
    """A dispute the issuer decided for the seller gives the money back; a lost
    one leaves the chargeback line as it stands."""
    if event.payload["outcome"] != CHARGEBACK_WON:
        return
    chargeback = session.get(Chargeback, event.payload["chargeback_id"])
    if chargeback is not None:
        _reverse_won_chargeback(session, chargeback)


def _reversed(tx: LedgerTransaction) -> list[Posting]:
    return [Posting(e.account, Money(tx.currency, -e.amount_minor)) for e in tx.entries]


def _reverse_won_chargeback(session: Session, chargeback: Chargeback) -> None:
    """Undo exactly what the chargeback posted. When souk had paid it for the
    seller, souk's reimbursement is undone too: the issuer's money repays souk,
    and the seller, already made whole, is not paid a second time. A chargeback
    that never reached the ledger (the order was never released) posts nothing."""
    key = f"chargeback:{chargeback.id}"
    taken = _posted(session, key)
    if taken is None:
        return
    funded = _posted(session, f"funded:{key}")
    postings = _reversed(taken) + (_reversed(funded) if funded is not None else [])
    amount = Money(chargeback.currency, chargeback.amount_minor)
    description = f"Chargeback won ({chargeback.reason}): the card issuer returned {amount}"
    if funded is not None:
        description += ", which repays souk's reimbursement"
    at = chargeback.decided_at or taken.occurred_at
    post(
        session,
        seller_id=taken.seller_id,
        marketplace=taken.marketplace,
        kind="chargeback_reversal",
        reference=chargeback.order_id,
        description=description,
        source_key=f"chargeback-won:{chargeback.id}",
        occurred_at=at,
        recorded_at=at,
        postings=postings,
    )


@on("fulfilment.fee")
def _on_network_fee(session: Session, event: DomainEvent) -> None:
    payload = event.payload
    amount = Money(payload["currency"], int(payload["amount_minor"]))
    post(
        session,
        seller_id=payload["seller_id"],
        marketplace=payload["marketplace"],
        kind=payload["kind"],
        reference=payload.get("reference", ""),
        description=payload["description"],
        source_key=f"fee:{payload['key']}",
        occurred_at=event.occurred_at,
        recorded_at=event.occurred_at,
        postings=rules.transfer(rules.PAYABLE, rules.fee_account(payload["kind"]), amount),
    )


@on("fulfilment.reimbursement")
def _on_reimbursement(session: Session, event: DomainEvent) -> None:
    payload = event.payload
    amount = Money(payload["currency"], int(payload["amount_minor"]))
    post(
        session,
        seller_id=payload["seller_id"],
        marketplace=payload["marketplace"],
        kind="reimbursement",
        reference=payload.get("reference", ""),
        description=payload["description"],
        source_key=f"reimbursement:{payload['key']}",
        occurred_at=event.occurred_at,
        recorded_at=event.occurred_at,
        postings=rules.transfer(rules.REIMBURSEMENTS, rules.PAYABLE, amount),
    )


def adjust(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    marketplace: str,
    amount: Money,
    description: str,
    staff_user_id: int,
) -> LedgerTransaction:
    """A staff adjustment: positive credits the seller, negative debits."""
    if not description.strip():
        raise InvalidInput("Say why the balance is adjusted.", field="description")
    if amount.minor == 0:
        raise InvalidInput("An adjustment needs an amount.", field="amount")
    now = clock.now()
    tx = post(
        session,
        seller_id=seller_id,
        marketplace=marketplace,
        kind="adjustment",
        reference=f"staff:{staff_user_id}",
        description=description.strip(),
        source_key=f"adjustment:{secrets.token_hex(8)}",
        occurred_at=now,
        recorded_at=now,
        postings=rules.transfer(rules.REIMBURSEMENTS, rules.PAYABLE, amount),
    )
    assert tx is not None
    session.commit()
    return tx


def _local_day_bounds(day: date, marketplace: str) -> tuple[datetime, datetime]:
    zone = MARKETPLACES[marketplace].zone
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    return start, datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)


def post_ad_spend(session: Session, clock: Clock, day: date | None = None) -> int:
    """Charge each seller's Sponsored Products spend of a day (yesterday by default)."""
    from souk.ads.models import Ad, AdDailyStats, AdGroup, Campaign

    now = clock.now()
    day = day or (now - timedelta(days=1)).date()
    rows = session.execute(
        select(
            Campaign.seller_id,
            Campaign.marketplace,
            Campaign.currency,
            func.sum(AdDailyStats.spend_minor),
        )
        .join(Ad, Ad.id == AdDailyStats.ad_id)
        .join(AdGroup, AdGroup.id == Ad.ad_group_id)
        .join(Campaign, Campaign.id == AdGroup.campaign_id)
        .where(AdDailyStats.day == day)
        .group_by(Campaign.seller_id, Campaign.marketplace, Campaign.currency)
    ).all()
    posted = 0
    for seller_id, marketplace, currency, spend in rows:
        if not spend:
            continue
        _, end = _local_day_bounds(day, marketplace)
        tx = post(
            session,
            seller_id=seller_id,
            marketplace=marketplace,
            kind="advertising",
            reference=day.isoformat(),
            description=f"Sponsored Products clicks, {day.isoformat()}",
            source_key=f"ads:{seller_id}:{marketplace}:{day.isoformat()}",
            occurred_at=min(end - timedelta(microseconds=1), now),
            recorded_at=now,
            postings=rules.transfer(
                rules.PAYABLE, rules.fee_account("advertising"), Money(currency, int(spend))
            ),
        )
        posted += tx is not None
    session.commit()
    return posted


def post_subscriptions(session: Session, clock: Clock) -> int:
    """The professional plan's monthly fee, on the first of each month, in each
    marketplace where the seller has offers."""
    from souk.offers.models import Offer

    now = clock.now()
    month = now.date().replace(day=1)
    posted = 0
    for seller_id, marketplace in session.execute(
        select(Offer.seller_id, Offer.marketplace)
        .join(Seller, Seller.id == Offer.seller_id)
        .where(Seller.plan == "professional", Seller.is_platform_retail.is_(False))
        .distinct()
    ).all():
        schedule = rules.schedule_at(fees_policy(marketplace), month)
        currency = MARKETPLACES[marketplace].currency
        tx = post(
            session,
            seller_id=seller_id,
            marketplace=marketplace,
            kind="subscription",
            reference=f"{month:%Y-%m}",
            description=f"Professional selling plan, {month:%B %Y}",
            source_key=f"subscription:{seller_id}:{marketplace}:{month:%Y-%m}",
            occurred_at=now,
            recorded_at=now,
            postings=rules.transfer(
                rules.PAYABLE,
                rules.fee_account("subscription"),
                Money(currency, schedule.professional_monthly_minor),
            ),
        )
        posted += tx is not None
    session.commit()
    return posted


# ----------------------------------------------------------------- balances


@dataclass(frozen=True)
class Balances:
    currency: str
    available: Money  # owed to the seller now (negative: the seller owes)
    reserve: Money  # held back for returns
    pending: Money  # paid by buyers, not yet shipped

    @property
    def total(self) -> Money:
        return self.available + self.reserve


def account_sums(
    session: Session, seller_id: str, marketplace: str, before: datetime | None = None
) -> dict[str, int]:
    query = (
        select(LedgerEntry.account, func.sum(LedgerEntry.amount_minor))
        .where(LedgerEntry.seller_id == seller_id, LedgerEntry.marketplace == marketplace)
        .group_by(LedgerEntry.account)
    )
    if before is not None:
        query = query.where(LedgerEntry.occurred_at < before)
    return {account: int(total or 0) for account, total in session.execute(query).all()}


def balances(
    session: Session, seller_id: str, marketplace: str, before: datetime | None = None
) -> Balances:
    currency = MARKETPLACES[marketplace].currency
    sums = account_sums(session, seller_id, marketplace, before)
    return Balances(
        currency,
        Money(currency, -sums.get(rules.PAYABLE, 0)),
        Money(currency, -sums.get(rules.RESERVE, 0)),
        Money(currency, -sums.get(rules.PENDING, 0)),
    )


@dataclass(frozen=True)
class LedgerLine:
    """A transaction as the seller sees it: its effect on their available balance."""

    tx: LedgerTransaction
    amount: Money  # change of the available balance
    fees: Money  # platform fees in it (positive)
    sales: Money  # sales credited in it
    balance: Money | None = None


def transactions(
    session: Session,
    seller_id: str,
    marketplace: str,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[LedgerLine]:
    currency = MARKETPLACES[marketplace].currency
    query = (
        select(LedgerTransaction)
        .where(
            LedgerTransaction.seller_id == seller_id, LedgerTransaction.marketplace == marketplace
        )
        .options(selectinload(LedgerTransaction.entries))
        .order_by(LedgerTransaction.occurred_at, LedgerTransaction.id)
    )
    if since is not None:
        query = query.where(LedgerTransaction.occurred_at >= since)
    if until is not None:
        query = query.where(LedgerTransaction.occurred_at < until)
    if limit is not None:
        query = (
            query.order_by(None)
            .order_by(LedgerTransaction.occurred_at.desc(), LedgerTransaction.id.desc())
            .limit(limit)
        )
    result = []
    for tx in session.scalars(query):
        payable = -sum(e.amount_minor for e in tx.entries if e.account == rules.PAYABLE)
        fees = -sum(e.amount_minor for e in tx.entries if e.account.startswith(rules.FEE_PREFIX))
        sales = sum(
            e.amount_minor for e in tx.entries if e.account == rules.PENDING and tx.kind == "order"
        )
        result.append(
            LedgerLine(tx, Money(currency, payable), Money(currency, fees), Money(currency, sales))
        )
    return result


# -------------------------------------------------------------- settlement


class PayoutFailed(SoukError):
    code = "PayoutFailed"
    status = 402


@dataclass(frozen=True)
class Destination:
    """A verified bank account to pay into (only its last digits are known here)."""

    seller_id: str
    holder: str
    bank_name: str
    country: str
    currency: str
    last4: str
    token: str


class PayoutProvider(Protocol):
    name: str

    def verify(self, holder: str, routing: str, account: str, country: str) -> str:
        """A token for the account when the bank confirms it; raises PayoutFailed."""
        ...

    def send(self, destination: Destination, amount: Money, reference: str) -> str:
        """Pay ``amount`` into the account; the provider's reference. Idempotent per reference."""
        ...


class TestPayoutProvider:
    """Built-in provider for development and tests: accepts any well-formed account
    except those ending 0002 (refused by the 'bank'), and pays instantly."""

    name = "test"

    def __init__(self) -> None:
        self.sent: dict[str, tuple[Destination, Money]] = {}

    def verify(self, holder: str, routing: str, account: str, country: str) -> str:
        if account.endswith("0002"):
            raise PayoutFailed("The bank did not confirm this account.", field="account_number")
        digest = hashlib.sha256(f"{routing}:{account}:{country}".encode()).hexdigest()
        return f"tok_{digest[:24]}"

    def send(self, destination: Destination, amount: Money, reference: str) -> str:
        if reference not in self.sent:
            self.sent[reference] = (destination, amount)
        return "tpo_" + hashlib.sha256(reference.encode()).hexdigest()[:16]


def _check_account_number(country: str, routing: str, account: str) -> tuple[str, str]:
    account = account.replace(" ", "").upper()
    routing = routing.replace(" ", "").replace("-", "")
    if account[:2].isalpha():  # IBAN
        if not 15 <= len(account) <= 34 or not account.isalnum():
            raise InvalidInput("That IBAN has the wrong length.", field="account_number")
        moved = account[4:] + account[:4]
        digits = "".join(str(int(c, 36)) for c in moved)
        if int(digits) % 97 != 1:
            raise InvalidInput("That IBAN's check digits are wrong.", field="account_number")
        return "", account
    if not account.isdigit() or not 4 <= len(account) <= 17:
        raise InvalidInput("An account number has 4 to 17 digits.", field="account_number")
    if country == "US":
        if len(routing) != 9 or not routing.isdigit():
            raise InvalidInput("A routing number has 9 digits.", field="routing_number")
        weights = [3, 7, 1] * 3
        if sum(int(d) * w for d, w in zip(routing, weights, strict=True)) % 10:
            raise InvalidInput("That routing number is not valid.", field="routing_number")
    elif not routing:
        raise InvalidInput("Give the bank's sort code or branch number.", field="routing_number")
    return routing, account


def add_payout_account(
    session: Session,
    clock: Clock,
    provider: PayoutProvider,
    *,
    seller_id: str,
    holder: str,
    bank_name: str,
    country: str,
    currency: str,
    routing_number: str,
    account_number: str,
) -> PayoutAccount:
    """Record (or replace) where payouts go, once the provider verifies it."""
    holder, bank_name, country = holder.strip(), bank_name.strip(), country.strip().upper()
    if not holder:
        raise InvalidInput("Give the account holder's name.", field="holder")
    if not bank_name:
        raise InvalidInput("Give the bank's name.", field="bank_name")
    if country not in COUNTRY_CURRENCY:
        raise InvalidInput("Choose the bank's country.", field="country")
    if currency not in set(COUNTRY_CURRENCY.values()):
        raise InvalidInput("Choose the account's currency.", field="currency")
    routing, account = _check_account_number(country, routing_number, account_number)
    token = provider.verify(holder, routing, account, country)
    now = clock.now()
    found = session.scalar(select(PayoutAccount).where(PayoutAccount.seller_id == seller_id))
    if found is None:
        found = PayoutAccount(seller_id=seller_id, created_at=now)
        session.add(found)
    found.holder, found.bank_name, found.country, found.currency = (
        holder,
        bank_name,
        country,
        currency,
    )
    found.last4 = account[-4:]
    found.provider_token = token
    found.verified_at = now
    session.commit()
    return found


def payout_destination(session: Session, seller_id: str) -> Destination | None:
    """The seller's verified bank account: the one checked with their identity, or
    the one added on the payments page."""
    try:
        from souk.identity.models import SellerIdentity
    except ImportError:  # pragma: no cover - identity is optional
        SellerIdentity = None  # type: ignore[assignment,misc]
    if SellerIdentity is not None:
        identity = session.get(SellerIdentity, seller_id)
        if (
            identity is not None
            and identity.status == "verified"
            and identity.bank_last4
            and identity.country in COUNTRY_CURRENCY
        ):
            return Destination(
                seller_id,
                identity.legal_name,
                "Bank on your verified identity",
                identity.country,
                COUNTRY_CURRENCY[identity.country],
                identity.bank_last4,
                f"identity:{seller_id}",
            )
    account = session.scalar(select(PayoutAccount).where(PayoutAccount.seller_id == seller_id))
    if account is None or account.verified_at is None:
        return None
    return Destination(
        seller_id,
        account.holder,
        account.bank_name,
        account.country,
        account.currency,
        account.last4,
        account.provider_token,
    )


def record_rate(
    session: Session, clock: Clock, *, day: date, base: str, quote: str, rate: str, source: str
) -> FxRate:
    """Record a day's exchange rate (quote units per base unit)."""
    try:
        value = Decimal(rate)
    except InvalidOperation:
        raise InvalidInput("A rate is a number like 0.9234.", field="rate") from None
    if not value.is_finite() or value <= 0:
        raise InvalidInput("A rate must be more than zero.", field="rate")
    if (
        base == quote
        or base not in COUNTRY_CURRENCY.values()
        or quote not in COUNTRY_CURRENCY.values()
    ):
        raise InvalidInput("Choose two different supported currencies.", field="quote")
    found = session.scalar(
        select(FxRate).where(FxRate.day == day, FxRate.base == base, FxRate.quote == quote)
    )
    if found is not None:
        raise InvalidState(f"The {base}/{quote} rate for {day.isoformat()} is recorded already.")
    row = FxRate(
        day=day,
        base=base,
        quote=quote,
        rate=str(value),
        source=source[:60],
        recorded_at=clock.now(),
    )
    session.add(row)
    session.commit()
    return row


def rate_for(session: Session, base: str, quote: str, day: date) -> FxRate | None:
    """The latest recorded rate on or before ``day``."""
    return session.scalar(
        select(FxRate)
        .where(FxRate.base == base, FxRate.quote == quote, FxRate.day <= day)
        .order_by(FxRate.day.desc())
        .limit(1)
    )


def _period_instants(start: date, end: date, marketplace: str) -> tuple[datetime, datetime]:
    zone: ZoneInfo = MARKETPLACES[marketplace].zone
    return (
        datetime.combine(start, time(0), zone).astimezone(UTC),
        datetime.combine(end, time(0), zone).astimezone(UTC),
    )


def _recent_sales(
    session: Session, seller_id: str, marketplace: str, since: datetime, until: datetime
) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .where(
                LedgerEntry.seller_id == seller_id,
                LedgerEntry.marketplace == marketplace,
                LedgerEntry.account == rules.PENDING,
                LedgerTransaction.kind == "order",
                LedgerEntry.occurred_at >= since,
                LedgerEntry.occurred_at < until,
            )
        )
        or 0
    )


def settle_period(
    session: Session,
    clock: Clock,
    provider: PayoutProvider,
    *,
    seller_id: str,
    marketplace: str,
    period_start: date,
    payments: PaymentProvider | None = None,
) -> Statement:
    """Close one settlement period: set the reserve, pay out what is available
    (converted at the day's recorded rate), carry a negative balance over or
    charge it to the card on file (``payments``; the built-in test provider
    when None), and write the statement. Safe to call again: a closed period is
    returned as is."""
    fees = fees_policy(marketplace)
    existing = session.scalar(
        select(Statement).where(
            Statement.seller_id == seller_id,
            Statement.marketplace == marketplace,
            Statement.period_start == period_start,
        )
    )
    if existing is not None:
        return existing
    start, end_day = rules.settlement_period(
        fees.settlement_anchor, fees.settlement_days, period_start
    )
    if start != period_start:
        raise InvalidInput("Not the first day of a settlement period.", field="period_start")
    now = clock.now()
    since, until = _period_instants(start, end_day, marketplace)
    if until > now:
        raise InvalidState("This settlement period has not ended yet.")
    currency = MARKETPLACES[marketplace].currency
    at = until - timedelta(microseconds=1)  # settlement entries close the period
    opening = balances(session, seller_id, marketplace, before=since)
    before = balances(session, seller_id, marketplace, before=until)
    recent = _recent_sales(
        session, seller_id, marketplace, until - timedelta(days=fees.reserve_days), until
    )
    wanted = rules.reserve_target(Money(currency, recent), fees.reserve_bp)
    decision = rules.settle(
        before.available, before.reserve, wanted, Money(currency, fees.min_payout_minor)
    )
    destination = payout_destination(session, seller_id)
    payout_amount = decision.payout
    conversion: rules.Conversion | None = None
    rate_row: FxRate | None = None
    hold_reason = ""
    if payout_amount.minor > 0:
        if destination is None:
            hold_reason = "No verified bank account: the balance is carried over."
        elif destination.currency != currency:
            rate_row = rate_for(session, currency, destination.currency, end_day)
            if rate_row is None:
                hold_reason = f"No {currency}/{destination.currency} rate recorded: carried over."
            else:
                conversion = rules.convert(
                    payout_amount, destination.currency, Decimal(rate_row.rate), fees.fx_fee_bp
                )
        else:
            conversion = rules.convert(payout_amount, currency, Decimal(1), 0)
        if hold_reason:
            payout_amount = Money.zero(currency)
    statement = Statement(
        seller_id=seller_id,
        marketplace=marketplace,
        currency=currency,
        period_start=start,
        period_end=end_day,
        opening_minor=opening.available.minor,
        closing_minor=0,
        reserve_minor=(before.reserve + decision.reserve_change).minor,
        payout_minor=payout_amount.minor,
        carried_minor=0,
        created_at=now,
    )
    session.add(statement)
    session.flush()
    if decision.reserve_change.minor:
        post(
            session,
            seller_id=seller_id,
            marketplace=marketplace,
            kind="reserve",
            reference=f"statement:{statement.id}",
            description="Reserve for recent sales (returns)"
            if decision.reserve_change.minor > 0
            else "Reserve released",
            source_key=f"reserve:{statement.id}",
            occurred_at=at,
            recorded_at=now,
            postings=rules.transfer(rules.PAYABLE, rules.RESERVE, decision.reserve_change),
        )
    if payout_amount.minor > 0 and destination is not None and conversion is not None:
        reference = f"souk-payout-{statement.id}"
        post(
            session,
            seller_id=seller_id,
            marketplace=marketplace,
            kind="payout",
            reference=f"statement:{statement.id}",
            description=f"Payout to {destination.bank_name} ····{destination.last4}",
            source_key=f"payout:{statement.id}",
            occurred_at=at,
            recorded_at=now,
            postings=rules.transfer(rules.PAYABLE, rules.PAYOUTS, payout_amount),
        )
        provider_ref = provider.send(destination, conversion.converted, reference)
        session.add(
            Payout(
                statement_id=statement.id,
                seller_id=seller_id,
                currency=currency,
                amount_minor=payout_amount.minor,
                target_currency=conversion.converted.currency,
                rate=str(conversion.rate),
                rate_day=rate_row.day if rate_row is not None else None,
                fee_minor=conversion.fee.minor,
                converted_minor=conversion.converted.minor,
                provider=provider.name,
                provider_reference=provider_ref,
                account_last4=destination.last4,
                status="sent",
                created_at=now,
            )
        )
    elif hold_reason:
        session.add(
            Payout(
                statement_id=statement.id,
                seller_id=seller_id,
                currency=currency,
                amount_minor=0,
                target_currency=destination.currency if destination else currency,
                rate="",
                rate_day=None,
                fee_minor=0,
                converted_minor=0,
                provider=provider.name,
                provider_reference="",
                account_last4=destination.last4 if destination else "",
                status="held",
                failure=hold_reason,
                created_at=now,
            )
        )
    session.flush()
    after = balances(session, seller_id, marketplace, before=until)
    if after.available.minor < 0:
        _settle_negative(
            session, payments or _DEFAULT_PAYMENTS, statement, -after.available, at, now
        )
        after = balances(session, seller_id, marketplace, before=until)
    statement.closing_minor = after.available.minor
    statement.carried_minor = after.available.minor
    session.commit()
    return statement


def _negative_streak(session: Session, statement: Statement, up_to: int) -> int:
    """How many settlements in a row before this one closed with a negative balance,
    counting no further back than ``up_to`` (all the carry-over rule asks)."""
    carried = session.scalars(
        select(Statement.carried_minor)
        .where(
            Statement.seller_id == statement.seller_id,
            Statement.marketplace == statement.marketplace,
            Statement.period_start < statement.period_start,
        )
        .order_by(Statement.period_start.desc())
        .limit(up_to)
    ).all()
    return next((n for n, minor in enumerate(carried) if minor >= 0), len(carried))


def _settle_negative(
    session: Session,
    payments: PaymentProvider,
    statement: Statement,
    owed: Money,
    at: datetime,
    now: datetime,
) -> None:
    """A seller who owes souk: carry the debt over for the configured number of
    settlements, then charge the card on file. A successful charge posts a line
    that brings the balance to zero; a decline leaves it carried over. Either
    way the statement says what happened."""
    fees = fees_policy(statement.marketplace)
    owed_text = str(owed)
    streak = _negative_streak(session, statement, fees.negative_carry_periods)
    if not rules.charge_owed_now(streak, fees.negative_carry_periods):
        statement.card_charge_note = (
            f"You owe {owed_text}: carried over; charged to your card on file if the "
            "balance is still negative at the next settlement."
        )
        return
    card = card_of_seller(session, statement.seller_id)
    if card is None:
        statement.card_charge_note = (
            f"You owe {owed_text}: no card on file to charge, so it is carried over."
        )
        return
    try:
        reference = payments.charge_saved(card.token, owed, f"souk-balance-{statement.id}")
    except PaymentDeclined as declined:
        statement.card_charge_note = (
            f"Charging {owed_text} to your {card.brand} ····{card.last4} was declined "
            f"({declined.message.rstrip('.')}); the balance is carried over."
        )[:300]
        return
    post(
        session,
        seller_id=statement.seller_id,
        marketplace=statement.marketplace,
        kind="card_charge",
        reference=f"statement:{statement.id}",
        description=f"Negative balance charged to your {card.brand} ····{card.last4}",
        source_key=f"card_charge:{statement.id}",
        occurred_at=at,
        recorded_at=now,
        postings=rules.transfer(rules.CARD, rules.PAYABLE, owed),
    )
    statement.card_charge_minor = owed.minor
    statement.card_charge_note = (
        f"{owed_text} charged to your {card.brand} ····{card.last4} (reference {reference})."
    )[:300]


def settle_due(
    session: Session,
    clock: Clock,
    provider: PayoutProvider,
    payments: PaymentProvider | None = None,
) -> int:
    """Close every ended settlement period of every seller with ledger activity;
    negative balances are charged to cards on file through ``payments``."""
    now = clock.now()
    closed = 0
    books = session.execute(
        select(
            LedgerTransaction.seller_id,
            LedgerTransaction.marketplace,
            func.min(LedgerTransaction.occurred_at),
        ).group_by(LedgerTransaction.seller_id, LedgerTransaction.marketplace)
    ).all()
    for seller_id, marketplace, first in books:
        fees = fees_policy(marketplace)
        zone = MARKETPLACES[marketplace].zone
        start, end = rules.settlement_period(
            fees.settlement_anchor, fees.settlement_days, _aware(first).astimezone(zone).date()
        )
        last = session.scalar(
            select(func.max(Statement.period_start)).where(
                Statement.seller_id == seller_id, Statement.marketplace == marketplace
            )
        )
        if last is not None:
            start = last + timedelta(days=fees.settlement_days)
            end = start + timedelta(days=fees.settlement_days)
        while _period_instants(start, end, marketplace)[1] <= now:
            settle_period(
                session,
                clock,
                provider,
                seller_id=seller_id,
                marketplace=marketplace,
                period_start=start,
                payments=payments,
            )
            closed += 1
            start, end = end, end + timedelta(days=fees.settlement_days)
    return closed


# --------------------------------------------------------------- statements


@dataclass
class StatementView:
    statement: Statement
    lines: list[LedgerLine]
    payout: Payout | None
    totals: dict[str, Money] = field(default_factory=dict)

    def money(self, minor: int) -> Money:
        return Money(self.statement.currency, minor)


def statements(session: Session, seller_id: str, marketplace: str) -> list[Statement]:
    return list(
        session.scalars(
            select(Statement)
            .where(Statement.seller_id == seller_id, Statement.marketplace == marketplace)
            .order_by(Statement.period_start.desc())
        )
    )


def statement_view(session: Session, seller_id: str, statement_id: int) -> StatementView:
    statement = session.get(Statement, statement_id)
    if statement is None or statement.seller_id != seller_id:
        raise NotFound(f"No statement {statement_id}.")
    since, until = _period_instants(
        statement.period_start, statement.period_end, statement.marketplace
    )
    lines = transactions(session, seller_id, statement.marketplace, since, until)
    running = Money(statement.currency, statement.opening_minor)
    shown = []
    for line in lines:
        running = running + line.amount
        shown.append(LedgerLine(line.tx, line.amount, line.fees, line.sales, running))
    payout = session.scalar(select(Payout).where(Payout.statement_id == statement.id))
    zero = Money.zero(statement.currency)
    totals = {
        "sales": sum((line.sales for line in shown), zero),
        "fees": sum((line.fees for line in shown), zero),
        "refunds": sum((line.amount for line in shown if line.tx.kind == "refund"), zero),
        "claims": sum(
            (
                line.amount
                for line in shown
                if line.tx.kind in ("claim", "chargeback", "chargeback_reversal")
            ),
            zero,
        ),
        "card_charges": sum((line.amount for line in shown if line.tx.kind == "card_charge"), zero),
        "reimbursements": sum(
            (line.amount for line in shown if line.tx.kind == "reimbursement"), zero
        ),
        "net": sum((line.amount for line in shown if line.tx.kind not in ("payout",)), zero),
    }
    return StatementView(statement, shown, payout, totals)


def statement_csv(view: StatementView) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    st = view.statement
    writer.writerow(
        [
            "statement",
            st.id,
            "period",
            st.period_start.isoformat(),
            st.period_end.isoformat(),
            "currency",
            st.currency,
        ]
    )
    writer.writerow(
        ["date", "type", "description", "reference", "sales", "fees", "amount", "balance"]
    )
    writer.writerow(
        [
            "",
            "opening_balance",
            "Opening balance",
            "",
            "",
            "",
            "",
            view.money(st.opening_minor).amount_str(),
        ]
    )
    for line in view.lines:
        writer.writerow(
            [
                _aware(line.tx.occurred_at).isoformat(),
                line.tx.kind,
                line.tx.description,
                line.tx.reference,
                line.sales.amount_str(),
                line.fees.amount_str(),
                line.amount.amount_str(),
                line.balance.amount_str() if line.balance else "",
            ]
        )
    writer.writerow(
        [
            "",
            "closing_balance",
            "Closing balance",
            "",
            "",
            "",
            "",
            view.money(st.closing_minor).amount_str(),
        ]
    )
    writer.writerow(
        ["", "reserve", "Reserve held", "", "", "", "", view.money(st.reserve_minor).amount_str()]
    )
    writer.writerow(
        [
            "",
            "payout",
            "Paid to your bank",
            "",
            "",
            "",
            "",
            view.money(st.payout_minor).amount_str(),
        ]
    )
    if st.card_charge_note:
        writer.writerow(
            [
                "",
                "card_charge",
                st.card_charge_note,
                "",
                "",
                "",
                "",
                view.money(st.card_charge_minor).amount_str(),
            ]
        )
    return out.getvalue()


# ---------------------------------------------------------------- money trail


@dataclass(frozen=True)
class TrailRow:
    """One ledger entry of an order, or the payout that carried it to the bank."""

    at: datetime | None
    kind: str
    account: str
    amount: Money
    statement: str  # "2026-03-02..2026-03-16", "open period", or the payout's reference


def order_trail(session: Session, order_id: str) -> list[TrailRow]:
    """An order's money from checkout to payout: every ledger entry that names the
    order (sale, fees, refunds, claims, chargebacks, reimbursements), each with
    the statement that settled it, and that statement's payout."""
    order = session.get(Order, order_id.strip())
    if order is None:
        raise NotFound(f"No order {order_id}.", field="order_id")
    closed = list(
        session.scalars(
            select(Statement).where(
                Statement.seller_id == order.seller_id,
                Statement.marketplace == order.marketplace,
            )
        )
    )
    rows: list[TrailRow] = []
    settled: list[Statement] = []
    for tx in session.scalars(
        select(LedgerTransaction)
        .where(LedgerTransaction.reference == order.id)
        .options(selectinload(LedgerTransaction.entries))
        .order_by(LedgerTransaction.occurred_at, LedgerTransaction.id)
    ):
        statement = next(
            (
                st
                for st in closed
                if _period_instants(st.period_start, st.period_end, st.marketplace)[0]
                <= _aware(tx.occurred_at)
                < _period_instants(st.period_start, st.period_end, st.marketplace)[1]
            ),
            None,
        )
        label = f"{statement.period_start}..{statement.period_end}" if statement else "open period"
        for entry in tx.entries:
            rows.append(
                TrailRow(
                    _aware(tx.occurred_at),
                    tx.kind,
                    entry.account,
                    Money(tx.currency, entry.amount_minor),
                    label,
                )
            )
        if statement is not None and statement not in settled:
            settled.append(statement)
    # Last, the payouts of the statements that settled the order's lines (each
    # pays the statement's whole balance, of which this order is a part).
    for statement in sorted(settled, key=lambda st: st.period_start):
        payout = session.scalar(select(Payout).where(Payout.statement_id == statement.id))
        if payout is not None and payout.status == "sent":
            rows.append(
                TrailRow(
                    None,
                    "payout",
                    f"bank ····{payout.account_last4} (statement {statement.period_start})",
                    Money(payout.currency, payout.amount_minor),
                    payout.provider_reference,
                )
            )
    return rows


# --------------------------------------------------------------------- jobs


def payout_provider(rt: object) -> PayoutProvider:
    """The runtime's payout provider (``rt.payouts``), or the built-in test provider."""
    provider = getattr(rt, "payouts", None)
    return provider if provider is not None else _DEFAULT_PROVIDER


_DEFAULT_PROVIDER = TestPayoutProvider()
_DEFAULT_PAYMENTS = TestPaymentProvider()


@job(
    "finance.settle",
    timedelta(hours=1),
    "Close ended settlement periods: reserve, payout, statement.",
)
def _settle_job(sessions, clock: Clock) -> int:  # type: ignore[no-untyped-def]
    from souk.core.runtime import runtime_of

    rt = runtime_of(sessions)
    with sessions() as session:
        return settle_due(session, clock, payout_provider(rt), rt.payments if rt else None)


@job(
    "finance.ad_spend",
    timedelta(hours=6),
    "Charge yesterday's Sponsored Products spend to sellers' ledgers.",
)
def _ads_job(sessions, clock: Clock) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return post_ad_spend(session, clock)


@job("finance.subscriptions", timedelta(hours=12), "Charge the professional plan's monthly fee.")
def _subscription_job(sessions, clock: Clock) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return post_subscriptions(session, clock)
