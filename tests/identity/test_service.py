"""Identity verification against real databases: submission, encryption at rest,
staff decisions, re-submission, document purge, the INFORM job and disclosure."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from souk.core.clock import FrozenClock
from souk.core.runtime import Runtime
from souk.identity import rules
from souk.identity.models import IdentityDocument, SellerIdentity
from souk.identity.service import (
    IdentityInvalid,
    decide_verification,
    identity_of,
    identity_policy,
    inform_review,
    purge_documents,
    read_document,
    staff_evidence,
    store_disclosure,
    submit_identity,
)
from souk.orders.service import CheckoutRequest, place_order
from souk.performance.models import EnforcementAction
from souk.policy.models import PolicyCase
from souk.sellers.models import Seller
from tests import factories as f


def passport_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 260), "#dfe7ef").save(buffer, "PNG")
    return buffer.getvalue()


def us_form(**changes: str) -> rules.IdentityForm:
    base = {
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
    }
    base.update(changes)
    return rules.IdentityForm(**base)


def _staff(session, clock):  # type: ignore[no-untyped-def]
    from souk.accounts.service import register_user

    return register_user(
        session,
        clock,
        email="vera@souk.example",
        name="Vera Verify",
        password=f.PASSWORD,
        is_staff=True,
    )


def test_bad_details_are_refused_field_by_field_and_nothing_is_written(rt: Runtime) -> None:
    with rt.sessions() as session:
        seller = f.seller(session, rt.clock)
        with pytest.raises(IdentityInvalid) as raised:
            submit_identity(
                session,
                rt.clock,
                rt.media,
                seller_id=seller.id,
                form=us_form(tax_id="07-1234567", bank_code="021000022"),
                documents=[("passport", b"not an image")],
            )
        assert set(raised.value.errors) == {"tax_id", "bank_code", "document"}
        session.rollback()
        assert session.get(SellerIdentity, seller.id) is None
        assert session.scalar(select(func.count()).select_from(IdentityDocument)) == 0


def test_submit_reject_resubmit_verify(rt: Runtime) -> None:
    with rt.sessions() as session:
        seller = f.seller(session, rt.clock)
        staff = _staff(session, rt.clock)
        document = passport_png()
        identity = submit_identity(
            session,
            rt.clock,
            rt.media,
            seller_id=seller.id,
            form=us_form(),
            documents=[("passport", document)],
        )
        assert identity.status == rules.PENDING
        # Encrypted at rest: neither the tax id nor the document is stored readable.
        assert b"123456789" not in (identity.tax_id_encrypted or b"")
        stored = session.scalars(select(IdentityDocument)).one()
        assert rt.media.read(stored.storage_key) != document
        evidence = staff_evidence(session, seller.id)
        assert (evidence.tax_id, evidence.bank_account, evidence.bank_code) == (
            "123456789",
            "000123456789",
            "021000021",
        )
        assert read_document(session, rt.media, stored.id)[1] == document

        with pytest.raises(Exception, match="reason"):
            decide_verification(
                session,
                rt.clock,
                staff_user_id=staff.id,
                seller_id=seller.id,
                approve=False,
                reason=" ",
            )
        session.rollback()
        decide_verification(
            session,
            rt.clock,
            staff_user_id=staff.id,
            seller_id=seller.id,
            approve=False,
            reason="The document is unreadable or cut off.",
        )
        assert identity_of(session, seller.id).status == rules.REJECTED
        submit_identity(
            session,
            rt.clock,
            rt.media,
            seller_id=seller.id,
            form=us_form(),
            documents=[("driving_licence", document)],
        )
        decide_verification(
            session, rt.clock, staff_user_id=staff.id, seller_id=seller.id, approve=True, reason=""
        )
        verified = identity_of(session, seller.id)
        assert verified.status == rules.VERIFIED
        assert rules.status_text(verified.status) == "Verified."
        # A decided verification cannot be decided again.
        with pytest.raises(Exception, match="verified"):
            decide_verification(
                session,
                rt.clock,
                staff_user_id=staff.id,
                seller_id=seller.id,
                approve=False,
                reason="again",
            )


def test_documents_are_purged_after_the_retention_period(rt: Runtime, clock: FrozenClock) -> None:
    with rt.sessions() as session:
        seller = f.seller(session, rt.clock)
        staff = _staff(session, rt.clock)
        submit_identity(
            session,
            rt.clock,
            rt.media,
            seller_id=seller.id,
            form=us_form(),
            documents=[("passport", passport_png())],
        )
        decide_verification(
            session, rt.clock, staff_user_id=staff.id, seller_id=seller.id, approve=True, reason=""
        )
        key = session.scalars(select(IdentityDocument.storage_key)).one()
        clock.advance(timedelta(days=identity_policy().document_retention_days - 1))
        assert purge_documents(session, rt.clock) == 0
        clock.advance(timedelta(days=1))
        assert purge_documents(session, rt.clock) == 1
        assert not rt.media.exists(key)
        document = session.scalars(select(IdentityDocument)).one()
        assert document.purged_at is not None and document.storage_key == ""
        # The verification itself stays.
        assert identity_of(session, seller.id).status == rules.VERIFIED


def _orders(session, clock, rt, seller: Seller, count: int) -> None:  # type: ignore[no-untyped-def]
    product = f.product(session, clock)
    offer = f.offer(
        session, clock, seller_id=seller.id, asin=product.asin, price="40.00", quantity=100
    )
    buyer = f.buyer(session, clock)
    for n in range(count):
        place_order(
            session,
            clock,
            rt.payments,
            CheckoutRequest(
                buyer.user.id,
                "US",
                buyer.address.id,
                "standard",
                f.GOOD_CARD,
                f"inform-{seller.id}-{n}",
                ((offer.id, 1),),
            ),
        )


def test_inform_notice_then_suspension_then_lifted_by_verification(
    rt: Runtime, clock: FrozenClock
) -> None:
    policy = identity_policy().model_copy(
        update={
            "high_volume_sales": 3,
            "high_volume_revenue_minor": 10_000,
            "disclosure_revenue_minor": 10_000,
        }
    )
    with rt.sessions() as session:
        busy = f.seller(session, rt.clock)
        quiet = f.seller(session, rt.clock)
        staff = _staff(session, rt.clock)
        _orders(session, rt.clock, rt, busy, 3)
        _orders(session, rt.clock, rt, quiet, 1)
        result = inform_review(session, rt.clock, policy)
        assert (result.high_volume, result.notices, result.suspended) == (1, 1, 0)
        assert identity_of(session, busy.id).notice_sent_at == rt.clock.now()
        assert not identity_of(session, quiet.id).high_volume
        clock.advance(timedelta(days=policy.notice_days))
        result = inform_review(session, rt.clock, policy)
        assert result.suspended == 1
        session.expire_all()
        assert session.get(Seller, busy.id).status == "suspended"
        assert session.get(Seller, quiet.id).status == "active"
        case = session.scalars(select(PolicyCase).where(PolicyCase.seller_id == busy.id)).one()
        assert (case.kind, case.step, case.status) == (
            "high_volume_unverified",
            "selling_restriction",
            "actioned",
        )
        assert session.get(EnforcementAction, case.action_id) is not None
        # Not disclosed before verification; disclosed once verified.
        assert identity_of(session, busy.id).disclose_on_store
        assert store_disclosure(session, busy.id) is None
        submit_identity(
            session,
            rt.clock,
            rt.media,
            seller_id=busy.id,
            form=us_form(),
            documents=[("passport", passport_png())],
        )
        decide_verification(
            session, rt.clock, staff_user_id=staff.id, seller_id=busy.id, approve=True, reason=""
        )
        session.expire_all()
        assert session.get(Seller, busy.id).status == "active"
        disclosure = store_disclosure(session, busy.id)
        assert disclosure is not None and disclosure.legal_name == "Kettle House LLC"
        assert "New York" in disclosure.address and disclosure.phone == "+12127365000"
