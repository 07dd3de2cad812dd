"""Product review rules: who may review, what a review must hold, how the star
rating is weighted, which reviews are held back, review programmes and
review requests. Pure functions over plain values; the time is always passed in.

The weighted star rating
------------------------
A product's rating is not the plain mean of its stars. Each review ``i`` gets
a weight::

    w_i = recency_i * purchase_i * helpful_i

    recency_i = max(recency_floor, 0.5 ** (age_days_i / half_life_days))
    purchase_i = 1.0 for a verified purchase, else unverified_weight (0.5)
    helpful_i = 1 + helpful_weight * ln(1 + helpful_votes_i)

and the rating is the weighted mean ``sum(w_i * stars_i) / sum(w_i)``.

Why each factor: products change (new batches, fixed defects), so a year-old
review counts half as much as today's, but never less than the floor, so a
product with only old reviews still has a rating. A buyer who bought the item
saw the real thing; one who did not is believed half as much. Readers who
found a review helpful vouch for it; the logarithm keeps one viral review from
drowning the rest. Every weight is positive, so the rating stays inside the
1-5 range and one more 5-star review can never lower it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from souk.core.errors import Forbidden, InvalidInput, InvalidState
from souk.core.policy import ReviewFeeTier, ReviewsPolicy

PUBLISHED = "published"
HELD = "held"  # waiting for staff moderation, not shown to buyers
REMOVED = "removed"
STATUSES = (PUBLISHED, HELD, REMOVED)

SORTS = ("top", "recent")
STARS = (5, 4, 3, 2, 1)


# --- writing a review -------------------------------------------------------


@dataclass(frozen=True)
class ReviewDraft:
    stars: int
    headline: str
    text: str


def check_draft(stars: str | int, headline: str, text: str, policy: ReviewsPolicy) -> ReviewDraft:
    """A review's stars, headline and text, cleaned; the first problem raises with its field."""
    try:
        rating = int(str(stars).strip())
    except ValueError:
        raise InvalidInput("Choose from 1 to 5 stars.", field="stars") from None
    if rating < 1 or rating > 5:
        raise InvalidInput("Choose from 1 to 5 stars.", field="stars")
    headline = " ".join(headline.split())
    if not headline:
        raise InvalidInput("Add a headline: what's most important to know?", field="headline")
    if len(headline) > policy.headline_max:
        raise InvalidInput(
            f"Keep the headline under {policy.headline_max} characters.", field="headline"
        )
    text = text.strip().replace("\r\n", "\n")
    if len(text) < policy.text_min:
        raise InvalidInput(
            f"Tell other buyers a little more: at least {policy.text_min} characters.",
            field="text",
        )
    if len(text) > policy.text_max:
        raise InvalidInput(f"Keep the review under {policy.text_max} characters.", field="text")
    return ReviewDraft(rating, headline, text)


@dataclass(frozen=True)
class Eligibility:
    allowed: bool
    verified_purchase: bool
    reason: str = ""


def review_eligibility(
    *,
    purchased: bool,
    spent_minor: int,
    min_spend_minor: int,
    already_reviewed: bool,
    programme_unit: bool = False,
) -> Eligibility:
    """May this buyer review the product, and does the review carry "Verified Purchase"?

    A purchase (shipped or delivered) qualifies; a free unit from the review
    programme qualifies without the badge; otherwise the buyer must have spent
    at least ``min_spend_minor`` in the marketplace in the spend window.
    """
    if already_reviewed:
        return Eligibility(False, purchased, "You have already reviewed this product.")
    if purchased:
        return Eligibility(True, True)
    if programme_unit or spent_minor >= min_spend_minor:
        return Eligibility(True, False)
    return Eligibility(
        False,
        False,
        "Customers who have not bought this item may review it after spending a minimum "
        "amount on souk in the past 12 months.",
    )


# --- the weighted rating ----------------------------------------------------


@dataclass(frozen=True)
class RatedReview:
    stars: int
    created_at: datetime
    verified_purchase: bool
    helpful_votes: int


