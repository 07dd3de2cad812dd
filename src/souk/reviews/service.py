"""Review use cases: write and edit, vote, report, moderate, show a product's
reviews; enrol products in the review programme and claim units; send the one
review request a seller may send per order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from souk.accounts.models import User
from souk.catalog.models import Product
from souk.catalog.service import get_product
from souk.core.clock import Clock
from souk.core.errors import Conflict, Forbidden, InvalidInput, NotFound, SoukError
from souk.core.events import emit
from souk.core.policy import ReviewsPolicy, default_policy
from souk.core.storage import MediaStorage, check_image
from souk.marketplaces.rules import MARKETPLACES
from souk.messaging.rules import BUYER, check_text
from souk.messaging.service import send_platform_message
from souk.offers.models import Offer
from souk.orders import rules as order_rules
from souk.orders.models import Order, OrderItem, Payment
from souk.orders.service import seller_order
from souk.reviews import rules
from souk.reviews.models import (
    ProgrammeClaim,
    ProgrammeEnrolment,
    Review,
    ReviewImage,
    ReviewReport,
    ReviewRequest,
    ReviewRevision,
    ReviewVote,
)
from souk.sellers.models import Seller, SellerUser


def reviews_policy(marketplace: str) -> ReviewsPolicy:
    return default_policy().for_marketplace(marketplace).reviews


# Messaging's reason codes that mean "takes buyers off the platform", in the
# words a review's author and the moderators read.
_CONTACT_REASONS = {
    "link": "contains a link",
    "email": "contains an e-mail address",
    "phone": "contains a phone number",
    "social": "contains a social media account",
}


def contact_reasons(text: str) -> tuple[str, ...]:
    """Contact data in review text, by the same content rules every message passes:
    a review is read on a public page, and contact data there takes buyers off souk."""
    verdict = check_text(text, sender=BUYER, max_length=10**6)
    return tuple(
        dict.fromkeys(_CONTACT_REASONS[r] for r in verdict.reasons if r in _CONTACT_REASONS)
    )


# --- reads of orders, offers and sellers that reviews depend on ---------------


def family_asins(session: Session, product: Product) -> tuple[str, list[str]]:
    """The variation family's ASIN and every ASIN in it (parent and children)."""
    family = product.parent_asin or product.asin
    members = list(
        session.scalars(
            select(Product.asin).where(or_(Product.asin == family, Product.parent_asin == family))
        )
    )
    return family, members


def _bought_orders(session: Session, buyer_id: int, asins: Sequence[str]) -> list[Order]:
    """The buyer's shipped or delivered orders holding any of these products."""
    return list(
        session.scalars(
            select(Order)
            .where(
                Order.buyer_id == buyer_id,
                or_(Order.status == order_rules.SHIPPED, Order.delivered_at.is_not(None)),
                exists().where(OrderItem.order_id == Order.id, OrderItem.asin.in_(asins)),
            )
            .options(selectinload(Order.items))
        )
    )


def _spent(session: Session, buyer_id: int, marketplace: str, since: datetime) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Order.total_minor), 0)).where(
                Order.buyer_id == buyer_id,
                Order.marketplace == marketplace,
                Order.status != order_rules.CANCELED,
                Order.purchased_at >= since,
            )
        )
        or 0
    )


def _works_for_a_seller_of(session: Session, user_id: int, asins: Sequence[str]) -> bool:
    """Is this person on the staff of a seller that sells or created these products?"""
    sellers = (
        select(Offer.seller_id)
        .where(Offer.asin.in_(asins))
        .union(
            select(Product.created_by_seller_id).where(
                Product.asin.in_(asins), Product.created_by_seller_id.is_not(None)
            )
        )
    )
    if session.scalar(
        select(exists().where(SellerUser.user_id == user_id, SellerUser.seller_id.in_(sellers)))
    ):
        return True
    # People of a seller account linked to one of these sellers are held back too.
    from souk.policy.service import works_for_linked_seller

    return works_for_linked_seller(session, user_id, list(session.scalars(sellers)))


def _refunded_and_kept(session: Session, orders: Sequence[Order]) -> bool:
    """A refund on an order that was not canceled: money back, item kept."""
    kept = [o.checkout_id for o in orders if o.status != order_rules.CANCELED]
    if not kept:
        return False
    return bool(
        session.scalar(
            select(exists().where(Payment.checkout_id.in_(kept), Payment.refunded_minor > 0))
        )
    )


