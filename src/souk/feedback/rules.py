"""Seller feedback rules: who may leave feedback and when, what it must hold,
which feedback the removal rules take down, and the seller's ratings.

Feedback belongs to the seller (product reviews belong to the product). Pure
functions over plain values; the time is always passed in.

Statuses
--------
``published``
    shown on the seller's page and counted in the ratings.
``held``
    a removal rule may apply (obscene language, personal data, a product
    review); hidden and uncounted until staff decide.
``struck``
    shown struck through, uncounted: a delivery complaint about an order souk
    itself fulfilled is souk's responsibility, not the seller's.
``removed``
    taken down by staff (on a rule or the seller's request).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from souk.core.errors import InvalidInput, InvalidState
from souk.core.policy import FeedbackPolicy
from souk.messaging.rules import BUYER, SELLER, check_text

PUBLISHED = "published"
HELD = "held"
STRUCK = "struck"
REMOVED = "removed"
STATUSES = (PUBLISHED, HELD, STRUCK, REMOVED)
SHOWN = (PUBLISHED, STRUCK)

OBSCENE = "Obscene or abusive language"
PERSONAL_DATA = "Contains personal data"
PRODUCT_REVIEW = "Entirely a product review"
PLATFORM_DELIVERY = "Delivery complaint about an order souk fulfilled"

# A removal request waits for staff, then is granted or refused.
REQUEST_OPEN = "open"
REQUEST_GRANTED = "granted"
REQUEST_REFUSED = "refused"


@dataclass(frozen=True)
class SellerRating:
    """A seller's feedback ratings: the last 12 months and lifetime."""

    positive_percent_12m: float | None
    count_12m: int
    average_12m: float | None
    count_lifetime: int
    average_lifetime: float | None


NO_RATING = SellerRating(None, 0, None, 0, None)


@dataclass(frozen=True)
class FeedbackDraft:
    stars: int
    comment: str
    on_time: bool | None
    as_described: bool | None


@dataclass(frozen=True)
class Eligibility:
    allowed: bool
    reason: str = ""
    until: datetime | None = None


def feedback_eligibility(
    *,
    order_status: str,
    delivered_at: datetime | None,
    now: datetime,
    window_days: int,
    already_left: bool,
) -> Eligibility:
    """May the buyer rate the seller for this order now? Once per order, from
    delivery until ``window_days`` after it (inclusive)."""
    if already_left:
        return Eligibility(False, "You have already left feedback for this order.")
    if order_status == "Canceled":
        return Eligibility(False, "This order was canceled; there is nothing to rate.")
    if delivered_at is None:
        return Eligibility(False, "You can rate the seller once your order is delivered.")
    until = delivered_at + timedelta(days=window_days)
    if now > until:
        return Eligibility(
            False, f"Seller feedback closes {window_days} days after delivery.", until=until
        )
    return Eligibility(True, until=until)


