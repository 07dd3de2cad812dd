"""Returns, refunds, A-to-z guarantee claims and chargebacks: the use cases.

Each use case that changes something commits its own transaction (as order
cancellation does), after the payment provider has refunded; reads leave the
session as they found it. Refunds go back through the payment provider the
order was paid with, are recorded as ``Refund`` rows and on the payment, and
emit ``refund.issued`` for the seller's ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from souk.catalog.models import Category, Product
from souk.core.clock import Clock
from souk.core.errors import InvalidInput, InvalidState, NotFound, SoukError
from souk.core.events import emit
from souk.core.money import Money
from souk.core.policy import ReturnsPolicy, default_policy
from souk.fulfillment import network
from souk.fulfillment import rules as fc_rules
from souk.fulfillment.models import Shipment
from souk.messaging.models import Message, MessageThread
from souk.offers.service import release_stock
from souk.orders.models import Order, OrderNote, Payment
from souk.orders.payments import PaymentProvider
from souk.orders.service import buyer_order, seller_order
from souk.returns import rules
from souk.returns.models import Chargeback, Claim, Refund, ReturnItem, ReturnRequest
from souk.returns.rules import OrderDefect

log = logging.getLogger(__name__)

PLATFORM_RETURNS_CARRIER = "souk Returns"


def returns_policy(marketplace: str) -> ReturnsPolicy:
    return default_policy().for_marketplace(marketplace).returns


def _note(session: Session, order_id: str, at: datetime, kind: str, text: str) -> None:
    session.add(OrderNote(order_id=order_id, at=at, kind=kind, text=text))


# --- refunds ------------------------------------------------------------------


def refunded_minor(session: Session, order_id: str) -> int:
    """What has been refunded on an order through returns and claims."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Refund.amount_minor), 0)).where(
                Refund.order_id == order_id
            )
        )
        or 0
    )


def order_refunds(session: Session, order_id: str) -> list[Refund]:
    return list(
        session.scalars(
            select(Refund).where(Refund.order_id == order_id).order_by(Refund.issued_at, Refund.id)
        )
    )


def _payment(session: Session, order: Order) -> Payment | None:
    return session.scalar(
        select(Payment).where(
            Payment.checkout_id == order.checkout_id,
            Payment.status.in_(("captured", "refunded")),
        )
    )


def issue_refund(
    session: Session,
    clock: Clock,
    payments: PaymentProvider,
    order: Order,
    amount_minor: int,
    *,
    reason: str,
    return_id: int | None = None,
    claim_id: int | None = None,
) -> Refund:
    """Refund ``amount_minor`` of an order to the buyer's card (never more than
    is left of what was paid). The caller commits."""
    payment = _payment(session, order)
    if payment is None:
        raise InvalidInput("This order was never charged; there is nothing to refund.")
    rules.check_refund_amount(amount_minor, order.total_minor, refunded_minor(session, order.id))
    left_on_payment = payment.amount_minor - payment.refunded_minor
    if amount_minor > left_on_payment:
        raise InvalidInput(
            "A refund cannot be more than what is left of the card payment.", field="amount"
        )
    payments.refund(payment.provider_reference, Money(order.currency, amount_minor))
    now = clock.now()
    payment.refunded_minor += amount_minor
    payment.updated_at = now
    if payment.refunded_minor >= payment.amount_minor:
        payment.status = "refunded"
    refund = Refund(
        order_id=order.id,
        seller_id=order.seller_id,
        marketplace=order.marketplace,
        return_id=return_id,
        claim_id=claim_id,
        currency=order.currency,
        amount_minor=amount_minor,
        reason=reason[:200],
        provider_reference=payment.provider_reference,
        issued_at=now,
    )
    session.add(refund)
    session.flush()
    amount = Money(order.currency, amount_minor)
    _note(session, order.id, now, "refund", f"Refund of {amount} issued to your card ({reason})")
    emit(
        session,
        "refund.issued",
        order.id,
        {
            "order_id": order.id,
            "seller_id": order.seller_id,
            "marketplace": order.marketplace,
            "currency": order.currency,
            "amount_minor": amount_minor,
            "reason": reason,
            "refund_id": refund.id,
            "return_id": return_id,
            "claim_id": claim_id,
        },
        now,
    )
    return refund


# --- returns ------------------------------------------------------------------


