"""Seller identity verification as pure functions.

What a seller must give (legal name, business address, contact e-mail and
phone, tax id, bank account, a chargeable card, a government id document),
how each field is checked for its country with well-kept libraries
(phonenumbers, email-validator, pycountry, python-stdnum, schwifty), the
verification workflow's states, and the INFORM Consumers Act decisions:
who is a high-volume seller, what happens when, and who must be disclosed on
the store page. No session, no I/O, no clock reads: callers pass ``now`` and
the policy's numbers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import luhn
from stdnum.de import stnr as de_stnr
from stdnum.de import vat as de_vat
from stdnum.exceptions import ValidationError
from stdnum.gb import utr as gb_utr
from stdnum.gb import vat as gb_vat
from stdnum.in_ import gstin as in_gstin
from stdnum.in_ import pan as in_pan
from stdnum.jp import cn as jp_cn
from stdnum.us import ein as us_ein
from stdnum.us import rtn as us_rtn
from stdnum.us import ssn as us_ssn

from souk.accounts.rules import POSTAL_CODES

# -- the workflow ---------------------------------------------------------------------------

NOT_STARTED = "not_started"
PENDING = "pending"
VERIFIED = "verified"
REJECTED = "rejected"
STATUSES = (NOT_STARTED, PENDING, VERIFIED, REJECTED)

#: Which status may follow which: staff decide pending submissions; a rejected
#: or verified seller submits again (corrections, yearly re-certification).
TRANSITIONS: dict[str, frozenset[str]] = {
    NOT_STARTED: frozenset({PENDING}),
    PENDING: frozenset({VERIFIED, REJECTED, PENDING}),
    VERIFIED: frozenset({PENDING}),
    REJECTED: frozenset({PENDING}),
}

#: What the seller reads about each status, in words.
STATUS_TEXT: dict[str, str] = {
    NOT_STARTED: "Not started: give your business details and an identity document.",
    PENDING: "Submitted and waiting for review by souk's verification team.",
    VERIFIED: "Verified.",
    REJECTED: "Not accepted: see the reason, correct your details and submit again.",
}

DOCUMENT_KINDS: dict[str, str] = {
    "passport": "Passport",
    "national_id": "National identity card",
    "driving_licence": "Driving licence",
    "residence_permit": "Residence permit",
}

REJECTION_REASONS = (
    "The document is unreadable or cut off.",
    "The name on the document does not match the legal name.",
    "The document has expired.",
    "The tax id does not belong to this business.",
    "The bank account is not in the business's name.",
    "The address could not be confirmed.",
)


class IdentityTransitionError(ValueError):
    """A status change the workflow does not allow."""


def check_transition(current: str, new: str) -> str:
    """``new`` when the workflow allows moving there from ``current``; raises otherwise."""
    if new not in TRANSITIONS.get(current, frozenset()):
        raise IdentityTransitionError(f"A {current} verification cannot become {new}.")
    return new


def status_text(status: str) -> str:
    """The seller's own status in words; never says "unverified" of a verified seller."""
    return STATUS_TEXT.get(status, STATUS_TEXT[NOT_STARTED])


# -- fields ---------------------------------------------------------------------------------

#: souk's marketplace codes are not all ISO 3166 codes.
_ISO_COUNTRY = {"UK": "GB"}

# Countries whose postal addresses carry a state, province or prefecture.
SUBDIVISION_REQUIRED = frozenset({"US", "CA", "MX", "IN", "JP", "AU", "BR"})


def iso_country(code: str) -> str:
    """The ISO 3166-1 alpha-2 code for a country or marketplace code (UK is GB)."""
    code = code.strip().upper()
    return _ISO_COUNTRY.get(code, code)


@dataclass(frozen=True)
class IdentityForm:
    """What a seller types in the verification form, as typed."""

    legal_name: str
    address_line1: str
    city: str
    postal_code: str
    country: str
    contact_email: str
    phone: str
    tax_id: str
    bank_account: str
    address_line2: str = ""
    subdivision: str = ""
    bank_code: str = ""  # US routing number, Indian IFSC, Japanese bank + branch code
    card_number: str = ""


@dataclass(frozen=True)
class CheckedIdentity:
    """The same details, checked and in canonical form."""

    legal_name: str
    address_line1: str
    address_line2: str
    city: str
    subdivision: str  # ISO 3166-2, like "US-CA", or ""
    postal_code: str
    country: str  # ISO 3166-1 alpha-2
    contact_email: str
    phone: str  # E.164, like "+14155550100"
    tax_id: str  # compact, without separators
    tax_id_kind: str  # "EIN", "VAT (USt-IdNr.)"...
    bank_account: str  # IBAN, or the account number
    bank_code: str  # routing number, IFSC, bank + branch code; "" with an IBAN
    card_last4: str
    card_number: str  # digits only; the service keeps a fingerprint and the last four


