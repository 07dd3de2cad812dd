"""Catalog rules: GTIN check digits, normalised titles for duplicates, listing limits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from souk.catalog.rules import (
    MAX_BULLETS,
    MAX_IMAGES,
    MAX_TITLE_LENGTH,
    ProductDraft,
    check_product_draft,
    gtin_check_digit,
    gtin_kind,
    normalise_gtin,
    normalise_text,
    normalise_title,
    slugify,
)
from souk.core.errors import InvalidInput


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("036000291452", "UPC"),  # a real UPC-A
        ("012345678905", "UPC"),
        ("4006381333931", "EAN"),  # a real EAN-13
        ("5901234123457", "EAN"),
        ("9780306406157", "EAN"),  # an ISBN-13 is an EAN-13
        ("73513537", "EAN-8"),
        ("00012345678905", "GTIN-14"),
    ],
)
def test_real_identifiers_are_valid(code, kind):
    assert gtin_kind(code) == kind


@pytest.mark.parametrize(
    "code",
    [
        "036000291453",
        "4006381333932",
        "73513538",
        "5901234123450",
        "12345",
        "0360002914521",
        "03600029145A",
        "",
    ],
)
def test_wrong_check_digit_or_length_is_invalid(code):
    assert gtin_kind(code) is None


def test_check_digit_of_known_bodies():
    assert gtin_check_digit("03600029145") == 2
    assert gtin_check_digit("400638133393") == 1
    assert gtin_check_digit("7351353") == 7


def test_upc_and_its_ean13_form_normalise_equal():
    assert normalise_gtin("036000291452") == normalise_gtin("0036000291452")
    assert normalise_gtin("036000291452") == "00036000291452"
    assert normalise_gtin("0-36000-29145-2") == normalise_gtin("036000 291452")


def test_normalise_gtin_refuses_a_wrong_check_digit():
    with pytest.raises(InvalidInput) as error:
        normalise_gtin("036000291453")
    assert error.value.field == "gtin"


@given(st.text(alphabet="0123456789", min_size=11, max_size=13))
def test_appending_the_check_digit_makes_a_valid_gtin(body):
    assert gtin_kind(body + str(gtin_check_digit(body))) is not None


@given(
    st.text(alphabet="0123456789", min_size=12, max_size=12),
    st.integers(min_value=0, max_value=12),
    st.integers(min_value=1, max_value=9),
)
def test_any_single_wrong_digit_is_detected(body, position, shift):
    code = body + str(gtin_check_digit(body))
    wrong = code[:position] + str((int(code[position]) + shift) % 10) + code[position + 1 :]
    assert gtin_kind(wrong) is None


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_upc_equals_its_ean13_with_a_leading_zero(body):
    upc = body + str(gtin_check_digit(body))
    assert normalise_gtin(upc) == normalise_gtin("0" + upc)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Acme Acme Kettle 1.7 L", "acme kettle, 1.7l"),
        ("ACME Kettle (1.7 L) - Stainless", "Kettle 1.7L Stainless"),
        ("Café Crème Mug", "cafe creme mug"),
        ("  Kettle   1.7 L ", "Kettle 1.7l"),
    ],
)
def test_duplicate_titles_normalise_equal(a, b):
    assert normalise_title(a, "Acme") == normalise_title(b, "Acme")


@pytest.mark.parametrize(
    ("a", "b"),
    [("Kettle 1.7 L", "Kettle 1.5 L"), ("Kettle Black", "Kettle White"), ("Tea Kettle", "Kettle")],
)
def test_different_products_stay_different(a, b):
    assert normalise_title(a, "Acme") != normalise_title(b, "Acme")


def test_brand_is_dropped_only_at_the_start():
    assert normalise_title("Kettle by Acme", "Acme") == "kettle by acme"
    assert normalise_title("Acme Kettle", "") == "acme kettle"


def test_normalise_text_and_slugify():
    assert normalise_text("Ünïcödé — Text_with: punctuation!") == "unicode text with punctuation"
    assert slugify("Home & Kitchen") == "home-kitchen"
    assert slugify("!!!") == "item"


@given(st.text(max_size=60))
def test_normalise_title_is_idempotent(title):
    once = normalise_title(title)
    assert normalise_title(once) == once


def _draft(**changes) -> ProductDraft:
    fields = dict(title="Acme Kettle", category_path="Home & Kitchen/Kitchen", brand="Acme")
    fields.update(changes)
    return ProductDraft(**fields)


def test_a_good_draft_passes():
    check_product_draft(_draft(bullets=("a",) * MAX_BULLETS, gtin="036000291452"), MAX_IMAGES)


@pytest.mark.parametrize(
    ("changes", "images", "field"),
    [
        ({"title": "   "}, 0, "title"),
        ({"title": "x" * (MAX_TITLE_LENGTH + 1)}, 0, "title"),
        ({"category_path": " "}, 0, "category"),
        ({"bullets": ("a",) * (MAX_BULLETS + 1)}, 0, "bullets"),
        ({"bullets": ("x" * 501,)}, 0, "bullets"),
        ({}, MAX_IMAGES + 1, "images"),
        ({"gtin": "036000291453"}, 0, "gtin"),
    ],
)
def test_bad_drafts_name_the_field(changes, images, field):
    with pytest.raises(InvalidInput) as error:
        check_product_draft(_draft(**changes), images)
    assert error.value.field == field