def _category_paths(session: Session, asins: Collection[str]) -> list[str]:
    return list(
        session.scalars(
            select(Category.path)
            .join(Product, Product.category_id == Category.id)
            .where(Product.asin.in_(list(asins)))
        )
    )


def window_days(session: Session, order: Order) -> int:
    """The order's return window: the longest of its items' category windows."""
    policy = returns_policy(order.marketplace)
    paths = _category_paths(session, {i.asin for i in order.items}) or [""]
    return max(
        rules.return_window_days(p, policy.window_days, policy.category_window_days) for p in paths
    )


def returnable_units(session: Session, order: Order) -> dict[int, int]:
    """Order item id -> units not yet in a (not declined) return request."""
    taken = dict(
        session.execute(
            select(ReturnItem.order_item_id, func.sum(ReturnItem.quantity))
            .join(ReturnRequest, ReturnRequest.id == ReturnItem.return_id)
            .where(ReturnRequest.order_id == order.id, ReturnRequest.status != rules.DECLINED)
            .group_by(ReturnItem.order_item_id)
        ).all()
    )
    return {
        item.id: max(0, (item.quantity_shipped or item.quantity) - int(taken.get(item.id, 0)))
        for item in order.items
    }


def order_returns(session: Session, order_id: str) -> list[ReturnRequest]:
    return list(
        session.scalars(
            select(ReturnRequest)
            .where(ReturnRequest.order_id == order_id)
            .order_by(ReturnRequest.requested_at, ReturnRequest.id)
            .options(selectinload(ReturnRequest.items))
        )
    )


def return_eligibility(session: Session, clock: Clock, order: Order) -> rules.Eligibility:
    open_request = any(
        r.status in rules.OPEN_RETURN_STATUSES for r in order_returns(session, order.id)
    )
    return rules.return_eligibility(
        order_status=order.status,
        delivered_at=order.delivered_at,
        now=clock.now(),
        window_days=window_days(session, order),
        returnable_units=sum(returnable_units(session, order).values()),
        open_request=open_request,
    )


def request_return(
    session: Session,
    clock: Clock,
    *,
    buyer_id: int,
    order_id: str,
    items: Mapping[int, int],
    reason: str,
    comment: str = "",
) -> ReturnRequest:
    """The buyer asks to return items. Orders souk fulfilled are authorised at
    once; the seller answers the others, or souk authorises after the deadline."""
    order = buyer_order(session, buyer_id, order_id)
    policy = returns_policy(order.marketplace)
    state = return_eligibility(session, clock, order)
    if not state.allowed:
        raise InvalidInput(state.reason, field="items")
    reason = rules.check_reason(reason, policy.reasons)
    lines = rules.check_return_lines(items, returnable_units(session, order))
    comment = comment.strip()
    if len(comment) > 2000:
        raise InvalidInput("Keep the comment under 2,000 characters.", field="comment")
    now = clock.now()
    request = ReturnRequest(
        order_id=order.id,
        buyer_id=buyer_id,
        seller_id=order.seller_id,
        marketplace=order.marketplace,
        status=rules.REQUESTED,
        reason=reason,
        comment=comment,
        requested_at=now,
        authorize_by=rules.authorize_deadline(now, policy.authorize_hours),
        items=[ReturnItem(order_item_id=i, quantity=q) for i, q in lines.items()],
    )
    session.add(request)
    session.flush()
    units = sum(lines.values())
    _note(session, order.id, now, "return", f"Return requested for {units} item(s): {reason}")
    emit(
        session,
        "return.requested",
        order.id,
        {
            "order_id": order.id,
            "seller_id": order.seller_id,
            "marketplace": order.marketplace,
            "return_id": request.id,
            "reason": reason,
            "units": units,
            "currency": order.currency,
            "amount_minor": _items_value(order, request),
        },
        now,
    )
    if order.fulfillment_channel == "PLATFORM":
        _authorize(session, clock, order, request, by="platform")
    session.commit()
    return request


def _items_value(order: Order, request: ReturnRequest) -> int:
    prices = {i.id: i.unit_price_minor for i in order.items}
    return sum(prices[line.order_item_id] * line.quantity for line in request.items)


