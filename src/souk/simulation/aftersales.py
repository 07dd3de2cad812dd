"""Simulated after-sales: returns, refunds, A-to-z claims, chargebacks and
seller feedback, driven through souk's own use cases.

The simulator calls :func:`simulate_day` once the day's trade is done. Each
order's after-sales fate is drawn once from a generator keyed by the order
(purchase instant, seller, amount: stable across runs), so a seed reproduces
it; an event happens on the day its planned instant falls in, and the clock
is set to that instant while it happens. Unreliable sellers (late shipments,
cancellations) get more returns for their own faults, more claims and
chargebacks, slower answers and worse feedback.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from souk.core.clock import FrozenClock
from souk.core.errors import SoukError
from souk.core.runtime import Runtime
from souk.feedback.models import SellerFeedback
from souk.feedback.service import leave_feedback
from souk.orders.models import Order
from souk.returns import rules
from souk.returns.models import Chargeback, Claim, ReturnRequest
from souk.returns.service import (
    authorize_return,
    decline_return,
    file_claim,
    receive_return,
    record_chargeback,
    request_return,
    respond_to_claim,
    returns_policy,
    withdraw_claim,
)
from souk.simulation.rules import SellerTraits, event_rng

RETURN_RATE = 0.05
FEEDBACK_RATE = 0.16
CLAIM_RATE = 0.003
CHARGEBACK_RATE = 0.001
WITHDRAW_AFTER_RESPONSE = 0.4

BUYER_FAULT = ("No longer needed", "Bought by mistake", "Better price available")
SELLER_FAULT = (
    "Item defective or doesn't work",
    "Item arrived damaged",
    "Wrong item was sent",
    "Not as described",
    "Missing parts or accessories",
)
DECLINE_REASONS = (
    "The item was marked final sale in the listing.",
    "Opened software and sealed media cannot be returned.",
)
CLAIM_STORIES = (
    "The item does not match the listing and the seller stopped answering.",
    "It stopped working after two days and the seller would not take it back.",
    "The box arrived with parts missing and the seller offered nothing.",
)
SELLER_ANSWERS = (
    "We have offered a full refund on return; a prepaid label is on its way.",
    "Tracking shows delivery to the address on the order; we have asked the carrier.",
    "We are sending a replacement part today at no cost.",
)
#: Feedback comments by (stars, delivered late).
COMMENTS: dict[tuple[int, bool], tuple[str, ...]] = {
    (5, False): (
        "Arrived early and well packed. Great seller.",
        "Fast shipping, exactly as described, would buy again.",
        "Quick dispatch and the seller answered my question the same day.",
        "Smooth order, on time, thank you!",
    ),
    (5, True): ("A day late, but the seller warned me and apologised. Great service.",),
    (4, False): (
        "Good seller, arrived on time, packaging could be better.",
        "As described and on time; a little slow to answer messages.",
    ),
    (4, True): ("As described; delivery took a day longer than promised.",),
    (3, False): (
        "Item fine, but the seller took a while to answer my question.",
        "Okay overall; the packaging was flimsy.",
    ),
    (3, True): ("Order arrived late but the seller kept me informed.",),
    (2, False): (
        "Packaging was poor and the item was scuffed.",
        "Not quite as described and the seller was slow to reply.",
    ),
    (2, True): ("Shipped late and the seller took days to answer.",),
    (1, False): (
        "Arrived damaged and the seller was unhelpful about the return.",
        "Not as described and the seller never answered my messages.",
    ),
    (1, True): ("Very late and no reply from the seller to my messages.",),
}


class _SellerLike(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def traits(self) -> SellerTraits: ...


@dataclass
class AftersalesReport:
    returns: int = 0
    authorized: int = 0
    declined: int = 0
    received: int = 0
    feedback: int = 0
    claims: int = 0
    claim_responses: int = 0
    withdrawn: int = 0
    chargebacks: int = 0


def unreliability(traits: SellerTraits) -> float:
    """0 for a flawless seller, towards 1 for one that ships late and cancels."""
    return min(1.0, traits.late_shipment_rate * 2.0 + traits.cancel_rate * 5.0)


def stars_for(rng: random.Random, unreliable: float, late: bool, returned: bool) -> int:
    """Mostly 5 stars; worse for unreliable sellers, late deliveries and returns."""
    badness = unreliable * 0.8 + (0.35 if late else 0.0) + (0.25 if returned else 0.0)
    roll = rng.random()
    if roll < 0.03 + 0.45 * badness:
        return rng.choice((1, 1, 2))
    if roll < 0.07 + 0.6 * badness:
        return rng.choice((2, 3, 3))
    return 4 if rng.random() < 0.25 else 5


class _Day:
    def __init__(
        self,
        rt: Runtime,
        clock: FrozenClock,
        seed: int,
        start: datetime,
        sellers: Mapping[str, _SellerLike],
    ) -> None:
        self.rt = rt
        self.clock = clock
        self.seed = seed
        self.start = start
        self.end = start + timedelta(days=1)
        self.sellers = sellers
        self.report = AftersalesReport()

    def today(self, when: datetime) -> bool:
        return self.start <= when < self.end

    def u(self, order: Order) -> float:
        seller = self.sellers.get(order.seller_id)
        if seller is None or order.fulfillment_channel == "PLATFORM":
            return 0.02
        return unreliability(seller.traits)

    def rng(self, order: Order, step: str) -> random.Random:
        seller = self.sellers.get(order.seller_id)
        key = seller.key if seller else order.seller_id
        return event_rng(
            self.seed, "aftersales", step, order.purchased_at.isoformat(), key, order.total_minor
        )

    def at(self, when: datetime, action: Callable[[Session], object]) -> bool:
        """Run one use case with the clock at ``when``; a refusal is just skipped."""
        self.clock.set(when)
        with self.rt.sessions() as session:
            try:
                action(session)
            except SoukError:
                session.rollback()
                return False
        return True

    def orders(self, query_filter: object, days_back: int) -> list[Order]:
        with self.rt.read_sessions() as session:
            return list(
                session.scalars(
                    select(Order)
                    .where(
                        Order.delivered_at >= self.start - timedelta(days=days_back),
                        Order.delivered_at < self.end,
                        query_filter,  # type: ignore[arg-type]
                    )
                    .order_by(Order.delivered_at, Order.id)
                    .options(selectinload(Order.items))
                )
            )

    # -- the phases of a day, each reading what the earlier ones wrote ---------------

    def returns(self) -> None:
        no_return = ~exists().where(ReturnRequest.order_id == Order.id)
        for order in self.orders(no_return, 21):
            rng = self.rng(order, "return")
            u = self.u(order)
            if rng.random() >= RETURN_RATE + 0.12 * u:
                continue
            when = order.delivered_at + timedelta(days=rng.uniform(0.3, 20))  # type: ignore[operator]
            if not self.today(when):
                continue
            reason = rng.choice(SELLER_FAULT if rng.random() < 0.3 + 0.6 * u else BUYER_FAULT)
            item = order.items[0]
            quantity = rng.randint(1, item.quantity)
            done = self.at(
                when,
                lambda s, o=order, i=item.id, q=quantity, r=reason: request_return(
                    s, self.clock, buyer_id=o.buyer_id, order_id=o.id, items={i: q}, reason=r
                ),
            )
            self.report.returns += done

    def _requests(
        self, status: str, field: str, days_back: int
    ) -> list[tuple[ReturnRequest, Order]]:
        column = getattr(ReturnRequest, field)
        with self.rt.read_sessions() as session:
            rows = session.execute(
                select(ReturnRequest, Order)
                .join(Order, Order.id == ReturnRequest.order_id)
                .where(
                    ReturnRequest.status == status,
                    column >= self.start - timedelta(days=days_back),
                    column < self.end,
                )
                .order_by(column, ReturnRequest.id)
            ).all()
        return [(r, o) for r, o in rows]

    def seller_decisions(self) -> None:
        for request, order in self._requests(rules.REQUESTED, "requested_at", 3):
            rng = self.rng(order, "return-decision")
            u = self.u(order)
            if rng.random() < 0.8 * u:
                continue  # no answer: souk authorises after the deadline (a job)
            when = request.requested_at + timedelta(hours=rng.uniform(1, 30))
            if not self.today(when):
                continue
            if request.reason in BUYER_FAULT and rng.random() < 0.1 * u + 0.02:
                reason = rng.choice(DECLINE_REASONS)
                done = self.at(
                    when,
                    lambda s, r=request, t=reason: decline_return(
                        s, self.clock, seller_id=r.seller_id, return_id=r.id, reason=t
                    ),
                )
                self.report.declined += done
            else:
                done = self.at(
                    when,
                    lambda s, r=request: authorize_return(
                        s, self.clock, seller_id=r.seller_id, return_id=r.id
                    ),
                )
                self.report.authorized += done

    def receipts(self) -> None:
        for request, order in self._requests(rules.AUTHORIZED, "decided_at", 10):
            rng = self.rng(order, "return-receipt")
            when = request.decided_at + timedelta(days=rng.uniform(2, 7))  # type: ignore[operator]
            if not self.today(when):
                continue
            roll = rng.random()
            condition = (
                rules.AS_SOLD if roll < 0.8 else rules.DAMAGED if roll < 0.93 else rules.INCOMPLETE
            )
            limit = returns_policy(order.marketplace).max_deduction_percent
            deduction = 0 if condition == rules.AS_SOLD else rng.randint(1, limit // 5) * 5
            restock = condition == rules.AS_SOLD and rng.random() < 0.85
            by = None if order.fulfillment_channel == "PLATFORM" else order.seller_id
            done = self.at(
                when,
                lambda s, r=request, c=condition, d=deduction, k=restock, b=by: receive_return(
                    s,
                    self.clock,
                    self.rt.payments,
                    return_id=r.id,
                    seller_id=b,
                    condition=c,
                    deduction_percent=d,
                    restock=k,
                ),
            )
            self.report.received += done

    def feedback(self) -> None:
        none_yet = ~exists().where(SellerFeedback.order_id == Order.id)
        for order in self.orders(none_yet, 31):
            rng = self.rng(order, "feedback")
            u = self.u(order)
            late = order.delivered_at > order.latest_delivery_at  # type: ignore[operator]
            if rng.random() >= FEEDBACK_RATE + (0.1 if late else 0.0) + 0.1 * u:
                continue
            when = order.delivered_at + timedelta(days=rng.uniform(0.2, 30))  # type: ignore[operator]
            if not self.today(when):
                continue
            stars = stars_for(rng, u, late, returned=False)
            comment = rng.choice(COMMENTS[(stars, late)])
            on_time = "no" if late else ("yes" if rng.random() < 0.8 else "")
            done = self.at(
                when,
                lambda s, o=order, n=stars, c=comment, t=on_time: leave_feedback(
                    s,
                    self.clock,
                    buyer_id=o.buyer_id,
                    order_id=o.id,
                    stars=n,
                    comment=c,
                    on_time=t,
                    as_described="yes" if n >= 4 else "",
                ),
            )
            self.report.feedback += done

    def claims(self) -> None:
        no_claim = ~exists().where(Claim.order_id == Order.id)
        for order in self.orders(no_claim, 40):
            rng = self.rng(order, "claim")
            if rng.random() >= CLAIM_RATE + 0.05 * self.u(order):
                continue
            opens = order.latest_delivery_at + timedelta(days=3)
            when = max(opens, order.delivered_at) + timedelta(days=rng.uniform(0.1, 20))  # type: ignore[type-var]
            if not self.today(when):
                continue
            story = rng.choice(CLAIM_STORIES)
            done = self.at(
                when,
                lambda s, o=order, t=story: file_claim(
                    s,
                    self.clock,
                    buyer_id=o.buyer_id,
                    order_id=o.id,
                    reason="Item not as described or defective",
                    description=t,
                ),
            )
            self.report.claims += done

    def _claims(self, status: str, field: str, days_back: int) -> list[tuple[Claim, Order]]:
        column = getattr(Claim, field)
        with self.rt.read_sessions() as session:
            rows = session.execute(
                select(Claim, Order)
                .join(Order, Order.id == Claim.order_id)
                .where(
                    Claim.status == status,
                    column >= self.start - timedelta(days=days_back),
                    column < self.end,
                )
                .order_by(column, Claim.id)
            ).all()
        return [(c, o) for c, o in rows]

    def claim_responses(self) -> None:
        for claim, order in self._claims(rules.CLAIM_OPEN, "filed_at", 3):
            rng = self.rng(order, "claim-response")
            if rng.random() < self.u(order):
                continue  # the seller lets the 48 hours pass
            when = claim.filed_at + timedelta(hours=rng.uniform(2, 40))
            if not self.today(when):
                continue
            answer = rng.choice(SELLER_ANSWERS)
            done = self.at(
                when,
                lambda s, c=claim, a=answer: respond_to_claim(
                    s, self.clock, seller_id=c.seller_id, claim_id=c.id, response=a
                ),
            )
            self.report.claim_responses += done
        for claim, order in self._claims(rules.CLAIM_RESPONDED, "responded_at", 3):
            rng = self.rng(order, "claim-withdraw")
            if rng.random() >= WITHDRAW_AFTER_RESPONSE:
                continue
            when = claim.responded_at + timedelta(hours=rng.uniform(3, 48))  # type: ignore[operator]
            if not self.today(when):
                continue
            done = self.at(
                when,
                lambda s, c=claim: withdraw_claim(
                    s, self.clock, buyer_id=c.buyer_id, claim_id=c.id
                ),
            )
            self.report.withdrawn += done

    def chargebacks(self) -> None:
        none_yet = ~exists().where(Chargeback.order_id == Order.id)
        for order in self.orders(none_yet, 45):
            rng = self.rng(order, "chargeback")
            if rng.random() >= CHARGEBACK_RATE + 0.012 * self.u(order):
                continue
            when = order.purchased_at + timedelta(days=rng.uniform(8, 45))
            if not self.today(when):
                continue
            reason = rng.choice(("Item not as described", "Fraudulent transaction"))
            reference = f"dp_{rng.getrandbits(48):012x}"
            done = self.at(
                when,
                lambda s, o=order, r=reason, ref=reference: record_chargeback(
                    s,
                    self.clock,
                    order_id=o.id,
                    provider_reference=ref,
                    reason=r,
                    amount_minor=o.total_minor,
                ),
            )
            self.report.chargebacks += done


def simulate_day(
    rt: Runtime,
    clock: FrozenClock,
    seed: int,
    day_start: datetime,
    sellers: Mapping[str, _SellerLike],
) -> AftersalesReport:
    """The after-sales events of the day starting at ``day_start``; the clock
    ends where it was (the day's end)."""
    resume = clock.now()
    day = _Day(rt, clock, seed, day_start, sellers)
    try:
        day.returns()
        day.seller_decisions()
        day.receipts()
        day.feedback()
        day.claims()
        day.claim_responses()
        day.chargebacks()
    finally:
        clock.set(resume)
    return day.report


__all__ = ["AftersalesReport", "simulate_day", "stars_for", "unreliability"]
