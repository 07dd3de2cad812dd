"""Seller-API rules: usage plans, paging tokens, listing submissions, feeds, signatures."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from souk.sellerapi import rules


def test_a_new_caller_gets_the_burst_then_waits_for_the_rate() -> None:
    bucket = None
    allowed = []
    for _ in range(3):
        ok, bucket = rules.take_token(bucket, 0.5, 2, now=100.0)
        allowed.append(ok)
    assert allowed == [True, True, False]
    ok, bucket = rules.take_token(bucket, 0.5, 2, now=101.0)
    assert not ok  # half a token after one second
    ok, _ = rules.take_token(bucket, 0.5, 2, now=102.0)
    assert ok


@given(
    rate=st.sampled_from([0.0167, 0.5, 1.0, 2.0, 5.0]),
    burst=st.integers(1, 30),
    gaps=st.lists(st.floats(0, 10, allow_nan=False), min_size=1, max_size=60),
)
def test_never_more_requests_than_burst_plus_refill(
    rate: float, burst: int, gaps: list[float]
) -> None:
    bucket, now, granted = None, 0.0, 0
    for gap in gaps:
        now += gap
        ok, bucket = rules.take_token(bucket, rate, burst, now)
        granted += ok
    assert granted <= burst + rate * now + 1e-9


def test_page_tokens_round_trip_and_refuse_tampering() -> None:
    token = rules.sign_page_token(
        {"seller": "A1", "after": ["2026-03-01T00:00:00+00:00", "1"]}, b"k"
    )
    assert rules.read_page_token(token, b"k")["seller"] == "A1"
    with pytest.raises(rules.ApiRefusal):
        rules.read_page_token(token, b"other key")
    with pytest.raises(rules.ApiRefusal):
        rules.read_page_token(token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1], b"k")
    with pytest.raises(rules.ApiRefusal):
        rules.read_page_token("not base64 at all!!", b"k")


def test_page_size_bounds() -> None:
    assert rules.page_size(None, 100) == 100
    assert rules.page_size(1, 100) == 1
    for bad in (0, 101, -3):
        with pytest.raises(rules.ApiRefusal):
            rules.page_size(bad, 100)


def test_amounts() -> None:
    assert rules.amount_string(1250, 2) == "12.50"
    assert rules.amount_string(-5, 2) == "-0.05"
    assert rules.amount_string(1200, 0) == "1200"
    assert rules.to_minor("19.99", 2, "price") == 1999
    assert rules.to_minor(21, 2, "price") == 2100
    for bad in ("1.005", "abc", None, True, "NaN", 10**20):
        with pytest.raises(rules.ApiRefusal):
            rules.to_minor(bad, 2, "price")


def _offer(price: object = 24.5) -> dict[str, object]:
    return {"currency": "USD", "our_price": [{"schedule": [{"value_with_tax": price}]}]}


def test_listing_terms_read_what_souk_understands() -> None:
    terms = rules.listing_terms(
        {
            "merchant_suggested_asin": [{"value": "b0abcdefgh"}],
            "condition_type": [{"value": "used_very_good"}],
            "purchasable_offer": [_offer("24.50")],
            "fulfillment_availability": [
                {
                    "fulfillment_channel_code": "AMAZON_NA",
                    "quantity": 3,
                    "lead_time_to_ship_max_days": 1,
                }
            ],
            "item_name": [{"value": "ignored: the catalog owns titles"}],
        },
        2,
    )
    assert (terms.asin, terms.condition, terms.price_minor, terms.quantity) == (
        "B0ABCDEFGH",
        "used_very_good",
        2450,
        3,
    )
    assert (terms.handling_days, terms.channel, terms.issues) == (1, "PLATFORM", ())


def test_malformed_attributes_become_issues_naming_them() -> None:
    terms = rules.listing_terms(
        {
            "condition_type": [{"value": "shiny"}],
            "purchasable_offer": [_offer(-1)],
            "fulfillment_availability": [{"quantity": "many"}],
        },
        2,
    )
    assert [i.attribute for i in terms.issues] == [
        "condition_type",
        "purchasable_offer",
        "fulfillment_availability",
    ]
    assert terms.price_minor is None and terms.quantity is None


def test_patches() -> None:
    patched = rules.apply_patches(
        {"condition_type": [{"value": "new_new"}]},
        [
            {"op": "replace", "path": "/attributes/purchasable_offer", "value": [_offer()]},
            {"op": "delete", "path": "/attributes/condition_type"},
        ],
    )
    assert list(patched) == ["purchasable_offer"]
    for bad in (
        {"op": "move", "path": "/attributes/x", "value": []},
        {"op": "add", "path": "/summaries/x", "value": []},
        {"op": "add", "path": "/attributes/x", "value": "not a list"},
    ):
        with pytest.raises(rules.ApiRefusal):
            rules.apply_patches({}, [bad])


def test_listings_feed_parsing_and_report() -> None:
    raw = json.dumps(
        {
            "header": {"sellerId": "A1", "version": "2.0"},
            "messages": [
                {"messageId": 1, "sku": "A/1", "operationType": "update", "attributes": {}},
                {"messageId": 2, "sku": "B", "operationType": "DELETE"},
            ],
        }
    ).encode()
    seller, messages = rules.parse_listings_feed(raw)
    assert seller == "A1"
    assert [(m.message_id, m.sku, m.operation) for m in messages] == [
        (1, "A/1", "UPDATE"),
        (2, "B", "DELETE"),
    ]
    report = rules.processing_report(
        7, [(1, "A/1", ()), (2, "B", (rules.ListingIssue("X", "bad", "a"),))], accepted=1
    )
    assert report["summary"] == {
        "errors": 1,
        "warnings": 0,
        "messagesProcessed": 2,
        "messagesAccepted": 1,
        "messagesInvalid": 1,
    }
    for bad in (b"\xff", b"[]", b'{"header": {}}', b'{"header": {}, "messages": []}'):
        with pytest.raises(rules.ApiRefusal):
            rules.parse_listings_feed(bad)


def test_signature_and_address_rule() -> None:
    signed = rules.notification_signature("key", 1700000000, b'{"a":1}')
    assert signed.startswith("t=1700000000,v1=") and len(signed.split("v1=")[1]) == 64
    assert signed != rules.notification_signature("key", 1700000001, b'{"a":1}')
    assert rules.full_address_visible("Unshipped", "MERCHANT")
    assert not rules.full_address_visible("Shipped", "MERCHANT")
    assert not rules.full_address_visible("Unshipped", "PLATFORM")


def test_tsv_keeps_rows_on_their_lines() -> None:
    out = rules.tsv(["a", "b"], [["x\ty", "line\nbreak"], [None, 3]]).decode()
    assert out == "a\tb\nx y\tline break\n\t3\n"
