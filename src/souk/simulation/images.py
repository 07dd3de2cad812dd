"""Generated product shots for the demo catalog.

Each image is a clean silhouette for the kind of product (a box, a bottle, a
disc case, a shoe...) in the product's colour, on a light studio background
with a soft floor shadow and the brand printed on it. Shapes are drawn once
per process as anti-aliased masks and then only recoloured, so an image costs
a few milliseconds (most of it JPEG encoding).

This module imports nothing from souk's database layers: the demo loader
renders images in worker processes while it writes the catalog.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFilter, ImageFont

SIZE = 600
_SCALE = 2  # masks are drawn at twice the size and scaled down, for smooth edges
_BACKGROUND = (248, 248, 246)
_Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class ImageSpec:
    """Everything needed to draw one product shot (picklable, for worker processes)."""

    shape: str
    colour: tuple[int, int, int]
    brand: str
    #: Printed on shapes with a cover or a label (disc cases, books).
    title: str = ""
    caption: str = ""


@dataclass(frozen=True)
class _Shape:
    body: Image.Image  # L mask of the product's silhouette
    detail: Image.Image  # L mask of a second tone: screen, cap, label, sole
    shade: Image.Image  # L mask of the shaded side, for some depth
    label: _Box  # where the brand goes, in final pixels
    detail_tone: str  # "dark", "light" or "white"
    label_on: str  # "body", "detail" or "background"


def _canvas() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("L", (SIZE * _SCALE, SIZE * _SCALE), 0)
    return image, ImageDraw.Draw(image)


def _s(*values: float) -> list[float]:
    return [v * _SCALE for v in values]


def _draw_box(body: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw) -> _Box:
    body.rectangle(_s(150, 120, 450, 500), fill=255)
    body.polygon(_s(150, 120, 200, 80, 500, 80, 450, 120), fill=255)
    body.polygon(_s(450, 120, 500, 80, 500, 460, 450, 500), fill=255)
    # The top face catches the light: a lighter tone.
    detail.polygon(_s(158, 116, 203, 84, 488, 84, 446, 116), fill=255)
    detail.rectangle(_s(175, 330, 425, 420), fill=255)
    return (185, 340, 415, 410)


def _draw_bottle(body: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw) -> _Box:
    body.rounded_rectangle(_s(215, 200, 385, 520), radius=40 * _SCALE, fill=255)
    body.polygon(_s(235, 215, 265, 150, 335, 150, 365, 215), fill=255)
    body.rectangle(_s(265, 110, 335, 160), fill=255)
    detail.rounded_rectangle(_s(258, 80, 342, 140), radius=8 * _SCALE, fill=255)
    detail.rectangle(_s(225, 300, 375, 420), fill=255)
    return (225, 300, 375, 420)


def _draw_disc_case(body: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw) -> _Box:
    body.rounded_rectangle(_s(160, 70, 440, 530), radius=12 * _SCALE, fill=255)
    detail.rectangle(_s(172, 82, 428, 518), fill=255)
    return (180, 90, 420, 510)


def _draw_book(body: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw) -> _Box:
    body.rectangle(_s(170, 80, 430, 520), fill=255)
    body.polygon(_s(430, 80, 455, 95, 455, 530, 430, 520), fill=255)
    detail.rectangle(_s(170, 80, 192, 520), fill=255)
    return (200, 120, 415, 480)


def _draw_mug(body: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw) -> _Box:
    body.rounded_rectangle(_s(170, 180, 400, 480), radius=30 * _SCALE, fill=255)
    body.ellipse(_s(360, 240, 480, 400), fill=255)
    body.ellipse(_s(385, 270, 450, 370), fill=0)
    detail.ellipse(_s(172, 165, 398, 205), fill=255)
    return (190, 280, 380, 380)


def _draw_lamp(body: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw) -> _Box:
    body.polygon(_s(200, 280, 250, 90, 350, 90, 400, 280), fill=255)
    body.rectangle(_s(292, 280, 308, 480), fill=255)
    body.ellipse(_s(210, 470, 390, 520), fill=255)
    detail.polygon(_s(220, 270, 258, 110, 342, 110, 380, 270), fill=255)
    return (230, 480, 370, 515)


def _draw_shoe(body: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw) -> _Box:
    # A trainer seen from the side: heel on the left, toe on the right.
    body.polygon(
        _s(
            100, 430, 105, 250, 150, 235, 200, 250, 240, 300, 330, 320, 430, 350, 500, 380, 515, 430
        ),
        fill=255,
    )
    body.ellipse(_s(95, 225, 165, 275), fill=255)
    detail.rounded_rectangle(_s(92, 420, 525, 462), radius=14 * _SCALE, fill=255)
    detail.line(_s(235, 305, 270, 345, 300, 315, 330, 355), fill=255, width=7 * _SCALE)
    return (130, 360, 300, 410)


def _draw_shirt(body: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw) -> _Box:
    body.polygon(
        _s(
            230,
            90,
            130,
            140,
            80,
            250,
            160,
            280,
            180,
            220,
            180,
            520,
            420,
            520,
            420,
            220,
            440,
            280,
            520,
            250,
            470,
            140,
            370,
            90,
        ),
        fill=255,
    )
    body.ellipse(_s(250, 65, 350, 125), fill=0)
    detail.arc(_s(245, 60, 355, 130), 0, 180, fill=255, width=8 * _SCALE)
    return (220, 250, 380, 330)


def _draw_ball(body: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw) -> _Box:
    body.ellipse(_s(140, 110, 460, 430), fill=255)
    detail.arc(_s(140, 110, 460, 430), 200, 340, fill=255, width=10 * _SCALE)
    detail.arc(_s(60, 180, 300, 500), 290, 40, fill=255, width=10 * _SCALE)
    detail.arc(_s(300, 180, 540, 500), 140, 250, fill=255, width=10 * _SCALE)
    return (215, 300, 385, 360)


def _draw_headphones(body: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw) -> _Box:
    body.arc(_s(150, 90, 450, 420), 180, 360, fill=255, width=28 * _SCALE)
    body.rounded_rectangle(_s(130, 250, 215, 420), radius=30 * _SCALE, fill=255)
    body.rounded_rectangle(_s(385, 250, 470, 420), radius=30 * _SCALE, fill=255)
    detail.rounded_rectangle(_s(150, 270, 195, 400), radius=18 * _SCALE, fill=255)
    detail.rounded_rectangle(_s(405, 270, 450, 400), radius=18 * _SCALE, fill=255)
    return (230, 440, 370, 480)


def _draw_tablet(body: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw) -> _Box:
    body.rounded_rectangle(_s(185, 70, 415, 520), radius=28 * _SCALE, fill=255)
    detail.rounded_rectangle(_s(200, 105, 400, 470), radius=6 * _SCALE, fill=255)
    return (210, 480, 390, 512)


def _draw_laptop(body: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw) -> _Box:
    body.rounded_rectangle(_s(140, 140, 460, 370), radius=14 * _SCALE, fill=255)
    body.polygon(_s(100, 385, 140, 370, 460, 370, 500, 385, 500, 400, 100, 400), fill=255)
    detail.rectangle(_s(158, 158, 442, 352), fill=255)
    return (170, 410, 430, 450)


def _draw_jar(body: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw) -> _Box:
    body.rounded_rectangle(_s(180, 170, 420, 510), radius=36 * _SCALE, fill=255)
    detail.rounded_rectangle(_s(195, 120, 405, 180), radius=10 * _SCALE, fill=255)
    detail.rectangle(_s(180, 270, 420, 410), fill=255)
    return (190, 285, 410, 395)


def _draw_backpack(body: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw) -> _Box:
    body.rounded_rectangle(_s(170, 130, 430, 520), radius=70 * _SCALE, fill=255)
    body.arc(_s(240, 70, 360, 170), 180, 360, fill=255, width=16 * _SCALE)
    detail.rounded_rectangle(_s(205, 340, 395, 490), radius=30 * _SCALE, fill=255)
    return (215, 240, 385, 300)


def _draw_toy_blocks(body: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw) -> _Box:
    body.rounded_rectangle(_s(120, 320, 290, 490), radius=12 * _SCALE, fill=255)
    body.rounded_rectangle(_s(310, 320, 480, 490), radius=12 * _SCALE, fill=255)
    body.rounded_rectangle(_s(215, 140, 385, 310), radius=12 * _SCALE, fill=255)
    detail.ellipse(_s(265, 190, 335, 260), fill=255)
    return (140, 500, 460, 540)


_Drawer = Callable[[ImageDraw.ImageDraw, ImageDraw.ImageDraw], _Box]
# Per shape: how to draw it, the tone of its second colour, and what the brand
# is printed on (so the ink can contrast with it).
_DRAWERS: dict[str, tuple[_Drawer, str, str]] = {
    "box": (_draw_box, "white", "detail"),
    "bottle": (_draw_bottle, "white", "detail"),
    "disc_case": (_draw_disc_case, "dark", "detail"),
    "book": (_draw_book, "dark", "body"),
    "mug": (_draw_mug, "light", "body"),
    "lamp": (_draw_lamp, "light", "body"),
    "shoe": (_draw_shoe, "white", "body"),
    "shirt": (_draw_shirt, "light", "body"),
    "ball": (_draw_ball, "white", "body"),
    "headphones": (_draw_headphones, "dark", "background"),
    "tablet": (_draw_tablet, "dark", "body"),
    "laptop": (_draw_laptop, "dark", "background"),
    "jar": (_draw_jar, "white", "detail"),
    "backpack": (_draw_backpack, "dark", "body"),
    "toy_blocks": (_draw_toy_blocks, "white", "background"),
}
SHAPES = tuple(_DRAWERS)


def _final(mask: Image.Image) -> Image.Image:
    return mask.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


@cache
def _shape(name: str) -> _Shape:
    draw, tone, label_on = _DRAWERS[name]
    body, body_draw = _canvas()
    detail, detail_draw = _canvas()
    label = draw(body_draw, detail_draw)
    body_mask = _final(body)
    # Shade the right-hand part of the silhouette: light comes from the upper left.
    gradient = Image.linear_gradient("L").rotate(90).resize((SIZE, SIZE))
    shade = Image.eval(gradient, lambda v: max(0, 255 - v - 150))
    shade = Image.composite(shade, Image.new("L", (SIZE, SIZE), 0), body_mask)
    return _Shape(body_mask, _final(detail), shade, label, tone, label_on)


@cache
def _shadow(name: str) -> Image.Image:
    """A soft floor shadow under the product's footprint."""
    box = _shape(name).body.getbbox() or (150, 150, 450, 450)
    mask = Image.new("L", (SIZE, SIZE), 0)
    draw = ImageDraw.Draw(mask)
    width = box[2] - box[0]
    draw.ellipse((box[0] + width * 0.05, box[3] - 14, box[2] - width * 0.05, box[3] + 16), fill=90)
    return mask.filter(ImageFilter.GaussianBlur(12))


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _detail_colour(tone: str, colour: tuple[int, int, int]) -> tuple[int, int, int]:
    if tone == "white":
        return (250, 250, 250)
    if tone == "dark":
        return (34, 36, 40)
    return tuple(min(255, c + (255 - c) * 6 // 10) for c in colour)  # type: ignore[return-value]


def _ink_for(background: tuple[int, int, int]) -> tuple[int, int, int]:
    luminance = 0.299 * background[0] + 0.587 * background[1] + 0.114 * background[2]
    return (25, 25, 28) if luminance > 150 else (250, 250, 250)


def _wrap(
    draw: ImageDraw.ImageDraw,
    text: str,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    width: float,
) -> list[str]:
    """Greedy word wrap by measured width (words are never split)."""
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _fit_text(
    draw: ImageDraw.ImageDraw, text: str, box: _Box, start: int, lines: int = 1
) -> tuple[list[str], ImageFont.FreeTypeFont | ImageFont.ImageFont]:
    """The largest font (from ``start`` down) at which ``text`` fits ``box``."""
    width, height = box[2] - box[0], box[3] - box[1]
    for size in range(start, 11, -2):
        font = _font(size)
        wrapped = _wrap(draw, text, font, width) if lines > 1 else [text]
        fits = max(draw.textlength(line, font=font) for line in wrapped) <= width
        if fits and len(wrapped) <= lines and len(wrapped) * size * 1.2 <= height:
            return wrapped, font
    font = _font(12)
    wrapped = _wrap(draw, text, font, width)[:lines]
    return wrapped, font


def _write(
    draw: ImageDraw.ImageDraw,
    lines: list[str],
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    box: _Box,
    ink: tuple[int, int, int],
    top: float | None = None,
) -> float:
    size = getattr(font, "size", 12)
    total = len(lines) * size * 1.2
    y = top if top is not None else box[1] + (box[3] - box[1] - total) / 2
    for line in lines:
        x = box[0] + (box[2] - box[0] - draw.textlength(line, font=font)) / 2
        draw.text((x, y), line, font=font, fill=ink)
        y += size * 1.2
    return y


def render(spec: ImageSpec, quality: int = 84) -> bytes:
    """A square JPEG product shot for ``spec``."""
    shape = _shape(spec.shape)
    image = Image.new("RGB", (SIZE, SIZE), _BACKGROUND)
    image.paste((200, 200, 196), mask=_shadow(spec.shape))
    image.paste(spec.colour, mask=shape.body)
    detail = _detail_colour(shape.detail_tone, spec.colour)
    image.paste(detail, mask=shape.detail)
    image.paste((0, 0, 0), mask=shape.shade)
    draw = ImageDraw.Draw(image)
    label = shape.label
    if spec.shape in ("disc_case", "book") and spec.title:
        _cover(draw, spec, label, detail)
    else:
        under = {"body": spec.colour, "detail": detail, "background": _BACKGROUND}
        ink = _ink_for(under[shape.label_on])
        lines, font = _fit_text(draw, spec.brand.upper(), label, 40)
        _write(draw, lines, font, label, ink)
    if spec.caption:
        caption_box = (60, 545, 540, 585)
        lines, font = _fit_text(draw, spec.caption, caption_box, 22)
        _write(draw, lines, font, caption_box, (90, 90, 90))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=False)
    return out.getvalue()


def _cover(
    draw: ImageDraw.ImageDraw, spec: ImageSpec, box: _Box, cover: tuple[int, int, int]
) -> None:
    """A cover: a colour band, the title large, the brand small at the foot."""
    band = (box[0], box[1] + (box[3] - box[1]) * 0.18, box[2], box[1] + (box[3] - box[1]) * 0.62)
    draw.rectangle(band, fill=spec.colour)
    inner = (band[0] + 12, band[1] + 10, band[2] - 12, band[3] - 10)
    lines, font = _fit_text(draw, spec.title, inner, 44, lines=4)
    _write(draw, lines, font, inner, _ink_for(spec.colour))
    foot = (box[0] + 10, box[3] - 60, box[2] - 10, box[3] - 15)
    lines, font = _fit_text(draw, spec.brand.upper(), foot, 24)
    _write(draw, lines, font, foot, _ink_for(cover))


def render_many(specs: list[ImageSpec]) -> list[bytes]:
    """Render a batch (the unit of work handed to a worker process)."""
    return [render(spec) for spec in specs]
