"""Offer rules: conditions, channels, and what a valid price and stock are."""

from __future__ import annotations

from dataclasses import dataclass

from souk.core.errors import InvalidInput
from souk.core.money import Money

CONDITIONS: dict[str, str] = {
    "new": "New",
    "used_like_new": "Used - Like New",
    "used_very_good": "Used - Very Good",
    "used_good": "Used - Good",
    "used_acceptable": "Used - Acceptable",
    "refurbished": "Renewed",
    "collectible": "Collectible",
}
# SP-API's names for conditions (ConditionType / ItemCondition + SubCondition).
SPAPI_CONDITIONS: dict[str, str] = {
    "new": "new_new",
    "used_like_new": "used_like_new",
    "used_very_good": "used_very_good",
    "used_good": "used_good",
    "used_acceptable": "used_acceptable",
    "refurbished": "refurbished_refurbished",
    "collectible": "collectible_good",
}
CHANNELS = ("MERCHANT", "PLATFORM")
MAX_SKU_LENGTH = 200


@dataclass(frozen=True)
class OfferTerms:
    """The part of an offer a seller sets."""

    sku: str
    condition: str
    price: Money
    shipping: Money
    quantity: int
    handling_days: int
    fulfillment_channel: str = "MERCHANT"


def check_sku(sku: str) -> str:
    """SKUs are the seller's own printable text (``/`` and Unicode allowed)."""
    if not sku or sku != sku.strip():
        raise InvalidInput("A SKU needs text without leading or trailing spaces.", field="sku")
    if len(sku) > MAX_SKU_LENGTH:
        raise InvalidInput(f"SKUs are limited to {MAX_SKU_LENGTH} characters.", field="sku")
    if not sku.isprintable():
        raise InvalidInput("SKUs may contain printable characters only.", field="sku")
    return sku


def check_offer_terms(terms: OfferTerms, currency: str, max_handling_days: int) -> None:
    """Refuse offer terms that cannot be sold, naming the field."""
    check_sku(terms.sku)
    if terms.condition not in CONDITIONS:
        raise InvalidInput(f"Condition must be one of {', '.join(CONDITIONS)}.", field="condition")
    if terms.price.currency != currency or terms.shipping.currency != currency:
        raise InvalidInput(f"Prices in this marketplace are in {currency}.", field="currency")
    if terms.price.minor <= 0:
        raise InvalidInput("The price must be more than zero.", field="price")
    if terms.shipping.minor < 0:
        raise InvalidInput("The shipping charge cannot be negative.", field="shipping")
    if terms.quantity < 0:
        raise InvalidInput("Quantity cannot be negative.", field="quantity")
    if not 0 <= terms.handling_days <= max_handling_days:
        raise InvalidInput(
            f"Handling time must be 0 to {max_handling_days} days.", field="handling_days"
        )
    if terms.fulfillment_channel not in CHANNELS:
        raise InvalidInput(
            "Fulfilment channel must be MERCHANT or PLATFORM.", field="fulfillment_channel"
        )


def landed_price(price: Money, shipping: Money) -> Money:
    """What the buyer pays for one unit delivered: price plus shipping."""
    return price + shipping
