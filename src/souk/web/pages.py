"""Template rendering shared by the storefront, Seller Central and operations pages.

Every page gets the global frame's context (signed-in person, cart count,
marketplace, categories for the second bar, CSRF token) from ``render``, so
handlers pass only what their own page shows. Money and dates are formatted
with Babel in the marketplace's locale and time zone.
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from datetime import date, datetime
from functools import lru_cache
from gettext import NullTranslations
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, get_timezone_name
from babel.numbers import format_currency, format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape
from sqlalchemy import func, select

from souk.accounts.models import User
from souk.catalog.models import Category
from souk.core.money import Money
from souk.globalselling.service import marketplace_tax, vat_note
from souk.marketplaces.rules import MARKETPLACES, Marketplace
from souk.offers.rules import CONDITIONS
from souk.orders.models import Cart, CartLine
from souk.sellers.service import memberships
from souk.web.deps import CSRF_FIELD, csrf_token, current_marketplace, runtime
from souk.web.locale import country_name, translations, viewer

TEMPLATES = Path(__file__).parent / "templates"

# The year is dropped from delivery dates ("Tuesday, November 24"): buyers
# read them as the coming days, as the large marketplaces print them.
_YEAR = re.compile(r"[,\s]*(?:'de'\s*)?y+年?")


@lru_cache(maxsize=32)
def _day_pattern(locale: str) -> str:
    pattern = Locale.parse(locale).date_formats["full"].pattern
    return _YEAR.sub("", pattern).strip(" ,")


def format_money(amount: Money | None, locale: str) -> str:
    if amount is None:
        return ""
    return format_currency(amount.decimal, amount.currency, locale=locale)


def _local_day(value: datetime | date, market: Marketplace, zone: ZoneInfo | None = None) -> date:
    if isinstance(value, datetime):
        return value.astimezone(zone or market.zone).date() if value.tzinfo else value.date()
    return value


def format_day(
    value: datetime | date | None,
    market: Marketplace,
    *,
    zone: ZoneInfo | None = None,
    locale: str | None = None,
) -> str:
    """ "Tuesday, November 24" in the marketplace's (or the viewer's) language and zone."""
    if value is None:
        return ""
    locale = locale or market.locale
    return format_date(_local_day(value, market, zone), _day_pattern(locale), locale=locale)


def format_short_day(
    value: datetime | date | None,
    market: Marketplace,
    *,
    zone: ZoneInfo | None = None,
    locale: str | None = None,
) -> str:
    if value is None:
        return ""
    locale = locale or market.locale
    return format_date(_local_day(value, market, zone), "medium", locale=locale)


def format_moment(value: datetime | None, zone: ZoneInfo, locale: str) -> str:
    """A date and time of day in ``zone`` with the zone's name ("03.03.2026, 05:30 MEZ")."""
    if value is None:
        return ""
    local = value.astimezone(zone)
    day = format_date(local, "medium", locale=locale)
    clock = format_time(local, "short", tzinfo=zone, locale=locale)
    return f"{day}, {clock} {get_timezone_name(local, 'short', locale=locale)}"


def format_day_range(
    start: datetime,
    end: datetime,
    market: Marketplace,
    zone: ZoneInfo | None = None,
    locale: str | None = None,
) -> str:
    first = format_day(start, market, zone=zone, locale=locale)
    last = format_day(end, market, zone=zone, locale=locale)
    return first if first == last else f"{first} \N{EN DASH} {last}"


@pass_context
def _context_gettext(context: Context, message: str) -> str:
    return (context.get("_translations") or NullTranslations()).gettext(message)


@pass_context
def _context_ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    # Plural forms are chosen on whole numbers; counts may arrive as Decimal from SQL.
    return (context.get("_translations") or NullTranslations()).ngettext(singular, plural, int(n))


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the code: checking their files on every render costs ~4 %
        # of a product page (measured with py-spy under bench/pages.py).
        auto_reload=False,
        extensions=["jinja2.ext.i18n"],
    )
    # Interface text in the viewer's language: {{ _("...") }} reads the catalog each
    # render passes as ``_translations`` (English when a page passes none).
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _context_gettext, _context_ngettext, newstyle=True
    )
    env.globals["CONDITIONS"] = CONDITIONS
    env.globals["MARKETPLACES"] = MARKETPLACES
    env.globals["Money"] = Money
    env.filters["media_url"] = lambda key: f"/media/{key}"
    env.filters["number"] = lambda n, locale="en_US": format_decimal(n, locale=locale)
    return env


ENV = _env()


def _price_markup(amount: Money | None, locale: str) -> Markup:
    """A price with its cents set smaller, as buyers are used to reading it."""
    text = format_money(amount, locale)
    match = re.match(r"^(.*?\d)([.,])(\d{2})(\D*)$", text)
    if not match:
        return Markup('<span class="price">{}</span>').format(text)
    whole, sep, cents, tail = match.groups()
    return Markup(
        '<span class="price" aria-label="{label}">'
        '<span aria-hidden="true">{whole}<span class="price-sep">{sep}</span>'
        '<sup class="price-minor">{cents}</sup>{tail}</span></span>'
    ).format(label=text, whole=whole, sep=sep, cents=cents, tail=tail)