def _claimed_unit(session: Session, user_id: int, family: str) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    ProgrammeClaim.reviewer_id == user_id,
                    ProgrammeClaim.enrolment_id == ProgrammeEnrolment.id,
                    ProgrammeEnrolment.family_asin == family,
                )
            )
        )
    )


# --- writing and editing ------------------------------------------------------


@dataclass(frozen=True)
class ReviewerStanding:
    """What the review form needs to know about this buyer and product."""

    eligibility: rules.Eligibility
    review: Review | None
    programme_unit: bool


def reviewer_standing(
    session: Session, clock: Clock, buyer_id: int, asin: str, marketplace: str
) -> ReviewerStanding:
    product = get_product(session, asin)
    family, members = family_asins(session, product)
    policy = reviews_policy(marketplace)
    review = session.scalar(
        select(Review).where(Review.buyer_id == buyer_id, Review.family_asin == family)
    )
    purchased = bool(_bought_orders(session, buyer_id, members))
    programme_unit = _claimed_unit(session, buyer_id, family)
    since = clock.now() - timedelta(days=policy.spend_window_days)
    eligibility = rules.review_eligibility(
        purchased=purchased,
        spent_minor=0 if purchased else _spent(session, buyer_id, marketplace, since),
        min_spend_minor=policy.min_spend_minor,
        already_reviewed=review is not None,
        programme_unit=programme_unit,
    )
    return ReviewerStanding(eligibility, review, programme_unit)


def _signals(
    session: Session,
    clock: Clock,
    buyer: User,
    members: Sequence[str],
    family: str,
    text: str,
    policy: ReviewsPolicy,
) -> rules.ReviewSignals:
    now = clock.now()
    orders = _bought_orders(session, buyer.id, members)
    free = any(i.unit_price_minor == 0 and i.asin in members for o in orders for i in o.items)
    new_account = rules.is_new_account(buyer.created_at, now, policy)
    burst = 0
    if new_account:
        burst = 1 + int(
            session.scalar(
                select(func.count())
                .select_from(Review)
                .join(User, User.id == Review.buyer_id)
                .where(
                    Review.family_asin == family,
                    Review.buyer_id != buyer.id,
                    Review.created_at >= now - timedelta(hours=policy.burst_hours),
                    User.created_at >= now - timedelta(days=policy.new_account_days),
                )
            )
            or 0
        )
    return rules.ReviewSignals(
        by_seller_staff=_works_for_a_seller_of(session, buyer.id, members),
        refunded_for_review=_refunded_and_kept(session, orders),
        free_item_outside_programme=free and not _claimed_unit(session, buyer.id, family),
        new_account=new_account,
        new_account_reviews_in_burst=burst,
        contact_reasons=contact_reasons(text),
    )


def _check_images(
    images: Sequence[bytes], policy: ReviewsPolicy
) -> list[tuple[bytes, str, int, int]]:
    if len(images) > policy.max_images:
        raise InvalidInput(f"Add at most {policy.max_images} images.", field="images")
    checked = []
    for data in images:
        image = check_image(data)
        checked.append((image.data, image.extension, image.width, image.height))
    return checked


def _store_images(
    session: Session,
    media: MediaStorage,
    review: Review,
    checked: Sequence[tuple[bytes, str, int, int]],
) -> None:
    start = max((i.position for i in review.images), default=-1) + 1
    for offset, (data, extension, width, height) in enumerate(checked):
        position = start + offset
        key = f"reviews/{review.id}/{position}.{extension}"
        media.save(key, data)
        review.images.append(
            ReviewImage(position=position, storage_key=key, width=width, height=height)
        )


def _screen(review: Review, signals: rules.ReviewSignals, policy: ReviewsPolicy) -> None:
    screening = rules.screen_review(signals, policy)
    review.status = screening.status
    review.status_reasons = "\n".join(screening.reasons)


