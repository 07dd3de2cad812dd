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
