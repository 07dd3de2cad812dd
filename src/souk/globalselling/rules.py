"""Global selling: one seller, many marketplaces.

Pure decisions over plain values: converting a price between marketplaces
(exchange rate, the seller's margin, VAT where a marketplace shows gross
prices) and rounding it to a local price point (9.99, 19,99 €, 999 円);
what a page says about VAT; which language's product text a buyer reads;
and each marketplace's business days and public holidays. Money stays in
integer minor units and rates in ``Decimal``: no float ever touches a price.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays

from souk.core.money import Money, exponent

# The widest margin a seller may ask for, either way, in basis points.
MAX_MARGIN_BP = 10_000
MIN_MARGIN_BP = -5_000
# The languages souk's storefront interface is translated into.
INTERFACE_LANGUAGES: tuple[str, ...] = ("en", "de", "fr")
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "de": "Deutsch", "fr": "Français"}


class GlobalSellingError(ValueError):
    """A conversion or setting that cannot be applied; ``field`` names the input."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class PricePointTier:
    """Prices up to ``up_to_minor`` end in ``ending_minor`` within steps of ``step_minor``
    (step 100, ending 99: 9.99, 19.99; step 1000, ending 999 for yen: 1,999)."""

    up_to_minor: int
    step_minor: int
    ending_minor: int


@dataclass(frozen=True)
class MarketplaceTax:
    """How a marketplace shows prices: with VAT included (gross) or without."""

    vat_basis_points: int
    prices_include_vat: bool


@dataclass(frozen=True)
class ConversionRule:
    """A seller's rule for copying prices from one marketplace to another."""

    rate: Decimal  # target currency units per source currency unit
    margin_bp: int  # added on top of the converted net price (may be negative)
    source_tax: MarketplaceTax
    target_tax: MarketplaceTax
    price_points: tuple[PricePointTier, ...]


@dataclass(frozen=True)
class Conversion:
    """A converted price and the steps that led to it, for the seller to check."""

    price: Money
    net_source: Money  # the source price without VAT
    before_rounding_minor: int  # converted, margin and VAT added, before the price point


