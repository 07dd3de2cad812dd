"""Rules for returns, refunds, A-to-z guarantee claims and chargebacks.

Pure functions over plain values; the time is always passed in. Windows are
inclusive at their far edge: a return asked for exactly 30 days after
delivery is in time, one a second later is not.

Refunds never exceed what was paid: every refund is capped by what is left
of the order's total after the refunds already issued.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from souk.core.errors import InvalidInput, InvalidState
from souk.messaging import rules as messaging

# Return request statuses.
REQUESTED = "requested"  # waiting for the seller (or souk, after the deadline)
AUTHORIZED = "authorized"  # label issued; the buyer sends the items back
DECLINED = "declined"  # the seller said no, with a reason
RECEIVED = "received"  # items back, refund issued
RETURN_STATUSES = (REQUESTED, AUTHORIZED, DECLINED, RECEIVED)
OPEN_RETURN_STATUSES = (REQUESTED, AUTHORIZED)

# How a returned item came back.
AS_SOLD = "as_sold"
DAMAGED = "damaged"
INCOMPLETE = "incomplete"
CONDITIONS = {
    AS_SOLD: "In the condition it was sold",
    DAMAGED: "Damaged",
    INCOMPLETE: "Incomplete (parts missing)",
}

# A-to-z claim statuses and outcomes.
CLAIM_OPEN = "open"  # waiting for the seller's response
CLAIM_RESPONDED = "responded"  # the seller answered; souk decides
CLAIM_DECIDED = "decided"
CLAIM_WITHDRAWN = "withdrawn"
CLAIM_STATUSES = (CLAIM_OPEN, CLAIM_RESPONDED, CLAIM_DECIDED, CLAIM_WITHDRAWN)
GRANTED = "granted"
DENIED = "denied"
OUTCOMES = (GRANTED, DENIED)

# Chargeback statuses: open until the card issuer decides, for the seller (won)
# or for the buyer (lost).
CHARGEBACK_OPEN = "open"
CHARGEBACK_WON = "won"
CHARGEBACK_LOST = "lost"
CHARGEBACK_STATUSES = (CHARGEBACK_OPEN, CHARGEBACK_WON, CHARGEBACK_LOST)
CHARGEBACK_OUTCOMES = (CHARGEBACK_WON, CHARGEBACK_LOST)
#: A chargeback response is evidence for the issuer: long enough to say
#: something, short enough to be read.
CHARGEBACK_RESPONSE_MIN = 20
CHARGEBACK_RESPONSE_MAX = 2000
#: Content rules that apply to evidence: the issuer reads text souk forwards, so
#: links lead nowhere, and contact details are personal data to keep out.
#: (Marketing words are no harm here: "we offered 10% off" is evidence.)
_NOT_IN_EVIDENCE = (messaging.LINK, messaging.EMAIL, messaging.PHONE, messaging.SOCIAL)

# Order defects (for the order defect rate).
A_TO_Z_CLAIM = "a_to_z_claim"
CHARGEBACK = "chargeback"
NEGATIVE_FEEDBACK = "negative_feedback"


@dataclass(frozen=True)
class OrderDefect:
    """Something that counts against a seller's order defect rate."""

    order_id: str
    seller_id: str
    marketplace: str
    kind: str  # "a_to_z_claim" | "chargeback" | "negative_feedback"
    at: datetime  # when filed/left (UTC)


@dataclass(frozen=True)
class Eligibility:
    """Whether an action is open now, and if not, the reason in the buyer's words."""

    allowed: bool
    reason: str = ""
    #: The last instant the action is open (when there is one).
    until: datetime | None = None
    #: The first instant the action opens (when it is not open yet).
    opens_at: datetime | None = None


# --- returns ------------------------------------------------------------------


def return_window_days(
    category_path: str, default_days: int, by_category: Mapping[str, int]
) -> int:
    """The return window for a product: the longest matching category prefix wins."""
    best = ""
    for prefix in by_category:
        if (category_path == prefix or category_path.startswith(prefix.rstrip("/") + "/")) and len(
            prefix
        ) > len(best):
            best = prefix
    return by_category[best] if best else default_days


def return_eligibility(
    *,
    order_status: str,
    delivered_at: datetime | None,
    now: datetime,
    window_days: int,
    returnable_units: int,
    open_request: bool,
) -> Eligibility:
    """May the buyer ask to return items of this order now?"""
    if order_status == "Canceled":
        return Eligibility(False, "This order was canceled; there is nothing to return.")
    if delivered_at is None:
        return Eligibility(
            False,
            "Returns open once the order is delivered. If it has not arrived, "
            "contact the seller or, later, file an A-to-z claim.",
        )
    until = delivered_at + timedelta(days=window_days)
    if now > until:
        return Eligibility(
            False,
            f"The return window closed {window_days} days after delivery.",
            until=until,
        )
    if open_request:
        return Eligibility(
            False, "You already have a return in progress for this order.", until=until
        )
    if returnable_units <= 0:
        return Eligibility(False, "Every item of this order has already been returned.")
    return Eligibility(True, until=until)