def write_review(
    session: Session,
    clock: Clock,
    media: MediaStorage,
    *,
    buyer_id: int,
    asin: str,
    marketplace: str,
    stars: str | int,
    headline: str,
    text: str,
    images: Sequence[bytes] = (),
) -> Review:
    """A buyer's first review of a product family; screened before it shows."""
    if marketplace not in MARKETPLACES:
        raise InvalidInput("Unknown marketplace.", field="marketplace")
    policy = reviews_policy(marketplace)
    draft = rules.check_draft(stars, headline, text, policy)
    checked = _check_images(images, policy)
    standing = reviewer_standing(session, clock, buyer_id, asin, marketplace)
    if standing.review is not None:
        raise Conflict("You have already reviewed this product. Edit your review instead.")
    if not standing.eligibility.allowed:
        raise Forbidden(standing.eligibility.reason)
    product = get_product(session, asin)
    family, members = family_asins(session, product)
    buyer = session.get(User, buyer_id)
    if buyer is None:
        raise NotFound("No such buyer.")
    now = clock.now()
    review = Review(
        asin=asin,
        family_asin=family,
        buyer_id=buyer_id,
        marketplace=marketplace,
        stars=draft.stars,
        headline=draft.headline,
        text=draft.text,
        verified_purchase=standing.eligibility.verified_purchase,
        programme_review=standing.programme_unit and not standing.eligibility.verified_purchase,
        created_at=now,
        updated_at=now,
    )
    _screen(review, _signals(session, clock, buyer, members, family, draft.text, policy), policy)
    session.add(review)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("You have already reviewed this product.") from None
    _store_images(session, media, review, checked)
    _emit(session, review, now)
    session.commit()
    return review


def own_review(session: Session, buyer_id: int, review_id: int) -> Review:
    """The buyer's own review; anyone else's is not found."""
    review = session.scalar(
        select(Review).where(Review.id == review_id).options(selectinload(Review.images))
    )
    if review is None or review.buyer_id != buyer_id or review.status == rules.REMOVED:
        raise NotFound("No such review.")
    return review


def edit_review(
    session: Session,
    clock: Clock,
    media: MediaStorage,
    *,
    buyer_id: int,
    review_id: int,
    stars: str | int,
    headline: str,
    text: str,
    images: Sequence[bytes] = (),
) -> Review:
    """Change a review; what it said before is kept as a revision, and it is screened again."""
    review = own_review(session, buyer_id, review_id)
    policy = reviews_policy(review.marketplace)
    draft = rules.check_draft(stars, headline, text, policy)
    if len(review.images) + len(images) > policy.max_images:
        raise InvalidInput(f"A review has at most {policy.max_images} images.", field="images")
    checked = _check_images(images, policy)
    now = clock.now()
    session.add(
        ReviewRevision(
            review_id=review.id,
            stars=review.stars,
            headline=review.headline,
            text=review.text,
            written_at=review.updated_at,
            replaced_at=now,
        )
    )
    review.stars, review.headline, review.text = draft.stars, draft.headline, draft.text
    review.updated_at = now
    buyer = session.get(User, buyer_id)
    assert buyer is not None
    family, members = family_asins(session, get_product(session, review.asin))
    _screen(review, _signals(session, clock, buyer, members, family, draft.text, policy), policy)
    _store_images(session, media, review, checked)
    _emit(session, review, now)
    session.commit()
    return review


def revisions(session: Session, review_id: int) -> list[ReviewRevision]:
    return list(
        session.scalars(
            select(ReviewRevision)
            .where(ReviewRevision.review_id == review_id)
            .order_by(ReviewRevision.replaced_at.desc(), ReviewRevision.id.desc())
        )
    )


def _emit(session: Session, review: Review, now: datetime) -> None:
    emit(
        session,
        "review.changed",
        review.family_asin,
        {"review_id": review.id, "asin": review.family_asin, "status": review.status},
        now,
    )


# --- votes, reports, moderation ---------------------------------------------


def _published(session: Session, review_id: int) -> Review:
    review = session.get(Review, review_id)
    if review is None or review.status != rules.PUBLISHED:
        raise NotFound("No such review.")
    return review


def vote_helpful(session: Session, clock: Clock, *, user_id: int, review_id: int) -> Review:
    review = _published(session, review_id)
    rules.check_vote(user_id, review.buyer_id)
    session.add(ReviewVote(review_id=review.id, user_id=user_id, voted_at=clock.now()))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("You already found this review helpful.") from None
    review.helpful_votes = Review.helpful_votes + 1
    session.commit()
    session.refresh(review)
    return review


