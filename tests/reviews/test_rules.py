"""Review rules: drafts, eligibility, the weighted rating, screening, requests, programme."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from souk.core.clock import utc
from souk.core.errors import Forbidden, InvalidInput, InvalidState
from souk.core.policy import load_policy
from souk.reviews import rules

POLICY = load_policy().default.reviews
NOW = utc(2026, 6, 1, 12)
DELIVERED = utc(2026, 5, 1, 15)


# --- drafts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stars", "headline", "text", "field"),
    [
        ("0", "Fine", "Long enough text for a review.", "stars"),
        ("6", "Fine", "Long enough text for a review.", "stars"),
        ("five", "Fine", "Long enough text for a review.", "stars"),
        ("", "Fine", "Long enough text for a review.", "stars"),
        ("4", "   ", "Long enough text for a review.", "headline"),
        ("4", "x" * (POLICY.headline_max + 1), "Long enough text for a review.", "headline"),
        ("4", "Fine", "too short", "text"),
        ("4", "Fine", "y" * (POLICY.text_max + 1), "text"),
    ],
)
def test_a_bad_draft_names_the_field(stars: str, headline: str, text: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.check_draft(stars, headline, text, POLICY)
    assert caught.value.field == field


def test_a_good_draft_is_cleaned() -> None:
    draft = rules.check_draft(
        " 5 ", "  Boils   fast ", "  Quiet and quick every morning.  ", POLICY
    )
    assert draft == rules.ReviewDraft(5, "Boils fast", "Quiet and quick every morning.")
    edge = rules.check_draft(1, "h" * POLICY.headline_max, "t" * POLICY.text_min, POLICY)
    assert edge.stars == 1


# --- eligibility ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("purchased", "spent", "already", "programme", "allowed", "verified"),
    [
        (True, 0, False, False, True, True),
        (False, 5000, False, False, True, False),  # exactly the minimum
        (False, 4999, False, False, False, False),
        (False, 0, False, True, True, False),  # a programme unit
        (True, 0, True, False, False, True),  # one review per product
        (False, 100000, True, False, False, False),
    ],
)
def test_who_may_review(
    purchased: bool, spent: int, already: bool, programme: bool, allowed: bool, verified: bool
) -> None:
    result = rules.review_eligibility(
        purchased=purchased,
        spent_minor=spent,
        min_spend_minor=POLICY.min_spend_minor,
        already_reviewed=already,
        programme_unit=programme,
    )
    assert (result.allowed, result.verified_purchase) == (allowed, verified)
    assert bool(result.reason) == (not allowed)


# --- the weighted rating ------------------------------------------------------------

reviews_strategy = st.lists(
    st.builds(
        rules.RatedReview,
        stars=st.integers(1, 5),
        created_at=st.integers(0, 3000).map(lambda d: NOW - timedelta(days=d)),
        verified_purchase=st.booleans(),
        helpful_votes=st.integers(0, 10_000),
    ),
    min_size=0,
    max_size=40,
)


@given(reviews_strategy, st.integers(0, 3000), st.booleans(), st.integers(0, 10_000))
def test_one_more_five_star_review_never_lowers_the_rating(
    reviews: list[rules.RatedReview], age: int, verified: bool, votes: int
) -> None:
    extra = rules.RatedReview(5, NOW - timedelta(days=age), verified, votes)
    before = rules.weighted_rating(reviews, NOW, POLICY)
    after = rules.weighted_rating([*reviews, extra], NOW, POLICY)
    assert after is not None
    assert before is None or after >= before - 1e-9


@given(reviews_strategy)
def test_the_rating_stays_within_the_stars_given(reviews: list[rules.RatedReview]) -> None:
    rating = rules.weighted_rating(reviews, NOW, POLICY)
    if not reviews:
        assert rating is None
    else:
        assert rating is not None
        assert (
            min(r.stars for r in reviews) - 1e-9 <= rating <= max(r.stars for r in reviews) + 1e-9
        )


@given(st.integers(1, 3000), st.integers(0, 1), st.integers(0, 500))
def test_an_old_unverified_review_weighs_less_than_a_new_verified_one(
    age_days: int, fresh_days: int, votes: int
) -> None:
    old = rules.RatedReview(4, NOW - timedelta(days=age_days + fresh_days), False, votes)
    new = rules.RatedReview(4, NOW - timedelta(days=fresh_days), True, votes)
    assert rules.review_weight(old, NOW, POLICY) < rules.review_weight(new, NOW, POLICY)


def test_the_rating_is_not_a_plain_mean() -> None:
    fresh_five = rules.RatedReview(5, NOW, True, 10)
    old_one = rules.RatedReview(1, NOW - timedelta(days=800), False, 0)
    rating = rules.weighted_rating([fresh_five, old_one], NOW, POLICY)
    assert rating is not None and rating > 4.5  # a plain mean would say 3.0
    # The floor keeps very old reviews in the rating.
    ancient = rules.RatedReview(3, NOW - timedelta(days=20000), True, 0)
    assert rules.review_weight(ancient, NOW, POLICY) == pytest.approx(POLICY.recency_floor)


@pytest.mark.parametrize(
    ("stars", "expected"),
    [
        ([], {5: 0, 4: 0, 3: 0, 2: 0, 1: 0}),
        ([5], {5: 100, 4: 0, 3: 0, 2: 0, 1: 0}),
        ([5, 4, 3], {5: 34, 4: 33, 3: 33, 2: 0, 1: 0}),
        ([5, 5, 1], {5: 67, 4: 0, 3: 0, 2: 0, 1: 33}),
    ],
)
def test_histogram_percentages_add_up(stars: list[int], expected: dict[int, int]) -> None:
    assert rules.star_histogram(stars) == expected


@given(st.lists(st.integers(1, 5), min_size=1, max_size=200))
def test_histogram_always_sums_to_100(stars: list[int]) -> None:
    assert sum(rules.star_histogram(stars).values()) == 100


# --- abuse ----------------------------------------------------------------------------


def _signals(**changes: object) -> rules.ReviewSignals:
    base = {
        "by_seller_staff": False,
        "refunded_for_review": False,
        "free_item_outside_programme": False,
        "new_account": False,
        "new_account_reviews_in_burst": 0,
        "contact_reasons": (),
    }
    return rules.ReviewSignals(**{**base, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({}, rules.PUBLISHED),
        ({"by_seller_staff": True}, rules.REMOVED),
        ({"refunded_for_review": True}, rules.REMOVED),
        ({"free_item_outside_programme": True}, rules.REMOVED),
        ({"contact_reasons": ("contains a link",)}, rules.HELD),
        ({"new_account": True, "new_account_reviews_in_burst": POLICY.burst_reviews}, rules.HELD),
        (
            {"new_account": True, "new_account_reviews_in_burst": POLICY.burst_reviews - 1},
            rules.PUBLISHED,
        ),
        ({"new_account": False, "new_account_reviews_in_burst": 10}, rules.PUBLISHED),
        ({"by_seller_staff": True, "contact_reasons": ("contains a link",)}, rules.REMOVED),
    ],
)
def test_screening(changes: dict[str, object], status: str) -> None:
    screening = rules.screen_review(_signals(**changes), POLICY)
    assert screening.status == status
    assert bool(screening.reasons) == (status != rules.PUBLISHED)


def test_reports_hold_a_review_at_the_threshold() -> None:
    n = POLICY.reports_to_hold
    assert rules.status_after_reports(rules.PUBLISHED, n - 1, POLICY) == rules.PUBLISHED
    assert rules.status_after_reports(rules.PUBLISHED, n, POLICY) == rules.HELD
    assert rules.status_after_reports(rules.REMOVED, n, POLICY) == rules.REMOVED
    with pytest.raises(InvalidInput):
        rules.check_report_reason("I don't like it", POLICY)


def test_nobody_votes_on_their_own_review() -> None:
    with pytest.raises(Forbidden):
        rules.check_vote(7, 7)
    rules.check_vote(7, 8)


# --- review requests -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("after", "allowed"),
    [
        (timedelta(days=4, hours=23, minutes=59), False),  # day 4
        (timedelta(days=5), True),  # day 5
        (timedelta(days=17), True),
        (timedelta(days=30, hours=23, minutes=59), True),  # still day 30
        (timedelta(days=31), False),  # day 31
        (timedelta(0), False),
    ],
)
def test_review_request_window(after: timedelta, allowed: bool) -> None:
    now = DELIVERED + after
    if allowed:
        rules.check_review_request(DELIVERED, now, False, POLICY)
    else:
        with pytest.raises(InvalidState, match="days after delivery"):
            rules.check_review_request(DELIVERED, now, False, POLICY)
    opens, closes = rules.request_window(DELIVERED, POLICY)
    assert (opens <= now <= closes) == allowed


def test_review_request_only_once_and_only_after_delivery() -> None:
    with pytest.raises(InvalidState, match="already sent"):
        rules.check_review_request(DELIVERED, DELIVERED + timedelta(days=10), True, POLICY)
    with pytest.raises(InvalidState, match="after the order is delivered"):
        rules.check_review_request(None, NOW, False, POLICY)


def test_the_request_message_is_the_platforms_words() -> None:
    body = rules.review_request_message("Ada", ["Acme Kettle"], "Kettle House")
    assert "Acme Kettle" in body and "Kettle House" in body
    assert "product" in body and "seller" in body
    assert "cannot offer anything" in body


# --- the review programme --------------------------------------------------------------


@pytest.mark.parametrize(("units", "fee"), [(1, 0), (2, 0), (3, 20000), (30, 20000)])
def test_programme_fee_tiers(units: int, fee: int) -> None:
    assert rules.programme_fee(units, POLICY.programme_max_units, POLICY.programme_fee_tiers) == fee


@pytest.mark.parametrize("units", [0, -1, 31])
def test_programme_units_out_of_range(units: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.programme_fee(units, POLICY.programme_max_units, POLICY.programme_fee_tiers)
    assert caught.value.field == "units"


@pytest.mark.parametrize(
    ("seller", "created_by", "names", "brand", "allowed"),
    [
        ("A1", "A1", ["Other"], None, True),
        ("A1", "A2", ["Acme", "Acme Store"], "ACME", True),
        ("A1", "A2", ["Acme Inc."], "Acme", False),
        ("A1", None, ["Kettle House"], "Acme", False),
        ("A1", None, ["Brew-Master"], "Brew Master", True),
        ("A1", None, ["Kettle House"], None, False),
    ],
)
def test_who_may_enrol(
    seller: str, created_by: str | None, names: list[str], brand: str | None, allowed: bool
) -> None:
    assert rules.may_enrol(seller, created_by, names, brand) is allowed


def test_trusted_reviewers_and_claims() -> None:
    assert rules.is_trusted_reviewer(
        POLICY.reviewer_min_reviews, POLICY.reviewer_min_helpful, POLICY
    )
    assert not rules.is_trusted_reviewer(POLICY.reviewer_min_reviews - 1, 999, POLICY)
    assert not rules.is_trusted_reviewer(99, POLICY.reviewer_min_helpful - 1, POLICY)
    with pytest.raises(InvalidState):
        rules.check_claim(30, 30, False)
    with pytest.raises(InvalidState):
        rules.check_claim(30, 2, True)
    rules.check_claim(30, 29, False)