def _authorize(
    session: Session, clock: Clock, order: Order, request: ReturnRequest, *, by: str
) -> None:
    now = clock.now()
    request.status = rules.AUTHORIZED
    request.decided_at = now
    request.decided_by = by
    request.label_carrier = PLATFORM_RETURNS_CARRIER
    request.label_tracking = rules.return_tracking_number(request.id, order.id)
    who = "souk" if by == "platform" else "the seller"
    _note(
        session,
        order.id,
        now,
        "return",
        f"Return authorised by {who}; prepaid label {request.label_tracking}",
    )
    emit(
        session,
        "return.authorized",
        order.id,
        {
            "order_id": order.id,
            "seller_id": order.seller_id,
            "marketplace": order.marketplace,
            "return_id": request.id,
            "reason": request.reason,
            "by": by,
            "tracking_number": request.label_tracking,
            "currency": order.currency,
            "amount_minor": _items_value(order, request),
        },
        now,
    )


def _seller_return(session: Session, seller_id: str, return_id: int) -> ReturnRequest:
    request = session.get(ReturnRequest, return_id)
    if request is None or request.seller_id != seller_id:
        raise NotFound(f"No return {return_id}.", field="return_id")
    return request


def authorize_return(
    session: Session, clock: Clock, *, seller_id: str, return_id: int
) -> ReturnRequest:
    request = _seller_return(session, seller_id, return_id)
    rules.check_can_decide_return(request.status)
    order = seller_order(session, seller_id, request.order_id)
    _authorize(session, clock, order, request, by="seller")
    session.commit()
    return request


def decline_return(
    session: Session, clock: Clock, *, seller_id: str, return_id: int, reason: str
) -> ReturnRequest:
    """The seller declines, with a reason the buyer reads (the buyer may then
    turn to the A-to-z guarantee)."""
    request = _seller_return(session, seller_id, return_id)
    rules.check_can_decide_return(request.status)
    reason = " ".join(reason.split())
    if len(reason) < 10:
        raise InvalidInput("Tell the buyer why, in a sentence.", field="decline_reason")
    if len(reason) > 1000:
        raise InvalidInput("Keep the reason under 1,000 characters.", field="decline_reason")
    now = clock.now()
    request.status = rules.DECLINED
    request.decided_at = now
    request.decided_by = "seller"
    request.decline_reason = reason
    _note(session, request.order_id, now, "return", f"Return declined by the seller: {reason}")
    session.commit()
    return request


def auto_authorize_due(sessions: sessionmaker[Session], clock: Clock) -> int:
    """Authorise return requests whose seller let the deadline pass; returns how many."""
    done = 0
    with sessions() as session:
        due = session.scalars(
            select(ReturnRequest)
            .where(
                ReturnRequest.status == rules.REQUESTED, ReturnRequest.authorize_by <= clock.now()
            )
            .order_by(ReturnRequest.id)
        ).all()
        for request in due:
            order = session.get(Order, request.order_id)
            assert order is not None
            _authorize(session, clock, order, request, by="platform")
            done += 1
        session.commit()
    return done


