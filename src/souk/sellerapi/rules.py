"""Seller-API rules: usage plans and token buckets, paging tokens, listing
submissions and their issues, the listings feed, notification signatures,
and what an order's address may show. Pure functions over plain values."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from souk.core.errors import SoukError

#: Usage plans of the official models: operation -> (requests per second, burst).
RATE_LIMITS: dict[str, tuple[float, int]] = {
    "getOrders": (0.0167, 20),
    "getOrder": (0.5, 30),
    "getOrderBuyerInfo": (0.5, 30),
    "getOrderAddress": (0.5, 30),
    "getOrderItems": (0.5, 30),
    "searchCatalogItems": (2.0, 2),
    "getCatalogItem": (2.0, 2),
    "getListingsItem": (5.0, 10),
    "putListingsItem": (5.0, 10),
    "patchListingsItem": (5.0, 5),
    "deleteListingsItem": (5.0, 5),
    "getItemOffers": (0.5, 1),
    "getListingOffers": (1.0, 2),
    "getCompetitivePricing": (0.5, 1),
    "getMyFeesEstimateForSKU": (1.0, 2),
    "getMyFeesEstimateForASIN": (1.0, 2),
    "getMyFeesEstimates": (0.5, 1),
    "getInventorySummaries": (2.0, 2),
    "getMarketplaceParticipations": (0.016, 15),
    "getMessagingActionsForOrder": (1.0, 5),
    "confirmCustomizationDetails": (1.0, 5),
    "createUnexpectedProblem": (1.0, 5),
    "getSolicitationActionsForOrder": (1.0, 5),
    "createProductReviewAndSellerFeedbackSolicitation": (1.0, 5),
    "getReports": (0.0222, 10),
    "createReport": (0.0167, 15),
    "cancelReport": (0.0222, 10),
    "getReport": (2.0, 15),
    "getReportDocument": (0.0167, 15),
    "getFeeds": (0.0222, 10),
    "createFeed": (0.0083, 15),
    "cancelFeed": (2.0, 15),
    "getFeed": (2.0, 15),
    "createFeedDocument": (0.5, 15),
    "getFeedDocument": (0.0222, 10),
    "getSubscription": (1.0, 5),
    "createSubscription": (1.0, 5),
    "getSubscriptionById": (1.0, 5),
    "deleteSubscriptionById": (1.0, 5),
    "getDestinations": (1.0, 5),
    "createDestination": (1.0, 5),
    "getDestination": (1.0, 5),
    "deleteDestination": (1.0, 5),
}

REPORT_TYPES = (
    "GET_MERCHANT_LISTINGS_ALL_DATA",
    "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
)
FEED_TYPES = ("JSON_LISTINGS_FEED",)
NOTIFICATION_TYPES = ("ANY_OFFER_CHANGED", "ORDER_CHANGE")
#: souk's fulfilment channels as the API names them.
CHANNEL_CODES = {"MERCHANT": "MFN", "PLATFORM": "AFN"}
#: FBA inventory condition names of souk's conditions.
CONDITION_CODES = {
    "new": "NewItem",
    "used_like_new": "UsedLikeNew",
    "used_very_good": "UsedVeryGood",
    "used_good": "UsedGood",
    "used_acceptable": "UsedAcceptable",
    "refurbished": "Refurbished",
    "collectible": "CollectibleGood",
}
PLATFORM_CHANNEL_CODES = ("AMAZON_NA", "AMAZON_EU", "AMAZON_FE", "AFN", "PLATFORM")
MERCHANT_CHANNEL_CODES = ("DEFAULT", "MFN", "MERCHANT")


class ApiRefusal(SoukError):
    """A request the seller API refuses, with the envelope's code and status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


# --- usage plans ----------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    """A token bucket: ``tokens`` left at ``at`` (seconds on any steady scale)."""

    tokens: float
    at: float


def take_token(bucket: Bucket | None, rate: float, burst: int, now: float) -> tuple[bool, Bucket]:
    """Spend one request from the bucket refilled at ``rate`` per second up to ``burst``.

    Returns whether the request may go ahead and the bucket after it; a new
    caller starts with a full bucket."""
    if bucket is None:
        tokens = float(burst)
    else:
        elapsed = max(0.0, now - bucket.at)
        tokens = min(float(burst), bucket.tokens + elapsed * rate)
    if tokens >= 1.0:
        return True, Bucket(tokens - 1.0, now)
    return False, Bucket(tokens, now)


