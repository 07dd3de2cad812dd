"""Read queries behind the storefront's listings (home shelves, titles in the reader's language).

They only select; which offer is featured and what it costs comes from the
offers service, so the buy box and the tiles always agree.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, selectinload

from souk.catalog.models import Category, Product
from souk.globalselling.models import ProductTranslation
from souk.offers.models import Offer


def _in_tree(category: Category):  # type: ignore[no-untyped-def]
    subtree = select(Category.id).where(
        or_(Category.path == category.path, Category.path.startswith(category.path + "/"))
    )
    return Product.category_id.in_(subtree)


def _on_sale(marketplace: str):  # type: ignore[no-untyped-def]
    return exists().where(
        Offer.asin == Product.asin,
        Offer.marketplace == marketplace,
        Offer.is_active.is_(True),
        Offer.quantity > 0,
    )


def shelf(session: Session, category: Category, marketplace: str, size: int) -> list[Product]:
    """A few products of a category for the home page, newest pages first."""
    return list(
        session.scalars(
            select(Product)
            .where(_in_tree(category), _on_sale(marketplace))
            .order_by(Product.created_at.desc(), Product.asin)
            .limit(size)
            .options(selectinload(Product.images))
        )
    )


def with_images(session: Session, products: list[Product]) -> list[Product]:
    """The same products with their images loaded, in the same order."""
    if not products:
        return []
    rows = session.scalars(
        select(Product)
        .where(Product.asin.in_([p.asin for p in products]))
        .options(selectinload(Product.images))
    )
    loaded = {p.asin: p for p in rows}
    return [loaded[p.asin] for p in products if p.asin in loaded]


def product_titles(session: Session, asins: Iterable[str], language: str) -> dict[str, str]:
    """Translated titles of these products in ``language``, in one query.

    Products without a title in that language are absent: the caller falls back
    to the catalog's own words.
    """
    wanted = sorted(set(asins))
    if not wanted:
        return {}
    rows = session.execute(
        select(ProductTranslation.asin, ProductTranslation.title).where(
            ProductTranslation.language == language, ProductTranslation.asin.in_(wanted)
        )
    )
    return {asin: title for asin, title in rows if title}
