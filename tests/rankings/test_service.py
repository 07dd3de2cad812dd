import contextlib
from datetime import timedelta

from sqlalchemy import select

from souk.orders.service import CheckoutRequest, cancel_by_buyer, place_order
from souk.rankings.models import DailySales
from souk.rankings.service import best_sellers, product_ranks, rank_history, recompute
from souk.sellers.service import add_seller_user
from tests import factories as f


def _buy(rt, session, buyer, offer, quantity, key):
    return place_order(
        session,
        rt.clock,
        rt.payments,
        CheckoutRequest(
            buyer_id=buyer.user.id,
            marketplace="US",
            address_id=buyer.address.id,
            delivery_speed="standard",
            card=f.GOOD_CARD,
            idempotency_key=key,
            lines=((offer.id, quantity),),
        ),
    ).orders[0]


def _units(session, asin):
    return sum(r.units for r in session.scalars(select(DailySales).where(DailySales.asin == asin)))


def test_rollup_counts_placed_orders_and_takes_back_cancellations(rt, session):
    seller = f.seller(session, rt.clock)
    product = f.product(session, rt.clock)
    offer = f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin, quantity=20)
    buyer = f.buyer(session, rt.clock)
    _buy(rt, session, buyer, offer, 3, "a")
    order = _buy(rt, session, buyer, offer, 2, "b")
    assert _units(session, product.asin) == 5
    cancel_by_buyer(
        session,
        rt.clock,
        rt.payments,
        buyer_id=buyer.user.id,
        order_id=order.id,
        reason="Changed my mind",
    )
    session.expire_all()
    assert _units(session, product.asin) == 3


def test_declined_payment_never_reaches_the_rollup(rt, session):
    seller = f.seller(session, rt.clock)
    product = f.product(session, rt.clock)
    offer = f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin)
    buyer = f.buyer(session, rt.clock)
    with contextlib.suppress(Exception):
        place_order(
            session,
            rt.clock,
            rt.payments,
            CheckoutRequest(
                buyer_id=buyer.user.id,
                marketplace="US",
                address_id=buyer.address.id,
                delivery_speed="standard",
                card=f.CAPTURE_FAILS_CARD,
                idempotency_key="x",
                lines=((offer.id, 1),),
            ),
        )
    assert _units(session, product.asin) == 0


def test_sellers_buying_their_own_products_do_not_move_the_rank(rt, session):
    seller = f.seller(session, rt.clock)
    product = f.product(session, rt.clock)
    offer = f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin, quantity=50)
    insider = f.buyer(session, rt.clock)
    add_seller_user(session, seller.id, insider.user.id, "orders")
    _buy(rt, session, insider, offer, 10, "self")
    assert _units(session, product.asin) == 0


def test_ranks_per_category_with_decay_toward_older_sales(rt, session):
    clock = rt.clock
    seller = f.seller(session, clock)
    kettle = f.product(session, clock, category="Home & Kitchen/Kitchen")
    toaster = f.product(session, clock, category="Home & Kitchen/Kitchen")
    lamp = f.product(session, clock, category="Home & Kitchen/Lighting")
    offers = {
        p.asin: f.offer(session, clock, seller_id=seller.id, asin=p.asin, quantity=100)
        for p in (kettle, toaster, lamp)
    }
    buyer = f.buyer(session, clock)
    # Ten toasters a week ago weigh less than four kettles today (half-life 3 days).
    _buy(rt, session, buyer, offers[toaster.asin], 10, "t")
    clock.advance(timedelta(days=7))
    _buy(rt, session, buyer, offers[kettle.asin], 4, "k")
    _buy(rt, session, buyer, offers[lamp.asin], 1, "l")
    assert recompute(rt.sessions, clock) == 3 + 3  # each in its category and the parent
    ranks = {r.category.name: r.rank for r in product_ranks(session, kettle.asin, "US")}
    assert ranks == {"Home & Kitchen": 1, "Kitchen": 1}
    toaster_ranks = {r.category.name: r.rank for r in product_ranks(session, toaster.asin, "US")}
    assert toaster_ranks == {"Home & Kitchen": 2, "Kitchen": 2}
    kitchen = kettle.category_id
    assert [a for a, _ in best_sellers(session, "US", kitchen)] == [kettle.asin, toaster.asin]
    assert rank_history(session, kettle.asin, "US") == [(clock.now().date(), 1)]


def test_sales_older_than_the_window_drop_out(rt, session):
    clock = rt.clock
    seller = f.seller(session, clock)
    product = f.product(session, clock)
    offer = f.offer(session, clock, seller_id=seller.id, asin=product.asin)
    buyer = f.buyer(session, clock)
    _buy(rt, session, buyer, offer, 1, "old")
    recompute(rt.sessions, clock)
    assert product_ranks(session, product.asin, "US")
    session.rollback()  # end the read: on SQLite an open session holds the write lock
    clock.advance(timedelta(days=31))
    recompute(rt.sessions, clock)
    assert product_ranks(session, product.asin, "US") == []


def test_set_based_recompute_matches_the_pure_rules(rt, session):
    """The SQL that ranks must agree with rules.decayed_score + rank_by_category."""
    import random

    from souk.catalog.models import Product
    from souk.core.policy import default_policy
    from souk.rankings.models import DailySales
    from souk.rankings.rules import DaySales, decayed_score, rank_by_category
    from souk.rankings.service import _ancestors

    rng = random.Random(5)
    clock = rt.clock
    products = [
        f.product(
            session,
            clock,
            category=rng.choice(
                ["Home & Kitchen/Kitchen", "Home & Kitchen/Lighting", "Toys/Blocks"]
            ),
        )
        for _ in range(25)
    ]
    today = clock.now().date()
    rows = []
    for p in products:
        for age in rng.sample(range(40), 4):
            rows.append(
                DailySales(
                    asin=p.asin,
                    marketplace="US",
                    day=today - timedelta(days=age),
                    units=rng.randint(0, 9),
                )
            )
    session.add_all(rows)
    session.commit()
    recompute(rt.sessions, clock)
    policy = default_policy().for_marketplace("US").rankings
    window = [r for r in rows if (today - r.day).days < policy.window_days]
    scores = decayed_score(
        [DaySales(r.asin, (today - r.day).days, r.units) for r in window], policy.half_life_days
    )
    chains = _ancestors(session)
    categories = {p.asin: chains[session.get(Product, p.asin).category_id] for p in products}
    expected = {(r.asin, r.category_id): r.rank for r in rank_by_category(scores, categories)}
    from souk.rankings.models import SalesRank

    got = {(r.asin, r.category_id): r.rank for r in session.scalars(select(SalesRank))}
    assert got == expected