def receive_return(
    session: Session,
    clock: Clock,
    payments: PaymentProvider,
    *,
    return_id: int,
    seller_id: str | None,
    condition: str,
    deduction_percent: int = 0,
    restock: bool = False,
    grade: str | None = None,
) -> Refund | None:
    """The items are back: refund in full, or less for damaged or incomplete
    items (within the policy's limit). ``seller_id`` is the seller recording it
    for a merchant order, ``None`` for souk's returns centre. Sellable units of
    merchant orders go back on the offer when the seller says so. Units of an
    order a centre shipped are graded there (``grade``, or the one the condition
    implies): sellable back to fulfillable stock, the rest unfulfillable, and
    damage the network caused reimbursed to the seller."""
    request = session.get(ReturnRequest, return_id)
    if request is None or (seller_id is not None and request.seller_id != seller_id):
        raise NotFound(f"No return {return_id}.", field="return_id")
    rules.check_can_receive(request.status)
    order = session.scalar(
        select(Order).where(Order.id == request.order_id).options(selectinload(Order.items))
    )
    assert order is not None
    if seller_id is not None and order.fulfillment_channel == "PLATFORM":
        raise InvalidInput("souk's returns centre receives returns of orders souk fulfilled.")
    policy = returns_policy(order.marketplace)
    deduction = rules.check_deduction(condition, deduction_percent, policy.max_deduction_percent)
    if restock and condition != rules.AS_SOLD:
        raise InvalidInput("Only items that came back as sold go back on sale.", field="restock")
    graded = order.fulfillment_channel == "PLATFORM" and network.network_shipped(session, order.id)
    if grade is not None and not graded:
        raise InvalidInput(
            "Only returns of orders a souk centre shipped are graded.", field="grade"
        )
    if graded:
        grade = grade or fc_rules.GRADE_FOR_CONDITION[condition]
        fc_rules.check_return_grade(grade, condition, deduction)
    now = clock.now()
    by_id = {i.id: i for i in order.items}
    items_minor = sum(by_id[r.order_item_id].unit_price_minor * r.quantity for r in request.items)
    request.status = rules.RECEIVED
    request.received_at = now
    request.condition = condition
    request.deduction_percent = deduction
    session.flush()
    left = sum(returnable_units(session, order).values())
    refund_shipping = request.reason in policy.seller_fault_reasons and left == 0
    amount = rules.return_refund_minor(
        items_minor=items_minor,
        deduction_percent=deduction,
        shipping_minor=order.shipping_minor,
        refund_shipping=refund_shipping,
        order_total_minor=order.total_minor,
        already_refunded_minor=refunded_minor(session, order.id),
    )
    if restock and order.fulfillment_channel == "MERCHANT":
        for line in request.items:
            release_stock(session, by_id[line.order_item_id].offer_id, line.quantity)
        request.restocked = True
    if graded and grade is not None:
        for line in request.items:
            network.receive_return(
                session,
                clock,
                order_id=order.id,
                offer_id=by_id[line.order_item_id].offer_id,
                quantity=line.quantity,
                grade=grade,
                commit=False,
            )
        request.restocked = grade == "sellable"
        _note(session, order.id, now, "return", f"Graded at the centre: {grade.replace('_', ' ')}")
    _note(
        session, order.id, now, "return", f"Returned items received ({rules.CONDITIONS[condition]})"
    )
    emit(
        session,
        "return.received",
        order.id,
        {
            "order_id": order.id,
            "seller_id": order.seller_id,
            "marketplace": order.marketplace,
            "return_id": request.id,
            "reason": request.reason,
            "condition": condition,
            "restocked": request.restocked,
            "grade": grade or "",
            "currency": order.currency,
            "amount_minor": amount,  # what the refund that follows gives back
        },
        now,
    )
    refund = None
    if amount > 0:
        reason = f"return of {request.reason.lower()}"
        if deduction:
            reason += f", {deduction}% kept for {rules.CONDITIONS[condition].lower()} items"
        refund = issue_refund(
            session, clock, payments, order, amount, reason=reason, return_id=request.id
        )
    session.commit()
    return refund


@dataclass(frozen=True)
class ReturnLine:
    request: ReturnRequest
    order: Order
    refunded_minor: int
    #: How a souk centre graded the units (returns of platform-fulfilled orders).
    grades: tuple[str, ...] = ()


def seller_returns(
    session: Session, seller_id: str, *, status: str = "", limit: int = 100
) -> list[ReturnLine]:
    query = select(ReturnRequest).where(ReturnRequest.seller_id == seller_id)
    if status:
        query = query.where(ReturnRequest.status == status)
    requests = session.scalars(
        query.order_by(ReturnRequest.requested_at.desc(), ReturnRequest.id.desc())
        .limit(limit)
        .options(selectinload(ReturnRequest.items))
    ).all()
    ids = {r.order_id for r in requests}
    orders = {
        o.id: o
        for o in session.scalars(
            select(Order).where(Order.id.in_(ids)).options(selectinload(Order.items))
        )
    }
    refunds = dict(
        session.execute(
            select(Refund.return_id, func.sum(Refund.amount_minor))
            .where(Refund.return_id.in_([r.id for r in requests]))
            .group_by(Refund.return_id)
        ).all()
    )
    receipts = network.return_receipts(session, ids)
    return [
        ReturnLine(
            r,
            orders[r.order_id],
            int(refunds.get(r.id, 0)),
            tuple(sorted({receipt.grade for receipt in receipts.get(r.order_id, [])})),
        )
        for r in requests
    ]


def buyer_return(session: Session, buyer_id: int, return_id: int) -> ReturnRequest:
    request = session.get(ReturnRequest, return_id)
    if request is None or request.buyer_id != buyer_id:
        raise NotFound(f"No return {return_id}.", field="return_id")
    return request


# --- A-to-z guarantee claims ------------------------------------------------------


