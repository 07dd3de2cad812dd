"""Global selling use cases: enable marketplaces, record exchange rates, copy offers
across marketplaces and keep the copies in sync, product text per language, and
the time zones and languages buyers and sellers choose.

Like the other capabilities' services, these functions write in the caller's
session; the web layer (or the outbox, for handlers) commits.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.orm import Session

from souk.catalog.models import Product
from souk.core.clock import Clock
from souk.core.errors import InvalidInput, NotFound, SoukError
from souk.core.events import DomainEvent, emit, on
from souk.core.money import Money, exponent
from souk.core.policy import GlobalSellingPolicy, default_policy
from souk.globalselling import rules
from souk.globalselling.models import (
    BuyerPreference,
    ExchangeRate,
    OfferCopy,
    ProductTranslation,
    SellerMarketplace,
    SellerPreference,
)
from souk.marketplaces.rules import MARKETPLACES, Marketplace
from souk.offers.models import Offer
from souk.offers.rules import OfferTerms
from souk.offers.service import put_offer
from souk.sellers.models import Seller

log = logging.getLogger(__name__)

# The language a product's own (catalog) text is written in.
CATALOG_LANGUAGE = "en"
MAX_TITLE = 500
MAX_BULLETS = 10
MAX_BULLET = 500
MAX_DESCRIPTION = 10_000


def _invalid(error: rules.GlobalSellingError) -> InvalidInput:
    return InvalidInput(error.message, field=error.field)


def _market(code: str, field: str = "marketplace") -> Marketplace:
    market = MARKETPLACES.get((code or "").upper())
    if market is None:
        raise InvalidInput(f"Unknown marketplace {code!r}.", field=field)
    return market


# --- marketplace settings from policy -------------------------------------------


def selling_policy(marketplace: str) -> GlobalSellingPolicy:
    return default_policy().for_marketplace(marketplace).global_selling


def marketplace_tax(marketplace: str) -> rules.MarketplaceTax:
    """Whether ``marketplace`` shows prices with VAT, and at what rate."""
    policy = selling_policy(marketplace)
    return rules.MarketplaceTax(policy.vat_basis_points, policy.prices_include_vat)


def price_points(marketplace: str) -> tuple[rules.PricePointTier, ...]:
    tiers = tuple(
        rules.PricePointTier(t.up_to_minor, t.step_minor, t.ending_minor)
        for t in selling_policy(marketplace).price_points
    )
    rules.check_price_points(tiers)
    return tiers


def vat_note(price: Money, marketplace: str) -> rules.VatNote:
    return rules.vat_note(price, marketplace_tax(marketplace))


# --- exchange rates -----------------------------------------------------------------


def record_rate(
    session: Session,
    clock: Clock,
    *,
    day: date,
    base: str,
    quote: str,
    rate: str | Decimal,
    source: str = "",
) -> ExchangeRate:
    """Record (or correct) one day's exchange rate; copies in those currencies reprice."""
    base, quote = base.strip().upper(), quote.strip().upper()
    for code, field in ((base, "base"), (quote, "quote")):
        try:
            exponent(code)
        except ValueError:
            raise InvalidInput(f"souk does not trade in {code!r}.", field=field) from None
    if base == quote:
        raise InvalidInput("A rate needs two different currencies.", field="quote")
    try:
        value = rules.parse_rate(rate)
    except rules.GlobalSellingError as error:
        raise _invalid(error) from None
    if day > clock.now().date() + timedelta(days=1):
        raise InvalidInput("Rates are recorded for days that have begun.", field="day")
    row = session.scalar(
        select(ExchangeRate).where(
            ExchangeRate.day == day, ExchangeRate.base == base, ExchangeRate.quote == quote
        )
    )
    if row is None:
        row = ExchangeRate(day=day, base=base, quote=quote)
        session.add(row)
    row.rate = rules.rate_text(value)
    row.source = source[:80]
    row.recorded_at = clock.now()
    session.flush()
    emit(
        session,
        "fx.rate_recorded",
        f"{base}{quote}",
        {"day": day.isoformat(), "base": base, "quote": quote, "rate": row.rate},
        clock.now(),
    )
    return row


