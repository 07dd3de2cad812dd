from hypothesis import given
from hypothesis import strategies as st

from souk.search.rules import (
    RankingWeights,
    Signals,
    bucket_bounds,
    decayed_sales,
    price_bucket,
    query_terms,
    score,
    totals,
)

W = RankingWeights(
    text=1.0,
    sales=0.25,
    conversion=0.5,
    in_stock=0.2,
    delivery=0.2,
    rerank_depth=200,
    fuzzy_min_length=5,
)


def test_query_terms_are_words_only():
    assert query_terms('Kettle "AND" OR (title:x) -steel* 1.7L') == [
        "kettle",
        "and",
        "or",
        "title",
        "x",
        "steel",
        "1",
        "7l",
    ]
    assert query_terms("Crème brûlée") == ["creme", "brulee"]
    assert query_terms("   ") == []


@given(st.text(max_size=500))
def test_any_text_gives_a_bounded_list_of_words(text):
    terms = query_terms(text)
    assert len(terms) <= 12
    assert all(t.isalnum() for t in terms)


def test_better_text_match_beats_a_best_seller_with_a_weak_match():
    strong = score(Signals(10.0, 0.0, 0.0, True, 5), 10.0, W)
    weak_but_popular = score(Signals(3.0, 20.0, 0.0, True, 5), 10.0, W)
    assert strong.total > weak_but_popular.total


def test_among_equal_matches_sales_decide():
    seller = score(Signals(5.0, 3.0, 0.0, True, 5), 5.0, W)
    other = score(Signals(5.0, 0.5, 0.0, True, 5), 5.0, W)
    assert seller.total > other.total


@given(st.floats(0, 100), st.floats(0, 100), st.floats(0, 1), st.integers(0, 30))
def test_more_sales_never_lower_the_score(text, sales, conversion, days):
    low = score(Signals(text, sales, conversion, True, days), 100.0, W)
    high = score(Signals(text, sales + 1, conversion, True, days), 100.0, W)
    assert high.total >= low.total


def test_faster_delivery_and_stock_help():
    assert (
        score(Signals(1, 0, 0, True, 2), 1, W).total > score(Signals(1, 0, 0, True, 6), 1, W).total
    )
    assert (
        score(Signals(1, 0, 0, True, 2), 1, W).total > score(Signals(1, 0, 0, False, 2), 1, W).total
    )


def test_price_buckets():
    bounds = [1000, 2500]
    assert price_bucket(0, bounds) == "0-1000"
    assert price_bucket(999, bounds) == "0-1000"
    assert price_bucket(1000, bounds) == "1000-2500"
    assert price_bucket(99999, bounds) == "2500-"


@given(st.integers(min_value=0, max_value=10**9))
def test_a_price_lies_within_the_bounds_of_its_bucket(price):
    bounds = [1000, 2500, 5000]
    low, high = bucket_bounds(price_bucket(price, bounds), bounds)
    assert low <= price and (high is None or price <= high)


def test_keys_that_are_not_buckets_have_no_bounds():
    for key in ("", "0-999", "1000-", "abc", "2500-5000-", "-1000"):
        assert bucket_bounds(key, [1000, 2500, 5000]) is None


def test_decayed_sales_halves_each_half_life():
    assert decayed_sales([(0, 4)], 7) == 4
    assert decayed_sales([(7, 4)], 7) == 2
    assert decayed_sales([(0, 1), (14, 4)], 7) == 2


_signals = st.builds(
    Signals,
    st.floats(min_value=0, max_value=50, allow_nan=False),
    st.floats(min_value=-1, max_value=1e4, allow_nan=False),
    st.floats(min_value=-1, max_value=2, allow_nan=False),
    st.booleans(),
    st.integers(min_value=-3, max_value=60),
)


# The best text score is the highest candidate's: 0 when nothing scored, never tiny.
_best = st.one_of(st.just(0.0), st.floats(min_value=1e-3, max_value=50))


@given(st.lists(_signals, max_size=30), _best)
def test_totals_equal_the_breakdowns_totals_exactly(candidates, best):
    # Ranking sorts by these totals, so they must be the breakdown's to the last bit.
    assert totals(candidates, best, W) == [score(s, best, W).total for s in candidates]
