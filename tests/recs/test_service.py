"""Recording behaviour, browsing history, and the widgets from a fitted, stored model."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from souk.core.clock import FrozenClock
from souk.core.runtime import Runtime
from souk.offers.models import Offer
from souk.recs import service
from souk.recs.models import PURCHASE, RecsEvent
from souk.recs.store import load
from tests import factories as f


def _shop(session: Session, clock: FrozenClock, count: int = 5) -> list[str]:
    seller = f.seller(session, clock)
    asins = []
    for n in range(count):
        product = f.product(session, clock, title=f"Kitchen thing number {n} deluxe")
        f.offer(session, clock, seller_id=seller.id, asin=product.asin, price=f"{10 + n}.00")
        asins.append(product.asin)
    return asins


def _bought_together(session: Session, clock: FrozenClock, baskets: list[list[str]]) -> None:
    for n, basket in enumerate(baskets):
        for asin in basket:
            session.add(
                RecsEvent(
                    kind=PURCHASE,
                    marketplace="US",
                    buyer_id=None,
                    asin=asin,
                    basket=str(n),
                    at=clock.now() - timedelta(days=1),
                )
            )
    session.commit()


def test_guest_history_joins_the_buyer_at_sign_in(
    rt: Runtime, session: Session, clock: FrozenClock
) -> None:
    a, b, c = _shop(session, clock, 3)
    buyer = f.buyer(session, clock).user
    guest = service.Shopper(visitor="guest-cookie-1")
    me = service.Shopper(buyer_id=buyer.id)
    service.record_view(session, clock, me, "US", a)
    clock.advance(timedelta(minutes=1))
    service.record_view(session, clock, guest, "US", b)
    clock.advance(timedelta(minutes=1))
    service.record_view(session, clock, guest, "US", a)
    service.merge_guest_history(session, "guest-cookie-1", buyer.id)
    assert service.browsing_history(session, me, "US") == [a, b]
    assert service.browsing_history(session, guest, "US") == []
    # the guest's view events now count as the buyer's
    assert session.scalar(select(RecsEvent.id).where(RecsEvent.visitor == "guest-cookie-1")) is None
    assert service.clear_history(session, me, "US") == 2
    assert service.browsing_history(session, me, "US") == []
    assert c


def test_bought_together_is_stored_served_and_filtered(
    rt: Runtime, session: Session, clock: FrozenClock
) -> None:
    pasta, sauce, cheese, sold_out, lone = _shop(session, clock, 5)
    _bought_together(
        session,
        clock,
        [[pasta, sauce, cheese, sold_out]] * 3 + [[pasta, sauce]] * 2 + [[lone]] * 2,
    )
    session.execute(
        Offer.__table__.update().where(Offer.asin == sold_out).values(quantity=0)  # type: ignore[attr-defined]
    )
    session.commit()
    assert service.refresh(rt.sessions, clock, rt.settings.var_dir) >= 1
    model = load(rt.settings.var_dir, "US")
    assert model.neighbours("together", pasta)[0][0] == sauce
    product = session.get(service.Product, pasta)
    assert product is not None
    bundle = service.frequently_bought_together(session, model, product, "US")
    assert bundle is not None
    shown = [p.product.asin for p in bundle.items]
    assert shown[0] == pasta and sauce in shown and sold_out not in shown
    assert len(shown) <= 3
    assert bundle.total.minor == sum(p.offer.price.minor for p in bundle.items)


def test_new_products_get_content_neighbours_without_a_refit(
    rt: Runtime, session: Session, clock: FrozenClock
) -> None:
    _shop(session, clock, 3)
    service.refresh(rt.sessions, clock, rt.settings.var_dir)
    seller = f.seller(session, clock)
    newcomer = f.product(session, clock, title="Kitchen thing number 9 deluxe")
    f.offer(session, clock, seller_id=seller.id, asin=newcomer.asin)
    session.commit()
    assert load(rt.settings.var_dir, "US").neighbours("similar", newcomer.asin) == []
    assert service.add_new_products(rt.sessions, clock, rt.settings.var_dir) == 1
    assert load(rt.settings.var_dir, "US").neighbours("similar", newcomer.asin)


def test_new_buyers_get_trending_and_durables_bought_do_not_come_back(
    rt: Runtime, session: Session, clock: FrozenClock
) -> None:
    kettle, toaster, mug = _shop(session, clock, 3)
    buyer = f.buyer(session, clock).user
    stranger = service.Shopper(visitor="someone-new")
    for _ in range(3):
        service.record_view(session, clock, service.Shopper(visitor="v2"), "US", toaster)
    service.record_view(session, clock, service.Shopper(visitor="v3"), "US", mug)
    model = load(rt.settings.var_dir, "US")
    trending = service.recommended_for_you(session, model, clock.now(), stranger, "US")
    assert [p.product.asin for p in trending][:2] == [toaster, mug]
    session.add(
        RecsEvent(kind=PURCHASE, marketplace="US", buyer_id=buyer.id, asin=kettle, at=clock.now())
    )
    session.commit()
    mine = service.recommended_for_you(
        session, model, clock.now(), service.Shopper(buyer_id=buyer.id), "US"
    )
    assert kettle not in [p.product.asin for p in mine]


def test_roll_up_folds_old_views_into_daily_counts(
    rt: Runtime, session: Session, clock: FrozenClock
) -> None:
    (asin,) = _shop(session, clock, 1)
    service.record_view(session, clock, service.Shopper(visitor="old"), "US", asin)
    clock.advance(timedelta(days=200))
    assert service.roll_up(rt.sessions, clock) == 1
    assert session.scalar(select(RecsEvent.id).where(RecsEvent.asin == asin)) is None
    count = session.scalar(select(service.RecsDailyCount.count))
    assert count == 1


def test_a_consumable_comes_back_when_it_is_due_again(
    rt: Runtime, session: Session, clock: FrozenClock
) -> None:
    seller = f.seller(session, clock)
    coffee = f.product(session, clock, title="Ground coffee dark roast", category="Grocery/Coffee")
    kettle = f.product(session, clock, title="Gooseneck kettle steel")
    for product in (coffee, kettle):
        f.offer(session, clock, seller_id=seller.id, asin=product.asin)
    buyer = f.buyer(session, clock).user
    for asin in (coffee.asin, kettle.asin):
        session.add(
            RecsEvent(kind=PURCHASE, marketplace="US", buyer_id=buyer.id, asin=asin, at=clock.now())
        )
    session.commit()
    me = service.Shopper(buyer_id=buyer.id)
    model = load(rt.settings.var_dir, "US")

    def shown() -> list[str]:
        return [
            p.product.asin
            for p in service.recommended_for_you(session, model, clock.now(), me, "US")
        ]

    assert coffee.asin not in shown() and kettle.asin not in shown()  # both just bought
    clock.advance(timedelta(days=35))  # past the policy's 30-day repeat interval
    assert coffee.asin in shown()  # the coffee is due again
    assert kettle.asin not in shown()  # one kettle is enough


def test_searches_seed_recommended_for_you(
    rt: Runtime, session: Session, clock: FrozenClock
) -> None:
    from souk.search.service import SearchRequest, rebuild, search

    pasta, sauce, cheese, _, lone = _shop(session, clock, 5)
    _bought_together(session, clock, [[pasta, sauce, cheese]] * 3 + [[lone]] * 2)
    service.refresh(rt.sessions, clock, rt.settings.var_dir)
    rebuild(session, clock, rt.search_index)
    title = session.get(service.Product, pasta).title  # type: ignore[union-attr]
    guest = service.Shopper(visitor="searcher")
    service.record_search(session, clock, guest, "US", title)

    def searched(text: str) -> list[str]:
        return [r.asin for r in search(rt.search_index, SearchRequest("US", text)).results]

    assert searched(title)[0] == pasta
    model = load(rt.settings.var_dir, "US")
    mine = service.recommended_for_you(session, model, clock.now(), guest, "US", searched)
    shown = [p.product.asin for p in mine]
    assert shown[0] == pasta  # what the search found comes first
    assert sauce in shown and cheese in shown  # and what is bought with it
