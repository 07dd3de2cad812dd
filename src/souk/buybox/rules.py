"""Which offer a buyer gets when pressing "Add to Cart" (the featured offer).

This first rule set decides eligibility and picks the lowest landed price,
breaking ties by delivery speed, platform fulfilment and stock; the scoring
model with seller metrics, suppression and rotation builds on these shapes.
"""

from __future__ import annotations

from dataclasses import dataclass

from souk.core.money import Money


@dataclass(frozen=True)
class OfferFacts:
    """What the featured-offer decision needs to know about one offer."""

    offer_id: int
    seller_id: str
    condition: str
    price: Money
    shipping: Money
    quantity: int
    handling_days: int
    fulfillment_channel: str
    seller_plan: str
    seller_status: str
    seller_on_holiday: bool

    @property
    def landed(self) -> Money:
        return self.price + self.shipping


def ineligibility(offer: OfferFacts) -> list[str]:
    """Why an offer cannot be featured; empty when it can."""
    reasons = []
    if offer.condition != "new":
        reasons.append("only new-condition offers can be featured")
    if offer.seller_plan != "professional":
        reasons.append("only professional sellers can be featured")
    if offer.seller_status != "active":
        reasons.append(f"seller account is {offer.seller_status}")
    if offer.seller_on_holiday:
        reasons.append("seller is on holiday")
    if offer.quantity <= 0:
        reasons.append("out of stock")
    return reasons


def is_buyable(offer: OfferFacts) -> bool:
    """Whether the offer may be shown and bought at all (any condition)."""
    return offer.seller_status == "active" and not offer.seller_on_holiday and offer.quantity > 0


def _rank(offer: OfferFacts) -> tuple[int, int, int, int, int]:
    return (
        offer.landed.minor,
        offer.handling_days,
        0 if offer.fulfillment_channel == "PLATFORM" else 1,
        -offer.quantity,
        offer.offer_id,
    )


def featured_offer(offers: list[OfferFacts]) -> OfferFacts | None:
    """The featured offer among ``offers`` of one product in one marketplace, if any."""
    eligible = [o for o in offers if not ineligibility(o)]
    return min(eligible, key=_rank) if eligible else None


def other_offers(offers: list[OfferFacts], featured: OfferFacts | None) -> list[OfferFacts]:
    """Buyable offers other than the featured one, cheapest landed price first."""
    return sorted(
        (
            o
            for o in offers
            if is_buyable(o) and (featured is None or o.offer_id != featured.offer_id)
        ),
        key=_rank,
    )
