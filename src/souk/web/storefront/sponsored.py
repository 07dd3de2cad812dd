"""Sponsored Products on storefront pages: who the visitor is for the auction,
the "Sponsored" cards on search and product pages, and the click redirect that
charges the advertiser (ads.service.click) before showing the product."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, selectinload

from souk.ads.service import SponsoredSlot, click, product_page_auction
from souk.catalog.models import Product
from souk.catalog.service import get_product
from souk.core.errors import NotFound
from souk.offers.service import ProductOffers, offers_for_products
from souk.web.deps import current_marketplace, db, guest_token, read_db, runtime
from souk.web.pages import ENV, render, url_number

router = APIRouter()
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SponsoredCard:
    """One sponsored slot ready for a template: the product, its offers, its click link."""

    slot: SponsoredSlot
    product: Product
    offers: ProductOffers | None

    @property
    def href(self) -> str:
        return f"/sp/click/{self.slot.impression_id}"


def visitor_of(request: Request) -> str:
    """The auction's and click guard's visitor: ``u:<user id>`` when signed in,
    else ``c:<the guest's id>``."""
    user_id = request.session.get("user_id")
    if user_id is not None:
        return f"u:{user_id}"
    return f"c:{guest_token(request)}"


def products_with_images(session: Session, asins: list[str]) -> dict[str, Product]:
    """The products by ASIN with their images, in one query plus one for images."""
    if not asins:
        return {}
    rows = session.scalars(
        select(Product).where(Product.asin.in_(asins)).options(selectinload(Product.images))
    )
    return {p.asin: p for p in rows}


def cards(session: Session, slots: list[SponsoredSlot], marketplace: str) -> list[SponsoredCard]:
    """Products (with images) and offers for the slots an auction awarded."""
    if not slots:
        return []
    asins = [s.asin for s in slots]
    products = products_with_images(session, asins)
    offers = offers_for_products(session, asins, marketplace)
    return [
        SponsoredCard(s, products[s.asin], offers.get(s.asin)) for s in slots if s.asin in products
    ]


def related_to(request: Request, asin: str) -> list[SponsoredCard]:
    """ "Sponsored products related to this item" for a product page.

    Runs the product-page auction (which records impressions) in its own
    session, so the product page's session stays read-only.
    """
    rt = runtime(request)
    market = current_marketplace(request)
    # A deferred transaction: most product pages have no eligible ads and so never
    # write, and on SQLite they then never wait for the write lock.
    with rt.read_sessions() as session:
        try:
            slots = product_page_auction(
                session, rt.clock, marketplace=market.code, asin=asin, visitor=visitor_of(request)
            )
        except OperationalError:
            # Busy recording impressions: show the page without ads rather than fail it.
            log.warning("sponsored products skipped on %s", asin, exc_info=True)
            session.rollback()
            return []
        return cards(session, slots, market.code)


# The product page's fragment asks for its sponsored carousel with one include.
ENV.globals["sponsored_related"] = related_to


@router.get("/dp/{asin}/sponsored", response_class=HTMLResponse)
def sponsored_fragment(
    request: Request, asin: str, session: Session = Depends(read_db)
) -> Response:
    """The product page's "Sponsored products related to this item", fetched after the page."""
    product = get_product(session, asin)
    return render(request, "partials/sponsored_fragment.html", product=product)


@router.get("/sp/click/{impression_id}")
def sponsored_click(
    request: Request, impression_id: str, session: Session = Depends(db)
) -> RedirectResponse:
    """Count (and, unless it is a repeat, charge) the click, then show the product."""
    impression = url_number(impression_id)
    if impression is None:
        raise NotFound("No such sponsored result.")
    clock, visitor = runtime(request).clock, visitor_of(request)
    outcome = click(session, clock, impression_id=impression, visitor=visitor)
    return RedirectResponse(f"/dp/{outcome.asin}", status_code=303)
