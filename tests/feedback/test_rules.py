"""Seller feedback rules: the 90-day window, drafts, removal rules, ratings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from souk.core.clock import utc
from souk.core.errors import InvalidInput, InvalidState
from souk.core.policy import default_policy
from souk.feedback import rules

POLICY = default_policy().default.feedback
DELIVERED = utc(2026, 3, 4, 18, 0)
NOW = utc(2026, 6, 1)


def _eligibility(now, **changes):  # type: ignore[no-untyped-def]
    values = {
        "order_status": "Shipped",
        "delivered_at": DELIVERED,
        "now": now,
        "window_days": 90,
        "already_left": False,
    }
    values.update(changes)
    return rules.feedback_eligibility(**values)


def test_feedback_is_open_for_90_days_after_delivery_inclusive() -> None:
    assert _eligibility(DELIVERED + timedelta(days=90)).allowed
    late = _eligibility(DELIVERED + timedelta(days=90, seconds=1))
    assert not late.allowed and late.reason == "Seller feedback closes 90 days after delivery."


def test_feedback_once_per_delivered_order() -> None:
    assert "already left" in _eligibility(DELIVERED, already_left=True).reason
    assert "once your order is delivered" in _eligibility(DELIVERED, delivered_at=None).reason
    assert "canceled" in _eligibility(DELIVERED, order_status="Canceled").reason


@pytest.mark.parametrize(
    ("stars", "comment", "on_time", "field"),
    [
        ("0", "Quick and friendly seller", "yes", "stars"),
        ("six", "Quick and friendly seller", "yes", "stars"),
        ("5", "ok", "yes", "comment"),
        ("5", "x" * 1001, "yes", "comment"),
        ("5", "Quick and friendly seller", "maybe", "on_time"),
    ],
)
def test_a_bad_draft_names_the_field(stars: str, comment: str, on_time: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.check_draft(stars, comment, on_time, None, POLICY)
    assert caught.value.field == field


def test_a_good_draft_is_cleaned() -> None:
    draft = rules.check_draft(" 4 ", "  Fast   shipping,  thanks ", "yes", "", POLICY)
    assert draft == rules.FeedbackDraft(4, "Fast shipping, thanks", True, None)


@pytest.mark.parametrize(
    ("comment", "stars", "on_time", "platform", "reasons"),
    [
        ("Fast delivery and the seller answered quickly", 5, True, False, ()),
        ("What a shit seller, never again", 1, None, False, (rules.OBSCENE,)),
        ("Call me on 0161 496 0000 to sort this out", 2, None, False, (rules.PERSONAL_DATA,)),
        (
            "The battery life is great and the screen is sharp",
            5,
            None,
            False,
            (rules.PRODUCT_REVIEW,),
        ),
        ("Great quality, and the seller shipped it fast", 5, True, False, ()),
        (
            "The delivery was late and the box was crushed",
            1,
            False,
            True,
            (rules.PLATFORM_DELIVERY,),
        ),
        ("The delivery was late and the box was crushed", 1, False, False, ()),
        ("Arrived late but fine", 4, False, True, ()),  # a good rating stays
    ],
)
def test_removal_rules(
    comment: str, stars: int, on_time: bool | None, platform: bool, reasons: tuple[str, ...]
) -> None:
    draft = rules.FeedbackDraft(stars, comment, on_time, None)
    assert rules.removal_reasons(draft, platform, POLICY) == reasons


def test_statuses_on_submission() -> None:
    assert rules.status_on_submission(()) == rules.PUBLISHED
    assert rules.status_on_submission((rules.OBSCENE,)) == rules.HELD
    assert rules.status_on_submission((rules.PRODUCT_REVIEW,)) == rules.HELD
    assert rules.status_on_submission((rules.PLATFORM_DELIVERY,)) == rules.STRUCK


def test_one_public_reply_without_contact_details() -> None:
    assert rules.check_reply(" Thank you! ", "", rules.PUBLISHED, POLICY) == "Thank you!"
    with pytest.raises(InvalidState, match="already replied"):
        rules.check_reply("Again", "Thank you!", rules.PUBLISHED, POLICY)
    with pytest.raises(InvalidState):
        rules.check_reply("Hello", "", rules.HELD, POLICY)
    with pytest.raises(InvalidInput, match="contact details"):
        rules.check_reply("Write to us at help@example.com", "", rules.PUBLISHED, POLICY)


def test_removal_requests() -> None:
    assert (
        rules.check_removal_request(rules.OBSCENE, rules.PUBLISHED, None, POLICY) == rules.OBSCENE
    )
    with pytest.raises(InvalidState, match="already asked"):
        rules.check_removal_request(rules.OBSCENE, rules.PUBLISHED, rules.REQUEST_OPEN, POLICY)
    with pytest.raises(InvalidState):
        rules.check_removal_request(rules.OBSCENE, rules.STRUCK, None, POLICY)
    with pytest.raises(InvalidInput):
        rules.check_removal_request("I don't like it", rules.PUBLISHED, None, POLICY)


def test_ratings_over_12_months_and_lifetime() -> None:
    entries = [
        (5, NOW - timedelta(days=1)),
        (4, NOW - timedelta(days=100)),
        (1, NOW - timedelta(days=365)),  # exactly 12 months: still counted
        (2, NOW - timedelta(days=365, seconds=1)),  # lifetime only
        (5, NOW + timedelta(days=1)),  # the future: not yet
    ]
    rating = rules.seller_rating(entries, NOW, 365)
    assert rating.count_12m == 3 and rating.count_lifetime == 4
    assert rating.positive_percent_12m == pytest.approx(66.7)
    assert rating.average_12m == pytest.approx(3.33)
    assert rating.average_lifetime == 3.0
    assert rules.seller_rating([], NOW, 365) == rules.NO_RATING


@given(st.lists(st.tuples(st.integers(1, 5), st.integers(0, 800)), min_size=1, max_size=40))
def test_ratings_stay_within_the_stars_given(raw: list[tuple[int, int]]) -> None:
    entries = [(stars, NOW - timedelta(days=age)) for stars, age in raw]
    rating = rules.seller_rating(entries, NOW, 365)
    assert rating.average_lifetime is not None
    assert min(s for s, _ in raw) <= rating.average_lifetime <= max(s for s, _ in raw)
    if rating.positive_percent_12m is not None:
        assert 0 <= rating.positive_percent_12m <= 100
