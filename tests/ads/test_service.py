"""Sponsored Products end to end on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from souk.ads.models import AdClick, AdImpression
from souk.ads.service import (
    add_ad,
    add_ad_group,
    add_category_target,
    add_keyword,
    add_product_target,
    click,
    create_campaign,
    product_page_auction,
    report,
    search_auction,
    set_campaign_status,
)
from souk.core.errors import InvalidInput, NotFound
from souk.core.money import Money
from souk.orders.service import CheckoutRequest, place_order
from souk.sellers.service import set_status
from tests import factories as f


def usd(amount: str) -> Money:
    return Money.parse(amount, "USD")


@pytest.fixture
def market(rt, session):
    clock = rt.clock
    sellers = [f.seller(session, clock) for _ in range(3)]
    kettle_a = f.product(session, clock, title="Acme Electric Kettle", brand="Acme")
    kettle_b = f.product(session, clock, title="Brava Glass Kettle", brand="Brava")
    mug = f.product(
        session, clock, title="Ceramic Mug", brand="Acme", category="Home & Kitchen/Kitchen"
    )
    offers = [
        f.offer(session, clock, seller_id=sellers[0].id, asin=kettle_a.asin, sku="KA"),
        f.offer(session, clock, seller_id=sellers[1].id, asin=kettle_b.asin, sku="KB"),
        f.offer(session, clock, seller_id=sellers[2].id, asin=mug.asin, sku="MUG"),
    ]
    groups = []
    for seller, sku, bid in ((sellers[0], "KA", "1.00"), (sellers[1], "KB", "0.80")):
        campaign = create_campaign(
            session,
            clock,
            seller_id=seller.id,
            marketplace="US",
            name=f"{sku} launch",
            daily_budget=usd("50"),
            start_date=date(2026, 3, 1),
            bidding_strategy="fixed",
        )
        group = add_ad_group(
            session,
            seller_id=seller.id,
            campaign_id=campaign.id,
            name="kettles",
            default_bid=usd(bid),
        )
        add_ad(session, seller_id=seller.id, ad_group_id=group.id, sku=sku)
        add_keyword(
            session, seller_id=seller.id, ad_group_id=group.id, keyword="kettle", match_type="broad"
        )
        groups.append((seller, campaign, group))
    return {
        "sellers": sellers,
        "products": (kettle_a, kettle_b, mug),
        "offers": offers,
        "groups": groups,
    }


def test_search_auction_ranks_and_prices_by_second_price(rt, session, market):
    kettle_a, kettle_b, _ = market["products"]
    slots = search_auction(
        session, rt.clock, marketplace="US", query="electric kettles", visitor="c:abc"
    )
    assert [(s.asin, s.price_minor) for s in slots] == [(kettle_a.asin, 81), (kettle_b.asin, 2)]
    assert session.scalar(select(func.count()).select_from(AdImpression)) == 2


def test_no_ads_for_unrelated_or_excluded_queries(rt, session, market):
    kettle_a, _, _ = market["products"]
    assert search_auction(session, rt.clock, marketplace="US", query="toaster") == []
    seller, _, group = market["groups"][0]
    add_keyword(
        session,
        seller_id=seller.id,
        ad_group_id=group.id,
        keyword="electric",
        match_type="phrase",
        negative=True,
    )
    slots = search_auction(session, rt.clock, marketplace="US", query="electric kettle")
    assert kettle_a.asin not in [s.asin for s in slots]
    organic = search_auction(
        session, rt.clock, marketplace="US", query="kettle", exclude_asins={kettle_a.asin}
    )
    assert kettle_a.asin not in [s.asin for s in organic]


def test_suspended_sellers_and_paused_campaigns_do_not_advertise(rt, session, market):
    seller_a, _campaign_a, _ = market["groups"][0]
    set_status(session, rt.clock, seller_a.id, "suspended", "policy")
    seller_b, campaign_b, _ = market["groups"][1]
    set_campaign_status(session, seller_id=seller_b.id, campaign_id=campaign_b.id, status="paused")
    assert search_auction(session, rt.clock, marketplace="US", query="kettle") == []


def test_click_is_charged_once_and_repeats_are_free(rt, session, market):
    slot = search_auction(session, rt.clock, marketplace="US", query="kettle", visitor="u:1")[0]
    first = click(session, rt.clock, impression_id=slot.impression_id, visitor="u:1")
    assert first.charged and first.cost_minor == slot.price_minor
    again = click(session, rt.clock, impression_id=slot.impression_id, visitor="u:1")
    assert not again.charged
    rt.clock.advance(timedelta(minutes=5))
    slot2 = search_auction(session, rt.clock, marketplace="US", query="kettle", visitor="u:1")[0]
    repeat = click(session, rt.clock, impression_id=slot2.impression_id, visitor="u:1")
    assert not repeat.charged and repeat.reason == "repeat click"
    assert session.scalar(select(func.sum(AdClick.cost_minor))) == slot.price_minor
    with pytest.raises(NotFound):
        click(session, rt.clock, impression_id=999999, visitor="u:1")


def test_a_spent_budget_stops_the_ads(rt, session, market):
    _seller, campaign, _group = market["groups"][0]
    kettle_a = market["products"][0].asin
    campaign.daily_budget_minor = 100  # $1.00 a day
    session.commit()
    # 22:30 in New York: pacing no longer holds anything back.
    rt.clock.set(rt.clock.now().replace(day=3, hour=3, minute=30))
    first = search_auction(session, rt.clock, marketplace="US", query="kettle", visitor="u:1")
    mine = [s for s in first if s.asin == kettle_a]
    assert mine, "the campaign should still have budget for one click"
    assert click(session, rt.clock, impression_id=mine[0].impression_id, visitor="u:1").charged
    # 81 cents spent: another click at a $1.00 bid could pass the budget, so no more ads.
    after = search_auction(session, rt.clock, marketplace="US", query="kettle", visitor="u:2")
    assert kettle_a not in [s.asin for s in after]
    spent = session.scalar(
        select(func.sum(AdClick.cost_minor)).where(AdClick.campaign_id == campaign.id)
    )
    assert spent == 81


def test_pacing_holds_spend_back_early_in_the_day(rt, session, market):
    _, campaign, _ = market["groups"][0]
    campaign.daily_budget_minor = 200
    session.commit()
    rt.clock.set(rt.clock.now().replace(day=2, hour=6))  # 01:00 in New York
    slots = search_auction(session, rt.clock, marketplace="US", query="kettle")
    assert market["products"][0].asin not in [s.asin for s in slots]


def test_product_and_category_targets_fill_product_pages(rt, session, market):
    kettle_a, kettle_b, mug = market["products"]
    seller_c = market["sellers"][2]
    campaign = create_campaign(
        session,
        rt.clock,
        seller_id=seller_c.id,
        marketplace="US",
        name="mugs",
        daily_budget=usd("10"),
        start_date=date(2026, 3, 1),
    )
    group = add_ad_group(
        session, seller_id=seller_c.id, campaign_id=campaign.id, name="g", default_bid=usd("0.50")
    )
    add_ad(session, seller_id=seller_c.id, ad_group_id=group.id, sku="MUG")
    add_product_target(session, seller_id=seller_c.id, ad_group_id=group.id, asin=kettle_a.asin)
    slots = product_page_auction(session, rt.clock, marketplace="US", asin=kettle_a.asin)
    assert [s.asin for s in slots] == [mug.asin]
    add_category_target(
        session, seller_id=seller_c.id, ad_group_id=group.id, category_path="home-kitchen"
    )
    assert [
        s.asin
        for s in product_page_auction(session, rt.clock, marketplace="US", asin=kettle_b.asin)
    ] == [mug.asin]
    # Never advertised on its own page.
    assert product_page_auction(session, rt.clock, marketplace="US", asin=mug.asin) == []


def test_report_attributes_a_purchase_after_a_click(rt, session, market):
    seller, _campaign, _ = market["groups"][0]
    buyer = f.buyer(session, rt.clock)
    visitor = f"u:{buyer.user.id}"
    slot = search_auction(session, rt.clock, marketplace="US", query="kettle", visitor=visitor)[0]
    click(session, rt.clock, impression_id=slot.impression_id, visitor=visitor)
    rt.clock.advance(timedelta(hours=2))
    place_order(
        session,
        rt.clock,
        rt.payments,
        CheckoutRequest(
            buyer_id=buyer.user.id,
            marketplace="US",
            address_id=buyer.address.id,
            delivery_speed="standard",
            card=f.GOOD_CARD,
            idempotency_key="ad-sale",
            lines=((market["offers"][0].id, 2),),
        ),
    )
    today = rt.clock.now().date()
    rows = report(
        session,
        seller_id=seller.id,
        start=today - timedelta(days=1),
        end=today,
        group_by="search_term",
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row.key, row.impressions, row.clicks, row.orders) == ("kettle", 1, 1, 1)
    assert row.sales_minor == 2 * 1999 and row.spend_minor == slot.price_minor
    assert row.acos == pytest.approx(slot.price_minor / (2 * 1999))
    assert report(session, seller_id=seller.id, start=today, end=today, group_by="campaign")
    with pytest.raises(InvalidInput):
        report(session, seller_id=seller.id, start=today, end=today, group_by="week")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"daily_budget": Money.parse("0.50", "USD")}, "daily_budget"),
        ({"daily_budget": Money.parse("50", "EUR")}, "daily_budget"),
        ({"bidding_strategy": "aggressive"}, "bidding_strategy"),
        ({"top_of_search_percent": 1000}, "top_of_search_percent"),
        ({"end_date": date(2026, 1, 1)}, "end_date"),
        ({"name": "  "}, "name"),
    ],
)
def test_campaign_setup_refuses_bad_input(rt, session, market, kwargs, field):
    base = dict(
        seller_id=market["sellers"][0].id,
        marketplace="US",
        name="x",
        daily_budget=usd("10"),
        start_date=date(2026, 3, 1),
    )
    with pytest.raises(InvalidInput) as error:
        create_campaign(session, rt.clock, **{**base, **kwargs})
    assert error.value.field == field


def test_targets_and_ads_only_on_own_things(rt, session, market):
    seller_a, _, group_a = market["groups"][0]
    seller_b = market["sellers"][1]
    with pytest.raises(NotFound):
        add_ad(session, seller_id=seller_b.id, ad_group_id=group_a.id, sku="KB")
    with pytest.raises(NotFound):
        add_ad(session, seller_id=seller_a.id, ad_group_id=group_a.id, sku="KB")
    with pytest.raises(InvalidInput):
        add_keyword(
            session,
            seller_id=seller_a.id,
            ad_group_id=group_a.id,
            keyword="x",
            match_type="broad",
            bid=usd("0.01"),
        )
    with pytest.raises(InvalidInput):
        add_keyword(
            session,
            seller_id=seller_a.id,
            ad_group_id=group_a.id,
            keyword="free",
            match_type="broad",
            negative=True,
        )
