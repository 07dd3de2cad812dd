"""The prohibited-conduct rules, table-driven: linked accounts, listing red lines,
business names, throttling, shipping, media, bursts, the ladder, IP complaints."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from souk.core.clock import utc
from souk.core.policy import load_policy
from souk.policy import rules
from souk.policy.rules import ListingText, Signal

CONDUCT = load_policy().default.conduct
WEIGHTS = CONDUCT.link_weights
NOW = utc(2026, 6, 1, 12, 0)
LISTING = rules.ListingRules(
    title_max_length=CONDUCT.title_max_length,
    title_max_word_repeats=CONDUCT.title_max_word_repeats,
    title_max_separators=CONDUCT.title_max_separators,
    promotional_phrases=tuple(CONDUCT.promotional_phrases),
)


def _links(signals: list[Signal], names: dict[str, str], exceptions=()):  # type: ignore[no-untyped-def]
    return rules.pair_links(
        signals,
        names,
        weights=WEIGHTS,
        ip_window=timedelta(hours=CONDUCT.ip_window_hours),
        name_similarity_min=CONDUCT.name_similarity,
        exceptions=exceptions,
    )


NAMES = {"A1": "Kettle House", "B2": "Blue Harbor Trading", "C3": "Quiet Pines Ltd"}


def _scenario(shared: list[tuple[str, str]], exceptions=()):  # type: ignore[no-untyped-def]
    """A (suspended) and B (active) share ``shared`` signals; C shares nothing."""
    signals = [Signal("C3", "bank_account", "c-bank", NOW)]
    for kind, value in shared:
        signals += [Signal("A1", kind, value, NOW), Signal("B2", kind, value, NOW)]
    links = _links(signals, NAMES, exceptions)
    groups = rules.clusters(links, CONDUCT.link_threshold)
    statuses = {"A1": "suspended", "B2": "active", "C3": "active"}
    flagged: set[str] = set()
    for group in groups:
        flagged |= rules.members_to_review(group, statuses)
    return links, groups, flagged


@pytest.mark.parametrize(
    ("name", "shared", "exceptions", "linked", "flagged"),
    [
        ("shared bank account only", [("bank_account", "x")], (), True, {"B2"}),
        ("shared device and address", [("device", "d"), ("address", "a")], (), True, {"B2"}),
        ("shared IP only", [("ip", "203.0.113.7")], (), False, set()),
        ("shared phone only", [("phone", "p")], (), False, set()),
        (
            "family business with two brands, granted an exception",
            [("bank_account", "x"), ("address", "a")],
            (("B2", "A1"),),
            False,
            set(),
        ),
    ],
)
def test_linked_account_scenarios(  # type: ignore[no-untyped-def]
    name, shared, exceptions, linked, flagged
) -> None:
    _, groups, found = _scenario(shared, exceptions)
    assert (frozenset({"A1", "B2"}) in groups) is linked, name
    assert found == flagged, name
    assert all("C3" not in g for g in groups)


def test_ip_addresses_count_only_within_the_window() -> None:
    later = NOW + timedelta(hours=CONDUCT.ip_window_hours + 1)
    links = _links(
        [Signal("A1", "ip", "198.51.100.4", NOW), Signal("B2", "ip", "198.51.100.4", later)], {}
    )
    assert links == []
    links = _links(
        [Signal("A1", "ip", "198.51.100.4", NOW), Signal("B2", "ip", "198.51.100.4", NOW)], {}
    )
    assert links[0].kinds == ("ip",) and links[0].score == WEIGHTS["ip"]


def test_each_signal_kind_counts_once_per_pair_and_names_are_compared() -> None:
    signals = [
        Signal("A1", "device", "d1", NOW),
        Signal("B2", "device", "d1", NOW),
        Signal("A1", "device", "d2", NOW),
        Signal("B2", "device", "d2", NOW),
    ]
    links = _links(signals, {"A1": "Acme Trading LLC", "B2": "ACME Trading, Inc."})
    assert links[0].kinds == ("business_name", "device")
    assert links[0].score == pytest.approx(WEIGHTS["device"] + WEIGHTS["business_name"])


def test_clusters_join_chains_and_stay_apart_below_threshold() -> None:
    signals = [
        Signal("A", "bank_account", "1", NOW),
        Signal("B", "bank_account", "1", NOW),
        Signal("B", "tax_id", "2", NOW),
        Signal("C", "tax_id", "2", NOW),
        Signal("D", "ip", "3", NOW),
        Signal("A", "ip", "3", NOW),
    ]
    groups = rules.clusters(_links(signals, {}), CONDUCT.link_threshold)
    assert groups == [frozenset({"A", "B", "C"})]


def test_a_new_account_matching_a_deactivated_one_is_held() -> None:
    new = [Signal("NEW", "tax_id", "t", NOW), Signal("NEW", "ip", "i", NOW)]
    old = [Signal("OLD", "tax_id", "t", NOW), Signal("OTHER", "ip", "i", NOW)]
    matched = rules.registration_match(
        new, old, weights=WEIGHTS, threshold=1.0, ip_window=timedelta(hours=24)
    )
    assert set(matched) == {"OLD"}


HONEST = ListingText(
    title="Acme Steel Kettle 1.7 l, Rapid Boil, Stainless Steel",
    bullets=("Boils 1.7 litres in under 4 minutes", "Auto shut-off and boil-dry protection"),
    description="A quiet, fast kettle with a limescale filter. Made in Portugal.",
    alt_texts=("Acme steel kettle, front",),
)


@pytest.mark.parametrize(
    ("listing", "rule", "field"),
    [
        (HONEST, None, None),
        (ListingText("Casablanca (1942) [Blu-ray]"), None, None),
        (ListingText("Best in Show (2000) [DVD]"), None, None),
        (ListingText("Salesman (1969) [DVD]"), None, None),
        (ListingText("Acme Kettle, visit www.acme-deals.com"), rules.CONTACT, "title"),
        (
            ListingText("Acme Kettle", bullets=("Call 415 555 0199 for wholesale",)),
            rules.CONTACT,
            "bullets",
        ),
        (
            ListingText("Acme Kettle", description="Write to sales at acme dot com"),
            rules.CONTACT,
            "description",
        ),
        (
            ListingText("Acme Kettle", alt_texts=("follow us on instagram @acmekettles",)),
            rules.CONTACT,
            "images",
        ),
        (ListingText("Acme Kettle " + "x" * 200), rules.TITLE_LENGTH, "title"),
        (ListingText("Acme Kettle - FREE SHIPPING"), rules.PROMOTIONAL, "title"),
        (ListingText("Acme Kettle 1.7 l, Best Price!"), rules.PROMOTIONAL, "title"),
        (ListingText("Acme Kettle 30% off"), rules.PROMOTIONAL, "title"),
        (
            ListingText("Kettle kettle electric kettle tea kettle steel kettle"),
            rules.KEYWORD_STUFFING,
            "title",
        ),
        (
            ListingText("Kettle, tea, coffee, boiler, steel, fast, quiet, cheap gift, home"),
            rules.KEYWORD_STUFFING,
            "title",
        ),
    ],
)
def test_listing_red_lines(listing: ListingText, rule: str | None, field: str | None) -> None:
    found = rules.listing_violations(listing, LISTING)
    if rule is None:
        assert found == []
    else:
        assert rule in {v.rule for v in found}
        assert field in {v.field for v in found if v.rule == rule}


@pytest.mark.parametrize(
    ("name", "brands", "refused"),
    [
        ("Kettle House", [], False),
        ("Northwind Goods LLC", ["Acme"], False),
        ("Souk Official Store", [], True),
        ("Acme Official", [], True),
        ("Authorized Acme Dealer", [], True),
        ("Warehouse of Acme", [], True),
        ("Acme Direct", ["Acme"], True),
        ("Acmeister Supplies", ["Acme"], False),  # a different word, not the brand
        ("Brewmaster Deals", ["Brew Master", "Brewmaster"], True),
    ],
)
def test_business_names(name: str, brands: list[str], refused: bool) -> None:
    result = rules.business_name_refusal(name, brands, CONDUCT.misleading_name_words)
    assert (result is not None) is refused


def test_throttle_counts_the_hour_and_says_when_to_retry() -> None:
    at = utc(2026, 6, 1, 12, 45) + timedelta(seconds=30)
    assert rules.throttle(9, 1, 10, at).allowed
    refused = rules.throttle(10, 1, 10, at)
    assert not refused.allowed and refused.retry_after_seconds == 14 * 60 + 30
    assert not rules.throttle(5, 6, 10, at).allowed  # a bulk upload counts every row
    assert rules.upload_abuse(20, 20) and not rules.upload_abuse(19, 20)


@pytest.mark.parametrize(
    ("price", "shipping", "refused"),
    [
        (1999, 0, False),
        (1999, 599, False),
        (500, 999, False),
        (500, 1000, True),
        (4000, 4001, True),
    ],
)
def test_shipping_charges(price: int, shipping: int, refused: bool) -> None:
    result = rules.shipping_refusal(
        price, shipping, CONDUCT.max_shipping_share, CONDUCT.shipping_floor_minor
    )
    assert (result is not None) is refused


@pytest.mark.parametrize(
    ("path", "handling", "release", "refused"),
    [
        ("movies-tv/drama", 2, None, False),
        ("movies-tv/drama", 3, None, True),
        ("books/fiction", 1, date(2027, 1, 1), True),  # a pre-order
        ("books/fiction", 1, date(2026, 5, 1), False),
        ("home-kitchen/kitchen", 10, date(2027, 1, 1), False),  # not media
    ],
)
def test_media_rules(path: str, handling: int, release: date | None, refused: bool) -> None:
    result = rules.media_refusal(
        path,
        handling,
        release,
        NOW.date(),
        media_categories=CONDUCT.media_categories,
        max_handling_days=CONDUCT.media_max_handling_days,
    )
    assert (result is not None) is refused
    assert rules.release_date_of({"release_date": "2027-01-01"}) == date(2027, 1, 1)
    assert rules.release_date_of({"year": "1999"}) is None


def test_order_bursts() -> None:
    times = [NOW - timedelta(hours=h) for h in (1, 2, 3, 4)]
    assert not rules.order_burst(times, NOW, 24, 5)
    assert rules.order_burst([*times, NOW], NOW, 24, 5)
    assert not rules.order_burst([NOW - timedelta(hours=30)] * 6, NOW, 24, 5)


@pytest.mark.parametrize(
    ("first", "prior", "step"),
    [
        ("warning", 0, "warning"),
        ("warning", 1, "listing_removal"),
        ("warning", 2, "selling_restriction"),
        ("warning", 9, "deactivation"),
        ("listing_removal", 0, "listing_removal"),
        ("selling_restriction", 1, "deactivation"),
    ],
)
def test_ladder(first: str, prior: int, step: str) -> None:
    assert rules.ladder_step(first, prior) == step


def test_ip_complaint_outcomes() -> None:
    assert rules.upheld_complaint_outcome(1, 3) == rules.ComplaintOutcome("listing_removal", False)
    assert rules.upheld_complaint_outcome(3, 3).deactivate
    assert rules.complainant_abusive(3, 3) and not rules.complainant_abusive(2, 3)


def test_addresses_and_names_normalise() -> None:
    assert rules.normalise_address("12 Main Street", "Suite 4", "Springfield", "62701", "US") == (
        rules.normalise_address("12 main st.", "ste 4", "SPRINGFIELD", "62701", "us")
    )
    assert rules.normalise_address("Hauptstraße 5", "", "Berlin", "10115", "DE") == (
        rules.normalise_address("Hauptstr. 5", "", "Berlin", "10115", "DE")
    )
    assert rules.name_similarity("Acme Trading LLC", "ACME Trading, Inc.") == 1.0
