"""Use cases for the catalog: categories, brands, product pages, images."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from souk.catalog.models import Brand, Category, Product, ProductImage, ProductMerge
from souk.catalog.rules import (
    MAX_IMAGES,
    ProductDraft,
    check_product_draft,
    normalise_gtin,
    normalise_text,
    normalise_title,
    slugify,
)
from souk.core.clock import Clock
from souk.core.errors import InvalidInput, NotFound
from souk.core.events import emit
from souk.core.ids import new_asin
from souk.core.storage import MediaStorage, check_image


@dataclass(frozen=True)
class ProductCreated:
    product: Product
    #: False when the product already existed: the seller attaches an offer to it.
    created: bool


def ensure_category(session: Session, path: str) -> Category:
    """The category at ``"Home & Kitchen/Kitchen/Knives"``, creating missing levels."""
    names = [part.strip() for part in path.split("/") if part.strip()]
    if not names:
        raise InvalidInput("Choose a category.", field="category")
    parent: Category | None = None
    slug_path = ""
    for depth, name in enumerate(names):
        slug_path = f"{slug_path}/{slugify(name)}".lstrip("/")
        category = session.scalar(select(Category).where(Category.path == slug_path))
        if category is None:
            category = Category(
                name=name,
                slug=slugify(name),
                path=slug_path,
                depth=depth,
                parent_id=parent.id if parent else None,
            )
            session.add(category)
            session.flush()
        parent = category
    assert parent is not None
    return parent


def category_by_path(session: Session, path: str) -> Category:
    category = session.scalar(select(Category).where(Category.path == path))
    if category is None:
        raise NotFound(f"No category {path!r}.")
    return category


def category_chain(session: Session, category: Category) -> list[Category]:
    """The category's ancestors from the root down, the category last (for breadcrumbs)."""
    prefixes = []
    parts = category.path.split("/")
    for end in range(1, len(parts) + 1):
        prefixes.append("/".join(parts[:end]))
    rows = {c.path: c for c in session.scalars(select(Category).where(Category.path.in_(prefixes)))}
    return [rows[p] for p in prefixes if p in rows]


def top_categories(session: Session) -> list[Category]:
    return list(
        session.scalars(
            select(Category).where(Category.parent_id.is_(None)).order_by(Category.name)
        )
    )


def child_categories(session: Session, category_id: int) -> list[Category]:
    return list(
        session.scalars(
            select(Category).where(Category.parent_id == category_id).order_by(Category.name)
        )
    )


def ensure_brand(session: Session, name: str) -> Brand | None:
    if not name.strip():
        return None
    key = normalise_text(name)
    brand = session.scalar(select(Brand).where(Brand.normalised_name == key))
    if brand is None:
        brand = Brand(name=" ".join(name.split()), normalised_name=key)
        session.add(brand)
        session.flush()
    return brand


def find_existing_product(session: Session, draft: ProductDraft) -> Product | None:
    """The page this draft duplicates: same GTIN, or same brand and normalised title."""
    if draft.gtin:
        found = session.scalar(select(Product).where(Product.gtin == normalise_gtin(draft.gtin)))
        if found is not None:
            return found
    if draft.brand.strip():
        brand = session.scalar(
            select(Brand).where(Brand.normalised_name == normalise_text(draft.brand))
        )
        if brand is not None:
            return session.scalar(
                select(Product).where(
                    Product.brand_id == brand.id,
                    Product.normalised_title == normalise_title(draft.title, draft.brand),
                )
            )
    return None