@dataclass(frozen=True)
class RateUsed:
    rate: Decimal
    day: date | None  # None for the same currency


def rate_on(
    session: Session, base: str, quote: str, day: date, *, max_age_days: int
) -> RateUsed | None:
    """The newest rate from ``base`` to ``quote`` recorded on or before ``day`` and no
    older than ``max_age_days`` (a recorded inverse pair counts too); None without one."""
    if base == quote:
        return RateUsed(Decimal(1), None)
    oldest = day - timedelta(days=max_age_days)
    row = session.scalar(
        select(ExchangeRate)
        .where(
            or_(
                (ExchangeRate.base == base) & (ExchangeRate.quote == quote),
                (ExchangeRate.base == quote) & (ExchangeRate.quote == base),
            ),
            ExchangeRate.day <= day,
            ExchangeRate.day >= oldest,
        )
        .order_by(ExchangeRate.day.desc(), (ExchangeRate.base == base).desc())
        .limit(1)
    )
    if row is None:
        return None
    value = Decimal(row.rate)
    return RateUsed(value if row.base == base else rules.inverse_rate(value), row.day)


def latest_rates(session: Session, limit: int = 20) -> list[ExchangeRate]:
    return list(
        session.scalars(
            select(ExchangeRate)
            .order_by(ExchangeRate.day.desc(), ExchangeRate.base, ExchangeRate.quote)
            .limit(limit)
        )
    )


# --- the marketplaces a seller sells in -----------------------------------------------


def seller_marketplaces(session: Session, seller_id: str) -> list[SellerMarketplace]:
    return list(
        session.scalars(
            select(SellerMarketplace)
            .where(SellerMarketplace.seller_id == seller_id)
            .order_by(SellerMarketplace.marketplace)
        )
    )


def enable_marketplace(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    marketplace: str,
    copy_from: str | None = None,
    margin_bp: int | None = None,
    shipping: Money | None = None,
    handling_days: int | None = None,
    vat_number: str = "",
) -> SellerMarketplace:
    """Start selling in ``marketplace`` (or change its settings). With ``copy_from``,
    every active offer there is copied here at once and kept in sync after."""
    market = _market(marketplace)
    if session.get(Seller, seller_id) is None:
        raise NotFound("No such seller.")
    source = _market(copy_from, "copy_from").code if copy_from else None
    if source == market.code:
        raise InvalidInput("A marketplace cannot copy offers from itself.", field="copy_from")
    existing = {m.marketplace: m for m in seller_marketplaces(session, seller_id)}
    if source is not None:
        if existing.get(source) is not None and existing[source].copy_from:
            raise InvalidInput(
                f"{source} itself copies offers from {existing[source].copy_from}; "
                "copy from the marketplace you list in by hand.",
                field="copy_from",
            )
        if any(m.copy_from == market.code for m in existing.values()):
            raise InvalidInput(
                f"Other marketplaces copy offers from {market.code}, so it cannot copy in turn.",
                field="copy_from",
            )
    policy = selling_policy(market.code)
    margin = policy.default_margin_bp if margin_bp is None else margin_bp
    try:
        rules.check_margin(margin)
    except rules.GlobalSellingError as error:
        raise _invalid(error) from None
    if shipping is not None and shipping.currency != market.currency:
        raise InvalidInput(f"Shipping in {market.name} is in {market.currency}.", field="shipping")
    if shipping is not None and shipping.minor < 0:
        raise InvalidInput("The shipping charge cannot be negative.", field="shipping")
    max_handling = default_policy().for_marketplace(market.code).shipping.max_handling_days
    days = 2 if handling_days is None else handling_days
    if not 1 <= days <= max_handling:
        raise InvalidInput(
            f"Handling time is 1 to {max_handling} business days.", field="handling_days"
        )
    vat = vat_number.strip().upper()
    if len(vat) > 40 or (vat and not all(c.isalnum() or c in " -." for c in vat)):
        raise InvalidInput("A VAT number has letters and digits only.", field="vat_number")
    now = clock.now()
    row = existing.get(market.code)
    if row is None:
        row = SellerMarketplace(
            seller_id=seller_id, marketplace=market.code, enabled_at=now, updated_at=now
        )
        session.add(row)
    previous_source = row.copy_from
    row.copy_from = source
    row.margin_bp = margin
    row.shipping_minor = shipping.minor if shipping is not None else (row.shipping_minor or 0)
    row.handling_days = days
    row.vat_number = vat
    row.updated_at = now
    session.flush()
    if previous_source and previous_source != source:
        _drop_copies(session, clock, seller_id, market.code)
    if source is not None:
        for offer in session.scalars(
            select(Offer).where(Offer.seller_id == seller_id, Offer.marketplace == source)
        ):
            sync_offer(session, clock, offer)
    return row