def review_weight(review: RatedReview, now: datetime, policy: ReviewsPolicy) -> float:
    """One review's weight in the rating (see the module docstring)."""
    age_days = max(0.0, (now - review.created_at).total_seconds() / 86400)
    recency = max(policy.recency_floor, math.pow(0.5, age_days / policy.half_life_days))
    purchase = 1.0 if review.verified_purchase else policy.unverified_weight
    helpful = 1.0 + policy.helpful_weight * math.log1p(max(0, review.helpful_votes))
    return recency * purchase * helpful


def weighted_rating(
    reviews: Sequence[RatedReview], now: datetime, policy: ReviewsPolicy
) -> float | None:
    """The product's star rating (1.0-5.0), or None without reviews."""
    if not reviews:
        return None
    weights = [review_weight(r, now, policy) for r in reviews]
    total = math.fsum(weights)
    return math.fsum(w * r.stars for w, r in zip(weights, reviews, strict=True)) / total


def display_rating(rating: float | None) -> float | None:
    """Ratings show to one decimal ("4.3 out of 5")."""
    return None if rating is None else round(rating, 1)


def star_histogram(stars: Sequence[int]) -> dict[int, int]:
    """Whole percentages per star level (5 to 1) that add up to 100 when there are reviews.

    Largest remainders get the leftover points, so the bars never sum to 99 or 101.
    """
    counts = {level: 0 for level in STARS}
    for s in stars:
        counts[s] += 1
    total = len(stars)
    if total == 0:
        return counts
    exact = {level: counts[level] * 100 / total for level in STARS}
    shares = {level: math.floor(exact[level]) for level in STARS}
    leftover = 100 - sum(shares.values())
    for level in sorted(STARS, key=lambda lv: (shares[lv] - exact[lv], -lv))[:leftover]:
        shares[level] += 1
    return shares


# --- abuse ------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewSignals:
    """What the platform knows about a review and its author when it is written."""

    by_seller_staff: bool  # the author works for a seller of the product
    refunded_for_review: bool  # refunded yet kept the item: a paid review
    free_item_outside_programme: bool
    new_account: bool
    new_account_reviews_in_burst: int  # of this product, this one included
    contact_reasons: tuple[str, ...]


@dataclass(frozen=True)
class Screening:
    status: str
    reasons: tuple[str, ...]


def screen_review(signals: ReviewSignals, policy: ReviewsPolicy) -> Screening:
    """Publish, hold for moderation, or remove a new or edited review.

    Reviews by the seller's own people and incentivised reviews are removed
    outright: nothing a moderator reads changes that they are not independent.
    Contact data and bursts from new accounts may be innocent, so a person decides.
    """
    removed = []
    if signals.by_seller_staff:
        removed.append("written by someone who works for a seller of this product")
    if signals.refunded_for_review:
        removed.append("the author was refunded for the item and kept it")
    if signals.free_item_outside_programme:
        removed.append("the author received the item free outside the review programme")
    if removed:
        return Screening(REMOVED, tuple(removed))
    held = [f"The review {reason}" for reason in signals.contact_reasons]
    if signals.new_account and signals.new_account_reviews_in_burst >= policy.burst_reviews:
        held.append("Part of a burst of reviews from new accounts")
    if held:
        return Screening(HELD, tuple(held))
    return Screening(PUBLISHED, ())


def is_new_account(created_at: datetime, now: datetime, policy: ReviewsPolicy) -> bool:
    return now - created_at < timedelta(days=policy.new_account_days)


def check_vote(voter_id: int, author_id: int) -> None:
    if voter_id == author_id:
        raise Forbidden("You cannot vote on your own review.")


def check_report_reason(reason: str, policy: ReviewsPolicy) -> str:
    if reason not in policy.report_reasons:
        raise InvalidInput("Choose why you are reporting this review.", field="reason")
    return reason


def status_after_reports(status: str, open_reports: int, policy: ReviewsPolicy) -> str:
    """Enough independent reports take a published review off the page until staff look."""
    if status == PUBLISHED and open_reports >= policy.reports_to_hold:
        return HELD
    return status


