"""What checkout promises and charges for each parcel of a cart.

The checkout page and the placed order both ask :func:`checkout_terms`, so the
"Arrives by" date and the shipping charge a buyer sees for a delivery speed are
the ones the order stores and the card is charged. A platform-fulfilled parcel
gets the fulfilment network's promise (centre cut-off, transit to the buyer's
postal code, carrier days off); other parcels get the seller's handling time
plus the speed's transit days. A Prime member's eligible parcels (in a centre,
or from a seller with the merchant Prime badge) ship free at the speeds the
Prime policy covers; everything else pays the speed's charge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from souk.core.errors import InvalidInput
from souk.core.money import Money
from souk.core.policy import default_policy
from souk.fulfillment.network import is_prime_member, network_window
from souk.fulfillment.prime import merchant_prime_sellers
from souk.marketplaces.rules import MARKETPLACES
from souk.orders import rules as order_rules


@dataclass(frozen=True)
class ParcelTerms:
    """One parcel (one future order) at one delivery speed."""

    parcel: order_rules.SellerParcel
    window: order_rules.DeliveryWindow
    speed_charge: Money  # the speed's surcharge on this parcel; zero when Prime covers it
    prime_eligible: bool  # platform stock in a centre, or a merchant Prime badge
    prime_free: bool  # the buyer's membership waived the speed's charge

    @property
    def arrives(self) -> date:
        """The "Arrives by" day, in the marketplace's time zone."""
        return self.window.latest_delivery_at.date()


def checkout_terms(
    session: Session,
    parcels: Sequence[order_rules.SellerParcel],
    *,
    marketplace: str,
    speed: str,
    buyer_id: int | None,
    postal_code: str,
    now: datetime,
) -> list[ParcelTerms]:
    """The window and speed charge of each parcel, in the parcels' order."""
    if marketplace not in MARKETPLACES:
        raise InvalidInput(f"Unknown marketplace {marketplace!r}.", field="marketplace")
    policy = default_policy().for_marketplace(marketplace)
    if speed not in policy.shipping.speeds:
        raise InvalidInput(
            f"Delivery speed must be one of {', '.join(policy.shipping.speeds)}.",
            field="delivery_speed",
        )
    market = MARKETPLACES[marketplace]
    delivery = policy.shipping.speeds[speed]
    charge = Money(market.currency, delivery.charge_minor)
    free_speed = speed in policy.fulfilment.prime.free_speeds
    platform = any(p.fulfillment_channel == "PLATFORM" for p in parcels)
    # A membership matters only where it can waive this speed's charge or change a
    # network promise: a standard-speed cart of sellers' own parcels never asks.
    member = (free_speed or platform) and is_prime_member(session, buyer_id, marketplace, now)
    # The badge query only matters when a membership could waive a charge.
    covered = member and free_speed
    merchant_sellers = [p.seller_id for p in parcels if p.fulfillment_channel == "MERCHANT"]
    badged = (
        merchant_prime_sellers(session, merchant_sellers, marketplace, now) if covered else set()
    )
    result = []
    for parcel in parcels:
        window = order_rules.delivery_window(
            now,
            parcel.handling_days,
            delivery.transit_days_min,
            delivery.transit_days_max,
            market.zone,
            policy.shipping.cutoff_hour_local,
        )
        eligible = parcel.fulfillment_channel == "MERCHANT" and parcel.seller_id in badged
        if parcel.fulfillment_channel == "PLATFORM":
            promised = network_window(
                session,
                parcel,
                marketplace=marketplace,
                speed=speed,
                prime_member=member,
                postal_code=postal_code,
                now=now,
            )
            eligible = promised is not None
            window = promised or window
        free = covered and eligible
        result.append(
            ParcelTerms(
                parcel=parcel,
                window=window,
                speed_charge=Money.zero(market.currency) if free else charge,
                prime_eligible=eligible,
                prime_free=free,
            )
        )
    return result