def first_contact_at(session: Session, order: Order) -> datetime | None:
    """When the buyer first wrote to the seller about this order."""
    return session.scalar(
        select(func.min(Message.created_at))
        .join(MessageThread, MessageThread.id == Message.thread_id)
        .where(
            MessageThread.buyer_id == order.buyer_id,
            MessageThread.seller_id == order.seller_id,
            Message.sender == "buyer",
            Message.order_id == order.id,
            Message.status == "delivered",
        )
    )


def order_claim(session: Session, order_id: str) -> Claim | None:
    return session.scalar(select(Claim).where(Claim.order_id == order_id))


def claim_eligibility(session: Session, clock: Clock, order: Order) -> rules.Eligibility:
    policy = returns_policy(order.marketplace)
    return rules.claim_eligibility(
        order_status=order.status,
        paid=_payment(session, order) is not None,
        now=clock.now(),
        latest_delivery_at=order.latest_delivery_at,
        first_contact_at=first_contact_at(session, order),
        contact_wait_hours=policy.claim_contact_wait_hours,
        after_delivery_days=policy.claim_after_delivery_days,
        window_days=policy.claim_window_days,
        existing_claim=order_claim(session, order.id) is not None,
        left_to_refund_minor=rules.refundable_minor(
            order.total_minor, refunded_minor(session, order.id)
        ),
    )


def file_claim(
    session: Session, clock: Clock, *, buyer_id: int, order_id: str, reason: str, description: str
) -> Claim:
    order = buyer_order(session, buyer_id, order_id)
    policy = returns_policy(order.marketplace)
    state = claim_eligibility(session, clock, order)
    if not state.allowed:
        raise InvalidInput(state.reason, field="reason")
    reason = rules.check_reason(reason, policy.claim_reasons)
    description = rules.check_claim_text(description)
    now = clock.now()
    claim = Claim(
        order_id=order.id,
        buyer_id=buyer_id,
        seller_id=order.seller_id,
        marketplace=order.marketplace,
        reason=reason,
        description=description,
        status=rules.CLAIM_OPEN,
        filed_at=now,
        respond_by=rules.claim_response_deadline(now, policy.claim_response_hours),
        currency=order.currency,
    )
    session.add(claim)
    session.flush()
    _note(session, order.id, now, "claim", f"A-to-z guarantee claim filed: {reason}")
    emit(
        session,
        "claim.filed",
        order.id,
        {
            "order_id": order.id,
            "seller_id": order.seller_id,
            "marketplace": order.marketplace,
            "claim_id": claim.id,
            "reason": reason,
            "currency": order.currency,
            "amount_minor": 0,
        },
        now,
    )
    session.commit()
    return claim


def respond_to_claim(
    session: Session, clock: Clock, *, seller_id: str, claim_id: int, response: str
) -> Claim:
    claim = session.get(Claim, claim_id)
    if claim is None or claim.seller_id != seller_id:
        raise NotFound(f"No claim {claim_id}.", field="claim_id")
    now = clock.now()
    rules.check_can_respond(claim.status, now, claim.respond_by)
    claim.seller_response = rules.check_claim_text(response, field="response")
    claim.responded_at = now
    claim.status = rules.CLAIM_RESPONDED
    _note(session, claim.order_id, now, "claim", "The seller responded to the A-to-z claim")
    session.commit()
    return claim


def withdraw_claim(session: Session, clock: Clock, *, buyer_id: int, claim_id: int) -> Claim:
    claim = session.get(Claim, claim_id)
    if claim is None or claim.buyer_id != buyer_id:
        raise NotFound(f"No claim {claim_id}.", field="claim_id")
    rules.check_can_decide_claim(claim.status)
    now = clock.now()
    claim.status = rules.CLAIM_WITHDRAWN
    claim.withdrawn_at = now
    _note(session, claim.order_id, now, "claim", "A-to-z claim withdrawn by the buyer")
    session.commit()
    return claim


