import pytest
from hypothesis import given
from hypothesis import strategies as st

from souk.ads.rules import (
    Bidder,
    acos,
    blocked_by_negatives,
    keyword_matches,
    may_spend,
    placement_bid,
    predicted_ctr,
    run_auction,
    strategy_multiplier,
)


@pytest.mark.parametrize(
    ("keyword", "query", "kind", "expected"),
    [
        ("electric kettle", "stainless electric kettle", "broad", True),
        ("electric kettle", "kettle electric", "broad", True),
        ("electric kettle", "electric toaster", "broad", False),
        ("electric kettle", "kettle electric", "phrase", False),
        ("electric kettle", "best electric kettles 2026", "phrase", True),
        ("electric kettle", "electric kettle", "exact", True),
        ("electric kettle", "electric kettles", "exact", True),
        ("electric kettle", "red electric kettle", "exact", False),
        ("batteries", "aa battery", "broad", True),
        ("glass", "glasses", "exact", True),
    ],
)
def test_keyword_match_types(keyword, query, kind, expected):
    assert keyword_matches(keyword.split(), query.split(), kind) is expected


def test_negative_keywords_block():
    negatives = [(["free"], "phrase"), (["kettle", "descaler"], "exact")]
    assert blocked_by_negatives(negatives, ["free", "kettle"])
    assert blocked_by_negatives(negatives, ["kettle", "descaler"])
    assert not blocked_by_negatives(negatives, ["kettle", "descaler", "tablets"])


def test_placement_and_strategy_adjustments():
    assert placement_bid(100, 0) == 100
    assert placement_bid(100, 900) == 1000
    with pytest.raises(ValueError):
        placement_bid(100, 901)
    assert strategy_multiplier("fixed", "top_of_search", 3.0) == 1.0
    assert strategy_multiplier("down_only", "top_of_search", 3.0) == 1.0
    assert strategy_multiplier("down_only", "rest_of_search", 0.4) == 0.4
    assert strategy_multiplier("up_and_down", "top_of_search", 3.0) == 2.0
    assert strategy_multiplier("up_and_down", "product_page", 3.0) == 1.5


def test_second_price_pays_the_next_bid_plus_one_cent():
    awards = run_auction([Bidder(1, "A", 100, 0.01), Bidder(2, "B", 80, 0.01)], 2, reserve=2)
    assert [(a.asin, a.price) for a in awards] == [("A", 81), ("B", 2)]


def test_price_never_exceeds_own_bid():
    # B's higher CTR ranks it first despite a lower bid; its price stays within its bid.
    awards = run_auction([Bidder(1, "A", 100, 0.01), Bidder(2, "B", 60, 0.02)], 1, reserve=2)
    assert awards[0].asin == "B" and awards[0].price == 51
    close = run_auction([Bidder(1, "A", 100, 0.0100), Bidder(2, "B", 100, 0.0101)], 1, reserve=2)
    assert close[0].price <= close[0].bid


def test_one_bidder_pays_the_reserve_and_bids_below_it_do_not_play():
    assert [(a.asin, a.price) for a in run_auction([Bidder(1, "A", 50, 0.01)], 2, 5)] == [("A", 5)]
    assert run_auction([Bidder(1, "A", 4, 0.01)], 2, reserve=5) == []


def test_ties_go_to_the_older_ad_and_one_ad_per_product():
    awards = run_auction(
        [Bidder(2, "B", 50, 0.01), Bidder(1, "A", 50, 0.01), Bidder(3, "A", 40, 0.01)], 3, reserve=2
    )
    assert [a.asin for a in awards] == ["A", "B"]
    assert awards[0].price == 50  # capped at its own bid


@given(
    st.lists(st.tuples(st.integers(1, 10_000), st.floats(0.001, 0.2)), max_size=12),
    st.integers(1, 5),
    st.integers(1, 100),
)
def test_auction_properties(bids, slots, reserve):
    bidders = [Bidder(i, f"P{i}", bid, ctr) for i, (bid, ctr) in enumerate(bids)]
    awards = run_auction(bidders, slots, reserve)
    assert len(awards) <= slots
    for award in awards:
        assert reserve <= award.price <= award.bid


def test_budget_averages_over_the_month_and_paces_through_the_day():
    base = dict(
        daily_budget=1000,
        spent_today=0,
        spent_this_month=0,
        days_elapsed_in_month=1,
        day_fraction=0.5,
        pacing_slack=0.1,
    )
    assert may_spend(price=500, **base)
    assert not may_spend(price=700, **base)  # ahead of the day's pace
    # An underspent month lets a day run over its daily budget...
    late = {**base, "days_elapsed_in_month": 10, "spent_this_month": 5000, "day_fraction": 1.0}
    assert may_spend(price=900, **late)
    # ...but never past the month's average allowance.
    spent = {**late, "spent_this_month": 9500}
    assert not may_spend(price=600, **spent)
    exhausted = {**base, "day_fraction": 1.0, "spent_today": 1000, "spent_this_month": 1000}
    assert not may_spend(price=1, **exhausted)


def test_ctr_prior_and_acos():
    assert predicted_ctr(0, 0, 0.01, 200) == pytest.approx(0.01)
    assert predicted_ctr(10, 200, 0.01, 200) == pytest.approx(12 / 400)
    assert acos(250, 1000) == 0.25
    assert acos(250, 0) is None