class FieldError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def check_legal_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if len(cleaned) < 2:
        raise FieldError("legal_name", "Enter the legal name of the business or person.")
    if len(cleaned) > 200:
        raise FieldError("legal_name", "Legal names are limited to 200 characters.")
    return cleaned


def check_contact_email(email: str) -> str:
    """A syntactically valid e-mail address, normalised (no DNS lookups)."""
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise FieldError("contact_email", f"That e-mail address is not valid: {error}") from None
    return str(checked.normalized)


def check_phone(number: str, country: str) -> str:
    """A phone number valid for its country, in E.164 (``+4930123456``)."""
    region = iso_country(country)
    try:
        parsed = phonenumbers.parse(number.strip(), region)
    except phonenumbers.NumberParseException:
        raise FieldError("phone", "Enter a phone number, like +1 415 555 0100.") from None
    if not phonenumbers.is_valid_number(parsed):
        raise FieldError("phone", "That is not a valid phone number for its country.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _folded(name: str) -> str:
    """ "Mahārāshtra" and "Maharashtra", "Tôkyô" and "Tokyo" compare equal."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(plain.casefold().replace("-", " ").split())


def check_subdivision(country: str, value: str) -> str:
    """The ISO 3166-2 code of a state/province/prefecture given by code or name."""
    iso = iso_country(country)
    text = value.strip()
    if not text:
        if iso in SUBDIVISION_REQUIRED:
            raise FieldError("subdivision", "Choose the state, province or prefecture.")
        return ""
    subdivisions = pycountry.subdivisions.get(country_code=iso) or []  # type: ignore[no-untyped-call]
    wanted = text.upper()
    for sub in subdivisions:
        code = str(sub.code)
        if wanted in (code, code.split("-", 1)[1]) or _folded(text) == _folded(str(sub.name)):
            return code
    raise FieldError("subdivision", f"{text!r} is not a state, province or region of {iso}.")


def subdivision_choices(country: str) -> list[tuple[str, str]]:
    """(code, name) of a country's top-level subdivisions, for a picker."""
    subdivisions = pycountry.subdivisions.get(country_code=iso_country(country)) or []  # type: ignore[no-untyped-call]
    top = [s for s in subdivisions if getattr(s, "parent_code", None) is None]
    return sorted(((str(s.code), str(s.name)) for s in top), key=lambda pair: pair[1])


def check_postal_code(country: str, code: str) -> str:
    cleaned = " ".join(code.split()).upper()
    if not cleaned:
        raise FieldError("postal_code", "Enter the postal code.")
    pattern = POSTAL_CODES.get(iso_country(country))
    if pattern is not None and not pattern.match(cleaned):
        raise FieldError("postal_code", f"{code!r} is not a postal code of {iso_country(country)}.")
    return cleaned


def _validator(module: object, prefix: str = "") -> Callable[[str], str]:
    """python-stdnum's validate; VAT numbers keep their country prefix."""

    def run(value: str) -> str:
        return prefix + str(module.validate(value))  # type: ignore[attr-defined]

    return run


#: Per country: the tax identifiers souk accepts, tried in order, with their names.
TAX_IDS: dict[str, tuple[tuple[str, Callable[[str], str]], ...]] = {
    "US": (("EIN", _validator(us_ein)), ("SSN", _validator(us_ssn))),
    "GB": (("VAT number", _validator(gb_vat, "GB")), ("UTR", _validator(gb_utr))),
    "DE": (("USt-IdNr.", _validator(de_vat, "DE")), ("Steuernummer", _validator(de_stnr))),
    "JP": (("Corporate Number", _validator(jp_cn)),),
    "IN": (("GSTIN", _validator(in_gstin)), ("PAN", _validator(in_pan))),
}

TAX_ID_HINTS: dict[str, str] = {
    "US": "EIN (12-3456789) or SSN for sole proprietors.",
    "GB": "VAT number (GB123456789) or Unique Taxpayer Reference (10 digits).",
    "DE": "USt-IdNr. (DE123456789) or Steuernummer.",
    "JP": "Corporate Number (hōjin bangō, 13 digits).",
    "IN": "GSTIN (15 characters) or PAN (ABCDE1234F).",
}


def check_tax_id(country: str, value: str) -> tuple[str, str]:
    """(compact tax id, its kind) when ``value`` is a valid tax id of ``country``."""
    text = value.strip()
    if not text:
        raise FieldError("tax_id", "Enter the business's tax identification number.")
    iso = iso_country(country)
    kinds = TAX_IDS.get(iso)
    if kinds is None:
        compact = re.sub(r"[\s./-]", "", text).upper()
        if not re.fullmatch(r"[A-Z0-9]{5,30}", compact):
            raise FieldError("tax_id", "A tax id has 5 to 30 letters and digits.")
        return compact, "Tax id"
    for kind, validate in kinds:
        try:
            return validate(text), kind
        except ValidationError:
            continue
    raise FieldError(
        "tax_id", f"That is not a valid tax id for {iso}. {TAX_ID_HINTS.get(iso, '')}".strip()
    )


_IFSC = re.compile(r"^[A-Z]{4}0[A-Z0-9]{6}$")


def check_bank_account(country: str, account: str, code: str) -> tuple[str, str]:
    """(account, bank code) for payouts: an IBAN with valid check digits where the
    country uses IBANs; a US routing number (ABA checksum) and account number; an
    Indian IFSC and account number; a Japanese bank and branch code and account."""
    iso = iso_country(country)
    account_text = re.sub(r"[\s-]", "", account).upper()
    code_text = re.sub(r"[\s-]", "", code).upper()
    if not account_text:
        raise FieldError("bank_account", "Enter the bank account for payouts.")
    if iso == "US":
        try:
            routing = str(us_rtn.validate(code_text))
        except ValidationError:
            raise FieldError(
                "bank_code", "That routing number is not valid (9 digits, ABA checksum)."
            ) from None
        if not re.fullmatch(r"\d{4,17}", account_text):
            raise FieldError("bank_account", "US account numbers have 4 to 17 digits.")
        return account_text, routing
    if iso == "IN":
        if not _IFSC.match(code_text):
            raise FieldError("bank_code", "Enter the branch's IFSC, like SBIN0001234.")
        if not re.fullmatch(r"\d{9,18}", account_text):
            raise FieldError("bank_account", "Indian account numbers have 9 to 18 digits.")
        return account_text, code_text
    if iso == "JP":
        if not re.fullmatch(r"\d{7}", code_text):
            raise FieldError("bank_code", "Enter the 4-digit bank code and 3-digit branch code.")
        if not re.fullmatch(r"\d{7}", account_text):
            raise FieldError("bank_account", "Japanese account numbers have 7 digits.")
        return account_text, code_text
    try:
        iban = IBAN(account_text)
    except SchwiftyException as error:
        raise FieldError("bank_account", f"That IBAN is not valid: {error}") from None
    if iban.country_code != iso:
        raise FieldError("bank_account", f"Use a bank account in {iso} (the IBAN starts {iso}).")
    return str(iban.compact), ""


def check_card(number: str) -> str:
    """The digits of a payment card number with a valid Luhn check digit."""
    digits = re.sub(r"[\s-]", "", number)
    if not re.fullmatch(r"\d{12,19}", digits) or not luhn.is_valid(digits):
        raise FieldError("card_number", "That card number is not valid.")
    return digits


def check_identity(form: IdentityForm) -> tuple[CheckedIdentity | None, dict[str, str]]:
    """Every field checked at once: the canonical details, or each wrong field's message."""
    errors: dict[str, str] = {}
    results: dict[str, object] = {}

    def attempt(name: str, check: Callable[[], object]) -> None:
        try:
            results[name] = check()
        except FieldError as error:
            errors.setdefault(error.field, error.message)

    country = iso_country(form.country)
    if not re.fullmatch(r"[A-Z]{2}", country) or pycountry.countries.get(alpha_2=country) is None:
        errors["country"] = "Choose the country of the business address."
        return None, errors
    attempt("legal_name", lambda: check_legal_name(form.legal_name))
    line1 = " ".join(form.address_line1.split())
    if not line1:
        errors["address_line1"] = "Enter the street address."
    city = " ".join(form.city.split())
    if not city:
        errors["city"] = "Enter the town or city."
    attempt("subdivision", lambda: check_subdivision(country, form.subdivision))
    attempt("postal_code", lambda: check_postal_code(country, form.postal_code))
    attempt("contact_email", lambda: check_contact_email(form.contact_email))
    attempt("phone", lambda: check_phone(form.phone, country))
    attempt("tax_id", lambda: check_tax_id(country, form.tax_id))
    attempt("bank", lambda: check_bank_account(country, form.bank_account, form.bank_code))
    attempt("card", lambda: check_card(form.card_number))
    if errors:
        return None, errors
    tax_pair = cast(tuple[str, str], results["tax_id"])
    bank_pair = cast(tuple[str, str], results["bank"])
    card = str(results["card"])
    return (
        CheckedIdentity(
            legal_name=str(results["legal_name"]),
            address_line1=line1,
            address_line2=" ".join(form.address_line2.split()),
            city=city,
            subdivision=str(results["subdivision"]),
            postal_code=str(results["postal_code"]),
            country=country,
            contact_email=str(results["contact_email"]),
            phone=str(results["phone"]),
            tax_id=tax_pair[0],
            tax_id_kind=tax_pair[1],
            bank_account=bank_pair[0],
            bank_code=bank_pair[1],
            card_last4=card[-4:],
            card_number=card,
        ),
        {},
    )


def mask(value: str, shown: int = 4) -> str:
    """``•••• 1234``: enough for a person to recognise a number, not to use it."""
    if len(value) <= shown:
        return value
    return "•••• " + value[-shown:]


# -- documents ------------------------------------------------------------------------------


def document_refusal(
    kind: str, content_type: str | None, size: int, allowed_types: Sequence[str], max_bytes: int
) -> str | None:
    """Why an uploaded identity document cannot be accepted, or None."""
    if kind not in DOCUMENT_KINDS:
        return "Choose what kind of document this is."
    if size == 0:
        return "Choose the file of your identity document."
    if size > max_bytes:
        return f"Documents are limited to {max_bytes // (1024 * 1024)} MB."
    if content_type not in allowed_types:
        return "Upload a photo (JPEG or PNG) or a PDF scan of the document."
    return None


def sniff_document(head: bytes) -> str | None:
    """The real type of an uploaded document from its first bytes (not its name)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def purge_due(decided_at: datetime | None, now: datetime, retention_days: int) -> bool:
    """A decided verification's documents are purged after the retention period."""
    return decided_at is not None and now - decided_at >= timedelta(days=retention_days)


# -- INFORM Consumers Act -------------------------------------------------------------------


@dataclass(frozen=True)
class MonthlySales:
    """A seller's sales in one calendar month: months are counted back from now (0 = this)."""

    months_ago: int
    orders: int
    revenue_minor: int


def high_volume(
    months: Sequence[MonthlySales],
    *,
    min_sales: int,
    min_revenue_minor: int,
    window_months: int,
    lookback_months: int,
) -> bool:
    """200+ sales and $5,000+ in any ``window_months`` consecutive months within the
    last ``lookback_months`` (the current month included)."""
    by_month = {m.months_ago: m for m in months if 0 <= m.months_ago < lookback_months}
    for start in range(0, max(1, lookback_months - window_months + 1)):
        span = [by_month.get(start + i) for i in range(window_months)]
        orders = sum(m.orders for m in span if m is not None)
        revenue = sum(m.revenue_minor for m in span if m is not None)
        if orders >= min_sales and revenue >= min_revenue_minor:
            return True
    return False


def revenue_last_year(months: Sequence[MonthlySales], window_months: int) -> int:
    return sum(m.revenue_minor for m in months if 0 <= m.months_ago < window_months)


def disclosure_required(revenue_12_months_minor: int, threshold_minor: int) -> bool:
    """Sellers with this much in the last year show who they are on their store page."""
    return revenue_12_months_minor >= threshold_minor


NO_ACTION = "none"
SEND_NOTICE = "send_notice"
SUSPEND = "suspend"
REMIND = "remind"
LIFT = "lift"


@dataclass(frozen=True)
class InformFacts:
    is_high_volume: bool
    status: str  # the verification status
    verified_at: datetime | None
    notice_sent_at: datetime | None
    reminded_at: datetime | None
    suspended_for_inform: bool


def inform_step(
    facts: InformFacts,
    now: datetime,
    *,
    notice_days: int,
    recertify_days: int,
    reminder_lead_days: int,
) -> str:
    """The next INFORM step for one seller.

    A high-volume seller without a current verification gets a notice; when
    ``notice_days`` pass without one, offers are suspended; a seller
    suspended for this and verified again is lifted; verified sellers are
    reminded ``reminder_lead_days`` before the yearly re-certification.
    """
    current = (
        facts.status == VERIFIED
        and facts.verified_at is not None
        and now - facts.verified_at < timedelta(days=recertify_days)
    )
    if facts.suspended_for_inform:
        return LIFT if current else NO_ACTION
    if not facts.is_high_volume:
        return NO_ACTION
    if current:
        assert facts.verified_at is not None
        due = facts.verified_at + timedelta(days=recertify_days)
        reminded = facts.reminded_at is not None and facts.reminded_at >= facts.verified_at
        if now >= due - timedelta(days=reminder_lead_days) and not reminded:
            return REMIND
        return NO_ACTION
    if facts.notice_sent_at is None or (
        facts.verified_at is not None and facts.notice_sent_at < facts.verified_at
    ):
        return SEND_NOTICE
    if facts.status == PENDING:
        # Provided and waiting for souk's review: the seller has done their part.
        return NO_ACTION
    if now >= facts.notice_sent_at + timedelta(days=notice_days):
        return SUSPEND
    return NO_ACTION


def notice_deadline(notice_sent_at: datetime, notice_days: int) -> datetime:
    return notice_sent_at + timedelta(days=notice_days)
