"""Rules for people's accounts: e-mail, passwords, postal addresses per country."""

from __future__ import annotations

import re
from dataclasses import dataclass

from souk.core.errors import InvalidInput

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
MIN_PASSWORD_LENGTH = 10

# Postal code formats per ISO country (the countries souk's sites ship to).
POSTAL_CODES: dict[str, re.Pattern[str]] = {
    "US": re.compile(r"^\d{5}(-\d{4})?$"),
    "CA": re.compile(r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d$", re.I),
    "MX": re.compile(r"^\d{5}$"),
    "GB": re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$", re.I),
    "DE": re.compile(r"^\d{5}$"),
    "FR": re.compile(r"^\d{5}$"),
    "IT": re.compile(r"^\d{5}$"),
    "ES": re.compile(r"^(0[1-9]|[1-4]\d|5[0-2])\d{3}$"),
    "IN": re.compile(r"^[1-9]\d{5}$"),
    "JP": re.compile(r"^\d{3}-?\d{4}$"),
}

# Where a state, province or prefecture is part of the address.
STATE_REQUIRED = {"US", "CA", "MX", "IN", "JP"}

US_STATES = set(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "PR",
    ]
)
CA_PROVINCES = set(["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"])


def check_email(email: str) -> str:
    """The e-mail address, trimmed and lower-cased, or a clear error."""
    cleaned = email.strip().lower()
    if len(cleaned) > 254 or not _EMAIL.match(cleaned):
        raise InvalidInput("Enter a valid e-mail address, like name@example.com.", field="email")
    return cleaned


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )
    if password.isdigit() or (password.isalpha() and password.lower() == password):
        raise InvalidInput(
            "Mix letters with digits, capitals or symbols in your password.", field="password"
        )


@dataclass(frozen=True)
class PostalAddress:
    full_name: str
    line1: str
    city: str
    postal_code: str
    country: str
    state: str = ""
    line2: str = ""
    phone: str = ""


def check_address(address: PostalAddress) -> PostalAddress:
    """A cleaned address, or an error naming the field that is wrong."""
    country = address.country.strip().upper()
    if country == "UK":
        country = "GB"
    if country not in POSTAL_CODES:
        raise InvalidInput(f"We do not deliver to {address.country!r}.", field="country")
    for name in ("full_name", "line1", "city"):
        if not getattr(address, name).strip():
            raise InvalidInput("This field is required.", field=name)
    postal = address.postal_code.strip().upper()
    if not POSTAL_CODES[country].match(postal):
        raise InvalidInput(
            f"{address.postal_code!r} is not a postal code in {country}.", field="postal_code"
        )
    state = address.state.strip()
    if country in STATE_REQUIRED and not state:
        raise InvalidInput("Enter the state, province or prefecture.", field="state")
    if country == "US" and state.upper() not in US_STATES:
        raise InvalidInput(f"{state!r} is not a US state code, like NY.", field="state")
    if country == "CA" and state.upper() not in CA_PROVINCES:
        raise InvalidInput(f"{state!r} is not a Canadian province code, like ON.", field="state")
    if country in {"US", "CA"}:
        state = state.upper()
    phone = address.phone.strip()
    if phone and not re.fullmatch(r"\+?[\d ()./-]{6,24}", phone):
        raise InvalidInput("Enter a phone number with digits only.", field="phone")
    return PostalAddress(
        full_name=address.full_name.strip(),
        line1=address.line1.strip(),
        line2=address.line2.strip(),
        city=address.city.strip(),
        state=state,
        postal_code=postal,
        country=country,
        phone=phone,
    )