@dataclass(frozen=True)
class VatNote:
    """What a page says about VAT next to a price."""

    includes_vat: bool
    vat_basis_points: int
    vat: Money  # the VAT contained in a gross price (zero when prices are net)
    net: Money

    @property
    def rate_percent(self) -> str:
        """The rate as people write it: ``"19"``, ``"5.5"``."""
        text = format(Decimal(self.vat_basis_points) / 100, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class ProductText:
    """The words of a product page in one language."""

    language: str
    title: str
    bullets: tuple[str, ...]
    description: str


# --- exchange rates and conversion ----------------------------------------


def parse_rate(text: str | Decimal | int) -> Decimal:
    """An exchange rate from text (``"0.9213"``): positive, finite, at most 10 decimals."""
    if isinstance(text, float | bool):
        raise GlobalSellingError("Give the rate as text, never a float.", "rate")
    try:
        rate = Decimal(str(text).strip())
    except InvalidOperation:
        raise GlobalSellingError(f"{text!r} is not an exchange rate.", "rate") from None
    if not rate.is_finite() or rate <= 0:
        raise GlobalSellingError("An exchange rate must be a number above zero.", "rate")
    places = rate.normalize().as_tuple().exponent
    if isinstance(places, int) and places < -10:
        raise GlobalSellingError("An exchange rate has at most 10 decimal places.", "rate")
    if rate > Decimal(1_000_000):
        raise GlobalSellingError("That exchange rate is implausibly large.", "rate")
    return rate


def rate_text(rate: Decimal) -> str:
    """A rate as stored and shown: plain digits, no exponent."""
    return format(rate.normalize(), "f")


def inverse_rate(rate: Decimal) -> Decimal:
    """The rate the other way round (1 / rate), to 12 significant decimals."""
    return (Decimal(1) / rate).quantize(Decimal("1e-12"), rounding=ROUND_HALF_EVEN)


def check_margin(margin_bp: int) -> int:
    """A margin in basis points within the allowed range."""
    if isinstance(margin_bp, bool) or not isinstance(margin_bp, int):
        raise GlobalSellingError("The margin is a whole number of basis points.", "margin")
    if not MIN_MARGIN_BP <= margin_bp <= MAX_MARGIN_BP:
        raise GlobalSellingError(
            f"The margin must be between {MIN_MARGIN_BP / 100:g} % and {MAX_MARGIN_BP / 100:g} %.",
            "margin",
        )
    return margin_bp


def parse_margin_percent(text: str) -> int:
    """``"12.5"`` (percent) as 1250 basis points."""
    try:
        value = Decimal(text.strip().rstrip("%").strip().replace(",", "."))
    except InvalidOperation:
        raise GlobalSellingError(f"{text!r} is not a percentage.", "margin") from None
    if not value.is_finite():
        raise GlobalSellingError(f"{text!r} is not a percentage.", "margin")
    basis_points = value * 100
    if basis_points != basis_points.to_integral_value():
        raise GlobalSellingError("Give the margin to at most two decimal places.", "margin")
    return check_margin(int(basis_points))


def check_price_points(tiers: Sequence[PricePointTier]) -> None:
    """Tiers must rise, and each ending must fit inside its step."""
    if not tiers:
        raise GlobalSellingError("A marketplace needs at least one price-point tier.", "tiers")
    previous = 0
    for tier in tiers:
        if tier.step_minor <= 0 or not 0 <= tier.ending_minor < tier.step_minor:
            raise GlobalSellingError("A price point's ending must be less than its step.", "tiers")
        if tier.up_to_minor <= previous:
            raise GlobalSellingError("Price-point tiers must rise.", "tiers")
        previous = tier.up_to_minor


def tier_for(minor: int, tiers: Sequence[PricePointTier]) -> PricePointTier:
    """The tier an amount falls in (amounts above every tier use the last one)."""
    for tier in tiers:
        if minor < tier.up_to_minor:
            return tier
    return tiers[-1]


def round_to_price_point(minor: int, tiers: Sequence[PricePointTier]) -> int:
    """The nearest local price point at or above ``minor``.

    Rounding up keeps the seller's margin whole; the result is never more than
    one step above the raw price.
    """
    if minor <= 0:
        raise GlobalSellingError("Only prices above zero have a price point.", "price")
    tier = tier_for(minor, tiers)
    steps = (minor - tier.ending_minor + tier.step_minor - 1) // tier.step_minor
    return steps * tier.step_minor + tier.ending_minor


def is_price_point(minor: int, tiers: Sequence[PricePointTier]) -> bool:
    tier = tier_for(minor, tiers)
    return minor % tier.step_minor == tier.ending_minor


def _minor_to_units(amount: Money) -> Decimal:
    return Decimal(amount.minor).scaleb(-exponent(amount.currency))


def convert_price(price: Money, target_currency: str, rule: ConversionRule) -> Conversion:
    """The target marketplace's price for a source price under ``rule``.

    Net of the source's VAT, times the rate and the seller's margin, plus the
    target's VAT where that marketplace shows gross prices, then up to the next
    price point. All in ``Decimal``; the result is whole minor units.
    """
    if price.minor <= 0:
        raise GlobalSellingError("Only prices above zero can be converted.", "price")
    if rule.rate <= 0:
        raise GlobalSellingError("An exchange rate must be above zero.", "rate")
    check_margin(rule.margin_bp)
    exponent(target_currency)
    units = _minor_to_units(price)
    if rule.source_tax.prices_include_vat:
        units = units * 10_000 / (10_000 + rule.source_tax.vat_basis_points)
    net_source = Money(
        price.currency,
        int(units.scaleb(exponent(price.currency)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)),
    )
    target = units * rule.rate * (10_000 + rule.margin_bp) / 10_000
    if rule.target_tax.prices_include_vat:
        target = target * (10_000 + rule.target_tax.vat_basis_points) / 10_000
    # Never round a price down to nothing: at least one minor unit before the price point.
    raw = max(1, int(target.scaleb(exponent(target_currency)).to_integral_value(ROUND_CEILING)))
    return Conversion(
        price=Money(target_currency, round_to_price_point(raw, rule.price_points)),
        net_source=net_source,
        before_rounding_minor=raw,
    )


def vat_note(price: Money, tax: MarketplaceTax) -> VatNote:
    """The VAT contained in a price shown on a marketplace (none where prices are net)."""
    if not tax.prices_include_vat or tax.vat_basis_points == 0:
        return VatNote(
            tax.prices_include_vat, tax.vat_basis_points, Money.zero(price.currency), price
        )
    net = (Decimal(price.minor) * 10_000 / (10_000 + tax.vat_basis_points)).quantize(
        Decimal(1), rounding=ROUND_HALF_EVEN
    )
    net_money = Money(price.currency, int(net))
    return VatNote(True, tax.vat_basis_points, price - net_money, net_money)


# --- languages and product text -----------------------------------------------


def language_of(locale: str) -> str:
    """``"de_DE"`` -> ``"de"``; ``"pt-BR"`` -> ``"pt"``."""
    return locale.replace("-", "_").split("_")[0].lower()


def interface_language(marketplace_locale: str, override: str | None) -> str:
    """The storefront's language: the buyer's choice, else the marketplace's, else English."""
    for candidate in (override, marketplace_locale):
        if candidate and language_of(candidate) in INTERFACE_LANGUAGES:
            return language_of(candidate)
    return "en"


def check_language(language: str) -> str:
    """A two- or three-letter ISO 639 language code, lower case."""
    code = language.strip().lower()
    if not (2 <= len(code) <= 3 and code.isascii() and code.isalpha()):
        raise GlobalSellingError(f"{language!r} is not a language code like 'de'.", "language")
    return code


def pick_product_text(
    original: ProductText, translations: Iterable[ProductText], wanted: str
) -> ProductText:
    """The product's words in ``wanted``, falling back field by field to the original.

    A translation without bullets or description keeps the original's, so a page
    is never emptier in one language than in another.
    """
    language = language_of(wanted)
    if language == original.language:
        return original
    for text in translations:
        if text.language == language:
            return ProductText(
                language=language,
                title=text.title or original.title,
                bullets=text.bullets or original.bullets,
                description=text.description or original.description,
            )
    return original


# --- time zones, business days and holidays ----------------------------------------


def check_time_zone(name: str) -> str:
    """An IANA time zone name such as ``Europe/Berlin``."""
    cleaned = name.strip()
    if cleaned not in _zone_names():
        raise GlobalSellingError(
            f"{name!r} is not a time zone; use a name like 'Europe/Berlin'.", "time_zone"
        )
    try:
        ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError):
        raise GlobalSellingError(f"{name!r} is not a time zone.", "time_zone") from None
    return cleaned


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def common_time_zones() -> list[str]:
    """Zone names for a picker: the regional ones, sorted."""
    return sorted(
        z for z in _zone_names() if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/"))
    )