def report_review(
    session: Session, clock: Clock, *, user_id: int, review_id: int, reason: str
) -> Review:
    """A reader reports abuse; enough open reports hold the review until staff decide."""
    review = _published(session, review_id)
    policy = reviews_policy(review.marketplace)
    rules.check_report_reason(reason, policy)
    if review.buyer_id == user_id:
        raise Forbidden("You cannot report your own review.")
    session.add(
        ReviewReport(review_id=review.id, user_id=user_id, reason=reason, reported_at=clock.now())
    )
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("You already reported this review.") from None
    open_reports = session.scalar(
        select(func.count())
        .select_from(ReviewReport)
        .where(ReviewReport.review_id == review.id, ReviewReport.closed_at.is_(None))
    )
    status = rules.status_after_reports(review.status, int(open_reports or 0), policy)
    if status != review.status:
        review.status = status
        review.status_reasons = f"Reported by {open_reports} readers"
        _emit(session, review, clock.now())
    session.commit()
    return review


@dataclass(frozen=True)
class QueueEntry:
    review: Review
    author: User
    product: Product
    reports: list[ReviewReport]


def moderation_queue(session: Session, *, limit: int = 100) -> list[QueueEntry]:
    """Held reviews and published ones with open reports, oldest first."""
    reported = select(ReviewReport.review_id).where(ReviewReport.closed_at.is_(None))
    found = list(
        session.scalars(
            select(Review)
            .where(or_(Review.status == rules.HELD, Review.id.in_(reported)))
            .where(Review.status != rules.REMOVED)
            .order_by(Review.updated_at, Review.id)
            .limit(limit)
        )
    )
    ids = [r.id for r in found]
    reports: dict[int, list[ReviewReport]] = {i: [] for i in ids}
    for report in session.scalars(
        select(ReviewReport).where(
            ReviewReport.review_id.in_(ids), ReviewReport.closed_at.is_(None)
        )
    ):
        reports[report.review_id].append(report)
    authors = {
        u.id: u
        for u in session.scalars(select(User).where(User.id.in_({r.buyer_id for r in found})))
    }
    products = {
        p.asin: p
        for p in session.scalars(select(Product).where(Product.asin.in_({r.asin for r in found})))
    }
    return [QueueEntry(r, authors[r.buyer_id], products[r.asin], reports[r.id]) for r in found]


def moderate(
    session: Session, clock: Clock, *, staff_id: int, review_id: int, decision: str, note: str = ""
) -> Review:
    """Staff publish or remove a review; its open reports are closed."""
    staff = session.get(User, staff_id)
    if staff is None or not staff.is_staff:
        raise Forbidden("Only souk staff moderate reviews.")
    status = rules.check_moderation(decision)
    review = session.get(Review, review_id)
    if review is None:
        raise NotFound("No such review.")
    now = clock.now()
    review.status = status
    review.status_reasons = note.strip()[:500] or f"{decision.capitalize()} by staff"
    review.moderated_at, review.moderated_by = now, staff_id
    for report in session.scalars(
        select(ReviewReport).where(
            ReviewReport.review_id == review.id, ReviewReport.closed_at.is_(None)
        )
    ):
        report.closed_at = now
    _emit(session, review, now)
    session.commit()
    return review


# --- showing reviews ---------------------------------------------------------


@dataclass(frozen=True)
class RatingSummary:
    rating: float | None  # weighted, one decimal
    count: int
    histogram: dict[int, int]  # percent per star level
    counts: dict[int, int]


@dataclass(frozen=True)
class ReviewPage:
    summary: RatingSummary
    reviews: list[Review]
    authors: dict[int, User]
    voted: set[int] = field(default_factory=set)  # ids the reader already found helpful
    total: int = 0  # matching the star filter


def _family_of(session: Session, asin: str) -> str:
    """The product's variation family (reviews are shared across it): two columns,
    not the whole product with its images, which the callers never show."""
    row = session.execute(
        select(Product.asin, Product.parent_asin).where(Product.asin == asin)
    ).first()
    if row is None:
        raise NotFound(f"No product {asin}.", field="asin")
    return str(row.parent_asin or row.asin)


