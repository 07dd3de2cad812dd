"""Global selling rules: conversion, price points, VAT, languages, business days."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from souk.core.money import Money
from souk.core.policy import load_policy
from souk.globalselling import rules
from souk.globalselling.rules import (
    ConversionRule,
    GlobalSellingError,
    MarketplaceTax,
    PricePointTier,
    ProductText,
)

POLICY = load_policy()


def tiers(marketplace: str) -> tuple[PricePointTier, ...]:
    return tuple(
        PricePointTier(t.up_to_minor, t.step_minor, t.ending_minor)
        for t in POLICY.for_marketplace(marketplace).global_selling.price_points
    )


def tax(marketplace: str) -> MarketplaceTax:
    policy = POLICY.for_marketplace(marketplace).global_selling
    return MarketplaceTax(policy.vat_basis_points, policy.prices_include_vat)


NET = MarketplaceTax(0, False)
US, DE, JP, UK, IN = (tiers(code) for code in ("US", "DE", "JP", "UK", "IN"))


# --- price points ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "points", "expected"),
    [
        (1899, DE, 1899),  # already a price point
        (1900, DE, 1999),  # 19,00 € -> 19,99 €
        (1801, DE, 1899),
        (1, DE, 99),
        (99, DE, 99),
        (100, DE, 199),
        (100_500, US, 100_999),  # above $1,000: 1,009.99
        (450, JP, 499),
        (999, JP, 999),
        (1000, JP, 1499),
        (1234, JP, 1499),
        (1999, JP, 1999),
        (9600, JP, 9999),
        (10_001, JP, 10_999),
        (42_000, IN, 49_900),  # Rs 420.00 -> Rs 499.00
    ],
)
def test_round_to_price_point_examples(raw: int, points, expected: int) -> None:  # type: ignore[no-untyped-def]
    assert rules.round_to_price_point(raw, points) == expected


@given(st.integers(min_value=1, max_value=10**9), st.sampled_from([US, DE, JP, UK, IN]))
def test_price_point_is_at_or_above_within_one_step_and_ends_right(raw: int, points) -> None:  # type: ignore[no-untyped-def]
    rounded = rules.round_to_price_point(raw, points)
    tier = rules.tier_for(raw, points)
    assert rounded >= raw
    assert rounded - raw < tier.step_minor
    assert rounded % tier.step_minor == tier.ending_minor
    # Rounding a price point again changes nothing.
    if rules.tier_for(rounded, points) == tier:
        assert rules.round_to_price_point(rounded, points) == rounded


@given(st.integers(min_value=1, max_value=10**7), st.integers(min_value=1, max_value=10**7))
def test_price_points_keep_the_order_of_prices(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert rules.round_to_price_point(low, DE) <= rules.round_to_price_point(high, DE)


def test_bad_price_point_tiers_and_prices_are_refused() -> None:
    with pytest.raises(GlobalSellingError):
        rules.round_to_price_point(0, DE)
    with pytest.raises(GlobalSellingError):
        rules.check_price_points(())
    with pytest.raises(GlobalSellingError):
        rules.check_price_points((PricePointTier(1000, 100, 100),))
    with pytest.raises(GlobalSellingError):
        rules.check_price_points((PricePointTier(1000, 100, 99), PricePointTier(500, 100, 99)))
    for code in ("US", "DE", "JP", "UK", "IN", "FR", "MX"):
        rules.check_price_points(tiers(code))  # the shipped policy is valid


# --- conversion ------------------------------------------------------------------------------


def rule(rate: str, margin_bp: int = 0, source=NET, target=NET, points=DE) -> ConversionRule:  # type: ignore[no-untyped-def]
    return ConversionRule(Decimal(rate), margin_bp, source, target, points)


def test_us_to_germany_adds_margin_and_vat_then_rounds_to_a_euro_price_point() -> None:
    # $19.99 net * 0.92 = 18.3908 €, +5 % = 19.31034, +19 % VAT = 22.979... -> 22,99 €
    converted = rules.convert_price(
        Money("USD", 1999), "EUR", rule("0.92", 500, NET, tax("DE"), DE)
    )
    assert converted.price == Money("EUR", 2299)
    assert converted.before_rounding_minor == 2298
    assert converted.net_source == Money("USD", 1999)


def test_germany_to_us_takes_the_vat_out_first() -> None:
    # 23,80 € gross = 20,00 € net; * 1.0870 = 21.74 -> $21.99
    converted = rules.convert_price(Money("EUR", 2380), "USD", rule("1.087", 0, tax("DE"), NET, US))
    assert converted.net_source == Money("EUR", 2000)
    assert converted.price == Money("USD", 2199)


def test_dollars_to_yen_lands_on_a_yen_price_point() -> None:
    # $9.99 * 151.2 = 1,510.49 yen; +10 % consumption tax = 1,661.5 -> 1,999 yen
    converted = rules.convert_price(Money("USD", 999), "JPY", rule("151.2", 0, NET, tax("JP"), JP))
    assert converted.price == Money("JPY", 1999)
    assert converted.price.minor % 500 == 499


def test_euro_to_euro_between_vat_rates() -> None:
    # Germany 19 % -> France 20 %: 11,90 € gross = 10,00 € net -> 12,00 € -> 12,99 €
    converted = rules.convert_price(Money("EUR", 1190), "EUR", rule("1", 0, tax("DE"), tax("FR")))
    assert converted.price == Money("EUR", 1299)


money_amounts = st.integers(min_value=1, max_value=10**8)
rates = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("500"), places=4)
margins = st.integers(min_value=rules.MIN_MARGIN_BP, max_value=rules.MAX_MARGIN_BP)
currencies = st.sampled_from(
    [("EUR", DE, "DE"), ("JPY", JP, "JP"), ("USD", US, "US"), ("INR", IN, "IN")]
)


@given(money_amounts, rates, margins, currencies, st.sampled_from(["USD", "EUR", "GBP", "JPY"]))
def test_conversion_is_integer_money_on_a_price_point_and_never_below_the_exact_price(
    minor: int, rate: Decimal, margin: int, target, source_currency: str
) -> None:  # type: ignore[no-untyped-def]
    currency, points, code = target
    source = Money(source_currency, minor)
    converted = rules.convert_price(
        source, currency, rule(str(rate), margin, NET, tax(code), points)
    )
    assert isinstance(converted.price.minor, int) and converted.price.currency == currency
    assert converted.price.minor > 0
    tier = rules.tier_for(converted.before_rounding_minor, points)
    assert converted.price.minor % tier.step_minor == tier.ending_minor
    # The exact value, in Decimal: the rounded price never undercuts it.
    exact = (
        source.decimal
        * rate
        * (10_000 + margin)
        / 10_000
        * (10_000 + tax(code).vat_basis_points * tax(code).prices_include_vat)
        / 10_000
    )
    assert converted.price.decimal >= exact
    assert converted.price.minor >= converted.before_rounding_minor


@given(money_amounts, rates, rates)
def test_a_higher_rate_never_gives_a_lower_price(minor: int, a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    price = Money("USD", minor)
    assert (
        rules.convert_price(price, "EUR", rule(str(low))).price.minor
        <= rules.convert_price(price, "EUR", rule(str(high))).price.minor
    )


def test_floats_and_bad_rates_are_refused() -> None:
    for bad in ("abc", "0", "-1.2", "NaN", "Infinity", "1.00000000001", "2000000"):
        with pytest.raises(GlobalSellingError) as error:
            rules.parse_rate(bad)
        assert error.value.field == "rate"
    with pytest.raises(GlobalSellingError):
        rules.parse_rate(0.92)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.parse(0.1, "EUR")  # type: ignore[arg-type]
    assert rules.parse_rate("0.9213") == Decimal("0.9213")
    assert rules.rate_text(Decimal("151.20")) == "151.2"
    assert rules.inverse_rate(Decimal("0.8")) == Decimal("1.25")
    with pytest.raises(GlobalSellingError):
        rules.convert_price(Money("USD", 0), "EUR", rule("0.9"))
    with pytest.raises(GlobalSellingError):
        rules.convert_price(Money("USD", 100), "EUR", rule("0.9", margin_bp=20_000))


def test_margin_percent_parsing() -> None:
    assert rules.parse_margin_percent("12.5") == 1250
    assert rules.parse_margin_percent("-3 %") == -300
    assert rules.parse_margin_percent("7,25") == 725
    for bad in ("x", "12.345", "150", "-60"):
        with pytest.raises(GlobalSellingError) as error:
            rules.parse_margin_percent(bad)
        assert error.value.field == "margin"


# --- VAT -----------------------------------------------------------------------------


def test_vat_note_for_gross_and_net_marketplaces() -> None:
    note = rules.vat_note(Money("EUR", 1999), tax("DE"))
    assert note.includes_vat and note.rate_percent == "19"
    assert note.net == Money("EUR", 1680) and note.vat == Money("EUR", 319)
    assert note.net + note.vat == Money("EUR", 1999)
    us = rules.vat_note(Money("USD", 1999), tax("US"))
    assert not us.includes_vat and us.vat == Money("USD", 0) and us.net == Money("USD", 1999)
    assert rules.vat_note(Money("EUR", 100), MarketplaceTax(550, True)).rate_percent == "5.5"
    for basis_points, shown in (
        (2000, "20"),
        (1000, "10"),
        (2200, "22"),
        (700, "7"),
        (1750, "17.5"),
    ):
        assert (
            rules.vat_note(Money("EUR", 100), MarketplaceTax(basis_points, True)).rate_percent
            == shown
        )


@given(
    st.integers(min_value=0, max_value=10**9),
    st.sampled_from(["DE", "FR", "IT", "ES", "UK", "JP", "IN"]),
)
def test_vat_and_net_add_up_to_the_price_shown(minor: int, code: str) -> None:
    note = rules.vat_note(Money("EUR", minor), tax(code))
    assert note.net.minor + note.vat.minor == minor and note.vat.minor >= 0


def test_gross_marketplaces_say_so() -> None:
    gross = {
        code
        for code in ("US", "CA", "MX", "UK", "DE", "FR", "IT", "ES", "IN", "JP")
        if tax(code).prices_include_vat
    }
    assert (
        {"UK", "DE", "FR", "IT", "ES", "JP", "IN"} <= gross
        and "US" not in gross
        and "CA" not in gross
    )


# --- languages and product text ------------------------------------------------------------


ORIGINAL = ProductText("en", "Steel Kettle", ("Boils fast", "1.7 l"), "A kettle.")


def test_interface_language_follows_the_marketplace_with_an_override() -> None:
    assert rules.interface_language("de_DE", None) == "de"
    assert rules.interface_language("de_DE", "fr") == "fr"
    assert rules.interface_language("ja_JP", None) == "en"  # no Japanese catalog yet
    assert rules.interface_language("en_US", "xx") == "en"
    assert rules.interface_language("fr_FR", "") == "fr"


def test_product_text_falls_back_field_by_field() -> None:
    german = ProductText("de", "Wasserkocher", (), "")
    picked = rules.pick_product_text(ORIGINAL, [german], "de_DE")
    assert picked.title == "Wasserkocher" and picked.language == "de"
    assert picked.bullets == ORIGINAL.bullets and picked.description == "A kettle."
    assert rules.pick_product_text(ORIGINAL, [german], "fr") == ORIGINAL
    assert rules.pick_product_text(ORIGINAL, [german], "en") == ORIGINAL


def test_language_and_zone_checks() -> None:
    assert rules.check_language(" DE ") == "de"
    for bad in ("", "d", "deutsch", "d3", "日本"):
        with pytest.raises(GlobalSellingError):
            rules.check_language(bad)
    assert rules.check_time_zone("Europe/Berlin") == "Europe/Berlin"
    for bad in ("", "Mars/Olympus", "../etc/passwd", "Europe/"):
        with pytest.raises(GlobalSellingError) as error:
            rules.check_time_zone(bad)
        assert error.value.field == "time_zone"
    assert "Asia/Tokyo" in rules.common_time_zones()


# --- business days and holidays ---------------------------------------------------------------


def test_holidays_per_country() -> None:
    german = dict(rules.public_holidays("DE", date(2026, 10, 1), date(2026, 12, 31)))
    assert date(2026, 10, 3) in german and date(2026, 12, 25) in german
    assert date(2026, 11, 26) not in german  # Thanksgiving is American
    american = dict(rules.public_holidays("US", date(2026, 11, 1), date(2026, 11, 30)))
    assert date(2026, 11, 26) in american
    british = dict(rules.public_holidays("UK", date(2026, 12, 1), date(2026, 12, 31)))
    assert date(2026, 12, 28) in british  # Boxing Day observed on the Monday
    japanese = dict(rules.public_holidays("JP", date(2026, 1, 1), date(2026, 1, 31)))
    assert date(2026, 1, 1) in japanese
    with pytest.raises(GlobalSellingError):
        rules.public_holidays("DE", date(2026, 2, 1), date(2026, 1, 1))
    with pytest.raises(GlobalSellingError):
        rules.public_holidays("XX", date(2026, 1, 1), date(2026, 1, 2))


def test_business_days_skip_weekends_and_the_countrys_holidays() -> None:
    # Thursday 24 December 2026: Christmas (Fri) and Boxing Day (Sat) in Germany.
    assert rules.add_business_days("DE", date(2026, 12, 24), 1) == date(2026, 12, 28)
    # In the US only the 25th is a holiday.
    assert rules.add_business_days("US", date(2026, 12, 24), 1) == date(2026, 12, 28)
    assert rules.add_business_days("US", date(2026, 11, 25), 1) == date(2026, 11, 27)
    assert rules.add_business_days("DE", date(2026, 11, 25), 1) == date(2026, 11, 26)
    assert rules.add_business_days("DE", date(2026, 10, 3), 0) == date(2026, 10, 5)  # Saturday
    assert not rules.is_business_day("DE", date(2026, 10, 3))
    assert rules.business_days_between("DE", date(2026, 12, 21), date(2026, 12, 28)) == 4
    with pytest.raises(GlobalSellingError):
        rules.add_business_days("DE", date(2026, 1, 5), -1)


@given(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(0, 30),
    st.sampled_from(["US", "DE", "UK", "JP", "FR"]),
)
def test_adding_business_days_lands_on_a_business_day_that_far_ahead(
    start: date, n: int, country: str
) -> None:
    landed = rules.add_business_days(country, start, n)
    assert rules.is_business_day(country, landed) and landed >= start
    # Counting from a working day, n are passed; from a weekend or holiday, the first
    # working day after it counts too.
    expected = n if rules.is_business_day(country, start) else n + 1
    assert rules.business_days_between(country, start, landed) == expected
