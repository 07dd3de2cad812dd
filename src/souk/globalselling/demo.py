"""Global selling in the demo marketplace: daily exchange rates for the demo's days,
and the demo seller selling in Germany and the United Kingdom with copied offers."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from souk.core.money import Money
from souk.core.runtime import Runtime
from souk.globalselling import service as selling
from souk.sellers.models import Seller

# Mid-market rates the demo starts from (units of the second currency per first).
DEMO_RATES: dict[tuple[str, str], str] = {
    ("USD", "EUR"): "0.9200",
    ("USD", "GBP"): "0.7900",
    ("USD", "JPY"): "150.00",
    ("USD", "CAD"): "1.3600",
    ("USD", "MXN"): "17.10",
    ("USD", "INR"): "83.20",
    ("EUR", "GBP"): "0.8590",
}
# The demo seller (seller@souk.example, based in the US) also sells here.
DEMO_TARGETS = (("DE", 500, "3.99"), ("UK", 300, "2.99"))


def load_global_selling_demo(rt: Runtime, *, seller_email: str, days: int, seed: int) -> int:
    """Record a rate per day (a small daily drift, in basis points) and enable the demo
    seller's copied marketplaces; returns how many offers were copied."""
    rng = random.Random(f"{seed}:fx")
    today = rt.clock.now().date()
    with rt.sessions() as session:
        for (base, quote), start in DEMO_RATES.items():
            rate = Decimal(start)
            for offset in range(days, -1, -1):
                selling.record_rate(
                    session,
                    rt.clock,
                    day=today - timedelta(days=offset),
                    base=base,
                    quote=quote,
                    rate=rate.quantize(Decimal(start)),
                    source="souk demo",
                )
                rate = rate * (10_000 + rng.randint(-40, 40)) / 10_000
        session.commit()
        seller_id = session.scalar(select(Seller.id).where(Seller.email == seller_email))
        if seller_id is None:
            return 0
        for marketplace, margin_bp, shipping in DEMO_TARGETS:
            market_currency = "EUR" if marketplace == "DE" else "GBP"
            selling.enable_marketplace(
                session,
                rt.clock,
                seller_id=seller_id,
                marketplace=marketplace,
                copy_from="US",
                margin_bp=margin_bp,
                shipping=Money.parse(shipping, market_currency),
                handling_days=3,
            )
            session.commit()
        copies = selling.offer_copies(session, seller_id, limit=10_000)
    return sum(1 for _, _, target in copies if target is not None)
