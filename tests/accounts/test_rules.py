"""Account rules: e-mail, passwords, and postal addresses per country."""

from __future__ import annotations

import pytest

from souk.accounts.rules import PostalAddress, check_address, check_email, check_password
from souk.core.errors import InvalidInput


def _address(country: str, postal_code: str, state: str = "") -> PostalAddress:
    return PostalAddress("Ada Lovelace", "1 Example Road", "Sometown", postal_code, country, state)


VALID = [
    ("US", "62701", "IL"),
    ("US", "10001-1234", "NY"),
    ("US", "00601", "PR"),
    ("CA", "K1A 0B1", "ON"),
    ("CA", "m5v3l9", "ON"),
    ("CA", "V6B 4Y8", "BC"),
    ("GB", "SW1A 1AA", ""),
    ("GB", "EC1A1BB", ""),
    ("GB", "M1 1AE", ""),
    ("GB", "B33 8TH", ""),
    ("GB", "cr2 6xh", ""),
    ("DE", "10115", ""),
    ("DE", "01067", ""),
    ("FR", "75008", ""),
    ("FR", "97400", ""),
    ("IT", "00184", ""),
    ("IT", "20121", ""),
    ("ES", "28013", ""),
    ("ES", "08001", ""),
    ("ES", "52001", ""),
    ("IN", "110001", "Delhi"),
    ("IN", "560001", "Karnataka"),
    ("JP", "100-0001", "Tokyo"),
    ("JP", "5300001", "Osaka"),
    ("MX", "06600", "CDMX"),
    ("MX", "64000", "Nuevo León"),
]

INVALID = [
    ("US", "6270", "IL"),
    ("US", "627011", "IL"),
    ("US", "ABCDE", "IL"),
    ("US", "62701-12", "IL"),
    ("CA", "D1A 0B1", "ON"),  # D never starts a Canadian postal code
    ("CA", "K1A 0D1", "ON"),  # nor appears in the third letter position
    ("CA", "K1A0B", "ON"),
    ("CA", "12345", "ON"),
    ("GB", "SW1A", ""),
    ("GB", "12345", ""),
    ("GB", "SW1A 1A", ""),
    ("DE", "1011", ""),
    ("DE", "101155", ""),
    ("DE", "1O115", ""),
    ("FR", "7500", ""),
    ("FR", "750088", ""),
    ("IT", "0018A", ""),
    ("IT", "001844", ""),
    ("ES", "53001", ""),  # provinces run 01 to 52
    ("ES", "00123", ""),
    ("ES", "2801", ""),
    ("IN", "011000", "Delhi"),  # PIN codes never start with 0
    ("IN", "11000", "Delhi"),
    ("JP", "100-001", "Tokyo"),
    ("JP", "10000011", "Tokyo"),
    ("MX", "6600", "CDMX"),
    ("MX", "066000", "CDMX"),
]


@pytest.mark.parametrize(("country", "postal_code", "state"), VALID)
def test_valid_postal_codes(country, postal_code, state):
    clean = check_address(_address(country, postal_code, state))
    assert clean.country == country
    assert clean.postal_code == postal_code.strip().upper()


@pytest.mark.parametrize(("country", "postal_code", "state"), INVALID)
def test_invalid_postal_codes(country, postal_code, state):
    with pytest.raises(InvalidInput) as error:
        check_address(_address(country, postal_code, state))
    assert error.value.field == "postal_code"


@pytest.mark.parametrize(
    ("country", "postal_code"),
    [("US", "62701"), ("CA", "K1A 0B1"), ("MX", "06600"), ("IN", "110001"), ("JP", "100-0001")],
)
def test_state_is_required_where_addresses_carry_one(country, postal_code):
    with pytest.raises(InvalidInput) as error:
        check_address(_address(country, postal_code, "  "))
    assert error.value.field == "state"


@pytest.mark.parametrize(
    ("country", "postal_code"),
    [("GB", "SW1A 1AA"), ("DE", "10115"), ("FR", "75008"), ("IT", "00184"), ("ES", "28013")],
)
def test_state_is_optional_in_europe(country, postal_code):
    assert check_address(_address(country, postal_code)).state == ""


def test_us_and_canadian_states_must_be_real_codes():
    with pytest.raises(InvalidInput, match="US state"):
        check_address(_address("US", "62701", "ZZ"))
    with pytest.raises(InvalidInput, match="Canadian province"):
        check_address(_address("CA", "K1A 0B1", "NY"))
    assert check_address(_address("US", "62701", "il")).state == "IL"


def test_uk_is_accepted_as_gb_and_unknown_countries_refused():
    assert check_address(_address("uk", "SW1A 1AA")).country == "GB"
    with pytest.raises(InvalidInput) as error:
        check_address(_address("BR", "01310-100", "SP"))
    assert error.value.field == "country"


@pytest.mark.parametrize("missing", ["full_name", "line1", "city"])
def test_required_fields(missing):
    fields = dict(
        full_name="Ada",
        line1="1 Main St",
        city="Springfield",
        postal_code="62701",
        country="US",
        state="IL",
    )
    fields[missing] = "   "
    with pytest.raises(InvalidInput) as error:
        check_address(PostalAddress(**fields))
    assert error.value.field == missing


def test_address_is_trimmed():
    clean = check_address(
        PostalAddress(
            " Ada ",
            " 1 Main St ",
            " Springfield ",
            " 62701 ",
            " us ",
            " il ",
            phone=" +1 (555) 010-0000 ",
        )
    )
    assert clean == PostalAddress(
        "Ada", "1 Main St", "Springfield", "62701", "US", "IL", phone="+1 (555) 010-0000"
    )


def test_phone_must_be_digits():
    with pytest.raises(InvalidInput) as error:
        check_address(PostalAddress("Ada", "1 Main", "X", "62701", "US", "IL", phone="call me"))
    assert error.value.field == "phone"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Name@Example.COM", "name@example.com"),
        ("  a.b+tag@sub.example.co.uk ", "a.b+tag@sub.example.co.uk"),
        ("o'brien@example.ie", "o'brien@example.ie"),
    ],
)
def test_valid_emails_are_cleaned(raw, clean):
    assert check_email(raw) == clean


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "plainaddress",
        "a@b",
        "a@@example.com",
        "a b@example.com",
        "@example.com",
        "name@",
        "name@.com",
        "x" * 250 + "@example.com",
    ],
)
def test_invalid_emails(raw):
    with pytest.raises(InvalidInput) as error:
        check_email(raw)
    assert error.value.field == "email"


@pytest.mark.parametrize(
    "password", ["Correct-Horse-9", "correcthorse9", "Abcdefghijk", "!!!!!!!!!!"]
)
def test_acceptable_passwords(password):
    check_password(password)


@pytest.mark.parametrize("password", ["Short-9", "", "1234567890123", "abcdefghijkl"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(InvalidInput) as error:
        check_password(password)
    assert error.value.field == "password"