def _family_summary(session: Session, clock: Clock, family: str, marketplace: str) -> RatingSummary:
    rows = session.execute(
        select(
            Review.stars, Review.created_at, Review.verified_purchase, Review.helpful_votes
        ).where(Review.family_asin == family, Review.status == rules.PUBLISHED)
    ).all()
    rated = [rules.RatedReview(s, c, v, h) for s, c, v, h in rows]
    stars = [r.stars for r in rated]
    policy = reviews_policy(marketplace)
    return RatingSummary(
        rating=rules.display_rating(rules.weighted_rating(rated, clock.now(), policy)),
        count=len(rated),
        histogram=rules.star_histogram(stars),
        counts={level: stars.count(level) for level in rules.STARS},
    )


def rating_summary(session: Session, clock: Clock, asin: str, marketplace: str) -> RatingSummary:
    return _family_summary(session, clock, _family_of(session, asin), marketplace)


def family_ratings(
    session: Session, now: datetime, marketplace: str, families: Sequence[str] | None
) -> dict[str, tuple[float, int]]:
    """(weighted rating, review count) per variation family with published reviews,
    in one query (search documents need many at once); ``None`` means every family."""
    query = select(
        Review.family_asin,
        Review.stars,
        Review.created_at,
        Review.verified_purchase,
        Review.helpful_votes,
    ).where(Review.status == rules.PUBLISHED)
    if families is not None:
        query = query.where(Review.family_asin.in_(list(families)))
    rows = session.execute(query).all()
    by_family: dict[str, list[rules.RatedReview]] = {}
    for family, stars, created, verified, helpful in rows:
        by_family.setdefault(family, []).append(
            rules.RatedReview(stars, created, verified, helpful)
        )
    policy = reviews_policy(marketplace)
    result = {}
    for family, rated in by_family.items():
        rating = rules.weighted_rating(rated, now, policy)
        if rating is not None:
            result[family] = (rating, len(rated))
    return result


def product_reviews(
    session: Session,
    clock: Clock,
    asin: str,
    marketplace: str,
    *,
    sort: str = "top",
    stars: int | None = None,
    reader_id: int | None = None,
    limit: int = 10,
    offset: int = 0,
) -> ReviewPage:
    """Published reviews of the product's family: "top" (most helpful, verified
    first, then newest) or "recent"; optionally only one star level."""
    if sort not in rules.SORTS:
        raise InvalidInput("Sort by top or recent.", field="sort")
    if stars is not None and stars not in rules.STARS:
        raise InvalidInput("Filter by 1 to 5 stars.", field="stars")
    family = _family_of(session, asin)
    summary = _family_summary(session, clock, family, marketplace)
    found = _published_page(session, family, sort, stars, limit, offset)
    total = summary.counts[stars] if stars is not None else summary.count
    authors = _authors(session, found)
    voted: set[int] = set()
    if reader_id is not None and found:
        voted = set(
            session.scalars(
                select(ReviewVote.review_id).where(
                    ReviewVote.user_id == reader_id,
                    ReviewVote.review_id.in_([r.id for r in found]),
                )
            )
        )
    return ReviewPage(summary, found, authors, voted, total)


def _published_page(
    session: Session, family: str, sort: str, stars: int | None, limit: int, offset: int
) -> list[Review]:
    query = select(Review).where(Review.family_asin == family, Review.status == rules.PUBLISHED)
    if stars is not None:
        query = query.where(Review.stars == stars)
    if sort == "top":
        query = query.order_by(
            Review.helpful_votes.desc(),
            Review.verified_purchase.desc(),
            Review.created_at.desc(),
            Review.id.desc(),
        )
    else:
        query = query.order_by(Review.created_at.desc(), Review.id.desc())
    return list(
        session.scalars(query.limit(limit).offset(offset).options(selectinload(Review.images)))
    )


def _authors(session: Session, reviews: Sequence[Review]) -> dict[int, User]:
    ids = {r.buyer_id for r in reviews}
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}


@dataclass(frozen=True)
class ProductPageReviews:
    """The product page's review box: the summary, the top reviews and the most
    recent ones not already among the top."""

    summary: RatingSummary
    top: list[Review]
    recent: list[Review]
    authors: dict[int, User]


