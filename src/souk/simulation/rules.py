"""Pure decisions of the simulated marketplace: who the synthetic sellers are,
what carriers they use and what tracking numbers those carriers issue.

Randomness comes in as a ``random.Random`` so a seed reproduces a history.
"""

from __future__ import annotations

import hashlib
import random
import string
from dataclasses import dataclass

# Carriers a merchant in each marketplace ships with.
CARRIERS_BY_MARKETPLACE: dict[str, tuple[str, ...]] = {
    "US": ("UPS", "USPS", "FedEx"),
    "CA": ("Canada Post", "UPS"),
    "UK": ("Royal Mail", "DPD"),
    "DE": ("DHL", "DPD"),
    "FR": ("DPD",),
    "IT": ("DHL",),
    "ES": ("Correos",),
    "IN": ("India Post",),
    "JP": ("Japan Post",),
    "MX": ("DHL", "FedEx"),
}


@dataclass(frozen=True)
class SellerTraits:
    """How a synthetic seller behaves."""

    #: Multiplier on the reference price (0.9 = 10% cheaper than typical).
    price_level: float
    handling_days: int
    #: Probability that a shipment goes out after the promised ship date.
    late_shipment_rate: float
    #: Probability that the seller cancels an order (out of stock, pricing error...).
    cancel_rate: float
    #: Share of the catalog this seller lists (relative weight).
    assortment: float
    #: Probability that the carrier never reports a parcel (no valid tracking).
    missing_scan_rate: float = 0.0


def seller_traits(key: str, seed: int) -> SellerTraits:
    """A seller's behaviour, derived from a stable key (its e-mail) and the seed,
    so a later simulation run finds the same seller behaving the same way."""
    rng = random.Random(_stable(f"{seed}:traits:{key}"))
    kind = rng.random()
    if kind < 0.55:  # dependable merchants
        late, cancel = rng.uniform(0.0, 0.04), rng.uniform(0.0, 0.01)
        missing = (0.0, 0.01)
    elif kind < 0.85:  # average
        late, cancel = rng.uniform(0.04, 0.12), rng.uniform(0.01, 0.03)
        missing = (0.0, 0.04)
    else:  # struggling
        late, cancel = rng.uniform(0.12, 0.35), rng.uniform(0.03, 0.10)
        missing = (0.03, 0.12)
    price_level = round(rng.uniform(0.86, 1.14), 3)
    handling_days = rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5))
    assortment = round(rng.uniform(0.3, 1.0), 3)
    return SellerTraits(
        price_level=price_level,
        handling_days=handling_days,
        late_shipment_rate=round(late, 4),
        cancel_rate=round(cancel, 4),
        assortment=assortment,
        # Drawn last, so the traits above stay what earlier versions drew.
        missing_scan_rate=round(rng.uniform(*missing), 4),
    )


def platform_traits() -> SellerTraits:
    """The platform's own network: fast, reliable, priced at the reference."""
    return SellerTraits(
        price_level=1.0,
        handling_days=1,
        late_shipment_rate=0.005,
        cancel_rate=0.001,
        assortment=1.0,
    )


def _stable(text: str) -> int:
    """A seed from text that does not change between Python processes."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def event_rng(seed: int, *keys: object) -> random.Random:
    """A generator for one decision (an order's fate...), independent of the order
    in which the simulator happens to visit things."""
    return random.Random(_stable(":".join([str(seed), *map(str, keys)])))


def pick_carrier(marketplace: str, rng: random.Random) -> str:
    return rng.choice(CARRIERS_BY_MARKETPLACE.get(marketplace, ("DHL",)))


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def _letters(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(count))


def ups_check_digit(body: str) -> int:
    """UPS's check digit over the 15 characters after ``1Z``: letters count as
    (code - 63) mod 10, odd positions double, and the digit tops the sum up to a
    multiple of ten."""
    total = 0
    for index, char in enumerate(body):
        value = int(char) if char.isdigit() else (ord(char) - 63) % 10
        total += value * (2 if index % 2 else 1)
    return (10 - total % 10) % 10


def usps_check_digit(body: str) -> int:
    """USPS (GS1 mod 10): weights 3 and 1 from the right of the body."""
    total = 0
    for index, char in enumerate(reversed(body)):
        total += int(char) * (3 if index % 2 == 0 else 1)
    return (10 - total % 10) % 10


def tracking_number(carrier: str, rng: random.Random) -> str:
    """A tracking number in the carrier's own format, check digit included."""
    if carrier == "UPS":
        body = (
            "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(6))
            + rng.choice(("01", "02", "03", "12", "13"))
            + _digits(rng, 7)
        )
        return f"1Z{body}{ups_check_digit(body)}"
    if carrier == "USPS":
        body = "94" + _digits(rng, 19)
        return f"{body}{usps_check_digit(body)}"
    if carrier == "FedEx":
        return _digits(rng, 12)
    if carrier == "DHL":
        return _digits(rng, 10)
    if carrier == "DPD":
        return _digits(rng, 14)
    if carrier == "Canada Post":
        return _digits(rng, 16)
    if carrier == "Japan Post":
        return _digits(rng, 12)
    suffix = {"Royal Mail": "GB", "India Post": "IN", "Correos": "ES"}.get(carrier)
    if suffix is None:
        raise ValueError(f"no tracking format for carrier {carrier!r}")
    return f"{_letters(rng, 2)}{_digits(rng, 9)}{suffix}"