def disable_marketplace(
    session: Session, clock: Clock, *, seller_id: str, marketplace: str
) -> None:
    """Stop selling in ``marketplace``: its copied offers come off sale."""
    market = _market(marketplace)
    row = session.scalar(
        select(SellerMarketplace).where(
            SellerMarketplace.seller_id == seller_id, SellerMarketplace.marketplace == market.code
        )
    )
    if row is None:
        raise NotFound(f"You do not sell in {market.name}.", field="marketplace")
    if session.scalar(
        select(SellerMarketplace.id).where(
            SellerMarketplace.seller_id == seller_id,
            SellerMarketplace.copy_from == market.code,
        )
    ):
        raise InvalidInput(
            f"Other marketplaces copy offers from {market.name}; change them first.",
            field="marketplace",
        )
    _drop_copies(session, clock, seller_id, market.code)
    session.delete(row)
    session.flush()


def _drop_copies(session: Session, clock: Clock, seller_id: str, marketplace: str) -> None:
    copies = list(
        session.scalars(
            select(OfferCopy).where(
                OfferCopy.seller_id == seller_id, OfferCopy.target_marketplace == marketplace
            )
        )
    )
    for copy in copies:
        target = session.get(Offer, copy.target_offer_id) if copy.target_offer_id else None
        if target is not None and target.is_active:
            _take_off_sale(session, clock, target)
        session.delete(copy)
    session.flush()


def _offer_changed(session: Session, clock: Clock, offer: Offer, change: str) -> None:
    # The same event offers.service emits, so search and the Buy Box follow the copy.
    emit(
        session,
        "offer.changed",
        offer.asin,
        {
            "offer_id": offer.id,
            "asin": offer.asin,
            "seller_id": offer.seller_id,
            "marketplace": offer.marketplace,
            "sku": offer.sku,
            "change": change,
            "price_minor": offer.price_minor,
            "shipping_minor": offer.shipping_minor,
            "quantity": offer.quantity,
            "currency": offer.currency,
        },
        clock.now(),
    )


def _take_off_sale(session: Session, clock: Clock, offer: Offer) -> None:
    offer.is_active = False
    offer.updated_at = clock.now()
    _offer_changed(session, clock, offer, "inactive")


# --- copying offers -------------------------------------------------------------------------


def conversion_rule(
    session: Session, setting: SellerMarketplace, source: str, day: date
) -> tuple[rules.ConversionRule, RateUsed] | None:
    """The rule converting ``source`` prices into ``setting``'s marketplace and the rate
    it uses, or None while no recent exchange rate is recorded."""
    source_market, target_market = MARKETPLACES[source], MARKETPLACES[setting.marketplace]
    used = rate_on(
        session,
        source_market.currency,
        target_market.currency,
        day,
        max_age_days=selling_policy(target_market.code).rate_max_age_days,
    )
    if used is None:
        return None
    rule = rules.ConversionRule(
        rate=used.rate,
        margin_bp=setting.margin_bp,
        source_tax=marketplace_tax(source),
        target_tax=marketplace_tax(target_market.code),
        price_points=price_points(target_market.code),
    )
    return rule, used


