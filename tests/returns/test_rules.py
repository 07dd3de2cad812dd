"""Return, refund and A-to-z claim rules: windows to the second, refund limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from souk.core.clock import utc
from souk.core.errors import InvalidInput, InvalidState
from souk.core.policy import default_policy
from souk.returns import rules

POLICY = default_policy().default.returns
DELIVERED = utc(2026, 3, 2, 15, 0)
LATEST = utc(2026, 3, 5, 23, 0)


def _return(now, **changes):  # type: ignore[no-untyped-def]
    values = {
        "order_status": "Shipped",
        "delivered_at": DELIVERED,
        "now": now,
        "window_days": 30,
        "returnable_units": 1,
        "open_request": False,
    }
    values.update(changes)
    return rules.return_eligibility(**values)


def test_the_return_window_is_30_days_from_delivery_inclusive() -> None:
    exactly = _return(DELIVERED + timedelta(days=30))
    assert exactly.allowed and exactly.until == DELIVERED + timedelta(days=30)
    late = _return(DELIVERED + timedelta(days=30, seconds=1))
    assert not late.allowed
    assert late.reason == "The return window closed 30 days after delivery."


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"delivered_at": None}, "Returns open once the order is delivered"),
        ({"order_status": "Canceled"}, "This order was canceled"),
        ({"open_request": True}, "You already have a return in progress"),
        ({"returnable_units": 0}, "Every item of this order has already been returned"),
    ],
)
def test_returns_are_refused_with_a_reason(changes: dict[str, object], reason: str) -> None:
    state = _return(DELIVERED + timedelta(days=1), **changes)
    assert not state.allowed and state.reason.startswith(reason)


def test_category_windows_take_the_longest_matching_prefix() -> None:
    by_category = {"electronics": 15, "electronics/computers": 45, "home": 60}
    assert rules.return_window_days("electronics/computers/laptops", 30, by_category) == 45
    assert rules.return_window_days("electronics/cameras", 30, by_category) == 15
    assert rules.return_window_days("homegrown", 30, by_category) == 30  # not a path prefix
    assert rules.return_window_days("books", 30, by_category) == 30


def test_return_lines_are_checked_against_what_is_left() -> None:
    assert rules.check_return_lines({1: 2, 2: 0}, {1: 2, 2: 1}) == {1: 2}
    with pytest.raises(InvalidInput, match="at most 2"):
        rules.check_return_lines({1: 3}, {1: 2})
    with pytest.raises(InvalidInput, match="not part of this order"):
        rules.check_return_lines({9: 1}, {1: 2})
    with pytest.raises(InvalidInput, match="at least one item"):
        rules.check_return_lines({1: 0}, {1: 2})


def test_deductions_only_for_damaged_or_incomplete_and_at_most_the_limit() -> None:
    assert rules.check_deduction("damaged", 50, 50) == 50
    assert rules.check_deduction("incomplete", 0, 50) == 0
    with pytest.raises(InvalidInput, match="0 to 50%"):
        rules.check_deduction("damaged", 51, 50)
    with pytest.raises(InvalidInput, match="refunded in full"):
        rules.check_deduction("as_sold", 10, 50)
    with pytest.raises(InvalidInput, match="condition"):
        rules.check_deduction("lost", 0, 50)


def test_refund_amounts() -> None:
    full = rules.return_refund_minor(
        items_minor=4000,
        deduction_percent=0,
        shipping_minor=500,
        refund_shipping=True,
        order_total_minor=4500,
        already_refunded_minor=0,
    )
    assert full == 4500
    half = rules.return_refund_minor(
        items_minor=4000,
        deduction_percent=50,
        shipping_minor=500,
        refund_shipping=False,
        order_total_minor=4500,
        already_refunded_minor=0,
    )
    assert half == 2000
    capped = rules.return_refund_minor(
        items_minor=4000,
        deduction_percent=0,
        shipping_minor=500,
        refund_shipping=True,
        order_total_minor=4500,
        already_refunded_minor=3000,
    )
    assert capped == 1500


@given(
    items=st.integers(0, 10**7),
    deduction=st.integers(0, 50),
    shipping=st.integers(0, 10**5),
    refund_shipping=st.booleans(),
    total=st.integers(0, 10**7),
    already=st.integers(0, 10**7),
)
def test_a_refund_never_exceeds_what_is_left_of_what_was_paid(
    items: int, deduction: int, shipping: int, refund_shipping: bool, total: int, already: int
) -> None:
    amount = rules.return_refund_minor(
        items_minor=items,
        deduction_percent=deduction,
        shipping_minor=shipping,
        refund_shipping=refund_shipping,
        order_total_minor=total,
        already_refunded_minor=already,
    )
    assert 0 <= amount <= max(0, total - already)


def test_explicit_refunds_are_checked() -> None:
    assert rules.check_refund_amount(100, 1000, 900) == 100
    with pytest.raises(InvalidInput, match="more than what is left"):
        rules.check_refund_amount(101, 1000, 900)
    with pytest.raises(InvalidInput, match="more than nothing"):
        rules.check_refund_amount(0, 1000, 0)


def test_return_decisions_happen_once() -> None:
    rules.check_can_decide_return(rules.REQUESTED)
    with pytest.raises(InvalidState):
        rules.check_can_decide_return(rules.AUTHORIZED)
    rules.check_can_receive(rules.AUTHORIZED)
    with pytest.raises(InvalidState, match="already received"):
        rules.check_can_receive(rules.RECEIVED)
    with pytest.raises(InvalidState):
        rules.check_can_receive(rules.REQUESTED)


def test_return_labels_carry_a_check_digit() -> None:
    label = rules.return_tracking_number(17, "111-2223334-4445556")
    assert label.startswith("RT") and label.endswith("SK") and len(label) == 13
    digits = label[2:10]
    weights = (8, 6, 4, 2, 3, 5, 9, 7)
    check = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    assert int(label[10]) == {10: 0, 11: 5}.get(check, check)
    assert rules.return_tracking_number(18, "111-2223334-4445556") != label


def _claim(now, **changes):  # type: ignore[no-untyped-def]
    values = {
        "order_status": "Shipped",
        "paid": True,
        "now": now,
        "latest_delivery_at": LATEST,
        "first_contact_at": None,
        "contact_wait_hours": 48,
        "after_delivery_days": 3,
        "window_days": 90,
        "existing_claim": False,
        "left_to_refund_minor": 3999,
    }
    values.update(changes)
    return rules.claim_eligibility(**values)


def test_a_claim_waits_48_hours_after_contacting_the_seller() -> None:
    contact = LATEST - timedelta(days=2)
    before = _claim(contact + timedelta(hours=47, minutes=59), first_contact_at=contact)
    assert not before.allowed and "48 hours" in before.reason
    assert before.opens_at == contact + timedelta(hours=48)
    assert _claim(contact + timedelta(hours=48), first_contact_at=contact).allowed


def test_without_contact_a_claim_opens_3_days_after_the_latest_delivery_date() -> None:
    early = _claim(LATEST + timedelta(days=3) - timedelta(seconds=1))
    assert not early.allowed and early.reason.startswith("First contact the seller")
    assert _claim(LATEST + timedelta(days=3)).allowed


def test_claims_close_90_days_after_the_latest_delivery_date() -> None:
    assert _claim(LATEST + timedelta(days=90)).allowed
    late = _claim(LATEST + timedelta(days=90, seconds=1))
    assert not late.allowed and late.reason == (
        "A-to-z claims close 90 days after the latest delivery date."
    )


def test_one_claim_per_paid_order() -> None:
    assert not _claim(LATEST + timedelta(days=5), existing_claim=True).allowed
    assert not _claim(LATEST + timedelta(days=5), order_status="Canceled").allowed
    assert not _claim(LATEST + timedelta(days=5), paid=False).allowed
    refunded = _claim(LATEST + timedelta(days=5), left_to_refund_minor=0)
    assert not refunded.allowed and "refunded in full" in refunded.reason


def test_the_seller_has_48_hours_to_respond() -> None:
    filed = LATEST + timedelta(days=4)
    due = rules.claim_response_deadline(filed, 48)
    rules.check_can_respond(rules.CLAIM_OPEN, due, due)
    with pytest.raises(InvalidState, match="response window"):
        rules.check_can_respond(rules.CLAIM_OPEN, due + timedelta(seconds=1), due)
    with pytest.raises(InvalidState):
        rules.check_can_respond(rules.CLAIM_RESPONDED, filed, due)


@pytest.mark.parametrize(
    ("delivered", "tracked", "after", "outcome"),
    [
        (False, False, timedelta(seconds=1), rules.GRANTED),
        (False, False, timedelta(0), None),  # the seller's window is still open
        (False, True, timedelta(days=1), None),
        (True, False, timedelta(days=1), None),
    ],
)
def test_only_clear_cases_are_decided_automatically(
    delivered: bool, tracked: bool, after: timedelta, outcome: str | None
) -> None:
    due = LATEST + timedelta(days=6)
    assert (
        rules.automatic_claim_outcome(
            delivered=delivered, has_tracking=tracked, now=due + after, respond_by=due
        )
        == outcome
    )


def test_policy_defaults_follow_the_rules() -> None:
    assert POLICY.window_days == 30
    assert POLICY.claim_contact_wait_hours == 48
    assert POLICY.claim_after_delivery_days == 3
    assert POLICY.claim_window_days == 90
    assert POLICY.claim_response_hours == 48
    assert POLICY.max_deduction_percent == 50