def check_return_lines(wanted: Mapping[int, int], returnable: Mapping[int, int]) -> dict[int, int]:
    """The (order item id -> quantity) lines of a return request, checked against
    the units still returnable; at least one unit must be chosen."""
    lines: dict[int, int] = {}
    for item_id, quantity in wanted.items():
        if quantity == 0:
            continue
        if item_id not in returnable:
            raise InvalidInput("That item is not part of this order.", field="items")
        if quantity < 0 or quantity > returnable[item_id]:
            raise InvalidInput(
                f"You can return at most {returnable[item_id]} of that item.", field="items"
            )
        lines[item_id] = quantity
    if not lines:
        raise InvalidInput("Choose at least one item to return.", field="items")
    return lines


def check_reason(reason: str, allowed: Sequence[str], field: str = "reason") -> str:
    reason = reason.strip()
    if reason not in allowed:
        raise InvalidInput("Choose a reason from the list.", field=field)
    return reason


def authorize_deadline(requested_at: datetime, hours: int) -> datetime:
    """When souk authorises a request the seller has not answered."""
    return requested_at + timedelta(hours=hours)


def check_can_decide_return(status: str) -> None:
    if status != REQUESTED:
        raise InvalidState(f"This return is already {status}; it cannot be decided again.")


def check_can_receive(status: str) -> None:
    if status != AUTHORIZED:
        if status == RECEIVED:
            raise InvalidState("This return was already received and refunded.")
        raise InvalidState(f"Only an authorised return can be received (this one is {status}).")


def check_deduction(condition: str, deduction_percent: int, max_percent: int) -> int:
    """The share of a returned item's price kept back: only for damaged or
    incomplete items, and never more than the policy's maximum."""
    if condition not in CONDITIONS:
        raise InvalidInput("Choose the condition the items came back in.", field="condition")
    if condition == AS_SOLD:
        if deduction_percent:
            raise InvalidInput(
                "Items returned as sold are refunded in full.", field="deduction_percent"
            )
        return 0
    if deduction_percent < 0 or deduction_percent > max_percent:
        raise InvalidInput(
            f"A deduction is 0 to {max_percent}% of the item price.", field="deduction_percent"
        )
    return deduction_percent


def return_refund_minor(
    *,
    items_minor: int,
    deduction_percent: int,
    shipping_minor: int,
    refund_shipping: bool,
    order_total_minor: int,
    already_refunded_minor: int,
) -> int:
    """What a received return refunds: the items' price less the deduction,
    plus the outbound shipping when it is refunded, capped by what is left of
    the order's total after earlier refunds."""
    if items_minor < 0 or shipping_minor < 0:
        raise ValueError("amounts are never negative")
    kept = items_minor * deduction_percent // 100
    amount = items_minor - kept + (shipping_minor if refund_shipping else 0)
    return max(0, min(amount, refundable_minor(order_total_minor, already_refunded_minor)))


def refundable_minor(order_total_minor: int, already_refunded_minor: int) -> int:
    """What can still be refunded on an order."""
    return max(0, order_total_minor - already_refunded_minor)


def check_refund_amount(amount_minor: int, order_total_minor: int, already_refunded: int) -> int:
    left = refundable_minor(order_total_minor, already_refunded)
    if amount_minor <= 0:
        raise InvalidInput("A refund must be more than nothing.", field="amount")
    if amount_minor > left:
        raise InvalidInput(
            "A refund cannot be more than what is left of what the buyer paid.", field="amount"
        )
    return amount_minor


def return_tracking_number(return_id: int, order_id: str) -> str:
    """The prepaid return label's tracking number: ``RT``, nine digits from the
    return's id and order, a mod-11 check digit (as UPU S10 labels carry), ``SK``."""
    digits = f"{(return_id * 7919 + sum(map(ord, order_id))) % 10**8:08d}"
    weights = (8, 6, 4, 2, 3, 5, 9, 7)
    check = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    check = {10: 0, 11: 5}.get(check, check)
    return f"RT{digits}{check}SK"


# --- A-to-z guarantee claims ----------------------------------------------------


