"""Seller analytics: business reports, buyer behaviour on the seller's own products,
sales forecasts with restock suggestions, search terms and a market view.

A seller sees its own orders and messages only. Traffic (sessions, page views)
and search figures belong to products, so they are shown for the products the
seller offers; the market view shows public facts only (ranks, lowest prices).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from souk.accounts.models import Address
from souk.analytics import rules
from souk.analytics.forecast import Forecast, forecast_daily
from souk.buybox.service import FeaturedHistory
from souk.catalog.models import Category, Product
from souk.core.errors import InvalidInput
from souk.core.money import Money
from souk.core.policy import AnalyticsPolicy, default_policy
from souk.marketplaces.rules import MARKETPLACES
from souk.messaging.models import Message, MessageThread
from souk.offers.models import Offer
from souk.orders.models import Order, OrderItem
from souk.orders.rules import CANCELED
from souk.promotions.models import OfferPriceDay
from souk.promotions.rules import Location, zone_for
from souk.rankings.service import best_sellers, rank_history
from souk.recs.models import VIEW, RecsEvent
from souk.search.models import SearchClick, SearchImpression, SearchLog


def analytics_policy(marketplace: str) -> AnalyticsPolicy:
    return default_policy().for_marketplace(marketplace).analytics


def check_range(start: date, end: date, marketplace: str) -> tuple[date, date]:
    if end < start:
        raise InvalidInput("The end date must not be before the start date.", field="to")
    longest = analytics_policy(marketplace).report_max_days
    if (end - start).days + 1 > longest:
        raise InvalidInput(f"A report covers at most {longest} days.", field="from")
    return start, end


def _bounds(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time(0), zone).astimezone(UTC),
        datetime.combine(end + timedelta(days=1), time(0), zone).astimezone(UTC),
    )


def seller_asins(session: Session, seller_id: str, marketplace: str) -> list[str]:
    return sorted(
        set(
            session.scalars(
                select(Offer.asin).where(
                    Offer.seller_id == seller_id, Offer.marketplace == marketplace
                )
            )
        )
    )


# -- business report -----------------------------------------------------------------------


@dataclass
class ReportLine:
    key: str  # the day (ISO) or the ASIN
    sessions: int = 0
    page_views: int = 0
    units: int = 0
    orders: int = 0
    sales_minor: int = 0
    #: Page views in which one of the seller's offers was the featured offer.
    featured_views: int = 0
    _visitors: set[str] = field(default_factory=set, repr=False)

    @property
    def unit_session_percentage(self) -> float | None:
        return rules.unit_session_percentage(self.units, self.sessions)

    @property
    def featured_offer_percentage(self) -> float | None:
        return rules.featured_offer_percentage(self.featured_views, self.page_views)


@dataclass(frozen=True)
class BusinessReport:
    start: date
    end: date
    currency: str
    by_day: list[ReportLine]
    by_product: list[ReportLine]
    titles: dict[str, str]

    def total(self, name: str) -> int:
        return sum(getattr(line, name) for line in self.by_day)

    @property
    def unit_session_percentage(self) -> float | None:
        return rules.unit_session_percentage(self.total("units"), self.total("sessions"))

    @property
    def featured_offer_percentage(self) -> float | None:
        return rules.featured_offer_percentage(
            self.total("featured_views"), self.total("page_views")
        )

    def money(self, minor: int) -> Money:
        return Money(self.currency, minor)


def business_report(
    session: Session, seller_id: str, marketplace: str, start: date, end: date
) -> BusinessReport:
    """Sessions and page views of the seller's products (a session: one visitor's
    views of a product on one day), the share of those views that featured the
    seller's offer, and the seller's units, orders and sales, by day (in the
    marketplace's zone) and by product."""
    check_range(start, end, marketplace)
    market = MARKETPLACES[marketplace]
    since, until = _bounds(start, end, market.zone)
    asins = seller_asins(session, seller_id, marketplace)
    days = {
        (start + timedelta(days=i)).isoformat(): ReportLine((start + timedelta(days=i)).isoformat())
        for i in range((end - start).days + 1)
    }
    products: dict[str, ReportLine] = {a: ReportLine(a) for a in asins}
    if asins:
        mine = set(
            session.scalars(
                select(Offer.id).where(
                    Offer.seller_id == seller_id, Offer.marketplace == marketplace
                )
            )
        )
        featured = FeaturedHistory(session, asins, marketplace, until)
        views = session.execute(
            select(RecsEvent.asin, RecsEvent.buyer_id, RecsEvent.visitor, RecsEvent.at).where(
                RecsEvent.kind == VIEW,
                RecsEvent.marketplace == marketplace,
                RecsEvent.asin.in_(asins),
                RecsEvent.at >= since,
                RecsEvent.at < until,
            )
        ).all()
        for asin, buyer_id, visitor, at in views:
            day = at.astimezone(market.zone).date().isoformat()
            who = f"b{buyer_id}" if buyer_id is not None else f"v{visitor}"
            pick = featured.at(asin, at) if asin is not None else None
            ours = pick is not None and pick in mine
            for line in (days.get(day), products.get(asin or "")):
                if line is None:
                    continue
                line.page_views += 1
                line.featured_views += ours
                visit = f"{who}:{asin}:{day}"
                if visit not in line._visitors:
                    line._visitors.add(visit)
                    line.sessions += 1
    orders = session.execute(
        select(
            Order.id,
            Order.purchased_at,
            OrderItem.asin,
            OrderItem.quantity,
            OrderItem.unit_price_minor,
        )
        .join(OrderItem, OrderItem.order_id == Order.id)
        .where(
            Order.seller_id == seller_id,
            Order.marketplace == marketplace,
            Order.status != CANCELED,
            Order.purchased_at >= since,
            Order.purchased_at < until,
        )
    ).all()
    counted: dict[str, set[str]] = defaultdict(set)
    for order_id, at, asin, quantity, unit_minor in orders:
        day = at.astimezone(market.zone).date().isoformat()
        product = products.setdefault(asin, ReportLine(asin))
        for line in (days.get(day), product):
            if line is None:
                continue
            line.units += quantity
            line.sales_minor += quantity * unit_minor
            if order_id not in counted[line.key]:
                counted[line.key].add(order_id)
                line.orders += 1
    titles = dict(
        session.execute(
            select(Product.asin, Product.title).where(Product.asin.in_(list(products)))
        ).all()
    )
    by_product = sorted(products.values(), key=lambda p: (-p.sales_minor, -p.sessions, p.key))
    return BusinessReport(start, end, market.currency, list(days.values()), by_product, titles)


# -- buyer behaviour -----------------------------------------------------------------------


@dataclass(frozen=True)
class BuyerBehaviour:
    orders: int
    buyers: int
    repeat_purchase_rate: float | None
    presale_questions: int
    sessions: int
    presale_question_rate: float | None  # questions per 100 sessions
    return_rate: float | None
    refund_rate: float | None
    returns_known: bool
    order_hours: list[int]  # 24 counts, buyers' local time
    message_hours: list[int]
    peak_order_hours: list[int]
    peak_message_hours: list[int]


def buyer_behaviour(
    session: Session, seller_id: str, marketplace: str, start: date, end: date
) -> BuyerBehaviour:
    check_range(start, end, marketplace)
    market = MARKETPLACES[marketplace]
    since, until = _bounds(start, end, market.zone)
    orders = session.execute(
        select(Order.buyer_id, Order.purchased_at, Order.ship_country, Order.ship_state).where(
            Order.seller_id == seller_id,
            Order.marketplace == marketplace,
            Order.status != CANCELED,
            Order.purchased_at >= since,
            Order.purchased_at < until,
        )
    ).all()
    per_buyer = Counter(buyer for buyer, _, _, _ in orders)
    order_hours = [
        at.astimezone(ZoneInfo(zone_for(Location(country, state), market.time_zone))).hour
        for _, at, country, state in orders
    ]
    messages = session.execute(
        select(Message.created_at, Message.order_id, MessageThread.buyer_id)
        .join(MessageThread, MessageThread.id == Message.thread_id)
        .where(
            MessageThread.seller_id == seller_id,
            Message.sender == "buyer",
            Message.created_at >= since,
            Message.created_at < until,
        )
    ).all()
    buyer_ids = sorted({b for _, _, b in messages})
    homes: dict[int, Location] = {}
    if buyer_ids:
        for user_id, country, state in session.execute(
            select(Address.user_id, Address.country, Address.state)
            .where(Address.user_id.in_(buyer_ids))
            .order_by(Address.is_default, Address.id)
        ):
            homes[user_id] = Location(country, state)  # the default address is read last
    message_hours = [
        at.astimezone(ZoneInfo(zone_for(homes.get(buyer), market.time_zone))).hour
        for at, _, buyer in messages
    ]
    presale = sum(1 for _, order_id, _ in messages if order_id is None)
    report = business_report(session, seller_id, marketplace, start, end)
    sessions = report.total("sessions")
    returns_known = True
    try:
        from souk.returns.service import return_refund_counts
    except ImportError:  # pragma: no cover - returns are optional in a slim install
        returns_known = False
    return_rate = refund_rate = None
    if returns_known:
        returned, refunded = return_refund_counts(session, seller_id, marketplace, since, until)
        return_rate = rules.rate(returned, len(orders))
        refund_rate = rules.rate(refunded, len(orders))
    return BuyerBehaviour(
        orders=len(orders),
        buyers=len(per_buyer),
        repeat_purchase_rate=rules.repeat_purchase_rate(per_buyer.values()),
        presale_questions=presale,
        sessions=sessions,
        presale_question_rate=rules.rate(presale, sessions),
        return_rate=return_rate,
        refund_rate=refund_rate,
        returns_known=returns_known,
        order_hours=rules.hour_histogram(order_hours),
        message_hours=rules.hour_histogram(message_hours),
        peak_order_hours=rules.peak_hours(order_hours),
        peak_message_hours=rules.peak_hours(message_hours),
    )


# -- forecasts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SkuForecast:
    offer: Offer
    title: str
    history_start: date
    history: list[int]  # daily units, oldest first, ending yesterday
    forecast: Forecast
    weeks: list[rules.WeekForecast]
    restock: rules.Restock
    first_day: date


def daily_units(
    session: Session, offer: Offer, first: date, last: date, zone: ZoneInfo
) -> list[int]:
    since, until = _bounds(first, last, zone)
    rows = session.execute(
        select(Order.purchased_at, OrderItem.quantity)
        .join(OrderItem, OrderItem.order_id == Order.id)
        .where(
            OrderItem.offer_id == offer.id,
            Order.status != CANCELED,
            Order.purchased_at >= since,
            Order.purchased_at < until,
        )
    ).all()
    units = [0] * ((last - first).days + 1)
    for at, quantity in rows:
        units[(at.astimezone(zone).date() - first).days] += quantity
    return units


def sku_forecast(
    session: Session,
    seller_id: str,
    marketplace: str,
    sku: str,
    *,
    today: date,
    weeks: int,
    lead_time_days: int,
    history_days: int = 364,
) -> SkuForecast:
    """The SKU's daily sales from its history, ``weeks`` ahead with an 80 % band, and
    how much stock to send, by when, to cover the lead time."""
    policy = analytics_policy(marketplace)
    if not policy.forecast_weeks_min <= weeks <= policy.forecast_weeks_max:
        raise InvalidInput(
            f"Forecast from {policy.forecast_weeks_min} to "
            f"{policy.forecast_weeks_max} weeks ahead.",
            field="weeks",
        )
    if not 0 <= lead_time_days <= 180:
        raise InvalidInput("Lead time runs from 0 to 180 days.", field="lead_time")
    offer = session.scalar(
        select(Offer).where(
            Offer.seller_id == seller_id, Offer.marketplace == marketplace, Offer.sku == sku
        )
    )
    if offer is None:
        raise InvalidInput(f"You have no SKU {sku!r} in this marketplace.", field="sku")
    market = MARKETPLACES[marketplace]
    first_sale = session.scalar(
        select(func.min(Order.purchased_at))
        .join(OrderItem, OrderItem.order_id == Order.id)
        .where(OrderItem.offer_id == offer.id)
    )
    last = today - timedelta(days=1)
    first = max(
        today - timedelta(days=history_days), offer.created_at.astimezone(market.zone).date()
    )
    if first_sale is not None:
        first = min(first, first_sale.astimezone(market.zone).date())
        first = max(first, today - timedelta(days=history_days))
    history = daily_units(session, offer, first, last, market.zone) if first <= last else []
    horizon = weeks * rules.WEEK
    forecast = forecast_daily(history, horizon)
    restock = rules.restock_suggestion(
        today,
        offer.quantity,
        forecast.daily,
        forecast.sigma,
        lead_time_days,
        rules.WEEK,
        policy.service_level_z,
    )
    title = session.scalar(select(Product.title).where(Product.asin == offer.asin)) or offer.asin
    return SkuForecast(
        offer=offer,
        title=title,
        history_start=first,
        history=history,
        forecast=forecast,
        weeks=rules.weekly(today, forecast.daily, forecast.low, forecast.high),
        restock=restock,
        first_day=today,
    )


# -- search terms and market view ----------------------------------------------------------


@dataclass(frozen=True)
class SearchTerm:
    query: str
    searches: int
    impressions: int  # of the seller's products
    clicks: int  # on the seller's products
    all_clicks: int  # on any product, for the click share

    @property
    def click_share(self) -> float | None:
        return rules.rate(self.clicks, self.all_clicks)

    @property
    def click_through(self) -> float | None:
        return rules.rate(self.clicks, self.impressions)


def search_terms(
    session: Session, seller_id: str, marketplace: str, start: date, end: date, limit: int = 50
) -> list[SearchTerm]:
    """Searches that showed the seller's products: how often, and the clicks they won."""
    check_range(start, end, marketplace)
    market = MARKETPLACES[marketplace]
    since, until = _bounds(start, end, market.zone)
    asins = seller_asins(session, seller_id, marketplace)
    if not asins:
        return []
    window = (SearchLog.marketplace == marketplace, SearchLog.at >= since, SearchLog.at < until)
    shown = dict(
        session.execute(
            select(SearchLog.normalised_query, func.count(SearchImpression.id))
            .join(SearchImpression, SearchImpression.search_id == SearchLog.id)
            .where(*window, SearchImpression.asin.in_(asins))
            .group_by(SearchLog.normalised_query)
            .order_by(func.count(SearchImpression.id).desc())
            .limit(limit)
        ).all()
    )
    if not shown:
        return []
    queries = list(shown)
    searches = dict(
        session.execute(
            select(SearchLog.normalised_query, func.count(SearchLog.id))
            .where(*window, SearchLog.normalised_query.in_(queries))
            .group_by(SearchLog.normalised_query)
        ).all()
    )
    clicks: Counter[str] = Counter()
    all_clicks: Counter[str] = Counter()
    for query, asin in session.execute(
        select(SearchLog.normalised_query, SearchClick.asin)
        .join(SearchClick, SearchClick.search_id == SearchLog.id)
        .where(*window, SearchLog.normalised_query.in_(queries))
    ):
        all_clicks[query] += 1
        if asin in asins:
            clicks[query] += 1
    return [SearchTerm(q, searches.get(q, 0), shown[q], clicks[q], all_clicks[q]) for q in queries]


@dataclass(frozen=True)
class MarketProduct:
    asin: str
    title: str
    rank: int
    lowest_price: Money | None
    rank_history: list[tuple[date, int]]
    price_history: list[tuple[date, Money]]
    mine: bool


def market_view(
    session: Session,
    seller_id: str,
    marketplace: str,
    category: Category,
    today: date,
    *,
    top: int = 10,
    days: int = 30,
) -> list[MarketProduct]:
    """A category's best sellers with public facts only: rank and its history, and the
    lowest price on offer and its daily history (no seller's units or sales)."""
    ranked = best_sellers(session, marketplace, category.id, limit=top)
    asins = [a for a, _ in ranked]
    if not asins:
        return []
    titles = dict(
        session.execute(select(Product.asin, Product.title).where(Product.asin.in_(asins))).all()
    )
    offers = session.execute(
        select(
            Offer.id,
            Offer.asin,
            Offer.price_minor,
            Offer.currency,
            Offer.seller_id,
            Offer.is_active,
        ).where(Offer.asin.in_(asins), Offer.marketplace == marketplace)
    ).all()
    lowest: dict[str, Money] = {}
    currency = MARKETPLACES[marketplace].currency
    offer_asin = {}
    mine = set()
    for offer_id, asin, price, cur, owner, active in offers:
        offer_asin[offer_id] = asin
        if owner == seller_id:
            mine.add(asin)
        if active and (asin not in lowest or price < lowest[asin].minor):
            lowest[asin] = Money(cur, price)
    history: dict[str, dict[date, int]] = defaultdict(dict)
    if offer_asin:
        for offer_id, day, price in session.execute(
            select(OfferPriceDay.offer_id, OfferPriceDay.day, OfferPriceDay.lowest_minor).where(
                OfferPriceDay.offer_id.in_(list(offer_asin)),
                OfferPriceDay.day > today - timedelta(days=days),
            )
        ):
            asin = offer_asin[offer_id]
            known = history[asin].get(day)
            history[asin][day] = price if known is None else min(known, price)
    return [
        MarketProduct(
            asin=asin,
            title=titles.get(asin, asin),
            rank=rank,
            lowest_price=lowest.get(asin),
            rank_history=rank_history(session, asin, marketplace, days=days, today=today),
            price_history=[(d, Money(currency, p)) for d, p in sorted(history[asin].items())],
            mine=asin in mine,
        )
        for asin, rank in ranked
    ]
