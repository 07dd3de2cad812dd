"""The storefront's interface in several languages: gettext catalogs and locales.

The ``.po`` sources live beside this file (``<language>/LC_MESSAGES/messages.po``)
and are compiled with Babel into memory the first time a language is asked for,
so no compiled ``.mo`` file is ever kept in the source tree. English is the
language the templates are written in and needs no catalog.

``extract_messages`` reads the msgids the storefront templates mark with
``{{ _("...") }}``; ``souk i18n check`` and the tests use it to prove every
catalog is complete, and ``souk i18n update`` adds new msgids to the catalogs.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

if TYPE_CHECKING:
    from collections.abc import Mapping

    from fastapi import Request
    from sqlalchemy.orm import Session

    from souk.catalog.models import Product
    from souk.globalselling.rules import ProductText
    from souk.marketplaces.rules import Marketplace

LOCALE_DIR = Path(__file__).parent
TEMPLATES = LOCALE_DIR.parent / "templates"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
#: Languages with a catalog; English is the templates' own.
CATALOG_LANGUAGES: tuple[str, ...] = ("de", "fr")

#: The storefront's templates: every string in them is translated.
STOREFRONT_TEMPLATES: tuple[str, ...] = (
    "base.html",
    "_macros.html",
    "storefront/home.html",
    "storefront/search.html",
    "storefront/category.html",
    "storefront/product.html",
    "storefront/_add_form.html",
    "storefront/cart.html",
    "storefront/checkout.html",
    "storefront/placed.html",
    "storefront/orders.html",
    "storefront/order.html",
    "storefront/signin.html",
    "storefront/signup.html",
    "storefront/preferences.html",
    "partials/search_card.html",
    "partials/reviews_stars.html",
    "partials/messages_product.html",
    "partials/sales_rank.html",
    "partials/recs_home.html",
    "partials/fulfilment_promise.html",
    "partials/browse_facets.html",
    "partials/browse_head.html",
    "partials/browse_sort.html",
    "partials/browse_pager.html",
)

#: Interface words that reach the templates as values (sort orders, facet names,
#: delivery speeds from policy) and are translated there with ``_(value)``.
DYNAMIC_MESSAGES: tuple[str, ...] = (
    "Featured",
    "Price: Low to High",
    "Price: High to Low",
    "Best Selling",
    "Newest Arrivals",
    "Avg. Customer Review",
    "Customer Reviews",
    "Delivery",
    "Department",
    "Brand",
    "Price",
    "Condition",
    "Standard",
    "Expedited",
    "One-Day",
    # Offer conditions (souk.offers.rules.CONDITIONS).
    "New",
    "Used - Like New",
    "Used - Very Good",
    "Used - Good",
    "Used - Acceptable",
    "Renewed",
    "Collectible",
)

_JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "false"}


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(language: str) -> Catalog:
    with po_path(language).open("rb") as source:
        return read_po(source, locale=language, domain=DOMAIN)


@lru_cache(maxsize=8)
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog for ``language`` (English and unknown languages: none)."""
    if language not in CATALOG_LANGUAGES or not po_path(language).exists():
        return gettext.NullTranslations()
    compiled = io.BytesIO()
    write_mo(compiled, read_catalog(language), use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@lru_cache(maxsize=64)
def formatting_locale(language: str, country: str, marketplace_locale: str) -> str:
    """The Babel locale for numbers, prices and dates: the marketplace's own when its
    language is spoken, else the chosen language in the marketplace's country
    (``en_DE`` writes 19,99 €), else the language alone."""
    if Locale.parse(marketplace_locale).language == language:
        return marketplace_locale
    region = "GB" if country == "UK" else country
    for candidate in (f"{language}_{region}", language):
        try:
            Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
        return candidate
    return marketplace_locale


@dataclass(frozen=True)
class Message:
    msgid: str
    plural: str | None
    locations: tuple[tuple[str, int], ...]


def marked_templates() -> tuple[str, ...]:
    """The storefront templates, then every other template that marks text for translation."""
    others = sorted(
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if "_(" in path.read_text(encoding="utf-8")
    )
    return STOREFRONT_TEMPLATES + tuple(t for t in others if t not in STOREFRONT_TEMPLATES)


def extract_messages(templates: Iterable[str] | None = None) -> dict[str, Message]:
    """Every msgid marked in ``templates`` (default: :func:`marked_templates` and
    :data:`DYNAMIC_MESSAGES`), plurals under their singular, with where it appears."""
    defaults = templates is None
    templates = marked_templates() if templates is None else templates
    found: dict[str, list[tuple[str, int]]] = {}
    plurals: dict[str, str] = {}
    for name in templates:
        path = TEMPLATES / name
        for lineno, message, _comments, _context in extract_from_file(
            "jinja2", str(path), options=_JINJA_OPTIONS
        ):
            if isinstance(message, tuple):
                msgid, plural = message[0], message[1]
                plurals[msgid] = plural
            else:
                msgid = message
            if msgid:
                found.setdefault(msgid, []).append((name, lineno))
    if defaults:
        for msgid in DYNAMIC_MESSAGES:
            found.setdefault(msgid, [])
    return {
        msgid: Message(msgid, plurals.get(msgid), tuple(where)) for msgid, where in found.items()
    }


def missing_translations(language: str) -> list[str]:
    """Msgids of the storefront templates that ``language``'s catalog leaves untranslated."""
    catalog = read_catalog(language)
    missing = []
    for msgid, message in extract_messages().items():
        entry = catalog.get(msgid)
        if entry is None or entry.fuzzy:
            missing.append(msgid)
            continue
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(forms) or (message.plural is not None) != entry.pluralizable:
            missing.append(msgid)
    return missing


def update_catalogs() -> dict[str, int]:
    """Add the templates' new msgids (untranslated) to each catalog; returns how many."""
    messages = extract_messages()
    added: dict[str, int] = {}
    for language in CATALOG_LANGUAGES:
        catalog = read_catalog(language)
        count = 0
        for msgid, message in messages.items():
            if catalog.get(msgid) is None:
                ids = (msgid, message.plural) if message.plural else msgid
                catalog.add(ids, ("", "") if message.plural else "", locations=message.locations)
                count += 1
        with po_path(language).open("wb") as target:
            write_po(target, catalog, width=100, omit_header=False, sort_output=False)
        added[language] = count
    return added


@dataclass(frozen=True)
class Viewer:
    """How one page speaks to the person reading it: language, formats, time zone."""

    language: str  # the interface language: "en", "de", "fr"
    locale: str  # Babel locale for prices, numbers and dates
    zone: ZoneInfo
    zone_name: str
    chosen_language: bool  # the viewer chose it (else it follows the marketplace)


def viewer(
    session: Session,
    request_session: Mapping[str, Any],
    market: Marketplace,
    *,
    user_id: int | None,
    seller_id: str | None,
) -> Viewer:
    """The language and zone a page uses.

    Language: the one chosen for this browser, else the signed-in buyer's saved
    choice, else the marketplace's. Zone: in Seller Central (``seller_id``) the
    seller's own zone; elsewhere the buyer's; else the marketplace's.
    """
    from souk.globalselling import rules as selling_rules
    from souk.globalselling import service as selling

    override = request_session.get("language")
    preference = selling.buyer_preference(session, user_id) if user_id is not None else None
    if not override and preference is not None:
        override = preference.language
    language = selling_rules.interface_language(market.locale, override)
    zone_name = None
    if seller_id is not None:
        zone_name = selling.seller_time_zone(session, seller_id)
    elif preference is not None:
        zone_name = preference.time_zone
    zone_name = zone_name or market.time_zone
    return Viewer(
        language=language,
        # Formats stay the marketplace's own (yen as ￥1,999 on souk.co.jp) unless the
        # reader chose another language; then that language in the marketplace's country.
        locale=formatting_locale(language, market.code, market.locale)
        if override
        else market.locale,
        zone=ZoneInfo(zone_name),
        zone_name=zone_name,
        chosen_language=bool(override),
    )


def page_language(request: Request, session: Session) -> str:
    """The interface language of the page being answered (as :func:`viewer` chooses it)."""
    from souk.web.deps import current_marketplace

    market = current_marketplace(request)
    return viewer(
        session, request.session, market, user_id=request.session.get("user_id"), seller_id=None
    ).language


def product_text_for(request: Request, session: Session, product: Product) -> ProductText:
    """A product's title, bullets and description in the page's language, or its own."""
    from souk.globalselling.service import product_text

    return product_text(session, product, page_language(request, session))


@lru_cache(maxsize=64)
def country_name(country: str, language: str, default: str) -> str:
    """A marketplace's country in the reader's language ("Deutschland", "Allemagne")."""
    region = "GB" if country == "UK" else country
    try:
        return str(Locale.parse(language).territories.get(region, default))
    except (UnknownLocaleError, ValueError):
        return default
