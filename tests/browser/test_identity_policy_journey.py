"""Identity and IP journeys in a real browser.

A seller uploads its documents, staff verify them side by side, the seller's
status changes. A brand's rights owner reports a listing, the offer leaves the
product page, the seller appeals with invoices, staff reinstate it.
"""

# The shop and page fixtures are imported by name, as pytest requires.
# ruff: noqa: F811

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from souk.accounts.service import register_user
from souk.policy.service import register_brand
from souk.sellers.models import Seller
from tests import factories as f
from tests.browser.test_journeys import Shop, page, shop, shot  # noqa: F401  (fixtures)
from tests.browser.test_ops_journey import _sign_in

pytestmark = pytest.mark.browser
STAFF_PASSWORD = "Verification-Desk-7"


def _passport(tmp_path):  # type: ignore[no-untyped-def]
    """A passport data page as a photo would show it."""
    image = Image.new("RGB", (900, 620), "#e8eef3")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 900, 90), fill="#1f3b5a")
    draw.text((40, 28), "PASSPORT  ·  UNITED STATES OF AMERICA", fill="white", font_size=30)
    draw.rectangle((40, 130, 300, 470), fill="#c9d3dc")
    draw.ellipse((110, 180, 230, 300), fill="#8a9aa9")
    draw.rounded_rectangle((90, 310, 250, 460), radius=40, fill="#8a9aa9")
    for row, (label, value) in enumerate(
        [
            ("Surname", "HOUSE"),
            ("Given names", "KATHERINE"),
            ("Date of birth", "12 MAR 1984"),
            ("Passport no.", "X12345678"),
            ("Expires", "11 JUN 2031"),
        ]
    ):
        draw.text((340, 140 + row * 62), label, fill="#56606b", font_size=20)
        draw.text((340, 164 + row * 62), value, fill="#1d2329", font_size=30)
    draw.text(
        (40, 530), "P<USAHOUSE<<KATHERINE<<<<<<<<<<<<<<<<<<<<<<", fill="#1d2329", font_size=28
    )
    path = tmp_path / "passport.png"
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_seller_verifies_identity_and_rights_owner_complaint_is_appealed(  # type: ignore[no-untyped-def]
    shop: Shop,
    page,
    tmp_path,
) -> None:
    with shop.rt.sessions() as session:
        register_user(
            session,
            shop.rt.clock,
            email="vera@souk.example",
            name="Vera Verify",
            password=STAFF_PASSWORD,
            is_staff=True,
        )
        owner = register_user(
            session,
            shop.rt.clock,
            email="legal@acme.example",
            name="Acme Brand Protection",
            password=f.PASSWORD,
        )
        register_brand(
            session,
            shop.rt.clock,
            user_id=owner.id,
            brand_name="Acme",
            trademark_number="5123456",
            trademark_office="USPTO",
        )
        house = session.scalar(select(Seller).where(Seller.business_name == "Kettle House"))
        assert house is not None
        house_email, house_id = house.email, house.id

    # The seller fills in the verification form and uploads a passport photo.
    _sign_in(page, shop.url, house_email, f.PASSWORD, "/seller/verification")
    assert page.get_by_text("Not started", exact=True).is_visible()
    page.get_by_label("Legal name of the business").fill("Kettle House LLC")
    page.get_by_label("Street address").fill("350 Fifth Avenue")
    page.get_by_label("Town or city").fill("New York")
    page.get_by_label("State, province or region").fill("NY")
    page.get_by_label("Postal code").fill("10118")
    page.get_by_label("Contact e-mail").fill("owner@kettlehouse.example")
    page.get_by_label("Phone number").fill("(212) 736-5000")
    page.get_by_label("Tax identification number").fill("12-3456789")
    page.get_by_label("Bank account (IBAN or account number)").fill("000123456789")
    page.get_by_label("Routing number, IFSC or bank and branch code").fill("021000022")
    page.get_by_label("Credit card for selling fees").fill("4242 4242 4242 4242")
    page.get_by_label("Photo or scan").set_input_files(str(_passport(tmp_path)))
    shot(page, "90-seller-verification-form")
    page.get_by_role("button", name="Submit for verification").click()
    # A mistyped routing number is refused beside its field.
    assert page.get_by_text("That routing number is not valid").is_visible()
    page.get_by_label("Tax identification number").fill("12-3456789")
    page.get_by_label("Bank account (IBAN or account number)").fill("000123456789")
    page.get_by_label("Routing number, IFSC or bank and branch code").fill("021000021")
    page.get_by_label("Credit card for selling fees").fill("4242 4242 4242 4242")
    page.get_by_label("Photo or scan").set_input_files(str(_passport(tmp_path)))
    page.get_by_role("button", name="Submit for verification").click()
    page.wait_for_url("**/seller/verification?submitted=1")
    assert page.get_by_text("Pending review", exact=True).is_visible()
    shot(page, "91-seller-verification-pending")
    page.context.clear_cookies()  # sign out

    # Staff compare the details with the document and verify.
    _sign_in(page, shop.url, "vera@souk.example", STAFF_PASSWORD, "/ops/verification")
    page.get_by_role("link", name="Kettle House").click()
    page.wait_for_url(f"**/ops/verification/{house_id}")
    assert page.locator(".idv-doc img").evaluate("img => img.naturalWidth") == 900
    assert page.get_by_text("021000021").is_visible()
    shot(page, "92-ops-verification-review")
    page.get_by_label("Verify: the document matches").check()
    page.get_by_role("button", name="Save decision").click()
    page.wait_for_url("**/ops/verification?done=*")
    page.context.clear_cookies()  # sign out

    _sign_in(page, shop.url, house_email, f.PASSWORD, "/seller/verification")
    assert page.get_by_text("Verified", exact=True).first.is_visible()
    assert "unverified" not in page.locator("main").inner_text().lower()
    shot(page, "93-seller-verified")
    page.context.clear_cookies()  # sign out

    # The rights owner reports Kettle House's listing of the Acme kettle.
    _sign_in(page, shop.url, "legal@acme.example", f.PASSWORD, "/brand-registry")
    shot(page, "94-brand-registry")
    page.locator("tr", has_text="Kettle House").get_by_role(
        "link", name="Report a violation"
    ).click()
    page.get_by_label("Counterfeit product").check()
    page.get_by_label("Evidence").fill(
        "Test buy on 2 March: the kettle has no limescale filter and the serial "
        "number format is not Acme's."
    )
    shot(page, "95-complaint-form")
    page.get_by_role("button", name="File complaint").click()
    page.wait_for_url("**/brand-registry?filed=1")
    assert page.get_by_text("Listing removed, under review").is_visible()
    page.goto(f"{shop.url}/dp/{shop.kettle_asin}")
    assert "Kettle House" not in page.locator("main").inner_text()
    shot(page, "96-product-after-complaint")
    page.context.clear_cookies()  # sign out

    # The seller sees the reason and appeals with its invoices.
    _sign_in(page, shop.url, house_email, f.PASSWORD, "/seller/compliance")
    assert page.get_by_text("Listing removed, under review").is_visible()
    page.get_by_role("link", name="Respond").click()
    page.get_by_label("Invoices, licence or other proof").fill(
        "Invoice INV-2026-0042 from Acme Distribution Ltd (authorised), 40 units, 12 Feb."
    )
    page.get_by_label("What caused the complaint").fill(
        "The rights owner's test buy was of another seller's unit; ours are genuine Acme stock."
    )
    page.get_by_label("What you have done about it").fill(
        "Sent the distributor invoice and photos of the serial labels of our remaining units."
    )
    page.get_by_label("How you will prevent it in future").fill(
        "We buy only from Acme's authorised distributor and keep every invoice on file."
    )
    page.get_by_role("button", name="Submit appeal").click()
    page.wait_for_url("**?appealed=1")
    shot(page, "97-seller-appeal")
    page.context.clear_cookies()  # sign out

    # Staff read both sides and reinstate the listing.
    _sign_in(page, shop.url, "vera@souk.example", STAFF_PASSWORD, "/ops/policy/complaints")
    page.get_by_role("link", name="#1").first.click()
    assert page.get_by_text("Invoice INV-2026-0042").is_visible()
    page.get_by_label("Reinstate: the seller's appeal").check()
    page.get_by_label("Reason").fill("Invoices from Acme's authorised distributor check out.")
    shot(page, "98-ops-complaint")
    page.get_by_role("button", name="Save decision").click()
    page.wait_for_url("**?done=1")
    assert page.get_by_text("Reinstated").first.is_visible()
    page.goto(f"{shop.url}/dp/{shop.kettle_asin}")
    assert "Kettle House" in page.locator("main").inner_text()
    shot(page, "99-product-reinstated")
    page.goto(f"{shop.url}/ops/audit")
    assert "policy.ip_reinstate" in page.locator("table").inner_text()


