"""Identifier formats: ASIN-style products, NNN-NNNNNNN-NNNNNNN orders, A... sellers."""

from __future__ import annotations

import pytest

from souk.core.ids import (
    is_asin,
    is_order_id,
    is_seller_id,
    new_asin,
    new_order_id,
    new_seller_id,
    new_token,
)


def test_generated_ids_have_their_formats():
    for _ in range(200):
        assert is_asin(new_asin())
        assert is_order_id(new_order_id())
        assert is_seller_id(new_seller_id())


def test_generated_ids_do_not_repeat():
    assert len({new_order_id() for _ in range(2000)}) == 2000
    assert len({new_asin() for _ in range(2000)}) == 2000


def test_order_id_shape():
    order_id = new_order_id()
    first, second, third = order_id.split("-")
    assert (len(first), len(second), len(third)) == (3, 7, 7)
    assert (first + second + third).isdigit()


@pytest.mark.parametrize("value", ["B01234567X", "B0ABCDEFGH", "B000000000"])
def test_valid_asins(value):
    assert is_asin(value)


@pytest.mark.parametrize(
    "value", ["b01234567x", "B1234567890", "B0123456", "A01234567X", "", "B0-2345678"]
)
def test_invalid_asins(value):
    assert not is_asin(value)


@pytest.mark.parametrize("value", ["111-2223334-4445556", "000-0000000-0000000"])
def test_valid_order_ids(value):
    assert is_order_id(value)


@pytest.mark.parametrize(
    "value",
    ["111-222333-4445556", "1112223334445556", "abc-2223334-4445556", "111-2223334-44455567"],
)
def test_invalid_order_ids(value):
    assert not is_order_id(value)


@pytest.mark.parametrize("value", ["A1B2C3D4E5F6G7", "AABCDEFGHIJKL"])
def test_valid_seller_ids(value):
    assert is_seller_id(value)


@pytest.mark.parametrize("value", ["B1B2C3D4E5F6G7", "A1b2c3d4e5f6g7", "A123", "A1B2C3D4E5F6G7H8"])
def test_invalid_seller_ids(value):
    assert not is_seller_id(value)


def test_tokens_are_url_safe_and_unique():
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(t.replace("-", "").replace("_", "").isalnum() for t in tokens)