def _frame(request: Request) -> dict[str, Any]:
    """The global frame: who is signed in, their cart, the marketplace, categories."""
    market = current_marketplace(request)
    user_id = request.session.get("user_id")
    user: User | None = None
    cart_count = 0
    deliver_to = market.name
    is_seller = False
    # Read through the request's own session when it has one: a second connection
    # per request could exhaust the pool under concurrent requests.
    shared = getattr(request.state, "souk_read_session", None) or getattr(
        request.state, "souk_session", None
    )
    with nullcontext(shared) if shared is not None else runtime(request).read_sessions() as session:
        categories = list(
            session.scalars(
                select(Category).where(Category.parent_id.is_(None)).order_by(Category.name)
            )
        )
        if user_id is not None:
            user = session.get(User, user_id)
            if user is not None:
                if user.addresses:
                    first = next((a for a in user.addresses if a.is_default), user.addresses[0])
                    deliver_to = f"{first.city} {first.postal_code}"
                accounts = memberships(session, user.id)
                is_seller = bool(accounts)
                cart_query = select(Cart.id).where(
                    Cart.buyer_id == user.id, Cart.marketplace == market.code
                )
        if user is None:
            token = (request.session.get("cart_tokens") or {}).get(market.code)
            cart_query = select(Cart.id).where(Cart.token == (token or ""))
        cart_count = (
            session.scalar(
                select(func.coalesce(func.sum(CartLine.quantity), 0)).where(
                    CartLine.cart_id.in_(cart_query.scalar_subquery()),
                    CartLine.saved_for_later.is_(False),
                )
            )
            or 0
        )
        seller_id = None
        if is_seller and request.url.path.startswith("/seller"):
            chosen = request.session.get("seller_id")
            seller_id = next((s.id for s, _ in accounts if s.id == chosen), accounts[0][0].id)
        reader = viewer(
            session,
            request.session,
            market,
            user_id=user.id if user is not None else None,
            seller_id=seller_id,
        )
    market_name = country_name(market.code, reader.language, market.name)
    if deliver_to == market.name:
        deliver_to = market_name
    return {
        "request": request,
        "market": market,
        "viewer": reader,
        "market_name": market_name,
        "market_names": {
            code: country_name(code, reader.language, m.name) for code, m in MARKETPLACES.items()
        },
        "language": reader.language,
        "_translations": translations(reader.language),
        "prices_include_vat": marketplace_tax(market.code).prices_include_vat,
        "user": user,
        "is_seller": is_seller,
        "cart_count": cart_count,
        "deliver_to": deliver_to,
        "top_categories": categories,
        "csrf_field": CSRF_FIELD,
        "csrf": csrf_token(request),
        "path": request.url.path,
        "full_path": str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
    }


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page in the global frame; ``context`` holds what this page shows."""
    frame = _frame(request)
    market = frame["market"]
    reader = frame["viewer"]
    zone, locale = reader.zone, reader.locale

    def money(amount: Money | None) -> str:
        return format_money(amount, locale)

    env_context = {
        **frame,
        "money": money,
        "price": lambda amount: _price_markup(amount, locale),
        "day": lambda value: format_day(value, market, zone=zone, locale=locale),
        "short_day": lambda value: format_short_day(value, market, zone=zone, locale=locale),
        "day_range": lambda start, end: format_day_range(start, end, market, zone, locale),
        "moment": lambda value: format_moment(value, zone, locale),
        "vat_note": lambda amount: vat_note(amount, market.code),
        "errors": {},
        "values": {},
        **context,
    }
    html = ENV.get_template(template).render(env_context)
    return HTMLResponse(html, status_code=status_code)


def error_page(request: Request, status: int, message: str) -> Response:
    try:
        return render(request, "error.html", status_code=status, status=status, message=message)
    except Exception:
        # The error page must answer even when the database is what failed.
        body = f"<!doctype html><title>souk</title><h1>{status}</h1><p>{escape(message)}</p>"
        return HTMLResponse(body, status_code=status)


async def form_values(request: Request) -> dict[str, str]:
    """The posted form's text fields (files are read by the handlers that take them)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}


def field_errors(error: Exception, default_field: str = "form") -> dict[str, str]:
    """``{field: message}`` for the template to show beside the field that is wrong."""
    field = getattr(error, "field", None) or default_field
    return {field: getattr(error, "message", str(error))}


#: Ids and page numbers in URLs are decimal digits; a longer one is none of souk's.
MAX_ID_DIGITS = 18


def url_number(text: str) -> int | None:
    """A whole number from a URL (an id, a page number), or None when the text is
    not one: only ASCII digits, at most ``MAX_ID_DIGITS`` of them."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_ID_DIGITS:
        return None
    return int(text)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths are followed after sign-in (never ``//host`` or a URL)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