def test_staff_review_a_linked_account_on_the_graph_and_grant_an_exception(  # type: ignore[no-untyped-def]
    shop: Shop,
    page,
) -> None:
    from souk.policy.service import record_sign_in, run_linking
    from souk.sellers.service import add_seller_user, set_status

    with shop.rt.sessions() as session:
        register_user(
            session,
            shop.rt.clock,
            email="vera@souk.example",
            name="Vera Verify",
            password=STAFF_PASSWORD,
            is_staff=True,
        )
        house = session.scalar(select(Seller).where(Seller.business_name == "Kettle House"))
        budget = session.scalar(select(Seller).where(Seller.business_name == "Budget Boilers"))
        assert house is not None and budget is not None
        owner = register_user(
            session,
            shop.rt.clock,
            email="family@example.com",
            name="The Boiler Family",
            password=f.PASSWORD,
        )
        add_seller_user(session, house.id, owner.id, "admin")
        add_seller_user(session, budget.id, owner.id, "admin")
        record_sign_in(
            session,
            shop.rt.clock,
            user_id=owner.id,
            device_id="family-laptop-0123456789",
            ip="203.0.113.9",
        )
        from souk.policy.service import record_signal

        record_signal(
            session,
            house.id,
            "bank_account",
            "021000021|000123456789",
            "Bank account •••• 6789",
            shop.rt.clock.now(),
        )
        record_signal(
            session,
            budget.id,
            "bank_account",
            "021000021|000123456789",
            "Bank account •••• 6789",
            shop.rt.clock.now(),
        )
        session.commit()
        set_status(session, shop.rt.clock, house.id, "suspended", "Late shipments.")
        assert run_linking(session, shop.rt.clock).flagged == 1

    _sign_in(page, shop.url, "vera@souk.example", STAFF_PASSWORD, "/ops/policy/links")
    assert page.get_by_text("In a cluster with a restricted seller").is_visible()
    page.get_by_role("link", name="Budget Boilers").click()
    page.wait_for_url("**/ops/policy/links/*")
    assert page.locator("svg line.edge-linked").count() == 1
    assert page.get_by_text("Bank account •••• 6789").first.is_visible()
    page.get_by_label("A legitimate second account").check()
    page.get_by_label("Reason").fill("Family business with two brands; both verified.")
    shot(page, "89-ops-linked-graph")
    page.get_by_role("button", name="Save decision").click()
    page.wait_for_url("**?done=1")
    assert "policy.link_exception" in page.locator("main").inner_text()
    with shop.rt.sessions() as session:
        assert run_linking(session, shop.rt.clock).clusters == 0
        assert session.get(Seller, budget.id).status == "active"
