"""Money: integer minor units per currency, exact parsing, no mixing of currencies."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from souk.core.money import CURRENCY_EXPONENTS, CurrencyMismatch, Money, exponent, total

currencies = st.sampled_from(sorted(CURRENCY_EXPONENTS))
amounts = st.integers(min_value=-(10**15), max_value=10**15)


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("19.99", "USD", 1999),
        ("19.9", "USD", 1990),
        ("19", "EUR", 1900),
        ("0.01", "GBP", 1),
        (" 5.00 ", "CAD", 500),
        ("1500", "JPY", 1500),
        ("1500.0", "JPY", 1500),
        ("249.50", "INR", 24950),
        ("-3.25", "MXN", -325),
        ("1E+2", "USD", 10000),
    ],
)
def test_parse_reads_decimal_text_into_minor_units(text, currency, minor):
    assert Money.parse(text, currency) == Money(currency, minor)


def test_parse_accepts_ints_and_decimals():
    assert Money.parse(7, "USD").minor == 700
    assert Money.parse(Decimal("7.05"), "EUR").minor == 705
    assert Money.parse(Decimal("980"), "JPY").minor == 980


@pytest.mark.parametrize(
    ("text", "currency"),
    [("19.999", "USD"), ("0.001", "EUR"), ("10.5", "JPY"), ("1.01", "JPY")],
)
def test_parse_refuses_more_decimal_places_than_the_currency_has(text, currency):
    with pytest.raises(ValueError, match="decimal places"):
        Money.parse(text, currency)


@pytest.mark.parametrize("text", ["", "abc", "1,50", "NaN", "Infinity", "-inf", "1.2.3", "$5"])
def test_parse_refuses_text_that_is_not_an_amount(text):
    with pytest.raises(ValueError):
        Money.parse(text, "USD")


@pytest.mark.parametrize("value", [19.99, 0.1, 1.0, True])
def test_floats_never_become_money(value):
    with pytest.raises(TypeError):
        Money.parse(value, "USD")


@pytest.mark.parametrize("minor", [1.5, 2.0, "100", Decimal("1"), True])
def test_minor_units_must_be_an_int(minor):
    with pytest.raises(TypeError):
        Money("USD", minor)


@pytest.mark.parametrize("currency", ["XXX", "usd", "", "BTC"])
def test_unknown_currency_is_refused(currency):
    with pytest.raises(ValueError, match="unsupported currency"):
        Money(currency, 1)
    with pytest.raises(ValueError):
        Money.parse("1", currency)


def test_exponent_per_currency():
    assert exponent("JPY") == 0
    for code in ("USD", "CAD", "MXN", "GBP", "EUR", "INR"):
        assert exponent(code) == 2


def test_amount_str_and_str_follow_the_exponent():
    assert Money("USD", 1999).amount_str() == "19.99"
    assert Money("USD", 5).amount_str() == "0.05"
    assert Money("EUR", -150).amount_str() == "-1.50"
    assert Money("JPY", 1500).amount_str() == "1500"
    assert str(Money("GBP", 1000)) == "10.00 GBP"
    assert Money("USD", 1999).decimal == Decimal("19.99")


def test_arithmetic_within_one_currency():
    a, b = Money("USD", 1999), Money("USD", 1)
    assert a + b == Money("USD", 2000)
    assert a - b == Money("USD", 1998)
    assert a * 3 == Money("USD", 5997) == 3 * a
    assert -a == Money("USD", -1999)
    assert Money.zero("JPY") == Money("JPY", 0)


def test_mismatched_currencies_cannot_be_combined_or_compared():
    usd, eur = Money("USD", 100), Money("EUR", 100)
    with pytest.raises(CurrencyMismatch):
        usd + eur
    with pytest.raises(CurrencyMismatch):
        usd - eur
    for compare in (
        lambda: usd < eur,
        lambda: usd <= eur,
        lambda: usd > eur,
        lambda: usd >= eur,
    ):
        with pytest.raises(CurrencyMismatch):
            compare()
    assert usd != eur  # equality is fine: they are simply not the same amount


def test_ordering_within_one_currency():
    assert Money("USD", 1) < Money("USD", 2) <= Money("USD", 2)
    assert max([Money("EUR", 5), Money("EUR", 9), Money("EUR", 1)]) == Money("EUR", 9)


@pytest.mark.parametrize("times", [1.5, 2.0, True, Decimal("2")])
def test_money_multiplies_by_whole_numbers_only(times):
    with pytest.raises(TypeError):
        Money("USD", 100) * times


@pytest.mark.parametrize(
    ("minor", "basis_points", "expected"),
    [
        (10000, 1500, 1500),  # 15% of 100.00
        (1999, 800, 160),  # 159.92 -> 160
        (25, 5000, 12),  # 12.5 -> 12 (half to even)
        (35, 5000, 18),  # 17.5 -> 18 (half to even)
        (15, 1000, 2),  # 1.5 -> 2
        (25, 1000, 2),  # 2.5 -> 2
        (-25, 5000, -12),
        (999, 0, 0),
    ],
)
def test_percent_rounds_half_to_even(minor, basis_points, expected):
    assert Money("USD", minor).percent(basis_points) == Money("USD", expected)


def test_percent_of_yen_stays_whole_yen():
    assert Money("JPY", 1001).percent(1000) == Money("JPY", 100)


def test_total_sums_one_currency_and_refuses_others():
    assert total([Money("USD", 1), Money("USD", 2)], "USD") == Money("USD", 3)
    assert total([], "EUR") == Money("EUR", 0)
    with pytest.raises(CurrencyMismatch):
        total([Money("USD", 1), Money("EUR", 2)], "USD")


@given(currencies, amounts)
def test_amount_str_round_trips_through_parse(currency, minor):
    money = Money(currency, minor)
    assert Money.parse(money.amount_str(), currency) == money


@given(currencies, amounts, amounts, amounts)
def test_addition_is_exact_and_associative(currency, a, b, c):
    x, y, z = Money(currency, a), Money(currency, b), Money(currency, c)
    assert (x + y) + z == x + (y + z) == Money(currency, a + b + c)
    assert x + y - y == x


@given(currencies, amounts, st.integers(min_value=0, max_value=10000))
def test_percent_stays_within_half_a_minor_unit(currency, minor, basis_points):
    share = Money(currency, minor).percent(basis_points)
    exact = Decimal(minor) * basis_points / 10000
    assert abs(Decimal(share.minor) - exact) <= Decimal("0.5")
    assert Money(currency, minor).percent(10000) == Money(currency, minor)
