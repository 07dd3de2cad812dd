"""Review pages: the product page's reviews, the review form, votes, reports,
review requests in Seller Central, the programme and staff moderation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from souk.reviews import rules
from souk.reviews.models import ProgrammeEnrolment, Review, ReviewRequest
from souk.reviews.service import reviews_policy, write_review
from tests import factories as f
from tests.reviews import support as s

TEXT = "Boils quickly and quietly; the lid opens wide for cleaning."


def _reviewed(rt, session):  # type: ignore[no-untyped-def]
    shop = s.listing(rt, session)
    author = f.buyer(session, rt.clock)
    s.delivered_order(rt, session, author, shop.offer)
    rt.clock.advance(timedelta(days=20))
    review = write_review(
        session,
        rt.clock,
        rt.media,
        buyer_id=author.user.id,
        asin=shop.product.asin,
        marketplace="US",
        stars=4,
        headline="Quiet and quick",
        text=TEXT,
    )
    session.commit()
    return shop, author, review


def test_product_page_shows_stars_histogram_and_reviews(rt, session, browser) -> None:
    shop, _, review = _reviewed(rt, session)
    page = browser.get(f"/dp/{shop.product.asin}")
    assert page.status_code == 200
    assert 'aria-label="4.0 out of 5 stars"' in page.text
    assert "1 rating" in page.text and "Customer reviews" in page.text
    assert "Write a customer review" in page.text and "Quiet and quick" in page.text
    assert "Verified Purchase" in page.text
    everything = browser.get(f"/dp/{shop.product.asin}/reviews?sort=recent&stars=4")
    assert everything.status_code == 200 and f'id="review-{review.id}"' in everything.text
    none = browser.get(f"/dp/{shop.product.asin}/reviews?stars=1")
    assert "No reviews match." in none.text
    assert browser.get(f"/dp/{shop.product.asin}/reviews?sort=cheap").status_code == 400
    assert browser.get("/dp/B0NOTHERE1/reviews").status_code == 404


def test_a_product_without_reviews_invites_the_first(rt, session, browser) -> None:
    shop = s.listing(rt, session)
    page = browser.get(f"/dp/{shop.product.asin}")
    assert "No customer reviews yet" in page.text and "Write a customer review" in page.text


def test_writing_a_review_with_errors_beside_the_fields(rt, session, browser) -> None:
    shop = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    s.delivered_order(rt, session, buyer, shop.offer)
    session.commit()
    url = f"/review/create/{shop.product.asin}"
    assert browser.get(url, follow_redirects=False).status_code == 303  # sign in first
    browser.sign_in(buyer.user.email)
    form = browser.get(url)
    assert "Verified Purchase" in form.text
    bad = browser.post(url, {"stars": "", "headline": "Nice", "text": TEXT})
    assert bad.status_code == 400
    assert 'id="e-stars"' in bad.text and "Choose from 1 to 5 stars." in bad.text
    assert 'value="Nice"' in bad.text  # the input is kept
    short = browser.post(url, {"stars": "5", "headline": "Nice", "text": "short"})
    assert short.status_code == 400 and 'id="e-text"' in short.text
    image = browser.post(
        url,
        {"stars": "5", "headline": "Nice", "text": TEXT},
        files={"images": ("kettle.png", b"not a picture", "image/png")},
    )
    assert image.status_code == 400 and 'id="e-images"' in image.text
    session.commit()  # a fresh snapshot (commit keeps loaded objects usable)
    assert session.scalar(select(func.count()).select_from(Review)) == 0
    session.commit()  # SQLite: let the app write
    good = browser.post(
        url,
        {"stars": "5", "headline": "Lovely kettle", "text": TEXT},
        files={"images": ("kettle.png", s.photo(), "image/png")},
    )
    assert good.status_code == 303
    thanks = browser.get(good.headers["location"])
    assert "is live" in thanks.text
    page = browser.get(f"/dp/{shop.product.asin}")
    assert "Lovely kettle" in page.text and "/media/reviews/" in page.text
    # A second visit to the form goes to editing.
    again = browser.get(url, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].endswith("/edit")


def test_a_buyer_without_purchase_or_spend_is_told_why(rt, session, browser) -> None:
    shop = s.listing(rt, session)
    stranger = f.buyer(session, rt.clock)
    session.commit()
    browser.sign_in(stranger.user.email)
    form = browser.get(f"/review/create/{shop.product.asin}")
    assert "minimum amount" in form.text and "<textarea" not in form.text
    refused = browser.post(
        f"/review/create/{shop.product.asin}", {"stars": "5", "headline": "Hi", "text": TEXT}
    )
    assert refused.status_code == 403 and "minimum amount" in refused.text


def test_another_buyers_review_cannot_be_edited(rt, session, browser) -> None:
    _, _, review = _reviewed(rt, session)
    other = f.buyer(session, rt.clock)
    session.commit()
    browser.sign_in(other.user.email)
    assert browser.get(f"/reviews/{review.id}/edit").status_code == 404
    answer = browser.post(
        f"/reviews/{review.id}/edit", {"stars": "1", "headline": "Mine now", "text": TEXT}
    )
    assert answer.status_code == 404
    session.commit()
    assert session.get(Review, review.id).headline == "Quiet and quick"


def test_editing_keeps_history(rt, session, browser) -> None:
    _, author, review = _reviewed(rt, session)
    browser.sign_in(author.user.email)
    answer = browser.post(
        f"/reviews/{review.id}/edit", {"stars": "2", "headline": "Lid broke", "text": TEXT}
    )
    assert answer.status_code == 303
    page = browser.get(f"/reviews/{review.id}/edit")
    assert "Earlier versions" in page.text and "Quiet and quick" in page.text


def test_helpful_votes_and_reports(rt, session, browser, other_browser) -> None:
    shop, author, review = _reviewed(rt, session)
    reader = f.buyer(session, rt.clock)
    session.commit()
    browser.sign_in(author.user.email)
    own = browser.get(f"/dp/{shop.product.asin}/reviews")
    assert "Edit your review" in own.text and ">Helpful</button>" not in own.text
    assert browser.post(f"/reviews/{review.id}/helpful").status_code == 303
    session.commit()
    session.expire(review)
    assert session.get(Review, review.id).helpful_votes == 0  # never one's own
    session.commit()

    other_browser.sign_in(reader.user.email)
    voted = other_browser.post(f"/reviews/{review.id}/helpful")
    assert voted.status_code == 303 and "voted=" in voted.headers["location"]
    page = other_browser.get(f"/dp/{shop.product.asin}/reviews")
    assert "1 person found this helpful" in page.text and "Thank you for your feedback" in page.text
    twice = other_browser.post(f"/reviews/{review.id}/helpful")
    assert "vote_error=409" in twice.headers["location"]
    reason = reviews_policy("US").report_reasons[0]
    reported = other_browser.post(f"/reviews/{review.id}/report", {"reason": reason})
    assert "reported=" in reported.headers["location"]
    assert other_browser.post(f"/reviews/{review.id}/report", {"reason": "nope"}).status_code == 303
    assert other_browser.post("/reviews/999999/helpful").status_code == 404


def test_request_a_review_from_the_sellers_order_page(rt, session, browser, other_browser) -> None:
    shop = s.listing(rt, session)
    rival = f.seller(session, rt.clock)
    buyer = f.buyer(session, rt.clock)
    placed = s.delivered_order(rt, session, buyer, shop.offer)
    session.commit()
    browser.sign_in(shop.seller.email)
    page = browser.get(f"/seller/orders/{placed.id}")
    assert "Request a review" in page.text and "disabled" in page.text
    early = browser.post(f"/seller/orders/{placed.id}/request-review")
    assert early.status_code == 409 and "from 5 days after delivery" in early.text
    rt.clock.advance(timedelta(days=5))
    sent = browser.post(f"/seller/orders/{placed.id}/request-review")
    assert sent.status_code == 303
    page = browser.get(sent.headers["location"])
    assert "Review request sent" in page.text and "Requested on" in page.text
    again = browser.post(f"/seller/orders/{placed.id}/request-review")
    assert again.status_code == 409 and "already sent" in again.text
    other_browser.sign_in(rival.email)
    assert other_browser.post(f"/seller/orders/{placed.id}/request-review").status_code == 404
    session.commit()
    assert session.scalar(select(func.count()).select_from(ReviewRequest)) == 1


def test_seller_enrols_a_product_in_the_programme(rt, session, browser) -> None:
    owner = f.seller(session, rt.clock, name="Acme")
    product = f.product(session, rt.clock, brand="Acme")
    other = f.product(session, rt.clock, brand="Brewmaster")
    session.commit()
    browser.sign_in(owner.email)
    assert "Enrolment fees" in browser.get("/seller/reviews/programme").text
    bad = browser.post("/seller/reviews/programme", {"asin": product.asin, "units": "31"})
    assert bad.status_code == 400 and 'id="e-units"' in bad.text
    foreign = browser.post("/seller/reviews/programme", {"asin": other.asin, "units": "5"})
    assert foreign.status_code == 403 and 'id="e-asin"' in foreign.text
    ok = browser.post("/seller/reviews/programme", {"asin": product.asin, "units": "5"})
    assert ok.status_code == 303
    page = browser.get(ok.headers["location"])
    assert product.asin in page.text and "$200.00" in page.text
    session.commit()
    assert session.scalar(select(func.count()).select_from(ProgrammeEnrolment)) == 1


def test_staff_moderate_held_reviews(rt, session, browser, other_browser) -> None:
    shop = s.listing(rt, session)
    author = f.buyer(session, rt.clock)
    s.delivered_order(rt, session, author, shop.offer)
    held = write_review(
        session,
        rt.clock,
        rt.media,
        buyer_id=author.user.id,
        asin=shop.product.asin,
        marketplace="US",
        stars=5,
        headline="Call me",
        text="Great kettle, call me on +1 555 123 4567 for a deal.",
    )
    assert held.status == rules.HELD
    staff = f.buyer(session, rt.clock).user
    staff.is_staff = True
    session.commit()
    other_browser.sign_in(author.user.email)
    assert other_browser.get("/ops/reviews").status_code == 403
    browser.sign_in(staff.email)
    queue = browser.get("/ops/reviews")
    assert queue.status_code == 200 and "Call me" in queue.text and "phone number" in queue.text
    assert browser.post(f"/ops/reviews/{held.id}", {"decision": "remove"}).status_code == 303
    session.expire_all()
    assert session.get(Review, held.id).status == rules.REMOVED
    session.commit()
    assert "Nothing waits for moderation" in browser.get("/ops/reviews").text