def product_page_reviews(
    session: Session, clock: Clock, asin: str, marketplace: str, *, limit: int
) -> ProductPageReviews:
    """What ``product_reviews`` sorted "top" and "recent" would give, read together:
    the family and the summary once, and no review query when there are none."""
    family = _family_of(session, asin)
    summary = _family_summary(session, clock, family, marketplace)
    if not summary.count:
        return ProductPageReviews(summary, [], [], {})
    top = _published_page(session, family, "top", None, limit, 0)
    shown = {r.id for r in top}
    recent = [
        r for r in _published_page(session, family, "recent", None, limit, 0) if r.id not in shown
    ]
    return ProductPageReviews(summary, top, recent, _authors(session, [*top, *recent]))


# --- the review programme ----------------------------------------------------


def enrol_product(
    session: Session, clock: Clock, *, seller_id: str, asin: str, marketplace: str, units: int
) -> ProgrammeEnrolment:
    """The brand owner gives up to the policy's maximum of free units to invited reviewers."""
    market = MARKETPLACES.get(marketplace)
    if market is None:
        raise InvalidInput("Unknown marketplace.", field="marketplace")
    policy = reviews_policy(marketplace)
    fee = rules.programme_fee(units, policy.programme_max_units, policy.programme_fee_tiers)
    seller = session.get(Seller, seller_id)
    if seller is None:
        raise NotFound("No such seller.")
    try:
        product = get_product(session, asin.strip().upper())
    except NotFound:
        raise InvalidInput(f"No product with ASIN {asin}.", field="asin") from None
    brand = product.brand.name if product.brand else None
    if not rules.may_enrol(
        seller_id, product.created_by_seller_id, [seller.business_name, seller.store_name], brand
    ):
        raise Forbidden(
            "Only the brand owner may enrol a product: the seller who created its page "
            "or whose business name is the brand.",
            field="asin",
        )
    family = product.parent_asin or product.asin
    enrolment = ProgrammeEnrolment(
        asin=product.asin,
        family_asin=family,
        seller_id=seller_id,
        marketplace=marketplace,
        units=units,
        currency=market.currency,
        fee_minor=fee,
        enrolled_at=clock.now(),
    )
    session.add(enrolment)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("This product is already enrolled.", field="asin") from None
    session.commit()
    return enrolment


def enrolments(session: Session, seller_id: str) -> list[ProgrammeEnrolment]:
    return list(
        session.scalars(
            select(ProgrammeEnrolment)
            .where(ProgrammeEnrolment.seller_id == seller_id)
            .order_by(ProgrammeEnrolment.enrolled_at.desc())
        )
    )


def reviewer_record(session: Session, user_id: int) -> tuple[int, int]:
    """Published reviews written and helpful votes received."""
    count, helpful = session.execute(
        select(func.count(), func.coalesce(func.sum(Review.helpful_votes), 0)).where(
            Review.buyer_id == user_id, Review.status == rules.PUBLISHED
        )
    ).one()
    return int(count), int(helpful)


def is_trusted_reviewer(session: Session, user_id: int, marketplace: str) -> bool:
    count, helpful = reviewer_record(session, user_id)
    return rules.is_trusted_reviewer(count, helpful, reviews_policy(marketplace))


def invitations(session: Session, user_id: int, marketplace: str) -> list[ProgrammeEnrolment]:
    """Enrolled products this reviewer is invited to claim a free unit of."""
    if not is_trusted_reviewer(session, user_id, marketplace):
        return []
    own_sellers = select(SellerUser.seller_id).where(SellerUser.user_id == user_id)
    claimed = select(ProgrammeClaim.enrolment_id).where(ProgrammeClaim.reviewer_id == user_id)
    reviewed = select(Review.family_asin).where(Review.buyer_id == user_id)
    return list(
        session.scalars(
            select(ProgrammeEnrolment)
            .where(
                ProgrammeEnrolment.marketplace == marketplace,
                ProgrammeEnrolment.units_claimed < ProgrammeEnrolment.units,
                ProgrammeEnrolment.seller_id.not_in(own_sellers),
                ProgrammeEnrolment.id.not_in(claimed),
                ProgrammeEnrolment.family_asin.not_in(reviewed),
            )
            .order_by(ProgrammeEnrolment.enrolled_at)
        )
    )


