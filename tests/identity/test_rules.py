"""Identity fields with real-world formats for US, UK, DE, JP and IN; the workflow;
the INFORM Consumers Act decisions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from souk.core.clock import utc
from souk.identity import rules
from souk.identity.rules import FieldError, IdentityForm, MonthlySales

# (country, field, value, extra, canonical) — extra is the bank code for bank rows.
VALID = [
    ("US", "phone", "(212) 736-5000", "", "+12127365000"),
    ("UK", "phone", "020 7946 0958", "", "+442079460958"),
    ("DE", "phone", "030 901820", "", "+4930901820"),
    ("JP", "phone", "03-3224-9999", "", "+81332249999"),
    ("IN", "phone", "+91 98765 43210", "", "+919876543210"),
    ("US", "tax_id", "12-3456789", "", "123456789"),
    ("US", "tax_id", "123-45-6789", "", "123456789"),
    ("UK", "tax_id", "GB 980 7806 84", "", "GB980780684"),
    ("UK", "tax_id", "1955839661", "", "1955839661"),
    ("DE", "tax_id", "DE 136 695 976", "", "DE136695976"),
    ("DE", "tax_id", "181/815/08155", "", "18181508155"),
    ("JP", "tax_id", "5835678256246", "", "5835678256246"),
    ("IN", "tax_id", "ABCPD1234E", "", "ABCPD1234E"),
    ("IN", "tax_id", "27AAPFU0939F1ZV", "", "27AAPFU0939F1ZV"),
    ("US", "bank", "000123456789", "021000021", ("000123456789", "021000021")),
    ("UK", "bank", "GB82 WEST 1234 5698 7654 32", "", ("GB82WEST12345698765432", "")),
    ("DE", "bank", "DE89 3704 0044 0532 0130 00", "", ("DE89370400440532013000", "")),
    ("JP", "bank", "1234567", "0001-001", ("1234567", "0001001")),
    ("IN", "bank", "123456789012", "SBIN0001234", ("123456789012", "SBIN0001234")),
    ("US", "subdivision", "ca", "", "US-CA"),
    ("UK", "subdivision", "", "", ""),
    ("DE", "subdivision", "Berlin", "", "DE-BE"),
    ("JP", "subdivision", "Tokyo", "", "JP-13"),
    ("IN", "subdivision", "Maharashtra", "", "IN-MH"),
    ("US", "postal_code", "94105-1234", "", "94105-1234"),
    ("UK", "postal_code", "sw1a 1aa", "", "SW1A 1AA"),
    ("DE", "postal_code", "10115", "", "10115"),
    ("JP", "postal_code", "100-0001", "", "100-0001"),
    ("IN", "postal_code", "400001", "", "400001"),
]

INVALID = [
    ("US", "phone", "555-0100", "", "phone"),
    ("UK", "phone", "020 7946", "", "phone"),
    ("DE", "phone", "0049", "", "phone"),
    ("JP", "phone", "03-12", "", "phone"),
    ("IN", "phone", "+91 12345", "", "phone"),
    ("US", "tax_id", "07-1234567", "", "tax_id"),  # 07 is not an IRS campus prefix
    ("UK", "tax_id", "GB980780685", "", "tax_id"),  # wrong check digits
    ("DE", "tax_id", "DE136695978", "", "tax_id"),
    ("JP", "tax_id", "5835678256247", "", "tax_id"),
    ("IN", "tax_id", "ABCDE12345", "", "tax_id"),
    ("US", "bank", "000123456789", "021000022", "bank_code"),  # ABA checksum fails
    ("UK", "bank", "GB82 WEST 1234 5698 7654 33", "", "bank_account"),  # IBAN check digits
    ("DE", "bank", "GB82 WEST 1234 5698 7654 32", "", "bank_account"),  # another country's
    ("JP", "bank", "123456", "0001001", "bank_account"),
    ("IN", "bank", "123456789012", "SBIN1001234", "bank_code"),
    ("US", "subdivision", "", "", "subdivision"),
    ("US", "subdivision", "ZZ", "", "subdivision"),
    ("JP", "subdivision", "Atlantis", "", "subdivision"),
    ("IN", "subdivision", "", "", "subdivision"),
    ("DE", "subdivision", "Texas", "", "subdivision"),
    ("US", "postal_code", "9410", "", "postal_code"),
    ("UK", "postal_code", "123456", "", "postal_code"),
    ("DE", "postal_code", "1011", "", "postal_code"),
    ("JP", "postal_code", "1000-001", "", "postal_code"),
    ("IN", "postal_code", "040001", "", "postal_code"),
]


def _check(country: str, field: str, value: str, extra: str) -> object:
    if field == "phone":
        return rules.check_phone(value, country)
    if field == "tax_id":
        return rules.check_tax_id(country, value)[0]
    if field == "bank":
        return rules.check_bank_account(country, value, extra)
    if field == "subdivision":
        return rules.check_subdivision(country, value)
    return rules.check_postal_code(country, value)


@pytest.mark.parametrize(("country", "field", "value", "extra", "canonical"), VALID)
def test_valid_identity_fields_are_accepted_in_canonical_form(
    country: str, field: str, value: str, extra: str, canonical: object
) -> None:
    assert _check(country, field, value, extra) == canonical


@pytest.mark.parametrize(("country", "field", "value", "extra", "error_field"), INVALID)
def test_invalid_identity_fields_are_refused_naming_the_field(
    country: str, field: str, value: str, extra: str, error_field: str
) -> None:
    with pytest.raises(FieldError) as raised:
        _check(country, field, value, extra)
    assert raised.value.field == error_field
    assert raised.value.message


@pytest.mark.parametrize(
    ("email", "ok"),
    [
        ("Ops@Example.COM", "Ops@example.com"),
        ("verkauf@händler.de", "verkauf@händler.de"),
        ("info@shop.co.jp", "info@shop.co.jp"),
        ("no-at-sign.example.com", None),
        ("two@@example.com", None),
        ("trailing.dot.@example.com", None),
    ],
)
def test_contact_email_syntax(email: str, ok: str | None) -> None:
    if ok is None:
        with pytest.raises(FieldError):
            rules.check_contact_email(email)
    else:
        assert rules.check_contact_email(email) == ok


def _form(**changes: str) -> IdentityForm:
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
    return IdentityForm(**base)


def test_a_whole_form_is_checked_at_once_and_every_wrong_field_named() -> None:
    checked, errors = rules.check_identity(_form())
    assert errors == {}
    assert checked is not None
    assert (checked.phone, checked.subdivision, checked.tax_id_kind) == (
        "+12127365000",
        "US-NY",
        "EIN",
    )
    assert checked.card_last4 == "4242"
    checked, errors = rules.check_identity(
        _form(phone="12", tax_id="nope", card_number="4242 4242 4242 4241", city=" ")
    )
    assert checked is None
    assert set(errors) == {"phone", "tax_id", "card_number", "city"}


def test_uk_seller_with_marketplace_code_uk_gets_gb_rules() -> None:
    checked, errors = rules.check_identity(
        _form(
            country="UK",
            subdivision="",
            postal_code="SW1A 1AA",
            phone="020 7946 0958",
            tax_id="GB980780684",
            bank_account="GB82 WEST 1234 5698 7654 32",
            bank_code="",
        )
    )
    assert errors == {}
    assert checked is not None and checked.country == "GB"


def test_workflow_transitions() -> None:
    assert rules.check_transition(rules.NOT_STARTED, rules.PENDING) == rules.PENDING
    assert rules.check_transition(rules.PENDING, rules.VERIFIED) == rules.VERIFIED
    assert rules.check_transition(rules.REJECTED, rules.PENDING) == rules.PENDING
    for current, new in [
        (rules.NOT_STARTED, rules.VERIFIED),
        (rules.VERIFIED, rules.REJECTED),
        (rules.REJECTED, rules.VERIFIED),
    ]:
        with pytest.raises(rules.IdentityTransitionError):
            rules.check_transition(current, new)


def test_a_verified_seller_is_never_told_it_is_unverified() -> None:
    text = rules.status_text(rules.VERIFIED)
    assert "unverified" not in text.lower() and "not" not in text.lower()
    assert text == "Verified."


def test_documents_are_sniffed_not_trusted_by_name() -> None:
    assert rules.sniff_document(b"%PDF-1.7\n") == "application/pdf"
    assert rules.sniff_document(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert rules.sniff_document(b"MZ\x90\x00") is None
    allowed = ["image/jpeg", "image/png", "application/pdf"]
    assert rules.document_refusal("passport", "image/png", 2000, allowed, 10_000) is None
    assert rules.document_refusal("passport", None, 2000, allowed, 10_000)
    assert rules.document_refusal("passport", "image/png", 20_000, allowed, 10_000)
    assert rules.document_refusal("selfie", "image/png", 2000, allowed, 10_000)


HIGH = {"min_sales": 200, "min_revenue_minor": 500_000, "window_months": 12, "lookback_months": 24}


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        ([MonthlySales(i, 20, 60_000) for i in range(12)], True),  # 240 sales, $7,200
        ([MonthlySales(i, 20, 30_000) for i in range(12)], False),  # $3,600: not enough money
        ([MonthlySales(i, 10, 90_000) for i in range(12)], False),  # 120 sales
        # An old year (months 12-23) still counts within the 24-month lookback...
        ([MonthlySales(i, 25, 70_000) for i in range(12, 20)], True),
        # ...but not beyond it.
        ([MonthlySales(i, 25, 70_000) for i in range(24, 32)], False),
        # 12 consecutive months straddling two years.
        ([MonthlySales(i, 17, 42_000) for i in range(6, 18)], True),
    ],
)
def test_high_volume_rule(months: list[MonthlySales], expected: bool) -> None:
    assert rules.high_volume(months, **HIGH) is expected


def test_disclosure_at_twenty_thousand_dollars() -> None:
    assert rules.disclosure_required(2_000_000, 2_000_000)
    assert not rules.disclosure_required(1_999_999, 2_000_000)


NOW = utc(2026, 6, 1, 9, 0)
DAYS = {"notice_days": 10, "recertify_days": 365, "reminder_lead_days": 30}


def _facts(**changes: object) -> rules.InformFacts:
    base: dict[str, object] = {
        "is_high_volume": True,
        "status": rules.NOT_STARTED,
        "verified_at": None,
        "notice_sent_at": None,
        "reminded_at": None,
        "suspended_for_inform": False,
    }
    base.update(changes)
    return rules.InformFacts(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("facts", "step"),
    [
        (_facts(is_high_volume=False), rules.NO_ACTION),
        (_facts(), rules.SEND_NOTICE),
        (_facts(notice_sent_at=NOW - timedelta(days=9)), rules.NO_ACTION),
        (_facts(notice_sent_at=NOW - timedelta(days=10)), rules.SUSPEND),
        # Submitted and waiting for souk: not the seller's fault.
        (_facts(status=rules.PENDING, notice_sent_at=NOW - timedelta(days=12)), rules.NO_ACTION),
        (_facts(status=rules.VERIFIED, verified_at=NOW - timedelta(days=30)), rules.NO_ACTION),
        (_facts(status=rules.VERIFIED, verified_at=NOW - timedelta(days=340)), rules.REMIND),
        (
            _facts(
                status=rules.VERIFIED,
                verified_at=NOW - timedelta(days=340),
                reminded_at=NOW - timedelta(days=2),
            ),
            rules.NO_ACTION,
        ),
        # A year on without re-certification: a fresh notice.
        (
            _facts(
                status=rules.VERIFIED,
                verified_at=NOW - timedelta(days=366),
                notice_sent_at=NOW - timedelta(days=400),
            ),
            rules.SEND_NOTICE,
        ),
        (
            _facts(status=rules.VERIFIED, verified_at=NOW, suspended_for_inform=True),
            rules.LIFT,
        ),
        (_facts(suspended_for_inform=True), rules.NO_ACTION),
    ],
)
def test_inform_steps(facts: rules.InformFacts, step: str) -> None:
    assert rules.inform_step(facts, NOW, **DAYS) == step


def test_purge_after_retention() -> None:
    assert not rules.purge_due(None, NOW, 180)
    assert not rules.purge_due(NOW - timedelta(days=179), NOW, 180)
    assert rules.purge_due(NOW - timedelta(days=180), NOW, 180)
