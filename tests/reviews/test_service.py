"""Review use cases on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from souk.catalog.rules import ProductDraft
from souk.catalog.service import create_product
from souk.core.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from souk.core.policy import default_policy
from souk.messaging.models import Message
from souk.messaging.service import set_opt_out
from souk.orders.models import OrderItem, Payment
from souk.reviews import rules
from souk.reviews.models import (
    ProgrammeEnrolment,
    Review,
    ReviewReport,
    ReviewRequest,
    ReviewRevision,
)
from souk.reviews.service import (
    claim_unit,
    contact_reasons,
    edit_review,
    enrol_product,
    invitations,
    moderate,
    moderation_queue,
    product_reviews,
    rating_summary,
    report_review,
    request_review,
    review_request_state,
    reviewer_standing,
    vote_helpful,
    write_review,
)
from souk.sellers.service import add_seller_user
from tests import factories as f
from tests.reviews import support as s

POLICY = default_policy().default.reviews
TEXT = "Boils quickly and quietly; the lid opens wide for cleaning."


def _age_accounts(rt) -> None:  # type: ignore[no-untyped-def]
    """Step past the new-account window so burst rules stay out of the way."""
    rt.clock.advance(timedelta(days=POLICY.new_account_days + 1))


def _write(rt, session, buyer, asin, stars=5, headline="Great kettle", text=TEXT, **kw):  # type: ignore[no-untyped-def]
    return write_review(
        session,
        rt.clock,
        rt.media,
        buyer_id=buyer.user.id,
        asin=asin,
        marketplace="US",
        stars=stars,
        headline=headline,
        text=text,
        **kw,
    )


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_buyer_with_a_delivered_order_writes_a_verified_review(rt, session) -> None:
    shop = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    s.delivered_order(rt, session, buyer, shop.offer)
    _age_accounts(rt)
    review = _write(rt, session, buyer, shop.product.asin, images=[s.photo()])
    assert review.status == rules.PUBLISHED and review.verified_purchase
    assert review.images[0].storage_key.startswith(f"reviews/{review.id}/")
    assert rt.media.exists(review.images[0].storage_key)
    with pytest.raises(Conflict):
        _write(rt, session, buyer, shop.product.asin)
    page = product_reviews(session, rt.clock, shop.product.asin, "US")
    assert [r.id for r in page.reviews] == [review.id]
    assert page.summary.count == 1 and page.summary.rating == 5.0
    assert page.authors[buyer.user.id].name == buyer.user.name


def test_a_shipped_order_counts_as_a_purchase(rt, session) -> None:
    shop = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    s.ship(rt, session, s.order(rt, session, buyer, shop.offer))
    standing = reviewer_standing(session, rt.clock, buyer.user.id, shop.product.asin, "US")
    assert standing.eligibility.allowed and standing.eligibility.verified_purchase


def test_without_a_purchase_a_buyer_needs_the_minimum_spend(rt, session) -> None:
    shop = s.listing(rt, session)
    other = s.listing(rt, session, price="30.00")
    buyer = f.buyer(session, rt.clock)
    s.order(rt, session, buyer, other.offer)  # $30 spent: under $50
    _age_accounts(rt)
    with pytest.raises(Forbidden, match="minimum"):
        _write(rt, session, buyer, shop.product.asin)
    session.rollback()
    assert _count(session, Review) == 0
    s.order(rt, session, buyer, other.offer)  # $60 in the past 12 months
    review = _write(rt, session, buyer, shop.product.asin, stars=3)
    assert review.status == rules.PUBLISHED and not review.verified_purchase
    # A year later that spending no longer counts for another product.
    third = s.listing(rt, session)
    rt.clock.advance(timedelta(days=POLICY.spend_window_days + 1))
    with pytest.raises(Forbidden):
        _write(rt, session, buyer, third.product.asin)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"stars": 0}, "stars"),
        ({"stars": "lots"}, "stars"),
        ({"headline": ""}, "headline"),
        ({"text": "short"}, "text"),
        ({"images": [b"not an image at all"]}, "images"),
        ({"images": [s.photo(size=50)]}, "images"),
        ({"images": [s.photo()] * (POLICY.max_images + 1)}, "images"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(rt, session, changes, field) -> None:
    shop = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    s.delivered_order(rt, session, buyer, shop.offer)
    with pytest.raises(InvalidInput) as caught:
        _write(rt, session, buyer, shop.product.asin, **changes)
    assert caught.value.field == field
    session.rollback()
    assert _count(session, Review) == 0
    assert not (rt.settings.media_dir / "reviews").exists()


def test_unknown_product_is_not_found(rt, session) -> None:
    buyer = f.buyer(session, rt.clock)
    with pytest.raises(NotFound):
        _write(rt, session, buyer, "B0NOTHERE1")


def test_edits_keep_history_and_another_buyer_cannot_edit(rt, session) -> None:
    shop = s.listing(rt, session)
    buyer, stranger = f.buyer(session, rt.clock), f.buyer(session, rt.clock)
    s.delivered_order(rt, session, buyer, shop.offer)
    _age_accounts(rt)
    review = _write(rt, session, buyer, shop.product.asin, stars=4, headline="Good")
    rt.clock.advance(timedelta(days=3))
    edited = edit_review(
        session,
        rt.clock,
        rt.media,
        buyer_id=buyer.user.id,
        review_id=review.id,
        stars=2,
        headline="Lid broke after a week",
        text="The hinge on the lid snapped after eight days of daily use.",
    )
    assert (edited.stars, edited.headline) == (2, "Lid broke after a week")
    history = list(session.scalars(select(ReviewRevision)))
    assert [(h.stars, h.headline) for h in history] == [(4, "Good")]
    with pytest.raises(NotFound):
        edit_review(
            session,
            rt.clock,
            rt.media,
            buyer_id=stranger.user.id,
            review_id=review.id,
            stars=1,
            headline="Hacked",
            text="Someone else's words put in this review.",
        )
    session.rollback()
    assert session.get(Review, review.id).headline == "Lid broke after a week"
    with pytest.raises(InvalidInput):
        edit_review(
            session,
            rt.clock,
            rt.media,
            buyer_id=buyer.user.id,
            review_id=review.id,
            stars=9,
            headline="x",
            text="A perfectly fine text for this review.",
        )
    session.rollback()
    assert _count(session, ReviewRevision) == 1


def test_reviews_belong_to_the_variation_family(rt, session) -> None:
    seller = f.seller(session, rt.clock)
    parent = f.product(session, rt.clock, title="Acme Kettle family")
    children = [
        create_product(
            session,
            rt.clock,
            ProductDraft(
                title=f"Acme Kettle {c}", category_path="Home & Kitchen/Kitchen", brand="Acme"
            ),
            parent_asin=parent.asin,
            variation_theme="Color",
            variation_values={"Color": c},
        ).product
        for c in ("Red", "Blue")
    ]
    red = f.offer(session, rt.clock, seller_id=seller.id, asin=children[0].asin, price="30.00")
    buyer = f.buyer(session, rt.clock)
    s.delivered_order(rt, session, buyer, red)
    _age_accounts(rt)
    review = _write(rt, session, buyer, children[0].asin)
    assert review.verified_purchase and review.family_asin == parent.asin
    blue_page = product_reviews(session, rt.clock, children[1].asin, "US")
    assert [r.id for r in blue_page.reviews] == [review.id]
    # One review per buyer per product family.
    with pytest.raises(Conflict):
        _write(rt, session, buyer, children[1].asin)


def test_helpful_votes_one_per_person_never_ones_own(rt, session) -> None:
    shop = s.listing(rt, session)
    author, reader = f.buyer(session, rt.clock), f.buyer(session, rt.clock)
    s.delivered_order(rt, session, author, shop.offer)
    _age_accounts(rt)
    review = _write(rt, session, author, shop.product.asin)
    with pytest.raises(Forbidden):
        vote_helpful(session, rt.clock, user_id=author.user.id, review_id=review.id)
    session.rollback()
    assert (
        vote_helpful(session, rt.clock, user_id=reader.user.id, review_id=review.id).helpful_votes
        == 1
    )
    with pytest.raises(Conflict):
        vote_helpful(session, rt.clock, user_id=reader.user.id, review_id=review.id)
    session.rollback()
    assert session.get(Review, review.id).helpful_votes == 1
    with pytest.raises(NotFound):
        vote_helpful(session, rt.clock, user_id=reader.user.id, review_id=999999)


def test_sorting_filtering_histogram_and_weighting(rt, session) -> None:
    shop = s.listing(rt, session)
    buyers = [f.buyer(session, rt.clock) for _ in range(4)]
    for b in buyers:
        s.delivered_order(rt, session, b, shop.offer)
    _age_accounts(rt)
    old = _write(rt, session, buyers[0], shop.product.asin, stars=1, headline="Leaked")
    rt.clock.advance(timedelta(days=400))
    mid = _write(rt, session, buyers[1], shop.product.asin, stars=5, headline="Lovely")
    rt.clock.advance(timedelta(days=1))
    new = _write(rt, session, buyers[2], shop.product.asin, stars=5, headline="Superb")
    vote_helpful(session, rt.clock, user_id=buyers[3].user.id, review_id=mid.id)
    top = product_reviews(session, rt.clock, shop.product.asin, "US", sort="top")
    assert [r.id for r in top.reviews] == [mid.id, new.id, old.id]
    recent = product_reviews(
        session, rt.clock, shop.product.asin, "US", sort="recent", reader_id=buyers[3].user.id
    )
    assert [r.id for r in recent.reviews] == [new.id, mid.id, old.id]
    assert recent.voted == {mid.id}
    ones = product_reviews(session, rt.clock, shop.product.asin, "US", stars=1)
    assert [r.id for r in ones.reviews] == [old.id] and ones.total == 1
    summary = rating_summary(session, rt.clock, shop.product.asin, "US")
    assert summary.histogram == {5: 67, 4: 0, 3: 0, 2: 0, 1: 33}
    assert summary.rating is not None and summary.rating > 11 / 3  # above the plain mean
    for bad in ({"sort": "cheapest"}, {"stars": 6}):
        with pytest.raises(InvalidInput):
            product_reviews(session, rt.clock, shop.product.asin, "US", **bad)


def test_reports_hold_a_review_and_staff_decide(rt, session) -> None:
    shop = s.listing(rt, session)
    author = f.buyer(session, rt.clock)
    s.delivered_order(rt, session, author, shop.offer)
    _age_accounts(rt)
    review = _write(rt, session, author, shop.product.asin)
    reason = POLICY.report_reasons[0]
    readers = [f.buyer(session, rt.clock) for _ in range(POLICY.reports_to_hold)]
    with pytest.raises(InvalidInput):
        report_review(
            session, rt.clock, user_id=readers[0].user.id, review_id=review.id, reason="meh"
        )
    session.rollback()
    report_review(session, rt.clock, user_id=readers[0].user.id, review_id=review.id, reason=reason)
    with pytest.raises(Conflict):
        report_review(
            session, rt.clock, user_id=readers[0].user.id, review_id=review.id, reason=reason
        )
    session.rollback()
    assert [e.review.id for e in moderation_queue(session)] == [review.id]
    for reader in readers[1:]:
        report_review(session, rt.clock, user_id=reader.user.id, review_id=review.id, reason=reason)
    assert session.get(Review, review.id).status == rules.HELD
    assert product_reviews(session, rt.clock, shop.product.asin, "US").reviews == []

    with pytest.raises(Forbidden):
        moderate(
            session, rt.clock, staff_id=readers[0].user.id, review_id=review.id, decision="remove"
        )
    session.rollback()
    staff = f.buyer(session, rt.clock).user
    staff.is_staff = True
    session.commit()
    with pytest.raises(InvalidInput):
        moderate(session, rt.clock, staff_id=staff.id, review_id=review.id, decision="shrug")
    session.rollback()
    moderate(session, rt.clock, staff_id=staff.id, review_id=review.id, decision="publish")
    assert session.get(Review, review.id).status == rules.PUBLISHED
    assert moderation_queue(session) == []
    assert session.scalar(select(func.count()).where(ReviewReport.closed_at.is_(None))) == 0


def test_the_sellers_own_people_cannot_review(rt, session) -> None:
    shop = s.listing(rt, session)
    insider = f.buyer(session, rt.clock)
    add_seller_user(session, shop.seller.id, insider.user.id, "orders")
    session.commit()
    s.delivered_order(rt, session, insider, shop.offer)
    _age_accounts(rt)
    review = _write(rt, session, insider, shop.product.asin)
    assert review.status == rules.REMOVED and "works for a seller" in review.status_reasons
    assert product_reviews(session, rt.clock, shop.product.asin, "US").reviews == []


def test_refunded_and_free_items_outside_the_programme_are_removed(rt, session) -> None:
    shop = s.listing(rt, session)
    refunded, gifted = f.buyer(session, rt.clock), f.buyer(session, rt.clock)
    paid = s.delivered_order(rt, session, refunded, shop.offer)
    free = s.delivered_order(rt, session, gifted, shop.offer)
    # The seller refunds one buyer without a return, and gives the other the item free.
    payment = session.scalar(select(Payment).where(Payment.checkout_id == paid.checkout_id))
    payment.refunded_minor = payment.amount_minor
    for item in session.scalars(select(OrderItem).where(OrderItem.order_id == free.id)):
        item.unit_price_minor = 0
    session.commit()
    _age_accounts(rt)
    assert _write(rt, session, refunded, shop.product.asin).status == rules.REMOVED
    assert _write(rt, session, gifted, shop.product.asin).status == rules.REMOVED


def test_links_and_bursts_from_new_accounts_are_held(rt, session) -> None:
    shop = s.listing(rt, session)
    buyers = [f.buyer(session, rt.clock) for _ in range(POLICY.burst_reviews + 1)]
    for b in buyers:
        s.delivered_order(rt, session, b, shop.offer)
    # The accounts are days old: the third review inside the burst window is held.
    statuses = [
        _write(rt, session, b, shop.product.asin, headline=f"Review {i}").status
        for i, b in enumerate(buyers[: POLICY.burst_reviews])
    ]
    assert statuses == [rules.PUBLISHED] * (POLICY.burst_reviews - 1) + [rules.HELD]
    linked = _write(
        rt, session, buyers[-1], shop.product.asin, text="Cheaper at www.kettle-deals.com, honest!"
    )
    assert linked.status == rules.HELD and "link" in linked.status_reasons
    assert {e.review.id for e in moderation_queue(session)} >= {linked.id}


# --- review requests -------------------------------------------------------------------


@pytest.mark.parametrize(("day", "allowed"), [(4, False), (5, True), (30, True), (31, False)])
def test_review_request_window_edges(rt, session, day, allowed) -> None:
    shop = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    placed = s.delivered_order(rt, session, buyer, shop.offer)
    rt.clock.set(placed.delivered_at + timedelta(days=day, hours=1))
    if allowed:
        sent = request_review(session, rt.clock, shop.seller.id, placed.id)
        assert sent.delivered_via == "messaging"
        notice = session.scalars(select(Message).where(Message.order_id == placed.id)).one()
        assert notice.sender == "platform" and "Please rate the product" in notice.body
        assert notice.reply_due_at is None  # souk's notice starts no reply clock
        assert "Please rate the product" in sent.body and shop.seller.store_name in sent.body
        with pytest.raises(InvalidState, match="already sent"):
            request_review(session, rt.clock, shop.seller.id, placed.id)
    else:
        with pytest.raises(InvalidState, match="days after delivery"):
            request_review(session, rt.clock, shop.seller.id, placed.id)
    session.rollback()
    assert _count(session, ReviewRequest) == (1 if allowed else 0)
    state = review_request_state(session, rt.clock, shop.seller.id, placed.id)
    assert bool(state.refusal) is True  # sent now, or outside the window


def test_buyers_who_opted_out_get_no_review_request(rt, session) -> None:
    shop = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    placed = s.delivered_order(rt, session, buyer, shop.offer)
    set_opt_out(session, rt.clock, buyer.user.id, True)
    rt.clock.set(placed.delivered_at + timedelta(days=6))
    sent = request_review(session, rt.clock, shop.seller.id, placed.id)
    assert sent.delivered_via == "opted out"
    assert session.scalars(select(Message)).all() == []


def test_review_requests_need_a_delivered_order_of_ones_own(rt, session) -> None:
    shop = s.listing(rt, session)
    rival = f.seller(session, rt.clock)
    buyer = f.buyer(session, rt.clock)
    placed = s.order(rt, session, buyer, shop.offer)
    with pytest.raises(InvalidState, match="after the order is delivered"):
        request_review(session, rt.clock, shop.seller.id, placed.id)
    session.rollback()
    with pytest.raises(NotFound):
        request_review(session, rt.clock, rival.id, placed.id)
    with pytest.raises(NotFound):
        request_review(session, rt.clock, shop.seller.id, "111-2222222-3333333")


# --- the review programme ---------------------------------------------------------------


def _trusted_reviewer(rt, session):  # type: ignore[no-untyped-def]
    """A buyer with enough published, helpful reviews to be invited."""
    reviewer = f.buyer(session, rt.clock)
    fans = [f.buyer(session, rt.clock) for _ in range(2)]
    for _ in range(POLICY.reviewer_min_reviews):
        shop = s.listing(rt, session, brand="Generic")
        s.delivered_order(rt, session, reviewer, shop.offer)
    _age_accounts(rt)
    reviews = session.scalars(select(Review.asin)).all()
    assert reviews == []
    from souk.orders.models import Order

    asins = session.scalars(
        select(OrderItem.asin).join(Order).where(Order.buyer_id == reviewer.user.id)
    ).all()
    written = [_write(rt, session, reviewer, asin) for asin in asins]
    votes = 0
    for review in written:
        for fan in fans:
            if votes < POLICY.reviewer_min_helpful:
                vote_helpful(session, rt.clock, user_id=fan.user.id, review_id=review.id)
                votes += 1
    return reviewer


def test_the_brand_owner_enrols_and_trusted_reviewers_claim_units(rt, session) -> None:
    owner = f.seller(session, rt.clock, name="Acme")
    reseller = f.seller(session, rt.clock)
    product = f.product(session, rt.clock, brand="Acme")
    with pytest.raises(Forbidden):
        enrol_product(
            session, rt.clock, seller_id=reseller.id, asin=product.asin, marketplace="US", units=5
        )
    for units in (0, 31):
        with pytest.raises(InvalidInput):
            enrol_product(
                session,
                rt.clock,
                seller_id=owner.id,
                asin=product.asin,
                marketplace="US",
                units=units,
            )
    assert _count(session, ProgrammeEnrolment) == 0
    enrolment = enrol_product(
        session, rt.clock, seller_id=owner.id, asin=product.asin, marketplace="US", units=2
    )
    assert enrolment.fee_minor == 0 and enrolment.currency == "USD"
    with pytest.raises(Conflict):
        enrol_product(
            session, rt.clock, seller_id=owner.id, asin=product.asin, marketplace="US", units=3
        )
    session.rollback()

    newcomer = f.buyer(session, rt.clock)
    assert invitations(session, newcomer.user.id, "US") == []
    with pytest.raises(NotFound):
        claim_unit(session, rt.clock, reviewer_id=newcomer.user.id, enrolment_id=enrolment.id)

    reviewer = _trusted_reviewer(rt, session)
    assert [e.id for e in invitations(session, reviewer.user.id, "US")] == [enrolment.id]
    claim_unit(session, rt.clock, reviewer_id=reviewer.user.id, enrolment_id=enrolment.id)
    with pytest.raises(InvalidState):
        claim_unit(session, rt.clock, reviewer_id=reviewer.user.id, enrolment_id=enrolment.id)
    session.rollback()
    review = _write(rt, session, reviewer, product.asin, stars=4)
    assert review.programme_review and not review.verified_purchase
    assert review.status == rules.PUBLISHED
    assert session.get(ProgrammeEnrolment, enrolment.id).units_claimed == 1


@pytest.mark.parametrize(
    ("text", "reasons"),
    [
        ("Great kettle, boils 1.7 l in 4 minutes, order 123-4567890-1234567.", ()),
        ("Dimensions 20 x 15 x 25 cm, bought on 12.05.2026 for $34.99", ()),
        ("Buy it cheaper at https://kettles.example", ("contains a link",)),
        ("see www dot kettles dot com for more", ("contains a link",)),
        ("visit kettleshop [dot] com", ("contains a link",)),
        ("mail me: ada@example.com", ("contains an e-mail address",)),
        ("write to ada at example dot org", ("contains an e-mail address", "contains a link")),
        ("call +1 555 123 4567 for a discount", ("contains a phone number",)),
        ("ring 0 7 7 0 0 9 0 0 1 2 3", ("contains a phone number",)),
    ],
)
def test_contact_data_in_review_text(text: str, reasons: tuple[str, ...]) -> None:
    assert contact_reasons(text) == reasons