def rate_header(rate: float) -> str:
    """The value of ``x-amzn-RateLimit-Limit``: requests per second as the models print it."""
    return f"{rate:g}"


# --- paging ---------------------------------------------------------------------


def sign_page_token(state: Mapping[str, Any], key: bytes) -> str:
    """An opaque NextToken carrying ``state``; tampering is detected by ``read_page_token``."""
    body = json.dumps(state, sort_keys=True, separators=(",", ":")).encode()
    mac = hmac.new(key, body, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(mac + body).decode().rstrip("=")


def read_page_token(token: str, key: bytes) -> dict[str, Any]:
    """The state inside a NextToken; raises ApiRefusal for anything not made here."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        raise ApiRefusal("InvalidInput", "NextToken is not valid.") from None
    mac, body = raw[:12], raw[12:]
    expected = hmac.new(key, body, hashlib.sha256).digest()[:12]
    if len(raw) <= 12 or not hmac.compare_digest(mac, expected):
        raise ApiRefusal("InvalidInput", "NextToken is not valid.")
    try:
        state = json.loads(body)
    except ValueError:
        raise ApiRefusal("InvalidInput", "NextToken is not valid.") from None
    if not isinstance(state, dict):
        raise ApiRefusal("InvalidInput", "NextToken is not valid.")
    return state


def page_size(requested: int | None, largest: int) -> int:
    """MaxResultsPerPage: 1 to ``largest``, ``largest`` when absent."""
    if requested is None:
        return largest
    if not 1 <= requested <= largest:
        raise ApiRefusal("InvalidInput", f"MaxResultsPerPage must be 1 to {largest}.")
    return requested


# --- amounts --------------------------------------------------------------------


def amount_string(minor: int, exponent: int) -> str:
    """Minor units as the decimal string the orders API uses ("12.50")."""
    if exponent == 0:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, part = divmod(abs(minor), 10**exponent)
    return f"{sign}{whole}.{part:0{exponent}d}"


def amount_number(minor: int, exponent: int) -> float:
    """Minor units as the number the pricing and fees APIs use."""
    return float(minor) / float(10**exponent)


def to_minor(amount: Any, exponent: int, name: str) -> int:
    """An amount from a request (number or numeric string) in minor units, exactly."""
    if isinstance(amount, bool) or amount is None:
        raise ApiRefusal("InvalidInput", f"{name} must be an amount.")
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise ApiRefusal("InvalidInput", f"{name} must be an amount.") from None
    if not value.is_finite():
        raise ApiRefusal("InvalidInput", f"{name} must be an amount.")
    scaled = value * (10**exponent)
    if scaled != scaled.to_integral_value():
        raise ApiRefusal("InvalidInput", f"{name} has more decimals than the currency allows.")
    if abs(scaled) > 10**12:
        raise ApiRefusal("InvalidInput", f"{name} is too large.")
    return int(scaled)


# --- orders ---------------------------------------------------------------------

#: Order statuses in which the seller still has to ship, and so sees where to.
SHIPPING_STATUSES = ("Unshipped", "PartiallyShipped")


def full_address_visible(status: str, channel: str) -> bool:
    """Buyers' names, streets and phones reach a seller only while the seller must
    ship the order itself; otherwise only the city, region, postcode and country."""
    return channel == "MERCHANT" and status in SHIPPING_STATUSES


# --- listings -------------------------------------------------------------------


@dataclass(frozen=True)
class ListingIssue:
    code: str
    message: str
    attribute: str
    severity: str = "ERROR"


@dataclass(frozen=True)
class ListingTerms:
    """What a listing submission sets on souk's offer; None keeps the current value."""

    asin: str | None = None
    condition: str | None = None
    price_minor: int | None = None
    quantity: int | None = None
    handling_days: int | None = None
    channel: str | None = None
    issues: tuple[ListingIssue, ...] = field(default_factory=tuple)


#: SP-API condition_type values and souk's conditions.
CONDITION_TYPES: dict[str, str] = {
    "new_new": "new",
    "new": "new",
    "used_like_new": "used_like_new",
    "used_very_good": "used_very_good",
    "used_good": "used_good",
    "used_acceptable": "used_acceptable",
    "refurbished_refurbished": "refurbished",
    "refurbished": "refurbished",
    "collectible_like_new": "collectible",
    "collectible_very_good": "collectible",
    "collectible_good": "collectible",
    "collectible_acceptable": "collectible",
}


def _first(values: Any) -> dict[str, Any] | None:
    if isinstance(values, list) and values and isinstance(values[0], dict):
        return values[0]
    return None


def _price_of(offer: dict[str, Any]) -> Any:
    for key in ("our_price", "list_price"):
        schedule = _first(offer.get(key))
        if schedule is not None:
            entry = _first(schedule.get("schedule"))
            if entry is not None:
                for field_name in ("value_with_tax", "value", "value_without_tax"):
                    if field_name in entry:
                        return entry[field_name]
    return None


def listing_terms(attributes: Mapping[str, Any], exponent: int) -> ListingTerms:
    """Read the attributes souk understands from a JSON listing submission.

    Known attributes: ``merchant_suggested_asin``, ``condition_type``,
    ``purchasable_offer`` (``our_price`` schedule), ``fulfillment_availability``
    (``fulfillment_channel_code``, ``quantity``, ``lead_time_to_ship_max_days``).
    Anything malformed becomes an issue naming the attribute."""
    issues: list[ListingIssue] = []
    asin = condition = channel = None
    price_minor = quantity = handling = None

    def bad(attribute: str, message: str) -> None:
        issues.append(ListingIssue("INVALID_ATTRIBUTE", message, attribute))

    if "merchant_suggested_asin" in attributes:
        entry = _first(attributes["merchant_suggested_asin"])
        value = entry.get("value") if entry else None
        if not isinstance(value, str) or not value.strip():
            bad("merchant_suggested_asin", "merchant_suggested_asin needs an ASIN value.")
        else:
            asin = value.strip().upper()
    if "condition_type" in attributes:
        entry = _first(attributes["condition_type"])
        value = entry.get("value") if entry else None
        if not isinstance(value, str) or value not in CONDITION_TYPES:
            bad(
                "condition_type",
                f"condition_type must be one of {', '.join(sorted(CONDITION_TYPES))}.",
            )
        else:
            condition = CONDITION_TYPES[value]
    if "purchasable_offer" in attributes:
        entry = _first(attributes["purchasable_offer"])
        amount = _price_of(entry) if entry else None
        if amount is None:
            bad("purchasable_offer", "purchasable_offer needs our_price with a schedule value.")
        else:
            try:
                price_minor = to_minor(amount, exponent, "purchasable_offer.our_price")
            except ApiRefusal as refusal:
                bad("purchasable_offer", refusal.message)
            else:
                if price_minor <= 0:
                    bad("purchasable_offer", "The price must be more than zero.")
                    price_minor = None
    if "fulfillment_availability" in attributes:
        entry = _first(attributes["fulfillment_availability"])
        if entry is None:
            bad("fulfillment_availability", "fulfillment_availability needs one entry.")
        else:
            code = str(entry.get("fulfillment_channel_code") or "DEFAULT").upper()
            if code in PLATFORM_CHANNEL_CODES:
                channel = "PLATFORM"
            elif code in MERCHANT_CHANNEL_CODES:
                channel = "MERCHANT"
            else:
                bad("fulfillment_availability", f"Unknown fulfillment_channel_code {code}.")
            raw_quantity = entry.get("quantity")
            if raw_quantity is not None:
                if isinstance(raw_quantity, bool) or not isinstance(raw_quantity, int):
                    bad("fulfillment_availability", "quantity must be a whole number.")
                elif raw_quantity < 0:
                    bad("fulfillment_availability", "quantity cannot be negative.")
                else:
                    quantity = raw_quantity
            lead = entry.get("lead_time_to_ship_max_days")
            if lead is not None:
                if isinstance(lead, bool) or not isinstance(lead, int) or lead < 0:
                    bad("fulfillment_availability", "lead_time_to_ship_max_days must be 0 or more.")
                else:
                    handling = lead
    return ListingTerms(asin, condition, price_minor, quantity, handling, channel, tuple(issues))


def apply_patches(
    attributes: Mapping[str, Any], patches: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """JSON-Patch-like ``add``/``replace``/``delete`` on top-level ``/attributes/<name>``."""
    result = dict(attributes)
    for number, patch in enumerate(patches):
        op = patch.get("op")
        path = patch.get("path")
        if op not in ("add", "replace", "delete"):
            raise ApiRefusal(
                "InvalidInput", f"patches[{number}].op must be add, replace or delete."
            )
        if not isinstance(path, str) or not path.startswith("/attributes/") or path.count("/") != 2:
            raise ApiRefusal("InvalidInput", f"patches[{number}].path must be /attributes/<name>.")
        name = path.split("/")[2]
        if op == "delete":
            result.pop(name, None)
            continue
        value = patch.get("value")
        if not isinstance(value, list):
            raise ApiRefusal("InvalidInput", f"patches[{number}].value must be an array.")
        result[name] = value
    return result


# --- listings feed ----------------------------------------------------------------


@dataclass(frozen=True)
class FeedMessage:
    message_id: int
    sku: str
    operation: str  # UPDATE | PARTIAL_UPDATE | PATCH | DELETE
    attributes: dict[str, Any]
    patches: tuple[dict[str, Any], ...]


def parse_listings_feed(raw: bytes) -> tuple[str, list[FeedMessage]]:
    """The seller id and messages of a JSON listings feed; raises ApiRefusal when the
    document is not one."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiRefusal("InvalidInput", "The feed document is not JSON.") from None
    if not isinstance(document, dict):
        raise ApiRefusal("InvalidInput", "The feed document must be a JSON object.")
    header = document.get("header")
    messages = document.get("messages")
    if not isinstance(header, dict) or not isinstance(messages, list):
        raise ApiRefusal("InvalidInput", "A listings feed has a header and messages.")
    seller_id = header.get("sellerId")
    if not isinstance(seller_id, str):
        raise ApiRefusal("InvalidInput", "The feed header needs sellerId.")
    parsed = []
    for position, message in enumerate(messages, start=1):
        if not isinstance(message, dict):
            raise ApiRefusal("InvalidInput", f"Message {position} is not an object.")
        raw_id = message.get("messageId", position)
        message_id = raw_id if isinstance(raw_id, int) and not isinstance(raw_id, bool) else 0
        attributes = message.get("attributes") or {}
        patches = message.get("patches") or []
        parsed.append(
            FeedMessage(
                message_id=message_id,
                sku=str(message.get("sku") or ""),
                operation=str(message.get("operationType") or "UPDATE").upper(),
                attributes=attributes if isinstance(attributes, dict) else {},
                patches=tuple(p for p in patches if isinstance(p, dict))
                if isinstance(patches, list)
                else (),
            )
        )
    return seller_id, parsed


def processing_report(
    feed_id: int, results: Sequence[tuple[int, str, Sequence[ListingIssue]]], accepted: int
) -> dict[str, Any]:
    """The JSON processing report of a listings feed."""
    issues = [
        {
            "messageId": message_id,
            "code": issue.code,
            "severity": issue.severity,
            "message": issue.message,
            "attributeNames": [issue.attribute] if issue.attribute else [],
        }
        for message_id, _sku, found in results
        for issue in found
    ]
    errors = sum(1 for i in issues if i["severity"] == "ERROR")
    return {
        "header": {"sellerId": "", "version": "2.0", "feedId": str(feed_id)},
        "issues": issues,
        "summary": {
            "errors": errors,
            "warnings": len(issues) - errors,
            "messagesProcessed": len(results),
            "messagesAccepted": accepted,
            "messagesInvalid": len(results) - accepted,
        },
    }


# --- reports ----------------------------------------------------------------------


def tsv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """A flat-file report: tab-separated, one header line, tabs and newlines removed."""

    def clean(value: Any) -> str:
        text = "" if value is None else str(value)
        return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")

    lines = ["\t".join(header)] + ["\t".join(clean(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- notifications ----------------------------------------------------------------


def notification_signature(signing_key: str, timestamp: int, body: bytes) -> str:
    """``x-souk-signature``: HMAC-SHA256 over "<timestamp>.<body>", so a receiver can check
    who sent it and refuse replays of old deliveries."""
    message = str(timestamp).encode() + b"." + body
    digest = hmac.new(signing_key.encode(), message, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def retry_after_seconds(rate: float) -> int:
    """How long a throttled caller waits for its next token."""
    return max(1, math.ceil(1.0 / rate)) if rate > 0 else 60
