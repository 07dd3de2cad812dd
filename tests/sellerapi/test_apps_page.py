"""Seller Central: create and authorise an application, use its credentials with the
SP-API client, revoke it (browser journey)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sp_api.api import Sellers
from sp_api.base.exceptions import SellingApiForbiddenException

from souk.sellerapi.service import Credentials
from tests import factories as f
from tests.browser.test_journeys import CHROMIUM, CHROMIUM_ARGS
from tests.sellerapi.conftest import Live

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_seller_creates_uses_and_revokes_an_application(live: Live) -> None:
    import playwright.sync_api as playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: make test installs it")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="en-US")
        page.goto(f"{live.url}/signin?next=/seller/apps")
        page.get_by_label("E-mail address").fill(live.seller.email)
        page.get_by_label("Password").fill(f.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/seller/apps")
        assert page.get_by_role("heading", name="Developer apps").is_visible()

        page.get_by_label("Application name").fill("   ")
        page.get_by_role("button", name="Create and authorise").click()
        assert page.get_by_text("Name the application (1 to 120").first.is_visible()
        assert page.locator("table.data tbody tr").count() == 1  # only the earlier app
        page.get_by_label("Application name").fill("Repricer")
        page.get_by_role("button", name="Create and authorise").click()
        assert page.get_by_role("heading", name="Credentials for Repricer").is_visible()
        page.screenshot(path=str(SHOTS / "spapi-apps-credentials.png"), full_page=True)
        facts = page.locator("#issued-h + .notice + dl.facts")
        values = [v.strip() for v in facts.locator("dd").all_inner_texts()]
        issued = Credentials(values[1], values[2], values[3], values[0], values[4])
        assert issued.selling_partner_id == live.seller.id

        sites = live.client(Sellers, credentials=issued).get_marketplace_participation()
        assert sites.payload[0]["storeName"] == live.seller.store_name

        page.goto(f"{live.url}/seller/apps")
        row = page.get_by_role("row").filter(has_text="Repricer")
        assert row.get_by_text("Authorised").is_visible()
        row.get_by_role("button", name="Revoke").click()
        page.wait_for_url("**/seller/apps?revoked=1")
        assert row.get_by_text("Revoked").is_visible()
        page.screenshot(path=str(SHOTS / "spapi-apps-revoked.png"), full_page=True)
        browser.close()
    with pytest.raises(SellingApiForbiddenException):
        live.client(Sellers, credentials=issued).get_marketplace_participation()