def sync_offer(session: Session, clock: Clock, offer: Offer) -> list[OfferCopy]:
    """Bring every copy of a seller's source offer up to date (create, reprice, restock,
    take off sale). Returns the copies with what each sync did."""
    targets = list(
        session.scalars(
            select(SellerMarketplace).where(
                SellerMarketplace.seller_id == offer.seller_id,
                SellerMarketplace.copy_from == offer.marketplace,
            )
        )
    )
    now = clock.now()
    copies: list[OfferCopy] = []
    for setting in targets:
        copy = session.scalar(
            select(OfferCopy).where(
                OfferCopy.source_offer_id == offer.id,
                OfferCopy.target_marketplace == setting.marketplace,
            )
        )
        if copy is None:
            copy = OfferCopy(
                seller_id=offer.seller_id,
                source_offer_id=offer.id,
                target_marketplace=setting.marketplace,
                synced_at=now,
            )
            session.add(copy)
        copy.synced_at = now
        _sync_copy(session, clock, offer, setting, copy)
        copies.append(copy)
    session.flush()
    return copies


def _sync_copy(
    session: Session, clock: Clock, offer: Offer, setting: SellerMarketplace, copy: OfferCopy
) -> None:
    target = session.get(Offer, copy.target_offer_id) if copy.target_offer_id else None
    if not offer.is_active:
        if target is not None and target.is_active:
            _take_off_sale(session, clock, target)
        copy.status, copy.message = "synced", "The source offer is off sale, and so is this copy."
        return
    market = MARKETPLACES[setting.marketplace]
    found = conversion_rule(session, setting, offer.marketplace, clock.now().date())
    if found is None:
        source_currency = MARKETPLACES[offer.marketplace].currency
        copy.status = "no_rate"
        copy.message = (
            f"No {source_currency}/{market.currency} exchange rate from the last "
            f"{selling_policy(market.code).rate_max_age_days} days."
        )
        return
    rule, used = found
    try:
        converted = rules.convert_price(
            Money(offer.currency, offer.price_minor), market.currency, rule
        )
        terms = OfferTerms(
            sku=offer.sku,
            condition=offer.condition,
            price=converted.price,
            shipping=Money(market.currency, setting.shipping_minor),
            quantity=offer.quantity,
            handling_days=setting.handling_days,
            fulfillment_channel=offer.fulfillment_channel,
        )
        with session.begin_nested():
            target = put_offer(
                session,
                clock,
                seller_id=offer.seller_id,
                asin=offer.asin,
                marketplace=market.code,
                terms=terms,
                commit=False,
            )
    except (SoukError, rules.GlobalSellingError) as error:
        copy.status, copy.message = "failed", getattr(error, "message", str(error))
        return
    copy.target_offer_id = target.id
    copy.status = "synced"
    copy.message = ""
    copy.rate = rules.rate_text(rule.rate)
    copy.rate_day = used.day


def _is_copy(session: Session, offer_id: int) -> bool:
    return (
        session.scalar(select(OfferCopy.id).where(OfferCopy.target_offer_id == offer_id).limit(1))
        is not None
    )


@on("offer.changed")
def _sync_on_offer_change(session: Session, event: DomainEvent) -> None:
    """A seller changed an offer in a marketplace other marketplaces copy from."""
    offer_id = event.payload.get("offer_id")
    if offer_id is None or _is_copy(session, int(offer_id)):
        return  # copies follow their source, never the other way round
    has_targets = session.scalar(
        select(SellerMarketplace.id)
        .where(
            SellerMarketplace.seller_id == event.payload.get("seller_id"),
            SellerMarketplace.copy_from == event.payload.get("marketplace"),
        )
        .limit(1)
    )
    if has_targets is None:
        return
    offer = session.get(Offer, int(offer_id))
    if offer is not None:
        sync_offer(session, _EventClock(event.occurred_at), offer)


@on("fx.rate_recorded")
def _reprice_on_new_rate(session: Session, event: DomainEvent) -> None:
    """A new rate reprices every copy between its two currencies."""
    currencies = {event.payload["base"], event.payload["quote"]}
    clock = _EventClock(event.occurred_at)
    for setting in session.scalars(
        select(SellerMarketplace).where(SellerMarketplace.copy_from.is_not(None))
    ):
        source = setting.copy_from or ""
        pair = {MARKETPLACES[source].currency, MARKETPLACES[setting.marketplace].currency}
        if pair != currencies:
            continue
        for offer in session.scalars(
            select(Offer).where(Offer.seller_id == setting.seller_id, Offer.marketplace == source)
        ):
            sync_offer(session, clock, offer)