MODERATION_DECISIONS = {"publish": PUBLISHED, "remove": REMOVED}


def check_moderation(decision: str) -> str:
    if decision not in MODERATION_DECISIONS:
        raise InvalidInput("Choose publish or remove.", field="decision")
    return MODERATION_DECISIONS[decision]


# --- review requests --------------------------------------------------------


def days_since_delivery(delivered_at: datetime, now: datetime) -> int:
    """Whole days since delivery: the day of delivery is day 0."""
    return (now - delivered_at) // timedelta(days=1)


def check_review_request(
    delivered_at: datetime | None, now: datetime, already_sent: bool, policy: ReviewsPolicy
) -> None:
    """A seller may ask once per order, from day ``request_min_days`` to ``request_max_days``."""
    if already_sent:
        raise InvalidState("A review request was already sent for this order.")
    if delivered_at is None:
        raise InvalidState("Reviews can be requested only after the order is delivered.")
    day = days_since_delivery(delivered_at, now)
    if day < policy.request_min_days:
        raise InvalidState(
            f"Reviews can be requested from {policy.request_min_days} days after delivery "
            f"(this order was delivered {day} day{'s' if day != 1 else ''} ago)."
        )
    if day > policy.request_max_days:
        raise InvalidState(
            f"Reviews can be requested up to {policy.request_max_days} days after delivery "
            f"(this order was delivered {day} days ago)."
        )


def request_window(delivered_at: datetime, policy: ReviewsPolicy) -> tuple[datetime, datetime]:
    """The first and the last instant a review may be requested."""
    return (
        delivered_at + timedelta(days=policy.request_min_days),
        delivered_at + timedelta(days=policy.request_max_days + 1) - timedelta(microseconds=1),
    )


REQUEST_SUBJECT = "How did your order go? Share your experience"


def review_request_message(buyer_name: str, product_titles: Sequence[str], store: str) -> str:
    """The platform's own wording; sellers cannot change a word of it."""
    items = "\n".join(f"  - {title}" for title in product_titles)
    return (
        f"Hello {buyer_name},\n\n"
        f"{store} asks you to share your experience of your recent souk order:\n{items}\n\n"
        "Other customers rely on honest reviews. Please rate the product and, separately, "
        "the seller who sent it. Any rating is welcome, good or bad.\n\n"
        "This message was sent by souk on the seller's request. "
        "Sellers cannot offer anything in exchange for a review."
    )


# --- the review programme (Vine-like) ---------------------------------------


def programme_fee(units: int, max_units: int, tiers: Sequence[ReviewFeeTier]) -> int:
    """The enrolment fee in minor units for this many free units."""
    if units < 1 or units > max_units:
        raise InvalidInput(f"Enrol from 1 to {max_units} units.", field="units")
    for tier in sorted(tiers, key=lambda t: t.up_to_units):
        if units <= tier.up_to_units:
            return tier.fee_minor
    raise InvalidInput(f"No fee tier covers {units} units.", field="units")


def normalised_name(name: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", name.casefold()).split())


def may_enrol(
    seller_id: str,
    product_created_by: str | None,
    seller_names: Sequence[str],
    brand_name: str | None,
) -> bool:
    """Until souk has a brand registry, the brand owner is the seller who created
    the product page, or a seller whose business or store name is the brand."""
    if product_created_by == seller_id:
        return True
    if brand_name is None:
        return False
    brand = normalised_name(brand_name)
    return any(normalised_name(name) == brand for name in seller_names)


def is_trusted_reviewer(published_reviews: int, helpful_votes: int, policy: ReviewsPolicy) -> bool:
    """Invited reviewers have a record: enough published reviews that others found helpful."""
    return (
        published_reviews >= policy.reviewer_min_reviews
        and helpful_votes >= policy.reviewer_min_helpful
    )


def check_claim(units: int, claimed: int, already_claimed: bool) -> None:
    if already_claimed:
        raise InvalidState("You already claimed a unit of this product.")
    if claimed >= units:
        raise InvalidState("Every free unit of this product has been claimed.")