def _decide(
    session: Session,
    clock: Clock,
    payments: PaymentProvider,
    claim: Claim,
    *,
    outcome: str,
    amount_minor: int,
    staff_user_id: int | None,
    note: str,
) -> None:
    rules.check_can_decide_claim(claim.status)
    if outcome not in rules.OUTCOMES:
        raise InvalidInput("Grant or deny the claim.", field="outcome")
    order = session.get(Order, claim.order_id)
    assert order is not None
    now = clock.now()
    if outcome == rules.GRANTED:
        left = rules.refundable_minor(order.total_minor, refunded_minor(session, order.id))
        # Granting with no amount refunds everything left (nothing, if the buyer
        # already has all the money back).
        amount_minor = left if amount_minor <= 0 else amount_minor
        if amount_minor > 0:
            rules.check_refund_amount(
                amount_minor, order.total_minor, refunded_minor(session, order.id)
            )
    else:
        amount_minor = 0
    claim.status = rules.CLAIM_DECIDED
    claim.outcome = outcome
    claim.amount_minor = amount_minor
    claim.decided_at = now
    claim.decided_by = staff_user_id
    claim.decision_note = note.strip()
    if amount_minor > 0:
        issue_refund(
            session,
            clock,
            payments,
            order,
            amount_minor,
            reason="A-to-z guarantee claim",
            claim_id=claim.id,
        )
    _note(session, order.id, now, "claim", f"A-to-z claim {outcome} by souk")
    emit(
        session,
        "claim.decided",
        order.id,
        {
            "order_id": order.id,
            "seller_id": order.seller_id,
            "marketplace": order.marketplace,
            "claim_id": claim.id,
            "outcome": outcome,
            "currency": order.currency,
            "amount_minor": amount_minor,
            "automatic": staff_user_id is None,
        },
        now,
    )


def decide_claim(
    session: Session,
    clock: Clock,
    payments: PaymentProvider,
    *,
    claim_id: int,
    staff_user_id: int,
    outcome: str,
    amount_minor: int = 0,
    note: str = "",
) -> Claim:
    """Staff grant (refunding ``amount_minor``, or everything left when 0) or deny."""
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"No claim {claim_id}.", field="claim_id")
    if len(note.strip()) < 5:
        raise InvalidInput("Write a note on the decision for the record.", field="note")
    _decide(
        session,
        clock,
        payments,
        claim,
        outcome=outcome,
        amount_minor=amount_minor,
        staff_user_id=staff_user_id,
        note=note,
    )
    session.commit()
    return claim


def _has_tracking(session: Session, order_id: str) -> bool:
    return bool(
        session.scalar(
            select(func.count())
            .select_from(Shipment)
            .where(Shipment.order_id == order_id, Shipment.tracking_number != "")
        )
    )


def auto_decide_claims(
    sessions: sessionmaker[Session], clock: Clock, payments: PaymentProvider
) -> int:
    """Grant the clear cases once the seller's 48 hours have passed: not
    delivered and no tracking. Returns how many were decided."""
    decided = 0
    now = clock.now()
    with sessions() as session:
        due = session.scalars(
            select(Claim)
            .where(
                Claim.status.in_((rules.CLAIM_OPEN, rules.CLAIM_RESPONDED)), Claim.respond_by < now
            )
            .order_by(Claim.id)
        ).all()
        for claim in due:
            order = session.get(Order, claim.order_id)
            assert order is not None
            outcome = rules.automatic_claim_outcome(
                delivered=order.delivered_at is not None,
                has_tracking=_has_tracking(session, order.id),
                now=now,
                respond_by=claim.respond_by,
            )
            if outcome is None:
                continue
            try:
                _decide(
                    session,
                    clock,
                    payments,
                    claim,
                    outcome=outcome,
                    amount_minor=0,
                    staff_user_id=None,
                    note="Granted automatically: not delivered and no tracking.",
                )
            except SoukError:
                session.rollback()  # left for staff, with the reason in the log
                log.exception("could not decide claim %s automatically", claim.id)
                continue
            session.commit()
            decided += 1
    return decided


@dataclass(frozen=True)
class ClaimLine:
    claim: Claim
    order: Order
    delivered: bool
    has_tracking: bool


def claims_queue(
    session: Session,
    *,
    statuses: Collection[str] = (),
    seller_id: str | None = None,
    limit: int = 100,
) -> list[ClaimLine]:
    query = select(Claim)
    if statuses:
        query = query.where(Claim.status.in_(list(statuses)))
    if seller_id is not None:
        query = query.where(Claim.seller_id == seller_id)
    claims = session.scalars(
        query.order_by(Claim.filed_at.desc(), Claim.id.desc()).limit(limit)
    ).all()
    orders = {
        o.id: o
        for o in session.scalars(
            select(Order)
            .where(Order.id.in_({c.order_id for c in claims}))
            .options(selectinload(Order.items))
        )
    }
    tracked = set(
        session.scalars(
            select(Shipment.order_id).where(
                Shipment.order_id.in_(list(orders)), Shipment.tracking_number != ""
            )
        )
    )
    return [
        ClaimLine(
            c,
            orders[c.order_id],
            orders[c.order_id].delivered_at is not None,
            c.order_id in tracked,
        )
        for c in claims
    ]