def stock_family(session: Session, offer_id: int) -> list[int]:
    """The offers sharing one seller's stock with ``offer_id``: a source and its copies."""
    source_id = session.scalar(
        select(OfferCopy.source_offer_id).where(OfferCopy.target_offer_id == offer_id).limit(1)
    )
    source_id = source_id if source_id is not None else offer_id
    copies = session.scalars(
        select(OfferCopy.target_offer_id).where(
            OfferCopy.source_offer_id == source_id, OfferCopy.target_offer_id.is_not(None)
        )
    ).all()
    if not copies:
        return [offer_id]
    return [source_id, *(c for c in copies if c is not None)]


@on("order.placed")
def _share_stock_on_order(session: Session, event: DomainEvent) -> None:
    """Units sold in one marketplace leave the seller's shelf in all of them: the source
    and every copy lose what any of them sold (never below zero)."""
    for item in event.payload.get("items", ()):
        sold_from, quantity = item.get("offer_id"), int(item.get("quantity") or 0)
        if sold_from is None or quantity <= 0:
            continue
        siblings = [o for o in stock_family(session, int(sold_from)) if o != int(sold_from)]
        if siblings:
            session.execute(
                update(Offer)
                .where(Offer.id.in_(siblings))
                .values(
                    quantity=case((Offer.quantity >= quantity, Offer.quantity - quantity), else_=0)
                )
                .execution_options(synchronize_session=False)
            )


class _EventClock:
    """Handlers act as of the event: a copy is priced with the rate of the day it changed."""

    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        return self._at


def offer_copies(
    session: Session, seller_id: str, limit: int = 200
) -> list[tuple[OfferCopy, Offer, Offer | None]]:
    """The seller's copied offers with their source and target offers."""
    rows = session.execute(
        select(OfferCopy, Offer)
        .join(Offer, Offer.id == OfferCopy.source_offer_id)
        .where(OfferCopy.seller_id == seller_id)
        .order_by(OfferCopy.target_marketplace, Offer.sku)
        .limit(limit)
    ).all()
    target_ids = [c.target_offer_id for c, _ in rows if c.target_offer_id]
    targets = (
        {o.id: o for o in session.scalars(select(Offer).where(Offer.id.in_(target_ids)))}
        if target_ids
        else {}
    )
    return [
        (copy, source, targets.get(copy.target_offer_id) if copy.target_offer_id else None)
        for copy, source in rows
    ]


# --- product text per language ---------------------------------------------------------


def put_translation(
    session: Session,
    clock: Clock,
    *,
    asin: str,
    language: str,
    title: str,
    bullets: Sequence[str] = (),
    description: str = "",
    seller_id: str = "",
) -> ProductTranslation:
    """Set a product's title, bullets and description in one language."""
    try:
        code = rules.check_language(language)
    except rules.GlobalSellingError as error:
        raise _invalid(error) from None
    if code == CATALOG_LANGUAGE:
        raise InvalidInput(
            "English is the catalog's own text; edit the product instead.", field="language"
        )
    if session.get(Product, asin) is None:
        raise NotFound(f"No product {asin}.", field="asin")
    if seller_id and not session.scalar(
        select(Offer.id).where(Offer.seller_id == seller_id, Offer.asin == asin).limit(1)
    ):
        raise InvalidInput("You can translate products you have an offer on.", field="asin")
    clean_title = " ".join(title.split())
    if not clean_title:
        raise InvalidInput("A translation needs a title.", field="title")
    if len(clean_title) > MAX_TITLE:
        raise InvalidInput(f"Titles are limited to {MAX_TITLE} characters.", field="title")
    clean_bullets = [" ".join(b.split()) for b in bullets if b.strip()]
    if len(clean_bullets) > MAX_BULLETS or any(len(b) > MAX_BULLET for b in clean_bullets):
        raise InvalidInput(
            f"Up to {MAX_BULLETS} bullet points of {MAX_BULLET} characters each.", field="bullets"
        )
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"Descriptions are limited to {MAX_DESCRIPTION} characters.", field="description"
        )
    row = session.get(ProductTranslation, (asin, code))
    if row is None:
        row = ProductTranslation(asin=asin, language=code)
        session.add(row)
    row.title = clean_title
    row.bullets = clean_bullets
    row.description = description.strip()
    row.updated_by = seller_id
    row.updated_at = clock.now()
    session.flush()
    emit(session, "product.translated", asin, {"asin": asin, "language": code}, clock.now())
    return row


