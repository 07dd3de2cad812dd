"""Catalog rules: identifiers, normalised titles, what a listing may carry."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from souk.core.errors import InvalidInput
from souk.messaging import rules as messaging_rules

MAX_IMAGES = 9
MAX_BULLETS = 5
MAX_TITLE_LENGTH = 200
MAX_BULLET_LENGTH = 500

_GTIN_LENGTHS = {8: "EAN-8", 12: "UPC", 13: "EAN", 14: "GTIN-14"}
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def gtin_check_digit(body: str) -> int:
    """The GS1 check digit for the digits of ``body`` (everything but the last digit)."""
    total = 0
    for position, digit in enumerate(reversed(body)):
        total += int(digit) * (3 if position % 2 == 0 else 1)
    return (10 - total % 10) % 10


def gtin_kind(code: str) -> str | None:
    """``"UPC"``, ``"EAN"``... when ``code`` is a valid GTIN, else ``None``."""
    if not code.isdigit() or len(code) not in _GTIN_LENGTHS:
        return None
    if gtin_check_digit(code[:-1]) != int(code[-1]):
        return None
    return _GTIN_LENGTHS[len(code)]


def normalise_gtin(code: str) -> str:
    """A valid GTIN as 14 digits (so a UPC and its EAN-13 form are one product)."""
    cleaned = re.sub(r"[\s-]", "", code)
    if gtin_kind(cleaned) is None:
        raise InvalidInput(
            f"{code!r} is not a valid UPC, EAN or GTIN (wrong length or check digit)",
            field="gtin",
        )
    return cleaned.zfill(14)


def normalise_text(text: str) -> str:
    """Lower-case words without accents or punctuation, for duplicate detection."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(_WORD.findall(folded.lower()))


def normalise_title(title: str, brand: str = "") -> str:
    """A title reduced to its words, with a leading brand name dropped
    ("Acme Acme Kettle 1.7 L" and "acme kettle, 1.7l" compare equal)."""
    words = normalise_text(title).split()
    brand_words = normalise_text(brand).split()
    while brand_words and words[: len(brand_words)] == brand_words:
        words = words[len(brand_words) :]
    # "1.7 l" and "1.7l" are the same size.
    return re.sub(r"(\d) (?=[a-z]{1,3}\b)", r"\1", " ".join(words))


def slugify(text: str) -> str:
    return "-".join(normalise_text(text).split()) or "item"


@dataclass(frozen=True)
class ProductDraft:
    """What a seller submits to create a product page."""

    title: str
    category_path: str
    brand: str = ""
    description: str = ""
    bullets: tuple[str, ...] = ()
    gtin: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


_CONTACT_WORDS = {
    messaging_rules.LINK: "links",
    messaging_rules.EMAIL: "e-mail addresses",
    messaging_rules.PHONE: "phone numbers",
    messaging_rules.SOCIAL: "social media accounts",
}


def off_platform_contact(text: str) -> list[str]:
    """What in listing text would take buyers off the platform, by the same content
    rules every message passes (links, e-mail, phones, social accounts)."""
    if not text.strip():
        return []
    verdict = messaging_rules.check_text(text, sender=messaging_rules.BUYER, max_length=10**6)
    return [_CONTACT_WORDS[r] for r in verdict.reasons if r in _CONTACT_WORDS]


def check_product_draft(draft: ProductDraft, image_count: int = 0) -> None:
    """Refuse a product page that breaks the listing rules, naming the field."""
    title = draft.title.strip()
    if not title:
        raise InvalidInput("A product needs a title.", field="title")
    if len(title) > MAX_TITLE_LENGTH:
        raise InvalidInput(f"Titles are limited to {MAX_TITLE_LENGTH} characters.", field="title")
    if not draft.category_path.strip():
        raise InvalidInput("Choose a category.", field="category")
    if len(draft.bullets) > MAX_BULLETS:
        raise InvalidInput(f"At most {MAX_BULLETS} bullet points.", field="bullets")
    for bullet in draft.bullets:
        if len(bullet) > MAX_BULLET_LENGTH:
            raise InvalidInput(
                f"Bullet points are limited to {MAX_BULLET_LENGTH} characters.", field="bullets"
            )
    if image_count > MAX_IMAGES:
        raise InvalidInput(f"At most {MAX_IMAGES} images.", field="images")
    for name, text in (
        ("title", title),
        ("description", draft.description),
        *(("bullets", b) for b in draft.bullets),
    ):
        reasons = off_platform_contact(text)
        if reasons:
            raise InvalidInput(
                f"Listings may not carry {', '.join(reasons)}: buyers reach sellers "
                "through souk only.",
                field=name,
            )
    if draft.gtin:
        normalise_gtin(draft.gtin)