# --- chargebacks ----------------------------------------------------------------


def record_chargeback(
    session: Session,
    clock: Clock,
    *,
    order_id: str,
    provider_reference: str,
    reason: str,
    amount_minor: int,
    filed_at: datetime | None = None,
    recorded_by: int | None = None,
) -> Chargeback:
    """Record a chargeback the payment provider reported on an order's payment."""
    order = session.get(Order, order_id.strip())
    if order is None:
        raise InvalidInput(f"No order {order_id}.", field="order_id")
    policy = returns_policy(order.marketplace)
    reason = rules.check_reason(reason, policy.chargeback_reasons)
    reference = provider_reference.strip()
    if not reference:
        raise InvalidInput("Give the provider's dispute reference.", field="provider_reference")
    if session.scalar(select(Chargeback.id).where(Chargeback.provider_reference == reference)):
        raise InvalidInput("That dispute is already recorded.", field="provider_reference")
    if _payment(session, order) is None:
        raise InvalidInput("This order was never charged.", field="order_id")
    if amount_minor <= 0 or amount_minor > order.total_minor:
        raise InvalidInput(
            "A chargeback is more than nothing and at most the order's total.", field="amount"
        )
    now = clock.now()
    filed = filed_at or now
    if filed > now or filed < order.purchased_at:
        raise InvalidInput("The dispute date must be between purchase and now.", field="filed_at")
    chargeback = Chargeback(
        order_id=order.id,
        seller_id=order.seller_id,
        marketplace=order.marketplace,
        provider_reference=reference,
        reason=reason,
        currency=order.currency,
        amount_minor=amount_minor,
        filed_at=filed,
        recorded_at=now,
        recorded_by=recorded_by,
        status=rules.CHARGEBACK_OPEN,
    )
    session.add(chargeback)
    session.flush()
    _note(session, order.id, now, "chargeback", f"Chargeback recorded: {reason}")
    emit(
        session,
        "chargeback.recorded",
        order.id,
        {
            "order_id": order.id,
            "seller_id": order.seller_id,
            "marketplace": order.marketplace,
            "chargeback_id": chargeback.id,
            "currency": order.currency,
            "amount_minor": amount_minor,
            "reason": reason,
        },
        now,
    )
    session.commit()
    return chargeback


def chargeback_respond_by(chargeback: Chargeback) -> datetime:
    policy = returns_policy(chargeback.marketplace)
    return rules.chargeback_response_deadline(
        chargeback.recorded_at, policy.chargeback_response_days
    )


def chargeback_response_eligibility(chargeback: Chargeback, now: datetime) -> rules.Eligibility:
    return rules.chargeback_response_eligibility(
        status=chargeback.status,
        responded=chargeback.responded_at is not None,
        now=now,
        respond_by=chargeback_respond_by(chargeback),
    )


def respond_to_chargeback(
    session: Session, clock: Clock, *, seller_id: str, chargeback_id: int, response: str
) -> Chargeback:
    """The seller's evidence against the dispute, which souk puts before the
    card issuer: once, while the dispute is open and the window lasts."""
    chargeback = session.get(Chargeback, chargeback_id)
    if chargeback is None or chargeback.seller_id != seller_id:
        raise NotFound(f"No chargeback {chargeback_id}.", field="chargeback_id")
    now = clock.now()
    state = chargeback_response_eligibility(chargeback, now)
    if not state.allowed:
        raise InvalidState(state.reason, field="response")
    chargeback.seller_response = rules.check_chargeback_response(response)
    chargeback.responded_at = now
    _note(session, chargeback.order_id, now, "chargeback", "The seller responded to the chargeback")
    session.commit()
    return chargeback