def claim_unit(
    session: Session, clock: Clock, *, reviewer_id: int, enrolment_id: int
) -> ProgrammeClaim:
    """An invited reviewer takes one free unit; their review then carries the programme badge."""
    enrolment = session.get(ProgrammeEnrolment, enrolment_id)
    if enrolment is None or enrolment not in invitations(
        session, reviewer_id, enrolment.marketplace
    ):
        already = enrolment is not None and bool(
            session.scalar(
                select(
                    exists().where(
                        ProgrammeClaim.enrolment_id == enrolment.id,
                        ProgrammeClaim.reviewer_id == reviewer_id,
                    )
                )
            )
        )
        if already:
            rules.check_claim(1, 0, already_claimed=True)
        raise NotFound("No such invitation.")
    # A conditional update, so two reviewers racing for the last unit cannot both win.
    taken = session.execute(
        ProgrammeEnrolment.__table__.update()
        .where(
            ProgrammeEnrolment.id == enrolment.id,
            ProgrammeEnrolment.units_claimed < ProgrammeEnrolment.units,
        )
        .values(units_claimed=ProgrammeEnrolment.units_claimed + 1)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        rules.check_claim(enrolment.units, enrolment.units, already_claimed=False)
    claim = ProgrammeClaim(
        enrolment_id=enrolment.id, reviewer_id=reviewer_id, claimed_at=clock.now()
    )
    session.add(claim)
    session.commit()
    return claim


# --- review requests ----------------------------------------------------------


@dataclass(frozen=True)
class RequestState:
    """What the seller's order page shows beside "Request a review"."""

    sent: ReviewRequest | None
    opens_at: datetime | None
    closes_at: datetime | None
    refusal: str  # why the button is off now; empty when it may be pressed


def review_request_state(
    session: Session, clock: Clock, seller_id: str, order_id: str
) -> RequestState:
    order = seller_order(session, seller_id, order_id)
    policy = reviews_policy(order.marketplace)
    sent = session.get(ReviewRequest, order.id)
    opens = closes = None
    if order.delivered_at is not None:
        opens, closes = rules.request_window(order.delivered_at, policy)
    try:
        rules.check_review_request(order.delivered_at, clock.now(), sent is not None, policy)
        refusal = ""
    except SoukError as error:
        refusal = error.message
    return RequestState(sent, opens, closes, refusal)


def _deliver_through_messaging(session: Session, clock: Clock, request: ReviewRequest) -> str:
    """The request reaches the buyer in their thread with the seller, in souk's words."""
    sent = send_platform_message(
        session,
        clock,
        seller_id=request.seller_id,
        buyer_id=request.buyer_id,
        order_id=request.order_id,
        subject=request.subject,
        body=request.body,
    )
    return "messaging" if sent is not None else "opted out"


def request_review(session: Session, clock: Clock, seller_id: str, order_id: str) -> ReviewRequest:
    """Send the platform-worded review request for one of the seller's orders.

    Raises NotFound for another seller's order, InvalidState outside the
    window or when a request was already sent."""
    order = seller_order(session, seller_id, order_id)
    policy = reviews_policy(order.marketplace)
    already = session.get(ReviewRequest, order.id) is not None
    now = clock.now()
    rules.check_review_request(order.delivered_at, now, already, policy)
    buyer = session.get(User, order.buyer_id)
    seller = session.get(Seller, order.seller_id)
    assert buyer is not None and seller is not None
    request = ReviewRequest(
        order_id=order.id,
        seller_id=seller_id,
        buyer_id=order.buyer_id,
        subject=rules.REQUEST_SUBJECT,
        body=rules.review_request_message(
            buyer.name.split(" ")[0] or buyer.name,
            [i.title for i in order.items],
            seller.store_name,
        ),
        sent_at=now,
    )
    session.add(request)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        rules.check_review_request(order.delivered_at, now, True, policy)
    request.delivered_via = _deliver_through_messaging(session, clock, request)
    emit(
        session,
        "review.requested",
        order.id,
        {"order_id": order.id, "seller_id": seller_id, "buyer_id": order.buyer_id},
        now,
    )
    session.commit()
    return request


def buyer_review_requests(session: Session, buyer_id: int) -> list[ReviewRequest]:
    return list(
        session.scalars(
            select(ReviewRequest)
            .where(ReviewRequest.buyer_id == buyer_id)
            .order_by(ReviewRequest.sent_at.desc())
        )
    )