def product_text(session: Session, product: Product, language: str) -> rules.ProductText:
    """The product's words in ``language``, falling back to the catalog's own text."""
    original = rules.ProductText(
        CATALOG_LANGUAGE,
        product.title,
        tuple(str(b) for b in product.bullets or ()),
        product.description or "",
    )
    wanted = rules.language_of(language)
    if wanted == CATALOG_LANGUAGE:
        return original
    row = session.get(ProductTranslation, (product.asin, wanted))
    translations = (
        [rules.ProductText(row.language, row.title, tuple(row.bullets or ()), row.description)]
        if row is not None
        else []
    )
    return rules.pick_product_text(original, translations, wanted)


def product_languages(session: Session, asin: str) -> list[str]:
    return list(
        session.scalars(
            select(ProductTranslation.language)
            .where(ProductTranslation.asin == asin)
            .order_by(ProductTranslation.language)
        )
    )


def delete_translation(session: Session, *, asin: str, language: str) -> None:
    session.execute(
        delete(ProductTranslation).where(
            ProductTranslation.asin == asin, ProductTranslation.language == language
        )
    )


# --- time zones and languages people choose ---------------------------------------------


def buyer_preference(session: Session, user_id: int) -> BuyerPreference | None:
    return session.get(BuyerPreference, user_id)


def set_buyer_preference(
    session: Session,
    clock: Clock,
    *,
    user_id: int,
    time_zone: str | None,
    language: str | None,
) -> BuyerPreference:
    """A buyer's time zone and language; None (or "") follows the marketplace."""
    try:
        zone = rules.check_time_zone(time_zone) if time_zone else None
        code = rules.check_language(language) if language else None
    except rules.GlobalSellingError as error:
        raise _invalid(error) from None
    if code is not None and code not in rules.INTERFACE_LANGUAGES:
        raise InvalidInput("souk speaks English, Deutsch and Français.", field="language")
    row = session.get(BuyerPreference, user_id)
    if row is None:
        row = BuyerPreference(user_id=user_id)
        session.add(row)
    row.time_zone = zone
    row.language = code
    row.updated_at = clock.now()
    session.flush()
    return row


def seller_time_zone(session: Session, seller_id: str) -> str | None:
    row = session.get(SellerPreference, seller_id)
    return row.time_zone if row else None


def set_seller_time_zone(
    session: Session, clock: Clock, *, seller_id: str, time_zone: str
) -> SellerPreference:
    try:
        zone = rules.check_time_zone(time_zone)
    except rules.GlobalSellingError as error:
        raise _invalid(error) from None
    row = session.get(SellerPreference, seller_id)
    if row is None:
        row = SellerPreference(seller_id=seller_id)
        session.add(row)
    row.time_zone = zone
    row.updated_at = clock.now()
    session.flush()
    return row


def zone_or_default(name: str | None, market: Marketplace) -> ZoneInfo:
    """A chosen zone, or the marketplace's business zone."""
    return ZoneInfo(name) if name else market.zone


# --- marketplace business days and holidays -------------------------------------------


def is_business_day(marketplace: str, day: date) -> bool:
    """Whether ``day`` is a working day in the marketplace's country."""
    return rules.is_business_day(_market(marketplace).code, day)


def add_business_days(marketplace: str, day: date, days: int) -> date:
    """``days`` working days after ``day`` in the marketplace's country."""
    return rules.add_business_days(_market(marketplace).code, day, days)


def holidays_between(marketplace: str, start: date, end: date) -> list[tuple[date, str]]:
    """The marketplace country's public holidays from ``start`` to ``end``."""
    try:
        return rules.public_holidays(_market(marketplace).code, start, end)
    except rules.GlobalSellingError as error:
        raise _invalid(error) from None
