"""Seller Central advertising pages over HTTP on SQLite and PostgreSQL: campaigns,
ad groups, ads, targets, pause/enable, reports with CSV; bad input and other
sellers' campaigns."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from souk.ads.models import Ad, AdGroup, Campaign, Target
from souk.ads.service import add_ad_group, create_campaign
from souk.core.money import Money
from souk.search.service import rebuild
from tests import factories as f

AD_LINK = re.compile(r'href="(/sp/click/\d+)"')


@pytest.fixture
def sellers(rt, session):
    clock = rt.clock
    mine = f.seller(session, clock, name="Kettle House")
    theirs = f.seller(session, clock, name="Rival Goods")
    kettle = f.product(session, clock, title="Copper Whistling Kettle", brand="Acme")
    f.offer(session, clock, seller_id=mine.id, asin=kettle.asin, price="44.00", sku="COPPER-1")
    teapot = f.product(session, clock, title="Glass Teapot with Infuser", brand="Brava")
    f.offer(session, clock, seller_id=theirs.id, asin=teapot.asin, price="19.00")
    other = create_campaign(
        session,
        clock,
        seller_id=theirs.id,
        marketplace="US",
        name="Theirs",
        daily_budget=Money.parse("10", "USD"),
        start_date=date(2026, 1, 1),
    )
    other_group = add_ad_group(
        session,
        seller_id=theirs.id,
        campaign_id=other.id,
        name="g",
        default_bid=Money.parse("0.50", "USD"),
    )
    rebuild(session, clock, rt.search_index)
    session.commit()
    return {
        "mine": mine,
        "kettle": kettle,
        "other_campaign": other.id,
        "other_group": other_group.id,
    }


def count(rt, model) -> int:  # type: ignore[no-untyped-def]
    with rt.read_sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def new_campaign(browser, **changes: str):  # type: ignore[no-untyped-def]
    form = {
        "name": "Kettles always on",
        "daily_budget": "25.00",
        "start_date": "2026-03-01",
        "end_date": "",
        "bidding_strategy": "fixed",
        "top_of_search_percent": "50",
        "rest_of_search_percent": "0",
        "product_page_percent": "0",
        **changes,
    }
    return browser.post("/seller/advertising/campaigns", form)


def test_create_campaign_ad_group_ad_and_targets(rt, sellers, browser) -> None:
    browser.sign_in(sellers["mine"].email)
    assert browser.get("/seller/advertising").status_code == 200
    assert browser.get("/seller/advertising/campaigns/new").status_code == 200
    created = new_campaign(browser)
    assert created.status_code == 303
    campaign_url = created.headers["location"].split("?")[0]
    page = browser.get(campaign_url)
    assert "Kettles always on" in page.text and "Top of search +50 %" in page.text

    group = browser.post(campaign_url + "/ad-groups", {"name": "Copper", "default_bid": "0.90"})
    assert group.status_code == 303
    group_url = group.headers["location"].split("?")[0]
    assert browser.get(group_url).status_code == 200
    assert browser.post(group_url + "/ad", {"sku": "COPPER-1"}).status_code == 303
    keyword = {"keyword": "kettle", "match_type": "exact", "bid": "1.10"}
    assert browser.post(group_url + "/keyword", keyword).status_code == 303
    negative = {"keyword": "electric", "match_type": "phrase"}
    assert browser.post(group_url + "/negative", negative).status_code == 303
    target = {"asin": sellers["kettle"].asin, "bid": ""}
    assert browser.post(group_url + "/product", target).status_code == 303
    path = sellers["kettle"].category.path
    assert browser.post(group_url + "/category", {"category_path": path}).status_code == 303
    page = browser.get(group_url)
    assert "COPPER-1" in page.text and "Negative keyword" in page.text
    with rt.read_sessions() as s:
        kinds = sorted((t.kind, t.negative, t.bid_minor) for t in s.scalars(select(Target)).all())
    assert kinds == [
        ("category", False, None),
        ("keyword", False, 110),
        ("keyword", True, None),
        ("product", False, None),
    ]
    listing = browser.get("/seller/advertising")
    assert "Kettles always on" in listing.text and "Theirs" not in listing.text


def test_pause_and_enable(rt, sellers, browser) -> None:
    browser.sign_in(sellers["mine"].email)
    url = new_campaign(browser).headers["location"].split("?")[0]
    assert browser.post(url + "/status", {"status": "paused"}).status_code == 303
    assert "Enable campaign" in browser.get(url).text
    with rt.read_sessions() as s:
        assert s.scalar(select(Campaign.status).where(Campaign.name == "Kettles always on")) == (
            "paused"
        )
    browser.post(url + "/status", {"status": "enabled"})
    assert "Pause campaign" in browser.get(url).text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"daily_budget": "-5"}, "daily_budget", "at least"),
        ({"daily_budget": "lots"}, "daily_budget", "Enter an amount"),
        ({"name": "  "}, "name", "Name the campaign"),
        ({"start_date": "tomorrow"}, "start_date", "Enter a date like"),
        ({"end_date": "2026-01-01"}, "end_date", "before the start date"),
        ({"top_of_search_percent": "901"}, "top_of_search_percent", "0 to 900"),
        ({"bidding_strategy": "magic"}, "bidding_strategy", "Bidding strategy must be"),
    ],
)
def test_bad_campaign_input_is_refused_beside_the_field(
    rt, sellers, browser, changes, field, message
) -> None:
    browser.sign_in(sellers["mine"].email)
    before = count(rt, Campaign)
    answer = new_campaign(browser, **changes)
    assert answer.status_code == 400
    assert f'id="e-{field}"' in answer.text and message in answer.text
    assert count(rt, Campaign) == before


def test_bad_bids_skus_and_targets_are_refused(rt, sellers, browser) -> None:
    browser.sign_in(sellers["mine"].email)
    url = new_campaign(browser).headers["location"].split("?")[0]
    bad_group = browser.post(url + "/ad-groups", {"name": "g", "default_bid": "0.001"})
    assert bad_group.status_code == 400 and 'id="e-default_bid"' in bad_group.text
    too_high = browser.post(url + "/ad-groups", {"name": "g", "default_bid": "5000"})
    assert too_high.status_code == 400 and "Bids run from" in too_high.text
    assert count(rt, AdGroup) == 1  # only the other seller's
    group_url = (
        browser.post(url + "/ad-groups", {"name": "g", "default_bid": "0.50"})
        .headers["location"]
        .split("?")[0]
    )
    for form, data, field in (
        ("keyword", {"keyword": "kettle", "match_type": "broad", "bid": "abc"}, "bid"),
        ("keyword", {"keyword": "!!!", "match_type": "broad"}, "keyword"),
        ("keyword", {"keyword": "kettle", "match_type": "fuzzy"}, "match_type"),
        ("negative", {"keyword": "cheap", "match_type": "broad"}, "match_type"),
        ("product", {"asin": "B0NOTHERE1"}, "asin"),
        ("category", {"category_path": "no/such/place"}, "category_path"),
        ("ad", {"sku": "NOT-MINE"}, "sku"),
    ):
        answer = browser.post(f"{group_url}/{form}", data)
        assert answer.status_code == 400, (form, data)
        assert f'id="e-{field}"' in answer.text, (form, data)
    assert count(rt, Target) == 0 and count(rt, Ad) == 0


def test_other_sellers_campaigns_are_not_found(rt, sellers, browser) -> None:
    browser.sign_in(sellers["mine"].email)
    other, group = sellers["other_campaign"], sellers["other_group"]
    assert browser.get(f"/seller/advertising/campaigns/{other}").status_code == 404
    assert browser.get(f"/seller/advertising/ad-groups/{group}").status_code == 404
    assert browser.get("/seller/advertising/campaigns/abc").status_code == 404
    assert browser.get(f"/seller/advertising/reports?campaign={other}").status_code == 404
    paused = browser.post(f"/seller/advertising/campaigns/{other}/status", {"status": "paused"})
    assert paused.status_code == 404
    added = browser.post(f"/seller/advertising/ad-groups/{group}/keyword", {"keyword": "x"})
    assert added.status_code == 404
    grouped = browser.post(
        f"/seller/advertising/campaigns/{other}/ad-groups", {"name": "g", "default_bid": "1"}
    )
    assert grouped.status_code == 404
    with rt.read_sessions() as s:
        assert s.scalar(select(Campaign.status).where(Campaign.id == other)) == "enabled"
    assert count(rt, AdGroup) == 1


def test_pages_need_a_seller_and_csrf(rt, sellers, browser) -> None:
    answer = browser.get("/seller/advertising", follow_redirects=False)
    assert answer.status_code == 303 and "/signin" in answer.headers["location"]
    browser.sign_in(sellers["mine"].email)
    forged = browser.client.post(
        "/seller/advertising/campaigns", data={"name": "x"}, follow_redirects=False
    )
    assert forged.status_code == 403
    assert count(rt, Campaign) == 1


def test_report_shows_impressions_clicks_spend_and_csv(rt, sellers, browser, other_browser) -> None:
    browser.sign_in(sellers["mine"].email)
    url = new_campaign(browser).headers["location"].split("?")[0]
    group_url = (
        browser.post(url + "/ad-groups", {"name": "g", "default_bid": "0.80"})
        .headers["location"]
        .split("?")[0]
    )
    browser.post(group_url + "/ad", {"sku": "COPPER-1"})
    browser.post(group_url + "/keyword", {"keyword": "teapot", "match_type": "broad"})
    # A shopper searches for teapots, sees the kettle's ad beside them and clicks it.
    page = other_browser.get("/s?k=glass teapot")
    assert "Sponsored" in page.text
    other_browser.get(AD_LINK.findall(page.text)[0], follow_redirects=False)

    campaign_id = url.rsplit("/", 1)[1]
    report = browser.get(f"/seller/advertising/reports?campaign={campaign_id}&group_by=day")
    assert report.status_code == 200
    assert "<svg" in report.text and "Spend per day" in report.text
    row = re.sub(r"\s+", " ", report.text)
    assert "2026-03-02</td>" in row  # the clock's day, as a table row
    assert "$0.02" in row  # one bidder pays the reserve
    terms = browser.get(f"/seller/advertising/reports?campaign={campaign_id}&group_by=search_term")
    assert "glass teapot" in terms.text
    csv = browser.get(
        f"/seller/advertising/reports?campaign={campaign_id}&group_by=target&format=csv"
    )
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("Target,Impressions,Clicks,CTR,Spend (USD)")
    assert lines[1].startswith("keyword: teapot (broad),1,1,100.00%,0.02")
    summary = re.sub(r"\s+", " ", browser.get("/seller/advertising").text)
    assert "$0.02" in summary


def test_report_refuses_a_backwards_range(rt, sellers, browser) -> None:
    browser.sign_in(sellers["mine"].email)
    answer = browser.get("/seller/advertising/reports?start=2026-03-10&end=2026-03-01")
    assert answer.status_code == 400 and 'id="e-end"' in answer.text
    odd = browser.get("/seller/advertising/reports?start=soon&group_by=nonsense")
    assert odd.status_code == 400 and 'id="e-start"' in odd.text
