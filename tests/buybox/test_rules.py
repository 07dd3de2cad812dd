"""The featured offer: eligibility, the scoring model, suppression, rotation, reasons."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from souk.buybox.rules import (
    COMPONENTS,
    OfferFacts,
    ProductContext,
    decide,
    explain_json,
    featured_offer,
    ineligibility,
    is_buyable,
    other_offers,
    rotation_period,
)
from souk.core.clock import utc
from souk.core.money import Money
from souk.core.policy import load_policy
from souk.performance.rules import NEUTRAL_STANDING, SellerStanding

POLICY = load_policy().for_marketplace("US").buybox
PERIOD = rotation_period(utc(2026, 3, 2, 14, 0), POLICY)

ESTABLISHED = replace(
    NEUTRAL_STANDING,
    order_defect_rate=0.002,
    cancellation_rate=0.0,
    late_shipment_rate=0.01,
    valid_tracking_rate=0.99,
    response_rate_24h=0.98,
    feedback_rating=4.8,
    feedback_count=400,
    is_new_seller=False,
)
POOR = replace(ESTABLISHED, order_defect_rate=0.03, late_shipment_rate=0.09, feedback_rating=3.1)
CRITICAL = replace(ESTABLISHED, account_health=40, health_band="critical")


def _offer(offer_id: int, price: int, shipping: int = 0, **changes: object) -> OfferFacts:
    facts = OfferFacts(
        offer_id=offer_id,
        seller_id=f"S{offer_id}",
        condition="new",
        price=Money("USD", price),
        shipping=Money("USD", shipping),
        quantity=20,
        handling_days=1,
        fulfillment_channel="MERCHANT",
        seller_plan="professional",
        seller_status="active",
        seller_on_holiday=False,
        sku=f"SKU-{offer_id}",
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


def _decide(
    offers: list[OfferFacts],
    standings: dict[str, SellerStanding] | None = None,
    recent: int | None = None,
    period: int = PERIOD,
    country: str | None = "US",
):  # type: ignore[no-untyped-def]
    context = ProductContext("B0TESTTEST", "US", Money("USD", recent) if recent else None, country)
    return decide(context, offers, standings or {}, POLICY, period)


def _standings(**by_offer: SellerStanding) -> dict[str, SellerStanding]:
    return {f"S{key.removeprefix('o')}": value for key, value in by_offer.items()}


# -- the scenarios, as a table -----------------------------------------------------

SCENARIOS = [
    pytest.param(
        [
            _offer(1, 2000, handling_days=3),
            _offer(2, 2060, handling_days=0, fulfillment_channel="PLATFORM"),
        ],
        {},
        None,
        2,
        id="slightly-dearer-platform-fulfilled-beats-cheaper-slow-merchant",
    ),
    pytest.param(
        [
            _offer(1, 2000, handling_days=3),
            _offer(2, 2500, handling_days=0, fulfillment_channel="PLATFORM"),
        ],
        {},
        None,
        1,
        id="much-dearer-platform-fulfilled-loses-to-price",
    ),
    pytest.param(
        [_offer(1, 2000), _offer(2, 2000)],
        _standings(o1=NEUTRAL_STANDING, o2=ESTABLISHED),
        None,
        2,
        id="established-seller-beats-new-seller-at-the-same-price",
    ),
    pytest.param(
        [_offer(1, 1800), _offer(2, 2000)],
        _standings(o1=NEUTRAL_STANDING, o2=ESTABLISHED),
        None,
        1,
        id="new-seller-ten-percent-cheaper-wins",
    ),
    pytest.param(
        [_offer(1, 2000), _offer(2, 2050)],
        _standings(o1=POOR, o2=ESTABLISHED),
        None,
        2,
        id="poor-metrics-lose-a-small-price-lead",
    ),
    pytest.param(
        [_offer(1, 900, condition="used_like_new"), _offer(2, 2000)],
        {},
        None,
        2,
        id="used-offer-never-featured-even-when-cheapest",
    ),
    pytest.param(
        [_offer(1, 1500, seller_status="suspended"), _offer(2, 2000)],
        {},
        None,
        2,
        id="suspended-seller-drops-out",
    ),
    pytest.param(
        [_offer(1, 1700), _offer(2, 2000)],
        _standings(o1=CRITICAL, o2=ESTABLISHED),
        None,
        2,
        id="critical-account-health-is-not-eligible",
    ),
    pytest.param(
        [_offer(1, 1500, seller_plan="individual"), _offer(2, 1900)],
        {},
        None,
        2,
        id="individual-seller-never-featured-nor-suppressing",
    ),
    pytest.param(
        [_offer(1, 1700, ships_to=frozenset({"CA"})), _offer(2, 2000)],
        {},
        None,
        2,
        id="offer-not-shipping-to-the-buyer-is-not-eligible",
    ),
    pytest.param(
        [_offer(1, 2700), _offer(2, 2800)],
        {},
        2000,
        None,
        id="every-offer-far-above-the-recent-price-suppresses",
    ),
    pytest.param(
        [_offer(1, 2500), _offer(2, 2600)],
        {},
        2000,
        1,
        id="a-quarter-above-the-recent-price-still-featured",
    ),
    pytest.param(
        [_offer(1, 2700), _offer(2, 1500)],
        _standings(o1=ESTABLISHED, o2=CRITICAL),
        None,
        None,
        id="far-above-a-cheaper-professional-offer-suppresses",
    ),
    pytest.param(
        [_offer(1, 1000, quantity=0), _offer(2, 1000, seller_on_holiday=True)],
        {},
        None,
        None,
        id="nothing-eligible-nothing-featured",
    ),
]


@pytest.mark.parametrize(("offers", "standings", "recent", "winner"), SCENARIOS)
def test_scenarios(offers, standings, recent, winner):  # type: ignore[no-untyped-def]
    decision = _decide(offers, standings, recent)
    assert decision.featured_offer_id == winner
    if winner is not None:
        assert [c[0] for c in decision.candidates] == [winner]  # a clear win, no rotation
        assert decision.verdict(winner).reasons == ()
    for verdict in decision.verdicts:
        if verdict.offer.offer_id != winner:
            assert verdict.reasons, f"offer {verdict.offer.offer_id} lost without a reason"


def test_suppression_is_explained_and_flagged():
    decision = _decide([_offer(1, 2700), _offer(2, 2800)], recent=2000)
    assert decision.suppressed and decision.suppressed_because == "recent"
    assert decision.candidates == ()
    (reason,) = decision.verdict(1).reasons
    assert "above the recent price 20.00 USD" in reason
    competitive = _decide(
        [_offer(1, 2700), _offer(2, 1500)], _standings(o1=ESTABLISHED, o2=CRITICAL)
    )
    assert competitive.suppressed_because == "competitive"
    assert competitive.competitive == Money("USD", 1500)
    assert "account health is critical" in competitive.verdict(2).reasons


def test_reasons_name_price_delivery_fulfilment_and_metrics():
    decision = _decide(
        [
            _offer(1, 2000, handling_days=0, fulfillment_channel="PLATFORM"),
            _offer(2, 2150, handling_days=4, quantity=2),
            _offer(3, 2000, condition="used_good"),
        ],
        _standings(o1=ESTABLISHED, o2=POOR),
    )
    assert decision.featured_offer_id == 1
    reasons = decision.verdict(2).reasons
    assert "price 1.50 USD above lowest" in reasons
    assert "slower delivery (8 days vs 2)" in reasons
    assert "not fulfilled by souk" in reasons
    assert any(r.startswith("weaker seller metrics (order defect rate") for r in reasons)
    assert "less stock (2 units)" in reasons
    assert decision.verdict(3).reasons == ("only new-condition offers can be featured",)


def test_score_components_follow_the_policy_weights():
    decision = _decide([_offer(1, 2000), _offer(2, 2500)], recent=2000)
    first, second = decision.verdict(1), decision.verdict(2)
    assert set(first.components) == set(COMPONENTS)
    assert first.components["price_vs_lowest"] == pytest.approx(1.0)
    # 25 % above the lowest is price_span: that component reaches 0 there.
    assert second.components["price_vs_lowest"] == pytest.approx(0.0, abs=1e-12)
    assert second.components["price_vs_recent"] == pytest.approx(0.0, abs=1e-12)
    assert first.components["delivery"] == pytest.approx((10 - 5) / 8)
    expected = sum(POLICY.weights[name] * first.components[name] for name in COMPONENTS)
    assert first.score == pytest.approx(expected)


def test_ties_rotate_in_proportion_and_hold_for_a_period():
    offers = [_offer(1, 2000), _offer(2, 2000)]
    first = _decide(offers)
    assert [c[0] for c in first.candidates] == [1, 2]
    assert first.verdict(1).share == pytest.approx(0.5)
    assert "shares the box in rotation (50% of views)" in (
        first.verdict(2 if first.featured_offer_id == 1 else 1).reasons
    )
    # The same period always gives the same pick; over many periods both get the box.
    assert {_decide(offers).featured_offer_id for _ in range(5)} == {first.featured_offer_id}
    picks = [_decide(offers, period=p).featured_offer_id for p in range(400)]
    assert 140 < picks.count(1) < 260


def test_rotation_shares_follow_the_scores():
    offers = [_offer(1, 2000), _offer(2, 2010)]  # half a percent apart: both within 2 %
    decision = _decide(offers)
    weights = dict(decision.candidates)
    assert weights[1] > weights[2]
    picks = [_decide(offers, period=p).featured_offer_id for p in range(2000)]
    expected = weights[1] / (weights[1] + weights[2])
    assert picks.count(1) / len(picks) == pytest.approx(expected, abs=0.04)


def test_explain_json_has_exactly_the_documented_shape():
    decision = _decide([_offer(1, 2000), _offer(2, 900, condition="used_good")])
    shown = explain_json(decision)
    assert shown["featured"] == {"seller_id": "S1", "sku": "SKU-1"}
    assert [set(o) for o in shown["offers"]] == [
        {"seller_id", "sku", "eligible", "score", "reasons"}
    ] * 2
    assert shown["offers"][1] == {
        "seller_id": "S2",
        "sku": "SKU-2",
        "eligible": False,
        "score": None,
        "reasons": ["only new-condition offers can be featured"],
    }
    assert explain_json(_decide([]))["featured"] is None


def test_used_individual_suspended_holiday_out_of_stock_are_ineligible():
    assert ineligibility(_offer(1, 100, condition="used_good")) == [
        "only new-condition offers can be featured"
    ]
    assert ineligibility(_offer(1, 100, seller_plan="individual")) == [
        "only professional sellers can be featured"
    ]
    assert ineligibility(_offer(1, 100, seller_status="suspended")) == [
        "seller account is suspended"
    ]
    assert ineligibility(_offer(1, 100, seller_on_holiday=True)) == ["seller is on holiday"]
    assert ineligibility(_offer(1, 100, quantity=0)) == ["out of stock"]
    assert is_buyable(_offer(1, 100, condition="used_good"))
    assert not is_buyable(_offer(1, 100, seller_status="deactivated"))


def test_price_shortcut_and_other_offers_keep_their_order():
    offers = [_offer(1, 900), _offer(2, 500, 500), _offer(3, 700, condition="used_good")]
    assert featured_offer(offers).offer_id == 1
    assert [o.offer_id for o in other_offers(offers, offers[0])] == [3, 2]


# -- properties ----------------------------------------------------------------------------

standings = st.sampled_from([NEUTRAL_STANDING, ESTABLISHED, POOR, CRITICAL])
facts = st.builds(
    _offer,
    offer_id=st.integers(1, 10_000),
    price=st.integers(100, 20_000),
    shipping=st.integers(0, 1_500),
    condition=st.sampled_from(["new", "new", "new", "used_good"]),
    quantity=st.integers(0, 30),
    handling_days=st.integers(0, 6),
    fulfillment_channel=st.sampled_from(["MERCHANT", "PLATFORM"]),
    seller_plan=st.sampled_from(["professional", "professional", "individual"]),
    seller_status=st.sampled_from(["active", "active", "active", "suspended"]),
    seller_on_holiday=st.sampled_from([False, False, False, True]),
)
markets = st.tuples(
    st.lists(facts, max_size=8, unique_by=lambda o: o.offer_id),
    st.lists(standings, min_size=8, max_size=8),
    st.one_of(st.none(), st.integers(100, 25_000)),
    st.integers(0, 10_000),
)


def _market(drawn):  # type: ignore[no-untyped-def]
    offers, kinds, recent, period = drawn
    return offers, {o.seller_id: kinds[i] for i, o in enumerate(offers)}, recent, period


@settings(max_examples=300)
@given(markets)
def test_the_featured_offer_is_always_eligible(drawn):  # type: ignore[no-untyped-def]
    offers, by_seller, recent, period = _market(drawn)
    decision = _decide(offers, by_seller, recent, period)
    if decision.featured_offer_id is None:
        return
    featured = decision.verdict(decision.featured_offer_id)
    assert featured.eligible and featured.score is not None
    offer = featured.offer
    assert offer.condition == "new" and offer.seller_plan == "professional"
    assert offer.seller_status == "active" and not offer.seller_on_holiday
    assert offer.quantity > 0 and by_seller[offer.seller_id].health_band != "critical"
    assert not decision.suppressed


@settings(max_examples=300)
@given(markets, facts, st.integers(1, 5_000))
def test_lowering_only_your_price_never_loses_you_the_box(drawn, contender, cut):  # type: ignore[no-untyped-def]
    offers, by_seller, recent, period = _market(drawn)
    # One contender that can be featured, so most drawn markets have a winner.
    contender = replace(
        contender,
        offer_id=20_000,
        seller_id="S20000",
        condition="new",
        seller_plan="professional",
        seller_status="active",
        seller_on_holiday=False,
        quantity=max(contender.quantity, 1),
    )
    offers = [*offers, contender]
    by_seller = {**by_seller, contender.seller_id: ESTABLISHED}
    before = _decide(offers, by_seller, recent, period)
    assume(before.featured_offer_id is not None)
    winner = next(o for o in offers if o.offer_id == before.featured_offer_id)
    cheaper = replace(winner, price=Money("USD", max(1, winner.price.minor - cut)))
    after = _decide(
        [cheaper if o.offer_id == winner.offer_id else o for o in offers],
        by_seller,
        recent,
        period,
    )
    assert after.featured_offer_id == winner.offer_id


@settings(max_examples=300)
@given(markets)
def test_a_suspended_seller_never_wins(drawn):  # type: ignore[no-untyped-def]
    offers, by_seller, recent, period = _market(drawn)
    suspended = [replace(o, seller_status="suspended") for o in offers[:1]] + offers[1:]
    decision = _decide(suspended, by_seller, recent, period)
    if offers:
        assert decision.featured_offer_id != offers[0].offer_id
        assert "seller account is suspended" in decision.verdict(offers[0].offer_id).reasons
