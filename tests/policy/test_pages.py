"""The identity and policy pages over HTTP: seller verification form, staff review
with the decrypted document (staff only), 429 + Retry-After on the API, the store
page's disclosure and report link, the operations policy pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from souk.accounts.service import register_user
from souk.core.runtime import Runtime
from souk.identity.models import IdentityDocument, SellerIdentity
from souk.policy import rules
from souk.policy.models import SellerReport, UploadCounter
from souk.policy.service import conduct_policy
from souk.web.app import create_app
from tests import factories as f
from tests.identity.test_service import passport_png
from tests.web.conftest import Browser

FORM = {
    "legal_name": "Kettle House LLC",
    "address_line1": "350 Fifth Avenue",
    "city": "New York",
    "subdivision": "NY",
    "postal_code": "10118",
    "country": "US",
    "contact_email": "owner@kettlehouse.example",
    "phone": "(212) 736-5000",
    "tax_id": "12-3456789",
    "bank_account": "000123456789",
    "bank_code": "021000021",
    "card_number": "4242 4242 4242 4242",
    "document_kind": "passport",
}


@pytest.fixture
def web(rt: Runtime) -> Iterator[Browser]:
    with TestClient(create_app(rt, background=False)) as client:
        yield Browser(client)


@pytest.fixture
def people(rt: Runtime) -> dict[str, str]:
    with rt.sessions() as session:
        seller = f.seller(session, rt.clock, name="Kettle House")
        register_user(
            session,
            rt.clock,
            email="vera@souk.example",
            name="Vera Verify",
            password=f.PASSWORD,
            is_staff=True,
        )
        product = f.product(session, rt.clock, brand="Acme")
        f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin)
        buyer = f.buyer(session, rt.clock)
        return {
            "seller": seller.id,
            "seller_email": seller.email,
            "asin": product.asin,
            "buyer_email": buyer.user.email,
        }


def test_seller_submits_staff_verifies_and_the_document_is_staff_only(
    rt: Runtime, web: Browser, people: dict[str, str]
) -> None:
    web.sign_in(people["seller_email"])
    page = web.get("/seller/verification")
    assert page.status_code == 200 and "Not started" in page.text
    # A wrong tax id comes back beside the field, and no secret is echoed back.
    bad = web.post(
        "/seller/verification",
        {**FORM, "tax_id": "07-1234567"},
        files={"document": ("id.png", passport_png(), "image/png")},
    )
    assert bad.status_code == 400 and "not a valid tax id" in bad.text
    assert "000123456789" not in bad.text
    ok = web.post(
        "/seller/verification", FORM, files={"document": ("id.png", passport_png(), "image/png")}
    )
    assert ok.status_code == 303
    assert "Pending review" in web.get("/seller/verification").text
    with rt.sessions() as session:
        document_id = session.scalars(select(IdentityDocument.id)).one()
    # The seller cannot open documents through the operations console.
    assert web.get(f"/ops/verification/documents/{document_id}").status_code == 403

    web.post("/signout")
    web.sign_in("vera@souk.example")
    queue = web.get("/ops/verification")
    assert "Kettle House" in queue.text
    review = web.get(f"/ops/verification/{people['seller']}")
    assert "123456789" in review.text and "021000021" in review.text
    document = web.get(f"/ops/verification/documents/{document_id}")
    assert document.status_code == 200 and document.content == passport_png()
    assert document.headers["cache-control"] == "no-store, private"
    refused = web.post(f"/ops/verification/{people['seller']}", {"decision": "reject"})
    assert refused.status_code == 400 and "Give the reason" in refused.text
    done = web.post(f"/ops/verification/{people['seller']}", {"decision": "verify"})
    assert done.status_code == 303
    with rt.sessions() as session:
        assert session.get(SellerIdentity, people["seller"]).status == "verified"
    web.post("/signout")
    web.sign_in(people["seller_email"])
    mine = web.get("/seller/verification").text
    assert "Verified" in mine and "Not started" not in mine and "unverified" not in mine.lower()
    assert "Verified." in web.get("/seller").text  # the onboarding checklist agrees


def test_api_upload_over_the_hourly_limit_is_429_with_retry_after(
    rt: Runtime, web: Browser, people: dict[str, str]
) -> None:
    limit = conduct_policy().listing_changes_per_hour
    with rt.sessions() as session:
        session.add(
            UploadCounter(
                seller_id=people["seller"],
                kind="listing",
                hour=rules.hour_start(rt.clock.now()),
                used=limit,
                refused=0,
            )
        )
        session.commit()
    token = web.client.post(
        "/api/v1/auth/token", json={"email": people["seller_email"], "password": f.PASSWORD}
    ).json()["access_token"]
    answer = web.client.put(
        "/api/v1/seller/offers/NEW-SKU-1",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "asin": people["asin"],
            "marketplace": "US",
            "condition": "new",
            "price": "9.99",
            "quantity": 3,
            "handling_days": 1,
        },
    )
    assert answer.status_code == 429, answer.text
    assert int(answer.headers["retry-after"]) > 0
    assert answer.json()["error"]["code"] == "QuotaExceeded"
    # And on pages: a message, with the same header.
    web.sign_in(people["seller_email"])
    page = web.post(
        f"/seller/inventory/add/{people['asin']}",
        {
            "sku": "PAGE-SKU",
            "condition": "new",
            "price": "9.99",
            "shipping": "0",
            "quantity": "3",
            "handling_days": "1",
            "fulfillment_channel": "MERCHANT",
        },
    )
    assert page.status_code == 429 and "limit of" in page.text
    assert "retry-after" in page.headers


def test_store_page_has_report_link_and_reports_reach_staff(
    rt: Runtime, web: Browser, people: dict[str, str]
) -> None:
    store = web.get(f"/sellers/{people['seller']}")
    assert f"/sellers/{people['seller']}/report" in store.text
    assert "Seller information" not in store.text  # nothing to disclose yet
    web.sign_in(people["buyer_email"])
    bad = web.post(f"/sellers/{people['seller']}/report", {"reason": "made up"})
    assert bad.status_code == 400
    sent = web.post(
        f"/sellers/{people['seller']}/report",
        {"reason": "Asked me to pay or talk outside souk", "details": "WhatsApp"},
    )
    assert sent.status_code == 200 and "Thank you" in sent.text
    with rt.sessions() as session:
        assert session.scalars(select(SellerReport)).one().reason.startswith("Asked me")
    web.post("/signout")
    web.sign_in("vera@souk.example")
    for url in (
        "/ops/policy",
        "/ops/policy/links",
        "/ops/policy/complaints",
        "/ops/policy/reports",
        f"/ops/policy/graph/{people['seller']}",
    ):
        answer = web.get(url)
        assert answer.status_code == 200, url
    assert "Asked me to pay" in web.get("/ops/policy/reports").text


def test_misleading_business_name_is_refused_on_the_registration_page(web: Browser) -> None:
    answer = web.post(
        "/seller/register",
        {
            "business_name": "Souk Official Store",
            "email": "x@example.com",
            "country": "US",
            "plan": "professional",
            "password": f.PASSWORD,
        },
    )
    assert answer.status_code == 400 and "official outlet" in answer.text
