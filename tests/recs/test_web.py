"""The widgets on real pages: frequently bought together with "Add all to cart",
browsing history with its clear button, the digest preview."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from souk.core.clock import FrozenClock
from souk.core.runtime import Runtime
from souk.offers.models import Offer
from souk.orders.models import Cart, CartLine
from souk.recs import service
from tests import factories as f
from tests.recs.test_service import _bought_together, _shop
from tests.web.conftest import Browser


def _bundle_shop(rt: Runtime, session: Session, clock: FrozenClock) -> list[str]:
    asins = _shop(session, clock, 4)
    pasta, sauce, cheese, lone = asins
    _bought_together(session, clock, [[pasta, sauce, cheese]] * 3 + [[lone]] * 2)
    service.refresh(rt.sessions, clock, rt.settings.var_dir)
    return asins


def _cart_asins(session: Session) -> list[str]:
    session.expire_all()
    rows = session.execute(
        select(Offer.asin).join(CartLine, CartLine.offer_id == Offer.id).order_by(Offer.asin)
    )
    return [a for (a,) in rows]


def test_product_page_bundle_adds_all_to_the_cart(
    rt: Runtime, session: Session, clock: FrozenClock, browser: Browser
) -> None:
    pasta, sauce, cheese, _ = _bundle_shop(rt, session, clock)
    session.commit()
    page = browser.get(f"/dp/{pasta}")
    assert page.status_code == 200
    assert "Frequently bought together" in page.text
    assert "Add all 3 to Cart" in page.text
    assert "$33.00" in page.text  # 10 + 11 + 12
    posted = re.findall(r'name="asin" value="([^"]+)"', page.text)
    answer = browser.post("/recs/bundle", {"asin": posted})
    assert answer.status_code == 303 and answer.headers["location"] == "/cart"
    assert _cart_asins(session) == sorted([pasta, sauce, cheese])


def test_bundle_with_an_unavailable_item_adds_nothing(
    rt: Runtime, session: Session, clock: FrozenClock, browser: Browser
) -> None:
    pasta, sauce, _, _ = _bundle_shop(rt, session, clock)
    session.execute(Offer.__table__.update().where(Offer.asin == sauce).values(quantity=0))  # type: ignore[attr-defined]
    session.commit()
    answer = browser.post("/recs/bundle", {"asin": [pasta, sauce]})
    assert answer.status_code == 404
    assert "no longer available" in answer.text
    assert _cart_asins(session) == []
    assert browser.post("/recs/bundle", {}).status_code == 400


def test_bundle_needs_the_form_token(
    rt: Runtime, session: Session, clock: FrozenClock, browser: Browser
) -> None:
    pasta, sauce, _, _ = _bundle_shop(rt, session, clock)
    session.commit()
    answer = browser.client.post("/recs/bundle", data={"asin": [pasta, sauce]})
    assert answer.status_code == 403
    assert session.scalar(select(Cart.id)) is None


def test_guest_history_shows_on_home_follows_sign_in_and_clears(
    rt: Runtime, session: Session, clock: FrozenClock, browser: Browser
) -> None:
    first, second = _shop(session, clock, 2)
    buyer = f.buyer(session, clock).user
    session.commit()
    browser.get(f"/dp/{first}")
    clock.advance(timedelta(minutes=2))
    browser.get(f"/dp/{second}")
    home = browser.get("/")
    assert "Your browsing history" in home.text
    assert home.text.index(f"/dp/{second}") < home.text.rindex(f"/dp/{first}")
    browser.sign_in(buyer.email)
    home = browser.get("/")
    assert "Your browsing history" in home.text and "Recommended for you" in home.text
    session.expire_all()
    assert service.browsing_history(session, service.Shopper(buyer_id=buyer.id), "US") == [
        second,
        first,
    ]
    session.commit()
    assert browser.post("/recs/history/clear", {"next": "/"}).status_code == 303
    assert "Your browsing history" not in browser.get("/").text


def test_digest_preview_is_for_the_signed_in_buyer(
    rt: Runtime, session: Session, clock: FrozenClock, browser: Browser
) -> None:
    (asin,) = _shop(session, clock, 1)
    buyer = f.buyer(session, clock).user
    session.commit()
    assert browser.get("/recs/digest", follow_redirects=False).status_code in (302, 303)
    browser.sign_in(buyer.email)
    browser.get(f"/dp/{asin}")
    page = browser.get("/recs/digest")
    assert page.status_code == 200
    assert "inspired by your browsing" in page.text


def test_searches_and_cart_adds_are_recorded_for_recommendations(
    rt: Runtime, session: Session, clock: FrozenClock, browser: Browser
) -> None:
    from souk.recs.models import CART, SEARCH, RecsEvent

    (asin,) = _shop(session, clock, 1)
    offer = session.scalars(select(Offer).where(Offer.asin == asin)).one()
    session.commit()
    assert browser.get("/s?k=pasta+sauce").status_code == 200
    browser.get(f"/dp/{asin}")
    answer = browser.post("/cart/add", {"offer_id": str(offer.id), "quantity": "1"})
    assert answer.status_code in (200, 303)
    session.expire_all()
    events = session.scalars(select(RecsEvent).where(RecsEvent.kind.in_((SEARCH, CART)))).all()
    assert {(e.kind, e.query or e.asin) for e in events} == {(SEARCH, "pasta sauce"), (CART, asin)}
    assert len({e.visitor for e in events}) == 1  # one guest, one cookie
