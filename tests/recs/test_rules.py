"""The recommendation rules on hand-made numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from souk.recs import rules


def test_expected_cooccurrence_matches_a_hand_computation() -> None:
    # Buyers holding X have 2, 3 and 5 items; Y is 10 % of everything bought.
    # 1-(0.9^2) + 1-(0.9^3) + 1-(0.9^5) = 0.19 + 0.271 + 0.40951
    assert rules.expected_cooccurrence([2, 3, 5], 0.1) == pytest.approx(0.87051)


def test_corrected_score_is_distance_from_chance_in_standard_deviations() -> None:
    assert rules.corrected_score(9.0, 4.0) == pytest.approx(2.5)
    assert rules.corrected_score(4.0, 4.0) == 0.0
    assert rules.corrected_score(1.0, 4.0) < 0


def _candidate(asin: str, score: float, **kw: object) -> rules.Candidate:
    facts: dict[str, object] = {"family": asin, "buyable": True, "adult": False, **kw}
    return rules.Candidate(asin, score, **facts)  # type: ignore[arg-type]


def test_choose_drops_unavailable_excluded_and_adult_items() -> None:
    candidates = [
        _candidate("B0SOLDOUT1", 9, buyable=False),
        _candidate("B0ADULT001", 8, adult=True),
        _candidate("B0ITSELF01", 7),
        _candidate("B0GOOD0001", 6),
    ]
    chosen = rules.choose(
        candidates, limit=5, per_family=1, adult_allowed=False, exclude=["B0ITSELF01"]
    )
    assert [c.asin for c in chosen] == ["B0GOOD0001"]
    in_context = rules.choose(candidates, limit=5, per_family=1, adult_allowed=True)
    assert "B0ADULT001" in [c.asin for c in in_context]


def test_choose_shows_one_variant_of_a_product_family() -> None:
    variants = [_candidate(f"B0SHIRT00{n}", 10 - n, family="B0SHIRTPAR") for n in range(5)]
    other = _candidate("B0MUG00001", 1)
    chosen = rules.choose([*variants, other], limit=4, per_family=1, adult_allowed=False)
    assert [c.asin for c in chosen] == ["B0SHIRT000", "B0MUG00001"]


def test_a_durable_just_bought_does_not_come_back_but_a_due_consumable_does() -> None:
    assert not rules.may_recommend_again(
        days_since_bought=400, consumable=False, typical_repeat_days=30
    )
    assert not rules.may_recommend_again(
        days_since_bought=3, consumable=True, typical_repeat_days=30
    )
    assert rules.may_recommend_again(days_since_bought=31, consumable=True, typical_repeat_days=30)
    assert rules.repeat_boost(15, 30) == pytest.approx(0.5)


def test_merge_history_keeps_latest_view_newest_first_and_caps() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    guest = [rules.Viewed("B0A", t + timedelta(hours=5)), rules.Viewed("B0B", t)]
    buyer = [rules.Viewed("B0A", t + timedelta(hours=1)), rules.Viewed("B0C", t + timedelta(2))]
    merged = rules.merge_history(guest, buyer, limit=10)
    assert [(v.asin, v.at) for v in merged] == [
        ("B0C", t + timedelta(2)),
        ("B0A", t + timedelta(hours=5)),
        ("B0B", t),
    ]
    assert len(rules.merge_history(guest, buyer, limit=2)) == 2


def test_content_similarity_prefers_shared_words_and_brand() -> None:
    kettle = rules.title_terms("Acme Electric Kettle 1.7 L", 4)
    assert kettle == {"acme", "electric", "kettle"}
    close = rules.content_similarity(
        kettle,
        rules.title_terms("Acme Glass Electric Kettle", 4),
        same_category=True,
        same_brand=True,
        category_weight=0.3,
        brand_weight=0.2,
    )
    far = rules.content_similarity(
        kettle,
        rules.title_terms("Zeta Toaster", 4),
        same_category=True,
        same_brand=False,
        category_weight=0.3,
        brand_weight=0.2,
    )
    assert close > far


def test_bundle_total_adds_the_prices() -> None:
    assert rules.bundle_total([1999, 550, 1]) == 2550