def create_product(
    session: Session,
    clock: Clock,
    draft: ProductDraft,
    *,
    seller_id: str | None = None,
    images: Sequence[tuple[bytes, str]] = (),
    media: MediaStorage | None = None,
    parent_asin: str | None = None,
    variation_theme: str = "",
    variation_values: dict[str, str] | None = None,
    commit: bool = True,
) -> ProductCreated:
    """Create a product page, or return the existing one for the same product.

    ``images`` are (bytes, alt text) pairs, checked before anything is written.
    """
    check_product_draft(draft, image_count=len(images))
    existing = find_existing_product(session, draft)
    if existing is not None:
        return ProductCreated(existing, created=False)
    checked = [(check_image(data), alt) for data, alt in images]
    if checked and media is None:
        raise InvalidInput("No media storage configured for images.")
    if parent_asin is not None:
        parent = get_product(session, parent_asin)
        if parent.parent_asin is not None:
            raise InvalidInput("A variation child cannot have children.", field="parent_asin")
    brand = ensure_brand(session, draft.brand)
    category = ensure_category(session, draft.category_path)
    now = clock.now()
    product = Product(
        asin=new_asin(),
        title=" ".join(draft.title.split()),
        normalised_title=normalise_title(draft.title, draft.brand),
        brand_id=brand.id if brand else None,
        category_id=category.id,
        description=draft.description.strip(),
        bullets=[b.strip() for b in draft.bullets if b.strip()],
        attributes={k: v for k, v in draft.attributes.items() if str(v).strip()},
        gtin=normalise_gtin(draft.gtin) if draft.gtin else None,
        parent_asin=parent_asin,
        variation_theme=variation_theme,
        variation_values=variation_values or {},
        created_by_seller_id=seller_id,
        created_at=now,
        updated_at=now,
    )
    session.add(product)
    session.flush()
    for position, (image, alt) in enumerate(checked):
        key = f"products/{product.asin}/{position}.{image.extension}"
        assert media is not None
        media.save(key, image.data)
        session.add(
            ProductImage(
                asin=product.asin,
                position=position,
                storage_key=key,
                alt_text=alt or product.title[:300],
                width=image.width,
                height=image.height,
            )
        )
    emit(session, "product.created", product.asin, {"asin": product.asin}, now)
    if commit:
        session.commit()
    return ProductCreated(product, created=True)


def add_image(
    session: Session,
    media: MediaStorage,
    asin: str,
    data: bytes,
    alt: str = "",
    *,
    commit: bool = True,
) -> ProductImage:
    product = get_product(session, asin)
    # Read positions from the database: ``product.images`` may have been loaded
    # earlier in this session, before images added since.
    positions = list(
        session.scalars(select(ProductImage.position).where(ProductImage.asin == asin))
    )
    if len(positions) >= MAX_IMAGES:
        raise InvalidInput(f"A product has at most {MAX_IMAGES} images.", field="images")
    image = check_image(data)
    position = max(positions, default=-1) + 1
    key = f"products/{asin}/{position}.{image.extension}"
    media.save(key, image.data)
    row = ProductImage(
        asin=asin,
        position=position,
        storage_key=key,
        alt_text=alt or product.title[:300],
        width=image.width,
        height=image.height,
    )
    session.add(row)
    session.flush()
    session.expire(product, ["images"])
    if commit:
        session.commit()
    return row


def get_product(session: Session, asin: str) -> Product:
    product = session.scalar(
        select(Product).where(Product.asin == asin).options(selectinload(Product.images))
    )
    if product is None:
        raise NotFound(f"No product {asin}.", field="asin")
    return product


def products_by_asin(session: Session, asins: Sequence[str]) -> dict[str, Product]:
    rows = session.scalars(
        select(Product).where(Product.asin.in_(list(asins))).options(selectinload(Product.images))
    )
    return {p.asin: p for p in rows}


def variation_children(session: Session, parent_asin: str) -> list[Product]:
    return list(
        session.scalars(
            select(Product).where(Product.parent_asin == parent_asin).order_by(Product.asin)
        )
    )


def find_by_identifier(session: Session, code: str) -> Product | None:
    """A product by ASIN or by UPC/EAN/GTIN."""
    code = code.strip().upper()
    if code.startswith("B0"):
        return session.get(Product, code)
    try:
        gtin = normalise_gtin(code)
    except InvalidInput:
        return None
    return session.scalar(select(Product).where(Product.gtin == gtin))


def match_titles(session: Session, text: str, *, limit: int = 20) -> list[Product]:
    """Products whose title has every word of ``text`` (sellers finding a page to sell on).
    Buyers' search, with ranking, lives in the search capability."""
    words = normalise_text(text).split()[:6]
    if not words:
        return []
    query = select(Product)
    for word in words:
        query = query.where(
            or_(Product.normalised_title.contains(word), func.lower(Product.title).contains(word))
        )
    return list(session.scalars(query.order_by(Product.title).limit(limit)))


@dataclass(frozen=True)
class ProductsMerged:
    duplicate_asin: str
    kept_asin: str
    offers_moved: int


