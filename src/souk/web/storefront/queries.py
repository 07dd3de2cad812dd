"""Read queries behind the storefront's browse pages (shelves, category grids).

They only select; which offer is featured and what it costs comes from the
offers service, so the buy box and the tiles always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from souk.catalog.models import Category, Product
from souk.offers.models import Offer
from souk.offers.service import ProductOffers, offers_for_products


@dataclass(frozen=True)
class ProductPage:
    """One page of a product grid with each product's offers."""

    products: list[Product]
    offers: dict[str, ProductOffers]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)


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


def category_products(
    session: Session, category: Category, marketplace: str, *, page: int, per_page: int
) -> ProductPage:
    """Products in the category or below it that have an offer in stock in the marketplace."""
    where = (_in_tree(category), _on_sale(marketplace))
    total = session.scalar(select(func.count()).select_from(Product).where(*where)) or 0
    products = list(
        session.scalars(
            select(Product)
            .where(*where)
            .order_by(Product.title, Product.asin)
            .limit(per_page)
            .offset((page - 1) * per_page)
            .options(selectinload(Product.images))
        )
    )
    offers = offers_for_products(session, [p.asin for p in products], marketplace)
    return ProductPage(products, offers, total, page, per_page)


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
