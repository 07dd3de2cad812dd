"""A seller advertises, a buyer searches and clicks the ad, the seller's report
shows the impression, the click and the spend: in Debian's chromium.

Reuses the server and browser fixtures of test_journeys.py (a fresh SQLite
database with a kettle and a teapot); screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

import re

import pytest

from souk.search.service import rebuild
from tests import factories as f
from tests.browser.test_journeys import Shop, page, shop, shot  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_seller_advertises_buyer_clicks_report_shows_spend(shop: Shop, page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    rt = shop.rt
    with rt.sessions() as session:
        seller = f.seller(session, rt.clock, name="Copper Works")
        f.offer(
            session, rt.clock, seller_id=seller.id, asin=shop.kettle_asin, price="31.00", sku="CW-1"
        )
        rebuild(session, rt.clock, rt.search_index)
        email = seller.email

    page.goto(shop.url + "/signin?next=/seller/advertising")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/seller/advertising")
    shot(page, "30-ads-empty")
    page.get_by_role("link", name="Create your first campaign").click()

    page.get_by_label("Campaign name").fill("Kettle launch")
    page.get_by_label("Daily budget (USD)").fill("-5")
    page.get_by_role("button", name="Create campaign").click()
    assert page.get_by_text("The daily budget must be at least").is_visible()
    shot(page, "31-ads-campaign-error")
    page.get_by_label("Daily budget (USD)").fill("20.00")
    page.get_by_label("Top of search (first page) %").fill("50")
    page.get_by_role("button", name="Create campaign").click()
    page.wait_for_url("**/seller/advertising/campaigns/*?created=1")

    page.get_by_label("Ad group name").fill("Kettles")
    page.get_by_label("Default bid (USD)").fill("0.75")
    page.get_by_role("button", name="Add ad group").click()
    page.wait_for_url("**/seller/advertising/ad-groups/*?created=1")
    page.get_by_label("Your offer (SKU)").select_option("CW-1")
    page.get_by_role("button", name="Add ad").click()
    page.wait_for_url("**?added=ad")
    page.get_by_label("Keyword", exact=True).fill("teapot")
    page.get_by_label("Match type").first.select_option("broad")
    page.get_by_role("button", name="Add keyword").click()
    page.wait_for_url("**?added=keyword")
    assert page.get_by_role("cell", name="teapot", exact=True).is_visible()
    shot(page, "32-ads-ad-group")

    # A buyer (a fresh browser context: another visitor) searches that keyword.
    buyer = page.context.browser.new_context(viewport={"width": 1360, "height": 900})
    shopper = buyer.new_page()
    shopper.goto(shop.url + "/")
    shopper.get_by_label("Search souk").fill("teapot")
    shopper.get_by_role("button", name="Search").click()
    shopper.wait_for_url("**/s?**")
    sponsored = shopper.locator(".result-card.is-sponsored")
    assert sponsored.count() == 1
    assert sponsored.get_by_text("Sponsored").is_visible()
    assert "Acme Steel Kettle" in sponsored.inner_text()
    shot(shopper, "33-search-sponsored")
    sponsored.get_by_role("link", name=re.compile("Acme Steel Kettle")).click()
    shopper.wait_for_url(f"**/dp/{shop.kettle_asin}")
    shot(shopper, "34-product-from-ad")
    buyer.close()

    page.get_by_role("link", name="Kettle launch").click()
    page.get_by_role("link", name="Report", exact=True).click()
    page.wait_for_url("**/seller/advertising/reports?campaign=*")
    table = page.locator("table.data")
    row = table.locator("tbody tr").first
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    # Day, impressions, clicks, CTR, spend (the reserve: one bidder), CPC...
    assert cells[1:5] == ["1", "1", "100.0%", "$0.02"]
    assert page.locator("figure.chart svg").is_visible()
    shot(page, "35-ads-report")

    page.get_by_role("link", name="Campaigns").first.click()
    assert "$0.02" in page.locator("table.data").inner_text()
    shot(page, "36-ads-campaigns")
