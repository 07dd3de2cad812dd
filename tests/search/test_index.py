from hypothesis import given
from hypothesis import strategies as st

from souk.search.index import asin_from_number, asin_number

ASINS = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=8, max_size=8).map(
    lambda tail: "B0" + tail
)


@given(ASINS)
def test_asin_numbers_round_trip(asin):
    assert asin_from_number(asin_number(asin)) == asin
    assert 0 <= asin_number(asin) < 2**63


def test_asin_numbers_are_base_36_with_the_highest_digit_first():
    assert asin_from_number(0) == "B000000000"
    assert asin_from_number(35) == "B00000000Z"
    assert asin_from_number(36) == "B000000010"
    assert asin_from_number(36**8 - 1) == "B0ZZZZZZZZ"
    assert asin_number("B0A1B2C3D4") == int("A1B2C3D4", 36)
