"""Catalog use cases on both databases: product pages, duplicates, images, variations."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from souk.catalog.models import Category, Product, ProductImage
from souk.catalog.rules import ProductDraft
from souk.catalog.service import (
    add_image,
    category_chain,
    create_product,
    ensure_category,
    find_by_identifier,
    get_product,
    match_titles,
    variation_children,
)
from souk.core.errors import InvalidInput, NotFound
from souk.core.events import OutboxEvent
from souk.core.ids import is_asin


def _png(width: int = 300, height: int = 300, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


def _draft(**changes) -> ProductDraft:
    fields = dict(
        title="Acme Electric Kettle 1.7 L",
        category_path="Home & Kitchen/Kitchen/Kettles",
        brand="Acme",
        bullets=("Boils fast", "Auto shut-off"),
        gtin="036000291452",
        attributes={"colour": "steel", "empty": " "},
    )
    fields.update(changes)
    return ProductDraft(**fields)


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_create_product_page(rt, session):
    result = create_product(session, rt.clock, _draft())
    product = result.product
    assert result.created and is_asin(product.asin)
    assert product.gtin == "00036000291452"
    assert product.brand.name == "Acme"
    assert product.category.path == "home-kitchen/kitchen/kettles"
    assert product.attributes == {"colour": "steel"}
    assert [c.name for c in category_chain(session, product.category)] == [
        "Home & Kitchen",
        "Kitchen",
        "Kettles",
    ]
    assert session.scalars(select(OutboxEvent.topic)).all() == ["product.created"]


def test_same_gtin_returns_the_existing_page(rt, session):
    first = create_product(session, rt.clock, _draft()).product
    again = create_product(
        session,
        rt.clock,
        _draft(title="Totally different words", brand="Other", gtin="0036000291452"),
    )
    assert not again.created and again.product.asin == first.asin
    assert _count(session, Product) == 1


def test_same_brand_and_normalised_title_returns_the_existing_page(rt, session):
    first = create_product(session, rt.clock, _draft(gtin=None)).product
    again = create_product(
        session, rt.clock, _draft(title="ACME electric kettle, 1.7l", brand="acme", gtin=None)
    )
    assert not again.created and again.product.asin == first.asin
    other_brand = create_product(session, rt.clock, _draft(brand="Zenith", gtin=None))
    assert other_brand.created
    assert _count(session, Product) == 2


def test_bad_gtin_writes_nothing(rt, session):
    with pytest.raises(InvalidInput) as error:
        create_product(session, rt.clock, _draft(gtin="036000291453"))
    assert error.value.field == "gtin"
    assert _count(session, Product) == 0 and _count(session, Category) == 0


def test_images_are_checked_and_stored(rt, session):
    result = create_product(
        session,
        rt.clock,
        _draft(),
        images=[(_png(), "front"), (_png(400, 200, "JPEG"), "")],
        media=rt.media,
    )
    product = get_product(session, result.product.asin)
    assert [(i.position, i.width, i.height) for i in product.images] == [
        (0, 300, 300),
        (1, 400, 200),
    ]
    assert product.images[1].storage_key.endswith(".jpg")
    assert rt.media.read(product.images[0].storage_key) == _png()
    assert product.images[1].alt_text == product.title


@pytest.mark.parametrize(
    "data", [b"not an image at all", _png(50, 300), _png(99, 99), b"GIF89a" + b"\x00" * 50]
)
def test_bad_images_refuse_the_whole_product(rt, session, data):
    with pytest.raises(InvalidInput) as error:
        create_product(
            session, rt.clock, _draft(), images=[(_png(), ""), (data, "")], media=rt.media
        )
    assert error.value.field == "images"
    assert _count(session, Product) == 0 and _count(session, ProductImage) == 0


def test_add_image_up_to_the_limit(rt, session):
    product = create_product(session, rt.clock, _draft()).product
    for _ in range(9):
        add_image(session, rt.media, product.asin, _png())
    with pytest.raises(InvalidInput):
        add_image(session, rt.media, product.asin, _png())
    with pytest.raises(InvalidInput):
        add_image(
            session,
            rt.media,
            create_product(session, rt.clock, _draft(title="Other", gtin=None)).product.asin,
            b"junk",
        )
    assert _count(session, ProductImage) == 9


def test_variation_family(rt, session):
    parent = create_product(session, rt.clock, _draft(title="Acme T-Shirt", gtin=None)).product
    small = create_product(
        session,
        rt.clock,
        _draft(title="Acme T-Shirt Small Red", gtin=None),
        parent_asin=parent.asin,
        variation_theme="SizeColor",
        variation_values={"size": "S", "color": "Red"},
    ).product
    large = create_product(
        session,
        rt.clock,
        _draft(title="Acme T-Shirt Large Red", gtin=None),
        parent_asin=parent.asin,
        variation_theme="SizeColor",
        variation_values={"size": "L", "color": "Red"},
    ).product
    assert {p.asin for p in variation_children(session, parent.asin)} == {small.asin, large.asin}
    assert small.variation_values == {"size": "S", "color": "Red"}
    with pytest.raises(InvalidInput):
        create_product(
            session, rt.clock, _draft(title="Grandchild", gtin=None), parent_asin=small.asin
        )
    with pytest.raises(NotFound):
        create_product(
            session, rt.clock, _draft(title="Orphan", gtin=None), parent_asin="B0NOSUCH00"
        )


def test_find_by_identifier_and_match_titles(rt, session):
    product = create_product(session, rt.clock, _draft()).product
    assert find_by_identifier(session, product.asin.lower()).asin == product.asin
    assert find_by_identifier(session, "0036000291452").asin == product.asin
    assert find_by_identifier(session, "036000291453") is None
    assert [p.asin for p in match_titles(session, "kettle acme")] == [product.asin]
    assert match_titles(session, "toaster") == []
    assert match_titles(session, "  !! ") == []


def test_ensure_category_reuses_levels(rt, session):
    a = ensure_category(session, "Books/Fiction")
    b = ensure_category(session, " Books / Fiction ")
    assert a.id == b.id and a.depth == 1
    assert _count(session, Category) == 2
    with pytest.raises(InvalidInput):
        ensure_category(session, " / ")