# souk's UK site ships to GB; holidays knows the UK as GB.
_HOLIDAY_COUNTRY = {"UK": "GB"}


@lru_cache(maxsize=64)
def _holiday_calendar(country: str, year: int) -> dict[date, str]:
    code = _HOLIDAY_COUNTRY.get(country, country)
    try:
        calendar = holidays.country_holidays(code, years=year)
    except NotImplementedError:
        raise GlobalSellingError(f"No holiday calendar for {country!r}.", "country") from None
    return {day: str(name) for day, name in calendar.items()}


def public_holidays(country: str, start: date, end: date) -> list[tuple[date, str]]:
    """National public holidays in ``[start, end]`` for a marketplace's country, in order."""
    if end < start:
        raise GlobalSellingError("The end comes before the start.", "end")
    found: list[tuple[date, str]] = []
    for year in range(start.year, end.year + 1):
        found.extend(
            (day, name)
            for day, name in _holiday_calendar(country, year).items()
            if start <= day <= end
        )
    return sorted(found)


def is_business_day(country: str, day: date) -> bool:
    """Monday to Friday and not a national public holiday of the marketplace's country."""
    return day.weekday() < 5 and day not in _holiday_calendar(country, day.year)


def add_business_days(country: str, day: date, days: int) -> date:
    """The business day ``days`` business days after ``day`` (0: ``day`` or the next one)."""
    if days < 0:
        raise GlobalSellingError("Count business days forwards.", "days")
    current = day
    while not is_business_day(country, current):
        current += timedelta(days=1)
    counted = 0
    while counted < days:
        current += timedelta(days=1)
        if is_business_day(country, current):
            counted += 1
    return current


def business_days_between(country: str, start: date, end: date) -> int:
    """Business days in ``(start, end]``: how many working days a wait takes."""
    if end < start:
        raise GlobalSellingError("The end comes before the start.", "end")
    return sum(
        1
        for offset in range(1, (end - start).days + 1)
        if is_business_day(country, start + timedelta(days=offset))
    )