def _answer(value: str | bool | None, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = value.strip().lower()
    if text in ("", "skip"):
        return None
    if text in ("yes", "true", "1"):
        return True
    if text in ("no", "false", "0"):
        return False
    raise InvalidInput("Answer yes or no.", field=field)


def check_draft(
    stars: str | int,
    comment: str,
    on_time: str | bool | None,
    as_described: str | bool | None,
    policy: FeedbackPolicy,
) -> FeedbackDraft:
    """Stars 1-5, a comment, two optional yes/no answers; the first problem raises."""
    try:
        rating = int(str(stars).strip())
    except ValueError:
        raise InvalidInput("Choose from 1 to 5 stars.", field="stars") from None
    if not 1 <= rating <= 5:
        raise InvalidInput("Choose from 1 to 5 stars.", field="stars")
    comment = " ".join(comment.split())
    if len(comment) < policy.comment_min:
        raise InvalidInput("Say a few words about the seller.", field="comment")
    if len(comment) > policy.comment_max:
        raise InvalidInput(f"Keep it under {policy.comment_max} characters.", field="comment")
    return FeedbackDraft(
        rating, comment, _answer(on_time, "on_time"), _answer(as_described, "as_described")
    )


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9']+", text.lower())) + " "


def _mentions(text: str, terms: Sequence[str]) -> bool:
    """Whole-word (or word-start, for stems) mentions of any of ``terms``."""
    words = _words(text)
    return any(f" {term.lower()}" in words for term in terms)


def is_obscene(text: str, policy: FeedbackPolicy) -> bool:
    words = set(_words(text).split())
    return any(w.lower() in words for w in policy.obscene_words)


def has_personal_data(text: str) -> bool:
    """E-mail addresses, phone numbers, links and social handles: the same
    content rules every buyer-seller message passes."""
    verdict = check_text(text, sender=BUYER, max_length=10**6)
    return any(r in ("email", "phone", "link", "social") for r in verdict.reasons)


def is_product_review(text: str, policy: FeedbackPolicy) -> bool:
    """About the product only: product words and none about the seller's service."""
    return _mentions(text, policy.product_words) and not _mentions(text, policy.seller_words)


def is_platform_delivery_complaint(
    text: str, stars: int, on_time: bool | None, platform_fulfilled: bool, policy: FeedbackPolicy
) -> bool:
    """A low rating about delivery on an order souk fulfilled."""
    if not platform_fulfilled or stars > 3:
        return False
    return on_time is False or _mentions(text, policy.delivery_words)


def removal_reasons(
    draft: FeedbackDraft, platform_fulfilled: bool, policy: FeedbackPolicy
) -> tuple[str, ...]:
    """Every removal rule the feedback meets."""
    reasons: list[str] = []
    if is_obscene(draft.comment, policy):
        reasons.append(OBSCENE)
    if has_personal_data(draft.comment):
        reasons.append(PERSONAL_DATA)
    if is_product_review(draft.comment, policy):
        reasons.append(PRODUCT_REVIEW)
    if is_platform_delivery_complaint(
        draft.comment, draft.stars, draft.on_time, platform_fulfilled, policy
    ):
        reasons.append(PLATFORM_DELIVERY)
    return tuple(reasons)


def status_on_submission(reasons: Sequence[str]) -> str:
    """Obscene, personal or product-only feedback is held for staff; a delivery
    complaint on an order souk fulfilled is struck through at once."""
    if any(r in (OBSCENE, PERSONAL_DATA, PRODUCT_REVIEW) for r in reasons):
        return HELD
    if PLATFORM_DELIVERY in reasons:
        return STRUCK
    return PUBLISHED


def check_reply(text: str, existing_reply: str, status: str, policy: FeedbackPolicy) -> str:
    """The seller's one public reply."""
    if existing_reply:
        raise InvalidState("You have already replied to this feedback; a reply is final.")
    if status not in SHOWN:
        raise InvalidState("Only feedback shown on your page can be replied to.")
    text = " ".join(text.split())
    if not text:
        raise InvalidInput("Write your reply.", field="reply")
    if len(text) > policy.reply_max:
        raise InvalidInput(f"Keep the reply under {policy.reply_max} characters.", field="reply")
    verdict = check_text(text, sender=SELLER, max_length=policy.reply_max)
    if not verdict.allowed:
        raise InvalidInput(
            "Replies are public: leave out links, contact details and marketing.", field="reply"
        )
    return text


def check_removal_request(
    reason: str, status: str, request_status: str | None, policy: FeedbackPolicy
) -> str:
    if status not in (PUBLISHED, HELD):
        raise InvalidState("This feedback is not counted against you; there is nothing to remove.")
    if request_status is not None:
        raise InvalidState("You have already asked for this feedback to be removed.")
    if reason not in policy.removal_reasons:
        raise InvalidInput("Choose the rule the feedback breaks.", field="reason")
    return reason


def is_positive(stars: int) -> bool:
    return stars >= 4


def is_negative(stars: int) -> bool:
    return stars <= 2


def seller_rating(
    entries: Sequence[tuple[int, datetime]], now: datetime, recent_days: int
) -> SellerRating:
    """Ratings from (stars, left at) of counted feedback: the share of 4-5 star
    feedback and the mean over the last ``recent_days``, and the lifetime mean."""
    if not entries:
        return NO_RATING
    since = now - timedelta(days=recent_days)
    recent = [s for s, at in entries if since <= at <= now]
    lifetime = [s for s, at in entries if at <= now]
    return SellerRating(
        positive_percent_12m=(
            round(100.0 * sum(1 for s in recent if is_positive(s)) / len(recent), 1)
            if recent
            else None
        ),
        count_12m=len(recent),
        average_12m=round(sum(recent) / len(recent), 2) if recent else None,
        count_lifetime=len(lifetime),
        average_lifetime=round(sum(lifetime) / len(lifetime), 2) if lifetime else None,
    )
