"""Offer rules: what a sellable price, stock, SKU and handling time are."""

from __future__ import annotations

from dataclasses import replace

import pytest

from souk.core.errors import InvalidInput
from souk.core.money import Money
from souk.offers.rules import OfferTerms, check_offer_terms, check_sku, landed_price

MAX_HANDLING = 30


def _terms(**changes) -> OfferTerms:
    terms = OfferTerms(
        sku="KETTLE-1",
        condition="new",
        price=Money("USD", 1999),
        shipping=Money("USD", 0),
        quantity=5,
        handling_days=2,
    )
    return replace(terms, **changes)


def test_good_terms_pass():
    check_offer_terms(_terms(), "USD", MAX_HANDLING)
    check_offer_terms(_terms(quantity=0, handling_days=0, condition="used_good"), "USD", 30)
    check_offer_terms(_terms(handling_days=MAX_HANDLING, fulfillment_channel="PLATFORM"), "USD", 30)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price": Money("USD", 0)}, "price"),
        ({"price": Money("USD", -1)}, "price"),
        ({"shipping": Money("USD", -1)}, "shipping"),
        ({"quantity": -1}, "quantity"),
        ({"price": Money("EUR", 1999)}, "currency"),
        ({"shipping": Money("GBP", 0)}, "currency"),
        ({"handling_days": MAX_HANDLING + 1}, "handling_days"),
        ({"handling_days": -1}, "handling_days"),
        ({"condition": "mint"}, "condition"),
        ({"fulfillment_channel": "DROPSHIP"}, "fulfillment_channel"),
        ({"sku": ""}, "sku"),
        ({"sku": " KETTLE"}, "sku"),
        ({"sku": "KETTLE\n"}, "sku"),
        ({"sku": "K" * 201}, "sku"),
        ({"sku": "KET\x00TLE"}, "sku"),
    ],
)
def test_bad_terms_name_the_field(changes, field):
    with pytest.raises(InvalidInput) as error:
        check_offer_terms(_terms(**changes), "USD", MAX_HANDLING)
    assert error.value.field == field


def test_handling_limit_comes_from_the_caller():
    with pytest.raises(InvalidInput):
        check_offer_terms(_terms(handling_days=3), "USD", 2)


@pytest.mark.parametrize("sku", ["ABC/123/blue", "Kaffeemühle-ß", "急須-001", "a b c", "x" * 200])
def test_skus_may_hold_slashes_unicode_and_inner_spaces(sku):
    assert check_sku(sku) == sku


def test_landed_price_adds_shipping_in_one_currency():
    assert landed_price(Money("USD", 1000), Money("USD", 499)) == Money("USD", 1499)