def merged_into(session: Session, asin: str) -> str | None:
    """The page a merged duplicate now redirects to, if ``asin`` was merged away."""
    return session.scalar(select(ProductMerge.kept_asin).where(ProductMerge.duplicate_asin == asin))


def merge_products(
    session: Session, clock: Clock, *, duplicate_asin: str, kept_asin: str, commit: bool = True
) -> ProductsMerged:
    """Fold a duplicate product page into the page kept.

    The duplicate's offers move to the kept page (sellers keep their SKUs and
    stock); past order lines keep the ASIN they were bought under, since order
    history is frozen at purchase, and the duplicate's address redirects to
    the kept page so those links still lead somewhere.
    """
    # Offers are the offers capability's rows; a merge must move them in the
    # same transaction as the merge record, so it is done here (no service call
    # would share the transaction) and announced with offer.changed events.
    from souk.offers.models import Offer

    duplicate_asin, kept_asin = duplicate_asin.strip().upper(), kept_asin.strip().upper()
    if duplicate_asin == kept_asin:
        raise InvalidInput("Choose two different products to merge.", field="kept_asin")
    duplicate = session.get(Product, duplicate_asin)
    if duplicate is None:
        raise NotFound(f"No product {duplicate_asin}.", field="duplicate_asin")
    kept = session.get(Product, kept_asin)
    if kept is None:
        raise NotFound(f"No product {kept_asin}.", field="kept_asin")
    if merged_into(session, duplicate_asin) is not None:
        raise InvalidInput(f"{duplicate_asin} was already merged.", field="duplicate_asin")
    target = merged_into(session, kept_asin)
    if target is not None:
        raise InvalidInput(
            f"{kept_asin} was itself merged into {target}; merge into {target}.",
            field="kept_asin",
        )
    for asin, field in ((duplicate_asin, "duplicate_asin"), (kept_asin, "kept_asin")):
        if session.scalar(select(Product.asin).where(Product.parent_asin == asin).limit(1)):
            raise InvalidInput(
                f"{asin} is a variation parent; merge its variations one by one.", field=field
            )
    now = clock.now()
    moved = list(session.scalars(select(Offer).where(Offer.asin == duplicate_asin)))
    for offer in moved:
        offer.asin = kept_asin
        offer.updated_at = now
    session.add(
        ProductMerge(
            duplicate_asin=duplicate_asin,
            kept_asin=kept_asin,
            offers_moved=len(moved),
            merged_at=now,
        )
    )
    session.flush()
    for offer in moved:
        # One event for each page: the duplicate lost the offer, the kept page gained it.
        for asin, change in ((duplicate_asin, "moved_away"), (kept_asin, "merged_in")):
            emit(
                session,
                "offer.changed",
                asin,
                {
                    "offer_id": offer.id,
                    "asin": asin,
                    "seller_id": offer.seller_id,
                    "marketplace": offer.marketplace,
                    "sku": offer.sku,
                    "change": change,
                    "price_minor": offer.price_minor,
                    "shipping_minor": offer.shipping_minor,
                    "quantity": offer.quantity,
                    "currency": offer.currency,
                },
                now,
            )
    emit(
        session,
        "product.merged",
        duplicate_asin,
        {"duplicate_asin": duplicate_asin, "kept_asin": kept_asin, "offers_moved": len(moved)},
        now,
    )
    if commit:
        session.commit()
    return ProductsMerged(duplicate_asin, kept_asin, len(moved))


def brand_by_name(session: Session, name: str) -> Brand:
    brand = session.scalar(select(Brand).where(Brand.normalised_name == normalise_text(name)))
    if brand is None:
        raise NotFound(f"No brand {name!r}.", field="brand")
    return brand


def brand_products(
    session: Session, brand_id: int, *, limit: int = 24, offset: int = 0
) -> tuple[list[Product], int]:
    """A page of the brand's live products (merged duplicates left out) and how many there are."""
    live = (
        Product.brand_id == brand_id,
        Product.asin.not_in(select(ProductMerge.duplicate_asin)),
    )
    total = session.scalar(select(func.count()).select_from(Product).where(*live)) or 0
    rows = session.scalars(
        select(Product)
        .where(*live)
        .order_by(Product.title, Product.asin)
        .limit(limit)
        .offset(offset)
        .options(selectinload(Product.images))
    )
    return list(rows), total
