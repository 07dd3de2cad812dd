"""The product page's review box reads what "top" and "recent" give, together."""

from __future__ import annotations

from datetime import timedelta

import pytest

from souk.core.errors import NotFound
from souk.core.policy import default_policy
from souk.reviews.service import (
    product_page_reviews,
    product_reviews,
    vote_helpful,
    write_review,
)
from tests import factories as f
from tests.reviews import support as s

POLICY = default_policy().default.reviews
TEXT = "Boils quickly and quietly; the lid opens wide for cleaning."


def _write(rt, session, buyer, asin, stars):  # type: ignore[no-untyped-def]
    return write_review(
        session,
        rt.clock,
        rt.media,
        buyer_id=buyer.user.id,
        asin=asin,
        marketplace="US",
        stars=stars,
        headline=f"{stars} stars",
        text=TEXT,
    )


def test_top_and_recent_match_the_review_pages_without_repeats(rt, session) -> None:  # type: ignore[no-untyped-def]
    shop = s.listing(rt, session)
    buyers = [f.buyer(session, rt.clock) for _ in range(6)]
    for b in buyers:
        s.delivered_order(rt, session, b, shop.offer)
    rt.clock.advance(timedelta(days=POLICY.new_account_days + 1))
    written = []
    for n, b in enumerate(buyers[:5]):
        written.append(_write(rt, session, b, shop.product.asin, stars=1 + n % 5))
        rt.clock.advance(timedelta(days=1))
    vote_helpful(session, rt.clock, user_id=buyers[5].user.id, review_id=written[0].id)

    shown = product_page_reviews(session, rt.clock, shop.product.asin, "US", limit=3)

    top = product_reviews(session, rt.clock, shop.product.asin, "US", sort="top", limit=3)
    recent = product_reviews(session, rt.clock, shop.product.asin, "US", sort="recent", limit=3)
    assert shown.summary == top.summary and shown.summary.count == 5
    assert [r.id for r in shown.top] == [r.id for r in top.reviews]
    assert shown.top[0].id == written[0].id  # the helpful one leads
    top_ids = {r.id for r in top.reviews}
    assert [r.id for r in shown.recent] == [r.id for r in recent.reviews if r.id not in top_ids]
    assert shown.recent and not top_ids & {r.id for r in shown.recent}
    every = [*shown.top, *shown.recent]
    assert set(shown.authors) == {r.buyer_id for r in every}


def test_a_product_without_reviews_shows_none_and_an_unknown_one_is_not_found(  # type: ignore[no-untyped-def]
    rt, session
) -> None:
    shop = s.listing(rt, session)
    shown = product_page_reviews(session, rt.clock, shop.product.asin, "US", limit=3)
    assert shown.summary.count == 0 and shown.summary.rating is None
    assert shown.top == [] and shown.recent == [] and shown.authors == {}
    with pytest.raises(NotFound):
        product_page_reviews(session, rt.clock, "B0NOTHERE0", "US", limit=3)
