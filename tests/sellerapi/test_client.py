"""The unmodified python-amazon-sp-api client against a live souk (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sp_api.api import (
    CatalogItems,
    Feeds,
    Inventories,
    ListingsItems,
    Messaging,
    Notifications,
    Orders,
    Products,
    Reports,
    Sellers,
    Solicitations,
)
from sp_api.auth.exceptions import AuthorizationError
from sp_api.base.exceptions import (
    SellingApiBadRequestException,
    SellingApiForbiddenException,
    SellingApiNotFoundException,
    SellingApiRequestThrottledException,
)

from souk.core.events import deliver_pending
from souk.offers.service import product_offers, seller_offer, seller_offers
from souk.sellerapi.service import revoke_application, seller_applications
from tests import factories as f
from tests.reviews import support as s
from tests.sellerapi.conftest import Live, free_port

US = ["ATVPDKIKX0DER"]


def _finished(poll: Any, *args: Any) -> dict[str, Any]:
    """Poll a report or feed until processing ends (it runs in the background)."""
    for _ in range(100):
        status: dict[str, Any] = poll(*args).payload
        if status["processingStatus"] not in ("IN_QUEUE", "IN_PROGRESS"):
            return status
        time.sleep(0.05)
    raise AssertionError(f"still {status['processingStatus']}")


def _sku_of(live: Live) -> str:
    with live.rt.sessions() as session:
        return seller_offers(session, live.seller.id, marketplace="US")[0][0].sku


def _orders(live: Live, count: int) -> list[str]:
    rt = live.rt
    with rt.sessions() as session:
        product = f.product(session, rt.clock)
        offer = f.offer(
            session, rt.clock, seller_id=live.seller.id, asin=product.asin, quantity=100
        )
        buyer = f.buyer(session, rt.clock)
        ids = []
        for _ in range(count):
            ids.append(s.order(rt, session, buyer, offer).id)
            rt.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
        return ids


def test_token_exchange_expiry_and_revocation(live: Live, advance: Any) -> None:
    orders = live.client(Orders)
    since = (live.rt.clock.now() - timedelta(days=1)).isoformat()
    answer = orders.get_orders(CreatedAfter=since)
    assert answer.payload == {"Orders": []}
    assert answer.headers["x-amzn-RateLimit-Limit"] == "0.0167"

    other = live.credentials_for(live.seller.id, "Inventory sync")
    wrong = other.__class__(other.client_id, "souk-cs.wrong", other.refresh_token, "", "")
    with pytest.raises(AuthorizationError) as refused:
        live.client(Orders, credentials=wrong).get_orders(CreatedAfter=since)
    assert refused.value.error_code == "invalid_client"

    # The client keeps its access token for about an hour; souk's lapses after one.
    advance(hours=1, minutes=1)
    with pytest.raises(SellingApiForbiddenException) as expired:
        orders.get_orders(CreatedAfter=since)
    assert "expired" in str(expired.value.message).lower()

    fresh = live.credentials_for(live.seller.id)
    client = live.client(Orders, credentials=fresh)
    assert client.get_orders(CreatedAfter=since).payload["Orders"] == []
    with live.rt.sessions() as session:
        app = next(
            a
            for a in seller_applications(session, live.seller.id)
            if a.client_id == fresh.client_id
        )
        revoke_application(session, live.rt.clock, seller_id=live.seller.id, application_id=app.id)
    # Revocation works at once, even for the access token the client still holds.
    with pytest.raises(SellingApiForbiddenException):
        client.get_orders(CreatedAfter=since)
    live.forget_tokens()
    with pytest.raises(AuthorizationError) as revoked:
        live.client(Sellers, credentials=fresh).get_marketplace_participation()
    assert revoked.value.error_code == "invalid_client"


def test_orders_paging_items_address_and_another_sellers_order(live: Live) -> None:
    mine = _orders(live, 5)
    rt = live.rt
    with rt.sessions() as session:
        other = f.seller(session, rt.clock)
        product = f.product(session, rt.clock)
        offer = f.offer(session, rt.clock, seller_id=other.id, asin=product.asin)
        theirs = s.order(rt, session, f.buyer(session, rt.clock), offer).id

    orders = live.client(Orders)
    since = (rt.clock.now() - timedelta(days=2)).isoformat()
    seen: list[str] = []
    page = orders.get_orders(CreatedAfter=since, MaxResultsPerPage=2)
    pages = 1
    seen += [o["AmazonOrderId"] for o in page.payload["Orders"]]
    while page.next_token:
        page = orders.get_orders(NextToken=page.next_token)
        seen += [o["AmazonOrderId"] for o in page.payload["Orders"]]
        pages += 1
    assert seen == mine  # oldest first, each once, never another seller's
    assert pages == 3

    first = orders.get_order(mine[0]).payload
    assert first["OrderStatus"] == "Unshipped"
    assert first["OrderTotal"]["CurrencyCode"] == "USD"
    assert isinstance(first["OrderTotal"]["Amount"], str)
    items = orders.get_order_items(mine[0]).payload
    assert items["OrderItems"][0]["QuantityOrdered"] == 1
    address = orders.get_order_address(mine[0]).payload["ShippingAddress"]
    assert address["AddressLine1"] == "1 Main St"  # unshipped: the seller must ship it

    with pytest.raises(SellingApiNotFoundException):
        orders.get_order(theirs)
    with pytest.raises(SellingApiNotFoundException):
        orders.get_order_items(theirs)
    with pytest.raises(SellingApiBadRequestException):
        orders.get_orders(NextToken="forged")
    with pytest.raises(SellingApiBadRequestException):
        orders.get_orders(CreatedAfter=since, OrderStatuses=["Lost"])


def _listing(asin: str, price: float | None = 24.5, quantity: int = 7) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "merchant_suggested_asin": [{"value": asin, "marketplace_id": US[0]}],
        "condition_type": [{"value": "new_new"}],
        "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
    }
    if price is not None:
        attributes["purchasable_offer"] = [
            {"currency": "USD", "our_price": [{"schedule": [{"value_with_tax": price}]}]}
        ]
    return {
        "productType": "PRODUCT",
        "requirements": "LISTING_OFFER_ONLY",
        "attributes": attributes,
    }


def test_listing_a_sku_with_a_slash(live: Live) -> None:
    rt = live.rt
    with rt.sessions() as session:
        asin = f.product(session, rt.clock).asin
    listings = live.client(ListingsItems)
    sku = "KTL/1.7 l stål"
    bad = listings.put_listings_item(
        live.seller.id, sku, body=_listing(asin, price=None), marketplaceIds=US
    ).payload
    assert bad["status"] == "INVALID"
    assert bad["issues"][0]["attributeNames"] == ["purchasable_offer"]
    with pytest.raises(SellingApiNotFoundException):
        listings.get_listings_item(live.seller.id, sku, marketplaceIds=US)  # nothing was made

    done = listings.put_listings_item(
        live.seller.id, sku, body=_listing(asin), marketplaceIds=US
    ).payload
    assert done["status"] == "ACCEPTED", done
    item = listings.get_listings_item(
        live.seller.id,
        sku,
        marketplaceIds=US,
        includedData="summaries,offers,fulfillmentAvailability",
    ).payload
    assert item["sku"] == sku
    assert item["summaries"][0]["asin"] == asin
    assert item["offers"][0]["price"] == {"currencyCode": "USD", "amount": "24.50"}
    assert item["fulfillmentAvailability"][0]["quantity"] == 7

    listings.patch_listings_item(
        live.seller.id,
        sku,
        body={
            "productType": "PRODUCT",
            "patches": [
                {
                    "op": "replace",
                    "path": "/attributes/purchasable_offer",
                    "value": [
                        {"currency": "USD", "our_price": [{"schedule": [{"value_with_tax": 21}]}]}
                    ],
                }
            ],
        },
        marketplaceIds=US,
    )
    with rt.sessions() as session:
        offer = seller_offer(session, live.seller.id, "US", sku)
        assert (offer.price_minor, offer.quantity) == (2100, 7)
    listings.delete_listings_item(live.seller.id, sku, marketplaceIds=US)
    with rt.sessions() as session:
        assert not seller_offer(session, live.seller.id, "US", sku).is_active
    with pytest.raises(SellingApiNotFoundException):  # another seller's listings: not found
        listings.get_listings_item("A1OTHERSELLER00", sku, marketplaceIds=US)


def test_offers_buy_box_winner_and_usage_plan(live: Live, advance: Any) -> None:
    rt = live.rt
    with rt.sessions() as session:
        product = f.product(session, rt.clock)
        rival = f.seller(session, rt.clock)
        f.offer(
            session,
            rt.clock,
            seller_id=live.seller.id,
            asin=product.asin,
            price="30.00",
            sku="MINE-1",
        )
        f.offer(session, rt.clock, seller_id=rival.id, asin=product.asin, price="18.00")
        featured = product_offers(session, product.asin, "US", rt.clock.now()).featured
        assert featured is not None
    products = live.client(Products)
    answer = products.get_item_offers(product.asin, "New")
    payload = answer.payload
    assert answer.headers["x-amzn-RateLimit-Limit"] == "0.5"
    assert payload["Summary"]["TotalOfferCount"] == 2
    winners = [o for o in payload["Offers"] if o["IsBuyBoxWinner"]]
    assert [w["SellerId"] for w in winners] == [featured.seller_id]
    assert payload["Summary"]["BuyBoxPrices"][0]["sellerId"] == featured.seller_id
    lowest = payload["Summary"]["LowestPrices"][0]
    assert lowest["ListingPrice"] == {"CurrencyCode": "USD", "Amount": 18.0}
    assert {o["IsFulfilledByAmazon"] for o in payload["Offers"]} == {False}
    assert all("FeedbackCount" in o["SellerFeedbackRating"] for o in payload["Offers"])

    # getItemOffers allows one request at a time, refilled at 0.5 a second.
    with pytest.raises(SellingApiRequestThrottledException) as throttled:
        products.get_item_offers(product.asin, "New")
    assert throttled.value.headers["x-amzn-RateLimit-Limit"] == "0.5"
    advance(seconds=2)
    assert products.get_item_offers(product.asin, "New").payload["status"] == "Success"

    mine = products.get_listings_offer("MINE-1", "New").payload
    assert [o["MyOffer"] for o in mine["Offers"] if o["SellerId"] == live.seller.id] == [True]
    pricing = products.get_competitive_pricing_for_asins([product.asin]).payload
    assert pricing[0]["Product"]["CompetitivePricing"]["NumberOfOfferListings"] == [
        {"Count": 2, "condition": "New"}
    ]


def test_review_request_inside_and_outside_its_window(live: Live, advance: Any) -> None:
    rt = live.rt
    with rt.sessions() as session:
        product = f.product(session, rt.clock)
        offer = f.offer(session, rt.clock, seller_id=live.seller.id, asin=product.asin)
        order_id = s.delivered_order(rt, session, f.buyer(session, rt.clock), offer).id
    solicitations = live.client(Solicitations)
    actions = solicitations.get_solicitation_actions_for_order(order_id).payload
    assert actions["_links"]["actions"] == []
    with pytest.raises(SellingApiBadRequestException) as early:
        solicitations.create_product_review_and_seller_feedback_solicitation(order_id)
    assert "5 days" in str(early.value.message)

    advance(days=6)
    live.forget_tokens()
    actions = solicitations.get_solicitation_actions_for_order(order_id).payload
    assert [a["name"] for a in actions["_links"]["actions"]] == ["productReviewAndSellerFeedback"]
    solicitations.create_product_review_and_seller_feedback_solicitation(order_id)
    with pytest.raises(SellingApiBadRequestException) as twice:
        solicitations.create_product_review_and_seller_feedback_solicitation(order_id)
    assert "already" in str(twice.value.message)

    messaging = live.client(Messaging)
    names = [
        a["name"]
        for a in messaging.get_messaging_actions_for_order(order_id).payload["_links"]["actions"]
    ]
    assert "createUnexpectedProblem" in names
    with pytest.raises(SellingApiBadRequestException) as blocked:
        messaging.create_unexpected_problem(
            order_id, body={"text": "Mail me at kettle.house@example.com"}
        )
    assert "not delivered" in str(blocked.value.message)
    messaging.create_unexpected_problem(
        order_id, body={"text": "The lid we sent may be loose; a new one is on its way."}
    )


def test_report_round_trip(live: Live) -> None:
    mine = _orders(live, 2)
    reports = live.client(Reports)
    created = reports.create_report(reportType="GET_MERCHANT_LISTINGS_ALL_DATA", marketplaceIds=US)
    report = _finished(reports.get_report, created.payload["reportId"])
    assert report["processingStatus"] == "DONE"
    document = reports.get_report_document(report["reportDocumentId"], download=True)
    lines = document.payload["document"].splitlines()
    assert lines[0].split("\t")[3] == "seller-sku"
    assert len(lines) == 2

    created = reports.create_report(
        reportType="GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL", marketplaceIds=US
    )
    report = _finished(reports.get_report, created.payload["reportId"])
    text = reports.get_report_document(report["reportDocumentId"], download=True).payload[
        "document"
    ]
    assert sorted(line.split("\t")[0] for line in text.splitlines()[1:]) == sorted(mine)
    with pytest.raises(SellingApiBadRequestException):
        reports.create_report(reportType="GET_SOMETHING_ELSE", marketplaceIds=US)

    # Listing pages through both reports one at a time; the token carries the filters.
    both = "GET_MERCHANT_LISTINGS_ALL_DATA,GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
    first = reports.get_reports(reportTypes=both, pageSize=1)
    assert len(first.payload["reports"]) == 1 and first.next_token
    second = reports.get_reports(nextToken=first.next_token)
    assert len(second.payload["reports"]) == 1 and not second.next_token
    listed = {r["reportId"] for r in first.payload["reports"] + second.payload["reports"]}
    assert len(listed) == 2 and report["reportId"] in listed
    with pytest.raises(SellingApiBadRequestException):
        reports.get_reports()  # neither report types nor a token
    with pytest.raises(SellingApiBadRequestException):
        reports.get_reports(nextToken="forged")


def test_feed_round_trip(live: Live) -> None:
    rt = live.rt
    with rt.sessions() as session:
        asin = f.product(session, rt.clock).asin
    feed = {
        "header": {"sellerId": live.seller.id, "version": "2.0"},
        "messages": [
            {"messageId": 1, "sku": "FEED/1", "operationType": "UPDATE", **_listing(asin)},
            {"messageId": 2, "sku": "FEED/2", "operationType": "UPDATE", **_listing("B000NOSUCH1")},
        ],
    }
    import io

    feeds = live.client(Feeds)
    _document, created = feeds.submit_feed(
        "JSON_LISTINGS_FEED", io.StringIO(json.dumps(feed)), content_type="application/json"
    )
    status = _finished(feeds.get_feed, created.payload["feedId"])
    assert status["processingStatus"] == "DONE"
    result = json.loads(feeds.get_feed_result_document(status["resultFeedDocumentId"]))
    assert result["summary"]["messagesAccepted"] == 1
    assert result["summary"]["messagesInvalid"] == 1
    assert result["issues"][0]["messageId"] == 2
    with rt.sessions() as session:
        assert seller_offer(session, live.seller.id, "US", "FEED/1").price_minor == 2450


class _Webhook:
    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.fail_next = 0
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                if hook.fail_next:
                    hook.fail_next -= 1
                    self.send_response(503)
                else:
                    hook.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/souk"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def webhook() -> Iterator[_Webhook]:
    hook = _Webhook()
    yield hook
    hook.server.shutdown()


def test_order_change_notification_reaches_a_signed_webhook(
    live: Live, webhook: _Webhook, advance: Any
) -> None:
    notifications = live.client(Notifications)
    destination = notifications.create_destination(name="order sync", arn=webhook.url).payload
    assert destination["resource"]["sqs"]["arn"] == webhook.url
    subscription = notifications.create_subscription(
        "ORDER_CHANGE", destination_id=destination["destinationId"]
    ).payload
    assert notifications.get_subscription("ORDER_CHANGE").payload == subscription

    webhook.fail_next = 1  # the first attempt fails and is retried
    order_id = _orders(live, 1)[0]
    assert webhook.received == []
    advance(seconds=5)
    deliver_pending(live.rt.sessions, live.rt.clock)
    assert len(webhook.received) == 1
    headers, body = webhook.received[0]
    stamp, digest = (part.split("=", 1)[1] for part in headers["x-souk-signature"].split(","))
    expected = hmac.new(
        live.credentials.notification_signing_key.encode(),
        stamp.encode() + b"." + body,
        hashlib.sha256,
    ).hexdigest()
    assert hmac.compare_digest(digest, expected)
    notification = json.loads(body)
    assert notification["NotificationType"] == "ORDER_CHANGE"
    change = notification["Payload"]["OrderChangeNotification"]
    assert change["AmazonOrderId"] == order_id
    assert change["Summary"]["OrderStatus"] == "Unshipped"

    # A rival's price change on a product the seller sells reaches it as ANY_OFFER_CHANGED.
    notifications.create_subscription(
        "ANY_OFFER_CHANGED", destination_id=destination["destinationId"]
    )
    rt = live.rt
    with rt.sessions() as session:
        asin = seller_offer(session, live.seller.id, "US", _sku_of(live)).asin
        rival = f.seller(session, rt.clock)
        f.offer(session, rt.clock, seller_id=rival.id, asin=asin, price="17.00")
    offer_changes = [
        json.loads(body)["Payload"]["AnyOfferChangedNotification"]
        for _, body in webhook.received
        if b"ANY_OFFER_CHANGED" in body
    ]
    assert [(c["SellerId"], c["OfferChangeTrigger"]["ASIN"]) for c in offer_changes] == [
        (live.seller.id, asin)
    ]


def test_catalog_inventory_and_participations(live: Live) -> None:
    rt = live.rt
    with rt.sessions() as session:
        product = f.product(session, rt.clock, title="Acme Copper Kettle 1.5 l")
        f.offer(
            session,
            rt.clock,
            seller_id=live.seller.id,
            asin=product.asin,
            channel="PLATFORM",
            sku="FBA-1",
        )
    catalog = live.client(CatalogItems, version="2022-04-01")
    found = catalog.search_catalog_items(keywords="copper kettle").payload
    assert [i["asin"] for i in found["items"]] == [product.asin]
    item = catalog.get_catalog_item(
        product.asin, includedData="summaries,attributes,salesRanks"
    ).payload
    assert item["summaries"][0]["itemName"] == "Acme Copper Kettle 1.5 l"
    assert item["attributes"]["brand"][0]["value"] == "Acme"
    with pytest.raises(SellingApiNotFoundException):
        catalog.get_catalog_item("B000NOSUCH1")

    stock = live.client(Inventories).get_inventory_summary_marketplace(details=True).payload
    assert [(i["sellerSku"], i["totalQuantity"]) for i in stock["inventorySummaries"]] == [
        ("FBA-1", 10)
    ]
    sites = live.client(Sellers).get_marketplace_participation().payload
    assert [p["marketplace"]["id"] for p in sites] == US


def test_fees_estimate_for_an_asin_a_sku_and_a_batch(live: Live) -> None:
    from sp_api.api import ProductFees

    rt = live.rt
    with rt.sessions() as session:
        product = f.product(session, rt.clock)
        f.offer(session, rt.clock, seller_id=live.seller.id, asin=product.asin, sku="KTL/2")
    fees = live.client(ProductFees)
    result = fees.get_product_fees_estimate_for_asin(product.asin, 40.0, currency="USD").payload[
        "FeesEstimateResult"
    ]
    assert result["Status"] == "Success"
    total = result["FeesEstimate"]["TotalFeesEstimate"]
    assert total["CurrencyCode"] == "USD" and 0 < total["Amount"] < 40
    referral = next(
        d for d in result["FeesEstimate"]["FeeDetailList"] if d["FeeType"] == "ReferralFee"
    )
    assert referral["FinalFee"]["Amount"] > 0

    by_sku = fees.get_product_fees_estimate_for_sku("KTL/2", 40.0, currency="USD").payload
    assert by_sku["FeesEstimateResult"]["FeesEstimate"]["TotalFeesEstimate"] == total

    batch = fees.get_product_fees_estimate(
        [
            {"id_type": "ASIN", "id_value": product.asin, "price": 40.0, "currency": "USD"},
            {"id_type": "ASIN", "id_value": "B000NOSUCH1", "price": 40.0, "currency": "USD"},
        ]
    ).payload
    assert [r["Status"] for r in batch] == ["Success", "ClientError"]
    with pytest.raises(SellingApiBadRequestException):
        fees.get_product_fees_estimate_for_asin(product.asin, -5, currency="USD")