def decide_chargeback(
    session: Session, clock: Clock, *, chargeback_id: int, outcome: str, decided_by: int
) -> Chargeback:
    """Staff record the card issuer's decision: ``won`` (for the seller, who gets
    the money back) or ``lost`` (the buyer keeps it). The issuer decides once."""
    chargeback = session.get(Chargeback, chargeback_id)
    if chargeback is None:
        raise NotFound(f"No chargeback {chargeback_id}.", field="chargeback_id")
    outcome = rules.check_chargeback_outcome(outcome, chargeback.status)
    now = clock.now()
    chargeback.status = outcome
    chargeback.decided_at = now
    chargeback.decided_by = decided_by
    side = "the seller" if outcome == rules.CHARGEBACK_WON else "the buyer"
    _note(
        session,
        chargeback.order_id,
        now,
        "chargeback",
        f"Chargeback {outcome}: the card issuer decided for {side}",
    )
    emit(
        session,
        "chargeback.decided",
        chargeback.order_id,
        {
            "order_id": chargeback.order_id,
            "seller_id": chargeback.seller_id,
            "marketplace": chargeback.marketplace,
            "chargeback_id": chargeback.id,
            "outcome": outcome,
            "currency": chargeback.currency,
            "amount_minor": chargeback.amount_minor,
            "reason": chargeback.reason,
        },
        now,
    )
    session.commit()
    return chargeback


@dataclass(frozen=True)
class ChargebackLine:
    chargeback: Chargeback
    respond_by: datetime
    #: Whether the seller may still respond, and if not, why.
    response: rules.Eligibility


def chargeback_queue(
    session: Session,
    now: datetime,
    *,
    statuses: Collection[str] = (),
    seller_id: str | None = None,
    limit: int = 50,
) -> list[ChargebackLine]:
    """Chargebacks, latest recorded first, with the seller's response window."""
    query = select(Chargeback)
    if statuses:
        query = query.where(Chargeback.status.in_(list(statuses)))
    if seller_id is not None:
        query = query.where(Chargeback.seller_id == seller_id)
    chargebacks = session.scalars(
        query.order_by(Chargeback.recorded_at.desc(), Chargeback.id.desc()).limit(limit)
    ).all()
    return [
        ChargebackLine(c, chargeback_respond_by(c), chargeback_response_eligibility(c, now))
        for c in chargebacks
    ]


# --- for seller performance ---------------------------------------------------------


def order_defects(
    session: Session,
    seller_ids: Collection[str],
    marketplace: str,
    since: datetime,
    until: datetime,
) -> list[OrderDefect]:
    """A-to-z claims (except withdrawn ones) and chargebacks filed in [since, until).

    A chargeback the card issuer decided for the seller (won) is no defect: the
    seller's evidence showed the order was fulfilled as promised."""
    ids = list(seller_ids)
    if not ids:
        return []
    claims = session.execute(
        select(Claim.order_id, Claim.seller_id, Claim.filed_at).where(
            Claim.seller_id.in_(ids),
            Claim.marketplace == marketplace,
            Claim.status != rules.CLAIM_WITHDRAWN,
            Claim.filed_at >= since,
            Claim.filed_at < until,
        )
    ).all()
    chargebacks = session.execute(
        select(Chargeback.order_id, Chargeback.seller_id, Chargeback.filed_at).where(
            Chargeback.seller_id.in_(ids),
            Chargeback.marketplace == marketplace,
            Chargeback.status != rules.CHARGEBACK_WON,
            Chargeback.filed_at >= since,
            Chargeback.filed_at < until,
        )
    ).all()
    defects = [OrderDefect(o, s, marketplace, rules.A_TO_Z_CLAIM, at) for o, s, at in claims] + [
        OrderDefect(o, s, marketplace, rules.CHARGEBACK, at) for o, s, at in chargebacks
    ]
    return sorted(defects, key=lambda d: (d.at, d.order_id, d.kind))


def return_refund_counts(
    session: Session, seller_id: str, marketplace: str, since: datetime, until: datetime
) -> tuple[int, int]:
    """(orders with a return request, orders with a refund) among the seller's
    orders purchased in [since, until)."""
    in_window = (
        select(Order.id)
        .where(
            Order.seller_id == seller_id,
            Order.marketplace == marketplace,
            Order.purchased_at >= since,
            Order.purchased_at < until,
        )
        .scalar_subquery()
    )
    returned = session.scalar(
        select(func.count(func.distinct(ReturnRequest.order_id))).where(
            ReturnRequest.order_id.in_(in_window)
        )
    )
    refunded = session.scalar(
        select(func.count(func.distinct(Refund.order_id))).where(Refund.order_id.in_(in_window))
    )
    return int(returned or 0), int(refunded or 0)


__all__ = [
    "OrderDefect",
    "auto_authorize_due",
    "auto_decide_claims",
    "order_defects",
    "return_refund_counts",
]
