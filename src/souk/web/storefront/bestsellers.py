"""Best Sellers pages (per category, from rankings) and the product page's
"#N in Category" line."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from souk.catalog.models import Category
from souk.catalog.service import category_by_path, category_chain, child_categories, top_categories
from souk.offers.service import offers_for_products
from souk.rankings.service import CategoryRank, best_sellers, product_ranks
from souk.web.deps import current_marketplace, read_db, runtime
from souk.web.pages import ENV, render
from souk.web.storefront.sponsored import products_with_images

router = APIRouter()

# How many best sellers each page shows: a row per department on the overview.
OVERVIEW_SIZE = 6
CATEGORY_SIZE = 50


def ranks_of(request: Request, asin: str) -> list[CategoryRank]:
    """The product's Best Sellers Ranks in the buyer's marketplace, broadest first."""
    with runtime(request).read_sessions() as session:
        ranks = product_ranks(session, asin, current_marketplace(request).code)
        for rank in ranks:
            session.expunge(rank.category)
        return ranks


# The product page template shows the ranks with one include.
ENV.globals["sales_ranks"] = ranks_of


def _ranked(
    session: Session, marketplace: str, category: Category, limit: int
) -> list[tuple[int, object, object]]:
    """(rank, product, offers) of a category's best sellers that are still in the catalog."""
    ranked = best_sellers(session, marketplace, category.id, limit=limit)
    products = products_with_images(session, [asin for asin, _ in ranked])
    offers = offers_for_products(session, list(products), marketplace)
    return [(rank, products[asin], offers.get(asin)) for asin, rank in ranked if asin in products]


@router.get("/bestsellers", response_class=HTMLResponse)
def overview(request: Request, session: Session = Depends(read_db)) -> HTMLResponse:
    market = current_marketplace(request)
    rows = []
    for category in top_categories(session):
        ranked = _ranked(session, market.code, category, OVERVIEW_SIZE)
        if ranked:
            rows.append((category, ranked))
    return render(
        request,
        "storefront/bestsellers.html",
        category=None,
        chain=[],
        children=top_categories(session),
        rows=rows,
    )


@router.get("/bestsellers/{path:path}", response_class=HTMLResponse)
def category_best_sellers(
    request: Request, path: str, session: Session = Depends(read_db)
) -> HTMLResponse:
    market = current_marketplace(request)
    category = category_by_path(session, path.replace("\x00", "").strip("/"))
    return render(
        request,
        "storefront/bestsellers.html",
        category=category,
        chain=category_chain(session, category),
        children=child_categories(session, category.id),
        ranked=_ranked(session, market.code, category, CATEGORY_SIZE),
    )
