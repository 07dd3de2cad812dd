"""The product page's widgets read together give what each widget gives alone,
including when the best candidates cannot be shown and more have to be read."""

from __future__ import annotations

from datetime import UTC, datetime

import scipy.sparse as sp
from sqlalchemy.orm import Session

from souk.catalog.models import Product
from souk.core.clock import FrozenClock
from souk.core.policy import default_policy
from souk.core.runtime import Runtime
from souk.recs import service
from souk.recs.store import StoredModel
from tests import factories as f

CAROUSEL = default_policy().for_marketplace("US").recs.carousel_size


def _model(page: str, kind: str, neighbours: list[str]) -> StoredModel:
    """A model where ``page``'s ``kind`` list is ``neighbours``, best first."""
    asins = [page, *neighbours]
    scores = [float(len(neighbours) - n) for n in range(len(neighbours))]
    matrix = sp.csr_matrix(
        (scores, ([0] * len(neighbours), list(range(1, len(asins))))),
        shape=(len(asins), len(asins)),
    )
    return StoredModel(asins, {kind: matrix}, datetime(2026, 1, 1, tzinfo=UTC))


def test_unbuyable_leaders_are_skipped_and_the_carousel_still_fills(
    rt: Runtime, session: Session, clock: FrozenClock
) -> None:
    seller = f.seller(session, clock)
    page = f.product(session, clock, title="Kitchen kettle page deluxe")
    f.offer(session, clock, seller_id=seller.id, asin=page.asin)
    candidates = []
    for n in range(3 * CAROUSEL):
        product = f.product(session, clock, title=f"Kitchen thing number {n} deluxe")
        # Most of the best-scored ones are sold out: more than one read is needed.
        sold_out = n < 2 * CAROUSEL and n % 3 != 0
        f.offer(
            session,
            clock,
            seller_id=seller.id,
            asin=product.asin,
            price=f"{10 + n}.00",
            quantity=0 if sold_out else 5,
        )
        candidates.append((product.asin, sold_out))
    session.commit()
    gone = "B0GONE0000"  # in the model, since deleted from the catalogue
    ranked = [gone, *(asin for asin, _ in candidates)]
    model = _model(page.asin, "bought", ranked)
    product = session.get(Product, page.asin)
    assert product is not None

    widgets = service.product_page_widgets(session, model, product, "US")

    expected = [asin for asin, sold_out in candidates if not sold_out][:CAROUSEL]
    assert [p.product.asin for p in widgets.also_bought] == expected
    alone = service.customers_also(session, model, product, "US", "bought")
    assert [(p.product.asin, p.offer.offer_id) for p in widgets.also_bought] == [
        (p.product.asin, p.offer.offer_id) for p in alone
    ]
    assert all(p.product.images is not None for p in widgets.also_bought)
    assert widgets.bundle is None  # nothing bought together in this model


def test_the_bundle_needs_the_product_itself_to_be_buyable(
    rt: Runtime, session: Session, clock: FrozenClock
) -> None:
    seller = f.seller(session, clock)
    page = f.product(session, clock, title="Kitchen pasta pot deluxe")
    companion = f.product(session, clock, title="Kitchen pasta sauce deluxe")
    own = f.offer(session, clock, seller_id=seller.id, asin=page.asin, quantity=3)
    f.offer(session, clock, seller_id=seller.id, asin=companion.asin)
    session.commit()
    model = _model(page.asin, "together", [companion.asin])
    product = session.get(Product, page.asin)
    assert product is not None

    widgets = service.product_page_widgets(session, model, product, "US")
    assert widgets.bundle is not None
    assert [p.product.asin for p in widgets.bundle.items] == [page.asin, companion.asin]
    alone = service.frequently_bought_together(session, model, product, "US")
    assert alone is not None and alone.total == widgets.bundle.total

    own.quantity = 0
    session.commit()
    assert service.product_page_widgets(session, model, product, "US").bundle is None
    assert service.frequently_bought_together(session, model, product, "US") is None