def claim_eligibility(
    *,
    order_status: str,
    paid: bool,
    now: datetime,
    latest_delivery_at: datetime,
    first_contact_at: datetime | None,
    contact_wait_hours: int,
    after_delivery_days: int,
    window_days: int,
    existing_claim: bool,
    left_to_refund_minor: int,
) -> Eligibility:
    """May the buyer file an A-to-z guarantee claim on this order now?

    The buyer must first give the seller a chance: contact the seller about the
    order and wait ``contact_wait_hours``, or wait ``after_delivery_days`` past
    the latest promised delivery date. Claims close ``window_days`` after the
    latest delivery date.
    """
    if order_status == "Canceled" or not paid:
        return Eligibility(False, "This order was canceled and not charged; there is no claim.")
    if existing_claim:
        return Eligibility(False, "You have already filed an A-to-z claim for this order.")
    if left_to_refund_minor <= 0:
        return Eligibility(False, "This order was refunded in full; there is nothing to claim.")
    until = latest_delivery_at + timedelta(days=window_days)
    if now > until:
        return Eligibility(
            False,
            f"A-to-z claims close {window_days} days after the latest delivery date.",
            until=until,
        )
    after_delivery = latest_delivery_at + timedelta(days=after_delivery_days)
    after_contact = (
        first_contact_at + timedelta(hours=contact_wait_hours)
        if first_contact_at is not None
        else None
    )
    opens = min(t for t in (after_delivery, after_contact) if t is not None)
    if now < opens:
        if first_contact_at is None:
            reason = (
                "First contact the seller about this order and give them "
                f"{contact_wait_hours} hours to help, or wait until {after_delivery_days} days "
                "after the latest delivery date."
            )
        else:
            reason = (
                f"The seller has {contact_wait_hours} hours to answer your message "
                "before you can file a claim."
            )
        return Eligibility(False, reason, until=until, opens_at=opens)
    return Eligibility(True, until=until)


def claim_response_deadline(filed_at: datetime, hours: int) -> datetime:
    return filed_at + timedelta(hours=hours)


def check_can_respond(status: str, now: datetime, respond_by: datetime) -> None:
    if status != CLAIM_OPEN:
        raise InvalidState(f"This claim is {status}; it takes no more responses.")
    if now > respond_by:
        raise InvalidState("The 48-hour response window for this claim has closed.")


def check_can_decide_claim(status: str) -> None:
    if status not in (CLAIM_OPEN, CLAIM_RESPONDED):
        raise InvalidState(f"This claim is {status}; it cannot be decided.")


def automatic_claim_outcome(
    *, delivered: bool, has_tracking: bool, now: datetime, respond_by: datetime
) -> str | None:
    """The clear case souk decides without staff: once the seller's response
    window has passed, an order that was never delivered and has no tracking is
    granted. Everything else waits for a person (``None``)."""
    if now <= respond_by:
        return None
    if not delivered and not has_tracking:
        return GRANTED
    return None


def check_claim_text(text: str, limit: int = 2000, field: str = "description") -> str:
    text = text.strip().replace("\r\n", "\n")
    if len(text) < 10:
        raise InvalidInput("Tell us what went wrong in a sentence or two.", field=field)
    if len(text) > limit:
        raise InvalidInput(f"Keep it under {limit} characters.", field=field)
    return text


# --- chargebacks ------------------------------------------------------------------


def chargeback_response_deadline(recorded_at: datetime, days: int) -> datetime:
    """The last instant the seller may answer a chargeback. It counts from when
    souk recorded the dispute, when the seller can first see it, so a dispute
    recorded late still leaves the seller the whole window."""
    return recorded_at + timedelta(days=days)


def chargeback_response_eligibility(
    *, status: str, responded: bool, now: datetime, respond_by: datetime
) -> Eligibility:
    """May the seller still send evidence for this chargeback? Once: the issuer
    gets one submission, so a second would never be read."""
    if status != CHARGEBACK_OPEN:
        return Eligibility(False, f"The card issuer has decided this chargeback ({status}).")
    if responded:
        return Eligibility(False, "You have already responded to this chargeback.")
    if now > respond_by:
        return Eligibility(False, "The time to respond to this chargeback has passed.")
    return Eligibility(True, until=respond_by)


def check_chargeback_response(text: str) -> str:
    """The seller's evidence, stripped, of a readable length and without links or
    contact details."""
    text = text.strip().replace("\r\n", "\n")
    if len(text) < CHARGEBACK_RESPONSE_MIN:
        raise InvalidInput(
            "Say what happened and what shows it (tracking, delivery, messages), "
            f"in at least {CHARGEBACK_RESPONSE_MIN} characters.",
            field="response",
        )
    if len(text) > CHARGEBACK_RESPONSE_MAX:
        raise InvalidInput(
            f"Keep the response under {CHARGEBACK_RESPONSE_MAX:,} characters.", field="response"
        )
    verdict = messaging.check_text(text, sender=messaging.SELLER, max_length=10**6)
    if any(r in _NOT_IN_EVIDENCE for r in verdict.reasons):
        raise InvalidInput(
            "Leave out links, e-mail addresses, phone numbers and social accounts: "
            "the issuer reads only the text souk sends.",
            field="response",
        )
    return text


def check_chargeback_outcome(outcome: str, status: str) -> str:
    """The issuer decides a dispute once; souk records the decision as it came."""
    outcome = outcome.strip()
    if outcome not in CHARGEBACK_OUTCOMES:
        raise InvalidInput(
            "Record whether the issuer decided for the seller (won) or the buyer (lost).",
            field="outcome",
        )
    if status != CHARGEBACK_OPEN:
        raise InvalidState(
            f"This chargeback was already decided ({status}); it cannot be decided again.",
            field="outcome",
        )
    return outcome
