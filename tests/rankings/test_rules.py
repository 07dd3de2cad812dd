import pytest

from souk.rankings.rules import DaySales, counts_toward_rank, decayed_score, rank_by_category


def test_decayed_score_matches_a_hand_computation():
    scores = decayed_score([DaySales("A", 0, 4), DaySales("A", 3, 4), DaySales("B", 6, 8)], 3)
    assert scores == {"A": 4 + 2, "B": 2}


def test_decay_needs_a_positive_half_life():
    with pytest.raises(ValueError):
        decayed_score([], 0)


def test_products_rank_in_their_category_and_every_ancestor():
    scores = {"kettle": 10.0, "toaster": 5.0, "knife": 7.0}
    categories = {"kettle": (1, 2), "toaster": (1, 2), "knife": (1, 3)}
    ranked = {(r.asin, r.category_id): r.rank for r in rank_by_category(scores, categories)}
    assert ranked == {
        ("kettle", 1): 1,
        ("knife", 1): 2,
        ("toaster", 1): 3,
        ("kettle", 2): 1,
        ("toaster", 2): 2,
        ("knife", 3): 1,
    }


def test_ties_are_broken_by_product_id_and_unsold_products_have_no_rank():
    ranked = rank_by_category({"B": 1.0, "A": 1.0, "C": 0.0}, {"A": (1,), "B": (1,), "C": (1,)})
    assert [(r.asin, r.rank) for r in ranked] == [("A", 1), ("B", 2)]


def test_the_sellers_own_purchases_never_count():
    assert counts_toward_rank(buyer_works_for_seller=False)
    assert not counts_toward_rank(buyer_works_for_seller=True)
