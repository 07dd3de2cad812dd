"""Prohibited conduct against real databases: linked-account scenarios, registration
holds, business names, throttling, self purchases, IP complaints with appeals."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from souk.accounts.service import register_user
from souk.core.clock import FrozenClock
from souk.core.errors import InvalidInput
from souk.core.runtime import Runtime
from souk.identity.service import submit_identity
from souk.offers.models import Offer
from souk.orders.service import CheckoutRequest, place_order
from souk.policy.models import IpComplaint, LinkException, LinkReview, PolicyCase, UploadCounter
from souk.policy.service import (
    TooManyRequests,
    appeal_complaint,
    conduct_policy,
    decide_complaint,
    decide_link_review,
    file_complaint,
    record_sign_in,
    register_brand,
    run_linking,
    screen_offer,
    throttle_listing_changes,
)
from souk.sellers.models import Seller
from souk.sellers.service import add_seller_user, register_seller, set_status
from tests import factories as f
from tests.identity.test_service import passport_png, us_form


def _staff(session, clock):  # type: ignore[no-untyped-def]
    return register_user(
        session,
        clock,
        email="pat@souk.example",
        name="Pat Policy",
        password=f.PASSWORD,
        is_staff=True,
    )


def _identity(session, rt, seller_id: str, **changes: str) -> None:  # type: ignore[no-untyped-def]
    submit_identity(
        session,
        rt.clock,
        rt.media,
        seller_id=seller_id,
        form=us_form(**changes),
        documents=[("passport", passport_png())],
    )


SECOND_ADDRESS = {
    "address_line1": "1 Infinite Loop",
    "city": "Cupertino",
    "subdivision": "CA",
    "postal_code": "95014",
    "phone": "(408) 996-1010",
    "tax_id": "98-7654321",
    "bank_account": "000987654321",
    "card_number": "5555 5555 5555 4444",
}


def test_shared_bank_account_only_flags_the_other_seller_for_review(rt: Runtime) -> None:
    with rt.sessions() as session:
        banned = f.seller(session, rt.clock, name="Harbor Lights Trading")
        other = f.seller(session, rt.clock, name="Copper Kettle Supply")
        _identity(session, rt, banned.id)
        # Everything different except the bank account.
        _identity(session, rt, other.id, **{**SECOND_ADDRESS, "bank_account": "000123456789"})
        set_status(session, rt.clock, banned.id, "suspended", "Counterfeit goods.")
        result = run_linking(session, rt.clock)
        assert (result.clusters, result.flagged) == (1, 1)
        review = session.scalars(select(LinkReview)).one()
        assert review.seller_id == other.id and review.status == "open"
        assert review.evidence["shared"][0]["kinds"] == ["bank_account"]
        # Flagged, never suspended blindly.
        assert session.get(Seller, other.id).status == "active"
        # The job does not flag the same seller twice.
        assert run_linking(session, rt.clock).flagged == 0


def test_shared_device_and_address_link_and_staff_confirm(rt: Runtime) -> None:
    with rt.sessions() as session:
        staff = _staff(session, rt.clock)
        first = f.seller(session, rt.clock, name="Granite Peak Audio")
        second = f.seller(session, rt.clock, name="Willow Lane Kitchen")
        owner = register_user(
            session,
            rt.clock,
            email="same.person@example.com",
            name="Same Person",
            password=f.PASSWORD,
        )
        add_seller_user(session, first.id, owner.id, "admin")
        add_seller_user(session, second.id, owner.id, "admin")
        record_sign_in(session, rt.clock, user_id=owner.id, device_id="dev-abcdef123456", ip="")
        _identity(session, rt, first.id)
        _identity(
            session,
            rt,
            second.id,
            **{
                **SECOND_ADDRESS,
                "address_line1": "350 5th Ave",
                "city": "New York",
                "subdivision": "NY",
                "postal_code": "10118",
            },
        )
        set_status(session, rt.clock, first.id, "deactivated", "Fraud.")
        assert run_linking(session, rt.clock).flagged == 1
        review = session.scalars(select(LinkReview)).one()
        assert set(review.evidence["shared"][0]["kinds"]) == {"address", "device"}
        with pytest.raises(InvalidInput):
            decide_link_review(
                session,
                rt.clock,
                staff_user_id=staff.id,
                review_id=review.id,
                decision="confirm",
                note="",
            )
        session.rollback()
        decide_link_review(
            session,
            rt.clock,
            staff_user_id=staff.id,
            review_id=review.id,
            decision="confirm",
            note="Same owner, same device, same address.",
        )
        session.expire_all()
        assert session.get(Seller, second.id).status == "deactivated"
        case = session.scalars(select(PolicyCase)).one()
        assert (case.kind, case.step, case.status) == ("linked_account", "deactivation", "actioned")


def test_family_business_with_an_exception_is_not_flagged_again(rt: Runtime) -> None:
    with rt.sessions() as session:
        staff = _staff(session, rt.clock)
        tea = f.seller(session, rt.clock, name="Brewmaster Teas")
        kettles = f.seller(session, rt.clock, name="Kettle Family Goods")
        _identity(session, rt, tea.id)
        _identity(session, rt, kettles.id, tax_id="98-7654321")  # same bank and address
        set_status(session, rt.clock, tea.id, "suspended", "Late shipments.")
        run_linking(session, rt.clock)
        review = session.scalars(select(LinkReview)).one()
        decide_link_review(
            session,
            rt.clock,
            staff_user_id=staff.id,
            review_id=review.id,
            decision="exception",
            note="Two brands of one family business; documents checked.",
        )
        assert session.scalars(select(LinkException)).one() is not None
        assert run_linking(session, rt.clock).clusters == 0
        assert session.get(Seller, kettles.id).status == "active"


def test_new_account_matching_a_deactivated_identity_is_held(rt: Runtime) -> None:
    with rt.sessions() as session:
        gone = f.seller(session, rt.clock)
        _identity(session, rt, gone.id)
        set_status(session, rt.clock, gone.id, "deactivated", "Counterfeits.")
        again = f.seller(session, rt.clock, name="Fresh Start Co")
        _identity(session, rt, again.id, **{**SECOND_ADDRESS, "tax_id": "12-3456789"})
        session.expire_all()
        held = session.get(Seller, again.id)
        assert held.status == "suspended" and "on hold" in held.status_reason
        review = session.scalars(select(LinkReview).where(LinkReview.seller_id == again.id)).one()
        assert review.status == "held" and review.reason == "registration_hold"


@pytest.mark.parametrize(
    ("name", "ok"),
    [("Northwind Goods", True), ("Souk Official Outlet", False), ("Acme Warehouse", False)],
)
def test_business_names_at_registration(rt: Runtime, name: str, ok: bool) -> None:
    with rt.sessions() as session:
        owner = register_user(
            session, rt.clock, email="tm@acme.example", name="Acme Legal", password=f.PASSWORD
        )
        f.product(session, rt.clock, brand="Acme")
        register_brand(
            session,
            rt.clock,
            user_id=owner.id,
            brand_name="Acme",
            trademark_number="5123456",
            trademark_office="USPTO",
        )
        attempt = lambda: register_seller(  # noqa: E731
            session,
            rt.clock,
            business_name=name,
            email="new@example.com",
            country="US",
            plan="professional",
            password=f.PASSWORD,
        )
        if ok:
            attempt()
        else:
            with pytest.raises(InvalidInput) as raised:
                attempt()
            assert raised.value.field == "business_name"
            session.rollback()
            assert session.scalar(select(Seller).where(Seller.email == "new@example.com")) is None


def test_throttling_refuses_with_retry_after_and_counts_refusals(rt: Runtime) -> None:
    policy = conduct_policy().model_copy(
        update={"listing_changes_per_hour": 2, "abuse_refusals": 2}
    )
    with rt.sessions() as session:
        seller = f.seller(session, rt.clock)
        throttle_listing_changes(session, rt.clock, seller.id, 1, policy)
        throttle_listing_changes(session, rt.clock, seller.id, 1, policy)
        session.commit()
        for _ in range(2):
            with pytest.raises(TooManyRequests) as raised:
                throttle_listing_changes(session, rt.clock, seller.id, 1, policy)
            assert raised.value.status == 429 and 0 < raised.value.retry_after <= 3600
            session.rollback()
        counter = session.scalars(select(UploadCounter)).one()
        assert (counter.used, counter.refused) == (2, 2)
        case = session.scalars(select(PolicyCase)).one()
        assert case.kind == "upload_abuse" and case.status == "open"


def test_offer_red_lines(rt: Runtime) -> None:
    with rt.sessions() as session:
        seller = f.seller(session, rt.clock)
        film = f.product(session, rt.clock, category="Movies & TV/Drama", brand="Criterion")
        kettle = f.product(session, rt.clock)
        common = {"seller_id": seller.id, "marketplace": "US"}
        screen_offer(
            session,
            rt.clock,
            asin=kettle.asin,
            price_minor=1999,
            shipping_minor=599,
            handling_days=5,
            **common,
        )
        with pytest.raises(InvalidInput) as raised:
            screen_offer(
                session,
                rt.clock,
                asin=kettle.asin,
                price_minor=500,
                shipping_minor=1500,
                handling_days=1,
                **common,
            )
        assert raised.value.field == "shipping"
        with pytest.raises(InvalidInput) as raised:
            screen_offer(
                session,
                rt.clock,
                asin=film.asin,
                price_minor=1999,
                shipping_minor=0,
                handling_days=4,
                **common,
            )
        assert raised.value.field == "handling_days"


def test_self_purchase_is_flagged(rt: Runtime) -> None:
    with rt.sessions() as session:
        seller = f.seller(session, rt.clock)
        product = f.product(session, rt.clock)
        offer = f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin)
        buyer = f.buyer(session, rt.clock)
        add_seller_user(session, seller.id, buyer.user.id, "orders")
        place_order(
            session,
            rt.clock,
            rt.payments,
            CheckoutRequest(
                buyer.user.id,
                "US",
                buyer.address.id,
                "standard",
                f.GOOD_CARD,
                "self-1",
                ((offer.id, 1),),
            ),
        )
        case = session.scalars(select(PolicyCase)).one()
        assert (case.kind, case.status, case.seller_id) == ("self_purchase", "open", seller.id)


def test_ip_complaint_removal_appeal_and_reinstatement(rt: Runtime, clock: FrozenClock) -> None:
    with rt.sessions() as session:
        staff = _staff(session, rt.clock)
        owner = register_user(
            session, rt.clock, email="legal@acme.example", name="Acme Legal", password=f.PASSWORD
        )
        seller = f.seller(session, rt.clock)
        product = f.product(session, rt.clock, brand="Acme")
        offer = f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin)
        # Only the registered rights owner may complain.
        with pytest.raises(Exception, match="rights owner"):
            file_complaint(
                session,
                rt.clock,
                user_id=owner.id,
                asin=product.asin,
                seller_id=seller.id,
                kind="counterfeit",
                evidence="x" * 40,
            )
        session.rollback()
        register_brand(
            session,
            rt.clock,
            user_id=owner.id,
            brand_name="acme",
            trademark_number="5123456",
            trademark_office="USPTO",
        )
        with pytest.raises(InvalidInput):
            file_complaint(
                session,
                rt.clock,
                user_id=owner.id,
                asin=product.asin,
                seller_id=seller.id,
                kind="counterfeit",
                evidence="fake",
            )
        session.rollback()
        complaint = file_complaint(
            session,
            rt.clock,
            user_id=owner.id,
            asin=product.asin,
            seller_id=seller.id,
            kind="counterfeit",
            evidence="Test buy on order 123: no hologram, wrong serial format.",
        )
        session.expire_all()
        assert not session.get(Offer, offer.id).is_active
        appeal_complaint(
            session,
            rt.clock,
            seller_id=seller.id,
            complaint_id=complaint.id,
            root_cause="The complaint mistakes genuine stock for fakes; we buy from Acme.",
            actions_taken="Attached invoices from Acme's authorised distributor for 200 units.",
            prevention="We keep every invoice on file and list only stock we can trace.",
            invoices="Invoice INV-2026-0042 from Acme Distribution Ltd, 200 units.",
        )
        decide_complaint(
            session,
            rt.clock,
            staff_user_id=staff.id,
            complaint_id=complaint.id,
            decision="reinstate",
            note="Invoices from the authorised distributor.",
        )
        session.expire_all()
        assert session.get(Offer, offer.id).is_active
        assert session.get(IpComplaint, complaint.id).status == "reinstated"


def test_repeated_valid_complaints_deactivate_and_abusive_complainants_are_flagged(
    rt: Runtime,
) -> None:
    policy = conduct_policy()
    with rt.sessions() as session:
        staff = _staff(session, rt.clock)
        owner = register_user(
            session, rt.clock, email="legal@acme.example", name="Acme Legal", password=f.PASSWORD
        )
        seller = f.seller(session, rt.clock)
        honest = f.seller(session, rt.clock)
        products = [f.product(session, rt.clock, brand="Acme") for _ in range(4)]
        register_brand(
            session,
            rt.clock,
            user_id=owner.id,
            brand_name="Acme",
            trademark_number="5123456",
            trademark_office="USPTO",
        )
        for product in products:
            f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin)
            f.offer(session, rt.clock, seller_id=honest.id, asin=product.asin)
        evidence = "Counterfeit: the packaging and serial numbers differ from genuine goods."
        for product in products[: policy.ip_valid_to_deactivate]:
            complaint = file_complaint(
                session,
                rt.clock,
                user_id=owner.id,
                asin=product.asin,
                seller_id=seller.id,
                kind="counterfeit",
                evidence=evidence,
            )
            decide_complaint(
                session,
                rt.clock,
                staff_user_id=staff.id,
                complaint_id=complaint.id,
                decision="uphold",
                note="Test buy fake.",
            )
        session.expire_all()
        assert session.get(Seller, seller.id).status == "deactivated"
        from souk.policy.models import BrandOwner

        for product in products[: policy.ip_rejected_to_flag]:
            complaint = file_complaint(
                session,
                rt.clock,
                user_id=owner.id,
                asin=product.asin,
                seller_id=honest.id,
                kind="trademark",
                evidence=evidence,
            )
            decide_complaint(
                session,
                rt.clock,
                staff_user_id=staff.id,
                complaint_id=complaint.id,
                decision="reject",
                note="Genuine goods; resale is allowed.",
            )
        assert session.scalars(select(BrandOwner)).one().abusive
        session.expire_all()
        assert all(
            o.is_active for o in session.scalars(select(Offer).where(Offer.seller_id == honest.id))
        )


def test_purchase_by_a_linked_sellers_person_is_kept_out_of_sales_rank(rt: Runtime) -> None:
    from souk.policy.service import record_signal
    from souk.rankings.models import DailySales

    with rt.sessions() as session:
        seller = f.seller(session, rt.clock, name="Granite Peak Audio")
        sibling = f.seller(session, rt.clock, name="Willow Lane Kitchen")
        for account in (seller, sibling):
            record_signal(
                session, account.id, "bank_account", "021000021|000123456789", "", rt.clock.now()
            )
        product = f.product(session, rt.clock)
        offer = f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin)
        insider = f.buyer(session, rt.clock)
        add_seller_user(session, sibling.id, insider.user.id, "orders")
        outsider = f.buyer(session, rt.clock)
        for n, buyer in enumerate((insider, outsider)):
            place_order(
                session,
                rt.clock,
                rt.payments,
                CheckoutRequest(
                    buyer.user.id,
                    "US",
                    buyer.address.id,
                    "standard",
                    f.GOOD_CARD,
                    f"rank-{n}",
                    ((offer.id, 1),),
                ),
            )
        units = session.scalars(select(DailySales.units).where(DailySales.asin == product.asin))
        assert list(units) == [1]  # only the outsider's unit counts
        case = session.scalars(select(PolicyCase)).one()
        assert case.kind == "self_purchase" and case.seller_id == seller.id


def test_seller_who_created_a_merged_duplicate_page_gets_a_warning_case(rt: Runtime) -> None:
    from souk.catalog.rules import ProductDraft
    from souk.catalog.service import create_product
    from souk.ops.service import merge_duplicate

    with rt.sessions() as session:
        staff = _staff(session, rt.clock)
        seller = f.seller(session, rt.clock)
        kept = f.product(session, rt.clock, title="Acme Steel Kettle 1.7 l")
        duplicate = create_product(
            session,
            rt.clock,
            ProductDraft(
                title="Steel kettle by Acme, 1.7 litre",
                category_path="Home & Kitchen",
                brand="Acme",
            ),
            seller_id=seller.id,
        ).product
        merge_duplicate(
            session,
            rt.clock,
            staff_user_id=staff.id,
            duplicate_asin=duplicate.asin,
            kept_asin=kept.asin,
            reason="Same kettle.",
        )
        case = session.scalars(select(PolicyCase)).one()
        assert (case.kind, case.seller_id, case.step, case.status) == (
            "duplicate_listing",
            seller.id,
            "warning",
            "open",
        )
        assert case.evidence == {"duplicate_asin": duplicate.asin, "kept_asin": kept.asin}


def test_a_burst_of_orders_from_new_buyer_accounts_is_flagged_once(rt: Runtime) -> None:
    policy = conduct_policy()
    with rt.sessions() as session:
        seller = f.seller(session, rt.clock)
        product = f.product(session, rt.clock)
        offer = f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin, quantity=50)
        for n in range(policy.burst_orders + 1):
            buyer = f.buyer(session, rt.clock)  # accounts created just now
            place_order(
                session,
                rt.clock,
                rt.payments,
                CheckoutRequest(
                    buyer.user.id,
                    "US",
                    buyer.address.id,
                    "standard",
                    f.GOOD_CARD,
                    f"burst-{n}",
                    ((offer.id, 1),),
                ),
            )
            flagged = session.scalars(select(PolicyCase)).all()
            assert len(flagged) == (0 if n + 1 < policy.burst_orders else 1)
        assert flagged[0].kind == "order_burst" and flagged[0].status == "open"
