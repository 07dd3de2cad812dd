"""Generated product shots: square JPEGs with a product on a light background."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from souk.core.storage import check_image
from souk.simulation.images import SHAPES, SIZE, ImageSpec, render


@pytest.mark.parametrize("shape", SHAPES)
def test_each_shape_is_a_coloured_product_on_a_light_background(shape: str) -> None:
    data = render(ImageSpec(shape, (200, 30, 40), "Northwind", title="The Matrix"))
    checked = check_image(data)
    assert (checked.extension, checked.width, checked.height) == ("jpg", SIZE, SIZE)
    image = Image.open(io.BytesIO(data)).convert("RGB")
    corner = image.getpixel((5, 5))
    assert min(corner) > 235  # studio background
    pixels = image.resize((60, 60)).tobytes()
    reds = sum(
        1
        for i in range(0, len(pixels), 3)
        if pixels[i] > 150 and pixels[i + 1] < 90 and pixels[i + 2] < 100
    )
    assert reds > 60  # the product itself, in its colour, fills a good part of the frame


def test_rendering_is_deterministic() -> None:
    spec = ImageSpec("bottle", (30, 90, 180), "Acme")
    assert render(spec) == render(spec)
    assert render(spec) != render(ImageSpec("bottle", (30, 90, 180), "Other Brand"))
