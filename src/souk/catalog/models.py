"""The one catalog: products (ASIN), brands, browse categories, images."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from souk.core.db import Base


class Category(Base):
    """A browse node; ``path`` is the slash-joined chain of slugs from the root."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(120))
    path: Mapped[str] = mapped_column(String(500), unique=True)
    depth: Mapped[int] = mapped_column(default=0)


class Brand(Base):
    __tablename__ = "brands"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    normalised_name: Mapped[str] = mapped_column(String(120), unique=True)


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (Index("ix_products_brand_title", "brand_id", "normalised_title"),)

    asin: Mapped[str] = mapped_column(String(10), primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    normalised_title: Mapped[str] = mapped_column(String(500))
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    bullets: Mapped[list[Any]] = mapped_column(default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)
    #: Variation family: children point at a parent that is not itself sold.
    parent_asin: Mapped[str | None] = mapped_column(ForeignKey("products.asin"), index=True)
    variation_theme: Mapped[str] = mapped_column(String(60), default="")
    variation_values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by_seller_id: Mapped[str | None] = mapped_column(ForeignKey("sellers.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    brand: Mapped[Brand | None] = relationship(lazy="joined")
    category: Mapped[Category] = relationship(lazy="joined")
    images: Mapped[list[ProductImage]] = relationship(
        order_by="ProductImage.position", cascade="all, delete-orphan"
    )


class ProductImage(Base):
    __tablename__ = "product_images"
    __table_args__ = (UniqueConstraint("asin", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asin: Mapped[str] = mapped_column(ForeignKey("products.asin", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(200))
    alt_text: Mapped[str] = mapped_column(String(300), default="")
    width: Mapped[int] = mapped_column(default=0)
    height: Mapped[int] = mapped_column(default=0)


class ProductMerge(Base):
    """A duplicate product page merged into the page kept; its address redirects there."""

    __tablename__ = "product_merges"

    duplicate_asin: Mapped[str] = mapped_column(ForeignKey("products.asin"), primary_key=True)
    kept_asin: Mapped[str] = mapped_column(ForeignKey("products.asin"), index=True)
    offers_moved: Mapped[int] = mapped_column(default=0)
    merged_at: Mapped[datetime]
