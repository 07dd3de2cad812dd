"""Sponsored Products use cases: set up campaigns, run auctions for search
and product pages, charge clicks within budget, and report results."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import bindparam, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from souk.ads import rules
from souk.ads.models import Ad, AdClick, AdDailyStats, AdGroup, AdImpression, Campaign, Target
from souk.buybox.rules import OfferFacts, ineligibility
from souk.catalog.models import Category, Product
from souk.catalog.service import category_by_path
from souk.core.clock import Clock
from souk.core.errors import InvalidInput, NotFound
from souk.core.money import Money
from souk.core.policy import AdsPolicy, default_policy
from souk.marketplaces.rules import MARKETPLACES
from souk.offers.models import Offer
from souk.orders.models import Order, OrderItem
from souk.search.rules import query_terms
from souk.sellers.models import Seller

# -- setting up ---------------------------------------------------------------------------


def _policy(marketplace: str) -> AdsPolicy:
    return default_policy().for_marketplace(marketplace).ads


def _check_bid(bid: Money, marketplace: str, field: str = "bid") -> int:
    policy, currency = _policy(marketplace), MARKETPLACES[marketplace].currency
    if bid.currency != currency:
        raise InvalidInput(f"Bids in this marketplace are in {currency}.", field=field)
    if not policy.min_bid_minor <= bid.minor <= policy.max_bid_minor:
        low = Money(currency, policy.min_bid_minor).amount_str()
        high = Money(currency, policy.max_bid_minor).amount_str()
        raise InvalidInput(f"Bids run from {low} to {high} {currency}.", field=field)
    return bid.minor


def create_campaign(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    marketplace: str,
    name: str,
    daily_budget: Money,
    start_date: date,
    end_date: date | None = None,
    bidding_strategy: str = "down_only",
    top_of_search_percent: int = 0,
    rest_of_search_percent: int = 0,
    product_page_percent: int = 0,
) -> Campaign:
    if marketplace not in MARKETPLACES:
        raise InvalidInput(f"Unknown marketplace {marketplace!r}.", field="marketplace")
    policy, currency = _policy(marketplace), MARKETPLACES[marketplace].currency
    if not name.strip():
        raise InvalidInput("Name the campaign.", field="name")
    if daily_budget.currency != currency:
        raise InvalidInput(f"Budgets in this marketplace are in {currency}.", field="daily_budget")
    if daily_budget.minor < policy.min_daily_budget_minor:
        least = Money(currency, policy.min_daily_budget_minor).amount_str()
        raise InvalidInput(
            f"The daily budget must be at least {least} {currency}.", field="daily_budget"
        )
    if end_date is not None and end_date < start_date:
        raise InvalidInput("The end date comes before the start date.", field="end_date")
    if bidding_strategy not in rules.STRATEGIES:
        raise InvalidInput(
            f"Bidding strategy must be one of {', '.join(rules.STRATEGIES)}.",
            field="bidding_strategy",
        )
    for field, percent in (
        ("top_of_search_percent", top_of_search_percent),
        ("rest_of_search_percent", rest_of_search_percent),
        ("product_page_percent", product_page_percent),
    ):
        if not 0 <= percent <= 900:
            raise InvalidInput("Placement adjustments run from 0 to 900 %.", field=field)
    campaign = Campaign(
        seller_id=seller_id,
        marketplace=marketplace,
        name=name.strip()[:120],
        currency=currency,
        daily_budget_minor=daily_budget.minor,
        start_date=start_date,
        end_date=end_date,
        bidding_strategy=bidding_strategy,
        top_of_search_percent=top_of_search_percent,
        rest_of_search_percent=rest_of_search_percent,
        product_page_percent=product_page_percent,
        created_at=clock.now(),
    )
    session.add(campaign)
    session.commit()
    return campaign


def seller_campaign(session: Session, seller_id: str, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.seller_id != seller_id:
        raise NotFound("No such campaign.", field="campaign_id")
    return campaign


def seller_ad_group(session: Session, seller_id: str, ad_group_id: int) -> tuple[AdGroup, Campaign]:
    group = session.get(AdGroup, ad_group_id)
    if group is None:
        raise NotFound("No such ad group.", field="ad_group_id")
    return group, seller_campaign(session, seller_id, group.campaign_id)


def add_ad_group(
    session: Session, *, seller_id: str, campaign_id: int, name: str, default_bid: Money
) -> AdGroup:
    campaign = seller_campaign(session, seller_id, campaign_id)
    if not name.strip():
        raise InvalidInput("Name the ad group.", field="name")
    group = AdGroup(
        campaign_id=campaign.id,
        name=name.strip()[:120],
        default_bid_minor=_check_bid(default_bid, campaign.marketplace, "default_bid"),
    )
    session.add(group)
    session.commit()
    return group


def add_ad(session: Session, *, seller_id: str, ad_group_id: int, sku: str) -> Ad:
    """Advertise one of the seller's own offers (by SKU) in the ad group."""
    group, campaign = seller_ad_group(session, seller_id, ad_group_id)
    offer = session.scalar(
        select(Offer).where(
            Offer.seller_id == seller_id,
            Offer.marketplace == campaign.marketplace,
            Offer.sku == sku,
        )
    )
    if offer is None:
        raise NotFound(
            f"You have no offer with SKU {sku!r} in {campaign.marketplace}.", field="sku"
        )
    existing = session.scalar(select(Ad).where(Ad.ad_group_id == group.id, Ad.offer_id == offer.id))
    if existing is not None:
        return existing
    ad = Ad(ad_group_id=group.id, offer_id=offer.id, asin=offer.asin)
    session.add(ad)
    session.commit()
    return ad


def add_keyword(
    session: Session,
    *,
    seller_id: str,
    ad_group_id: int,
    keyword: str,
    match_type: str,
    bid: Money | None = None,
    negative: bool = False,
) -> Target:
    group, campaign = seller_ad_group(session, seller_id, ad_group_id)
    words = query_terms(keyword)
    if not words:
        raise InvalidInput("Enter a keyword.", field="keyword")
    allowed = ("phrase", "exact") if negative else rules.MATCH_TYPES
    if match_type not in allowed:
        raise InvalidInput(f"Match type must be one of {', '.join(allowed)}.", field="match_type")
    if negative and bid is not None:
        raise InvalidInput("Negative keywords have no bid.", field="bid")
    target = Target(
        ad_group_id=group.id,
        marketplace=campaign.marketplace,
        kind="keyword",
        match_type=match_type,
        keyword=" ".join(words),
        match_key=rules.stems(words)[0],
        negative=negative,
        bid_minor=_check_bid(bid, campaign.marketplace) if bid else None,
    )
    session.add(target)
    session.commit()
    return target


def add_product_target(
    session: Session, *, seller_id: str, ad_group_id: int, asin: str, bid: Money | None = None
) -> Target:
    """Show the group's ads on another product's detail page."""
    group, campaign = seller_ad_group(session, seller_id, ad_group_id)
    if session.get(Product, asin) is None:
        raise NotFound(f"No product {asin}.", field="asin")
    target = Target(
        ad_group_id=group.id,
        marketplace=campaign.marketplace,
        kind="product",
        match_key=asin,
        bid_minor=_check_bid(bid, campaign.marketplace) if bid else None,
    )
    session.add(target)
    session.commit()
    return target


def add_category_target(
    session: Session,
    *,
    seller_id: str,
    ad_group_id: int,
    category_path: str,
    bid: Money | None = None,
) -> Target:
    """Show the group's ads on detail pages of products in a category (or below it)."""
    group, campaign = seller_ad_group(session, seller_id, ad_group_id)
    category = category_by_path(session, category_path)
    target = Target(
        ad_group_id=group.id,
        marketplace=campaign.marketplace,
        kind="category",
        match_key=str(category.id),
        bid_minor=_check_bid(bid, campaign.marketplace) if bid else None,
    )
    session.add(target)
    session.commit()
    return target


def set_campaign_status(
    session: Session, *, seller_id: str, campaign_id: int, status: str
) -> Campaign:
    if status not in ("enabled", "paused", "archived"):
        raise InvalidInput("Status must be enabled, paused or archived.", field="status")
    campaign = seller_campaign(session, seller_id, campaign_id)
    campaign.status = status
    session.commit()
    return campaign


# -- auctions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SponsoredSlot:
    impression_id: int
    ad_id: int
    asin: str
    slot: int
    price_minor: int


@dataclass(frozen=True)
class _Candidate:
    target: Target
    group: AdGroup
    campaign: Campaign
    ad: Ad
    offer: Offer
    seller: Seller


def _local_day(clock: Clock, marketplace: str) -> tuple[date, float]:
    """Today in the marketplace's zone and the share of that day gone by."""
    local = clock.now().astimezone(MARKETPLACES[marketplace].zone)
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    return local.date(), seconds / 86400


def _day_bounds(day: date, marketplace: str) -> tuple[datetime, datetime]:
    zone = MARKETPLACES[marketplace].zone
    start = datetime.combine(day, time(0), zone)
    return start, start + timedelta(days=1)


# Built once: auctions run on every search and product page, and composing these
# statements anew each time cost more than running them.
_CANDIDATES = (
    select(Target, AdGroup, Campaign, Ad, Offer, Seller)
    .join(AdGroup, AdGroup.id == Target.ad_group_id)
    .join(Campaign, Campaign.id == AdGroup.campaign_id)
    .join(Ad, Ad.ad_group_id == AdGroup.id)
    .join(Offer, Offer.id == Ad.offer_id)
    .join(Seller, Seller.id == Offer.seller_id)
    .where(
        Target.marketplace == bindparam("marketplace"),
        Target.kind == bindparam("kind"),
        Target.match_key.in_(bindparam("keys", expanding=True)),
        Target.status == "enabled",
        AdGroup.status == "enabled",
        Campaign.status == "enabled",
        Ad.status == "enabled",
        Campaign.start_date <= bindparam("today"),
        (Campaign.end_date.is_(None)) | (Campaign.end_date >= bindparam("today")),
        Offer.is_active,
        Offer.quantity > 0,
    )
)
_NEGATIVES = select(Target).where(
    Target.ad_group_id.in_(bindparam("groups", expanding=True)),
    Target.negative,
    Target.status == "enabled",
)


def _candidates(
    session: Session, marketplace: str, kind: str, keys: list[str], today: date
) -> list[_Candidate]:
    rows = session.execute(
        _CANDIDATES, {"marketplace": marketplace, "kind": kind, "keys": keys, "today": today}
    ).all()
    return [_Candidate(*row) for row in rows]


def _servable(candidate: _Candidate) -> bool:
    """Only offers that could be featured are advertised (new, in stock, good standing)."""
    o, s = candidate.offer, candidate.seller
    facts = OfferFacts(
        o.id,
        s.id,
        o.condition,
        Money(o.currency, o.price_minor),
        Money(o.currency, o.shipping_minor),
        o.quantity,
        o.handling_days,
        o.fulfillment_channel,
        s.plan,
        s.status,
        s.on_holiday,
    )
    return not ineligibility(facts)


@dataclass
class _History:
    """What the daily stats say about the ads and campaigns in one auction."""

    impressions: dict[int, int]
    clicks: dict[int, int]
    spent_today: dict[int, int]  # per campaign
    spent_this_month: dict[int, int]  # per campaign


def _history(
    session: Session, ad_campaigns: dict[int, int], today: date, policy: AdsPolicy
) -> _History:
    """CTR inputs per ad and charged spend per campaign, in one query over daily stats
    (days are the marketplace's local days, as budgets are)."""
    ctr_since = today - timedelta(days=policy.ctr_window_days)
    month_start = today.replace(day=1)
    history = _History(defaultdict(int), defaultdict(int), defaultdict(int), defaultdict(int))
    rows = session.execute(
        select(
            AdDailyStats.ad_id,
            AdDailyStats.day,
            AdDailyStats.impressions,
            AdDailyStats.clicks,
            AdDailyStats.spend_minor,
        ).where(
            AdDailyStats.ad_id.in_(list(ad_campaigns)),
            AdDailyStats.day > min(ctr_since, month_start - timedelta(days=1)),
        )
    )
    for ad_id, day, impressions, clicks, spend in rows:
        if day > ctr_since:
            history.impressions[ad_id] += impressions
            history.clicks[ad_id] += clicks
        campaign_id = ad_campaigns[ad_id]
        if day >= month_start:
            history.spent_this_month[campaign_id] += spend
        if day == today:
            history.spent_today[campaign_id] += spend
    return history


def _campaign_spend(session: Session, campaign_id: int, today: date) -> tuple[int, int]:
    """Charged spend of one campaign today and this month."""
    rows = session.execute(
        select(AdDailyStats.day, func.sum(AdDailyStats.spend_minor))
        .join(Ad, Ad.id == AdDailyStats.ad_id)
        .join(AdGroup, AdGroup.id == Ad.ad_group_id)
        .where(AdGroup.campaign_id == campaign_id, AdDailyStats.day >= today.replace(day=1))
        .group_by(AdDailyStats.day)
    ).all()
    month = sum(int(spend or 0) for _, spend in rows)
    return sum(int(spend or 0) for day, spend in rows if day == today), month


def _bump_stats(session: Session, rows: list[dict[str, object]]) -> None:
    """Add impressions, clicks and spend to ad-days, as one upsert."""
    if not rows:
        return
    maker = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = maker(AdDailyStats)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["ad_id", "day"],
            set_={
                "impressions": AdDailyStats.impressions + statement.excluded.impressions,
                "clicks": AdDailyStats.clicks + statement.excluded.clicks,
                "spend_minor": AdDailyStats.spend_minor + statement.excluded.spend_minor,
            },
        ),
        rows,
    )


def _relaxed_commit(session: Session) -> None:
    """Impressions may be lost in a crash without harm, so on PostgreSQL their
    transaction does not wait for the disk (clicks and money always do)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _auction(
    session: Session,
    clock: Clock,
    marketplace: str,
    placement: str,
    candidates: list[_Candidate],
    exclude_asins: set[str],
    visitor: str,
    search_term: str,
    context_asin: str,
    slots: int | None = None,
) -> list[SponsoredSlot]:
    policy = _policy(marketplace)
    today, day_fraction = _local_day(clock, marketplace)
    candidates = [c for c in candidates if c.ad.asin not in exclude_asins and _servable(c)]
    if not candidates:
        return []
    history = _history(session, {c.ad.id: c.campaign.id for c in candidates}, today, policy)
    prior = policy.prior_ctr[placement]
    ctr = {
        c.ad.id: rules.predicted_ctr(
            history.clicks[c.ad.id], history.impressions[c.ad.id], prior, policy.prior_weight
        )
        for c in candidates
    }
    percent_field = {
        "top_of_search": "top_of_search_percent",
        "rest_of_search": "rest_of_search_percent",
        "product_page": "product_page_percent",
    }[placement]
    bidders, chosen = [], {}
    for c in candidates:
        base = c.target.bid_minor or c.group.default_bid_minor
        bid = rules.placement_bid(base, getattr(c.campaign, percent_field))
        # Predicted conversion relative to the ad's usual: its CTR against the prior.
        ratio = ctr[c.ad.id] / policy.prior_ctr[placement]
        bid = int(bid * rules.strategy_multiplier(c.campaign.bidding_strategy, placement, ratio))
        if not rules.may_spend(
            price=bid,  # the most a click could cost
            daily_budget=c.campaign.daily_budget_minor,
            spent_today=history.spent_today[c.campaign.id],
            spent_this_month=history.spent_this_month[c.campaign.id],
            days_elapsed_in_month=today.day,
            day_fraction=day_fraction,
            pacing_slack=policy.pacing_slack,
        ):
            continue
        key = c.ad.id
        if key not in chosen or bid > chosen[key][0]:
            chosen[key] = (bid, c)
    for ad_id, (bid, c) in chosen.items():
        bidders.append(rules.Bidder(ad_id, c.ad.asin, bid, ctr[ad_id]))
    awards = rules.run_auction(bidders, slots or policy.slots[placement], policy.reserve_minor)
    if not awards:
        return []
    now = clock.now()
    rows = []
    for award in awards:
        _, c = chosen[award.ad_id]
        rows.append(
            {
                "campaign_id": c.campaign.id,
                "ad_id": award.ad_id,
                "target_id": c.target.id,
                "placement": placement,
                "search_term": search_term[:200],
                "context_asin": context_asin,
                "slot": award.slot,
                "price_minor": award.price,
                "visitor": visitor[:64],
                "at": now,
            }
        )
    _relaxed_commit(session)
    ids = session.scalars(
        insert(AdImpression).returning(AdImpression.id, sort_by_parameter_order=True), rows
    ).all()
    _bump_stats(
        session,
        [
            {"ad_id": a.ad_id, "day": today, "impressions": 1, "clicks": 0, "spend_minor": 0}
            for a in awards
        ],
    )
    session.commit()
    return [
        SponsoredSlot(impression_id, a.ad_id, a.asin, a.slot, a.price)
        for impression_id, a in zip(ids, awards, strict=True)
    ]


def search_auction(
    session: Session,
    clock: Clock,
    *,
    marketplace: str,
    query: str,
    placement: str = "top_of_search",
    visitor: str = "",
    exclude_asins: set[str] | None = None,
    slots: int | None = None,
) -> list[SponsoredSlot]:
    """Sponsored results for a search page; records an impression per ad shown."""
    if placement not in ("top_of_search", "rest_of_search"):
        raise InvalidInput("Search placements are top_of_search and rest_of_search.")
    words = query_terms(query)
    if not words or marketplace not in MARKETPLACES:
        return []
    today, _ = _local_day(clock, marketplace)
    keys = list(dict.fromkeys(rules.stems(words)))
    candidates = [
        c
        for c in _candidates(session, marketplace, "keyword", keys, today)
        if not c.target.negative
        and rules.keyword_matches(c.target.keyword.split(), words, c.target.match_type)
    ]
    if not candidates:
        return []
    negatives: dict[int, list[tuple[list[str], str]]] = defaultdict(list)
    for target in session.scalars(_NEGATIVES, {"groups": list({c.group.id for c in candidates})}):
        negatives[target.ad_group_id].append((target.keyword.split(), target.match_type))
    candidates = [
        c for c in candidates if not rules.blocked_by_negatives(negatives[c.group.id], words)
    ]
    return _auction(
        session,
        clock,
        marketplace,
        placement,
        candidates,
        exclude_asins or set(),
        visitor,
        " ".join(words),
        "",
        slots,
    )


def product_page_auction(
    session: Session,
    clock: Clock,
    *,
    marketplace: str,
    asin: str,
    visitor: str = "",
    slots: int | None = None,
) -> list[SponsoredSlot]:
    """Sponsored products related to this item, from product and category targets."""
    product = session.get(Product, asin)
    if product is None or marketplace not in MARKETPLACES:
        return []
    category = session.get(Category, product.category_id)
    paths = []
    if category is not None:
        parts = category.path.split("/")
        paths = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    category_ids = [
        str(c) for c in session.scalars(select(Category.id).where(Category.path.in_(paths)))
    ]
    today, _ = _local_day(clock, marketplace)
    candidates = _candidates(session, marketplace, "product", [asin], today) + _candidates(
        session, marketplace, "category", category_ids, today
    )
    return _auction(
        session, clock, marketplace, "product_page", candidates, {asin}, visitor, "", asin, slots
    )


@dataclass(frozen=True)
class ClickOutcome:
    asin: str
    charged: bool
    cost_minor: int
    reason: str


def click(session: Session, clock: Clock, *, impression_id: int, visitor: str) -> ClickOutcome:
    """A buyer clicked a sponsored result: charge the auction price unless it is a
    repeat click by the same visitor within the window, or the budget is spent."""
    impression = session.get(AdImpression, impression_id)
    if impression is None:
        raise NotFound("No such sponsored result.", field="impression_id")
    ad = session.get(Ad, impression.ad_id)
    campaign = session.get(Campaign, impression.campaign_id)
    assert ad is not None and campaign is not None
    already = session.scalar(select(AdClick).where(AdClick.impression_id == impression_id))
    if already is not None:
        return ClickOutcome(ad.asin, False, 0, "already counted")
    policy = _policy(campaign.marketplace)
    now = clock.now()
    reason = ""
    if visitor:
        recent = session.scalar(
            select(AdClick.id)
            .where(
                AdClick.visitor == visitor,
                AdClick.ad_id == ad.id,
                AdClick.at >= now - timedelta(minutes=policy.duplicate_click_minutes),
            )
            .limit(1)
        )
        if recent is not None:
            reason = "repeat click"
    if not reason:
        today, day_fraction = _local_day(clock, campaign.marketplace)
        spent_today, spent_month = _campaign_spend(session, campaign.id, today)
        if not rules.may_spend(
            price=impression.price_minor,
            daily_budget=campaign.daily_budget_minor,
            spent_today=spent_today,
            spent_this_month=spent_month,
            days_elapsed_in_month=today.day,
            day_fraction=day_fraction,
            pacing_slack=policy.pacing_slack,
        ):
            reason = "budget spent"
    charged = not reason
    cost = impression.price_minor if charged else 0
    session.add(
        AdClick(
            impression_id=impression_id,
            campaign_id=campaign.id,
            ad_id=ad.id,
            target_id=impression.target_id,
            visitor=visitor[:64],
            cost_minor=cost,
            charged=charged,
            why_not_charged=reason,
            at=now,
        )
    )
    local_day, _ = _local_day(clock, campaign.marketplace)
    _bump_stats(
        session,
        [{"ad_id": ad.id, "day": local_day, "impressions": 0, "clicks": 1, "spend_minor": cost}],
    )
    session.commit()
    return ClickOutcome(ad.asin, charged, cost, reason)


# -- reports ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    key: str
    impressions: int
    clicks: int
    spend_minor: int
    orders: int
    sales_minor: int

    @property
    def ctr(self) -> float:
        return self.clicks / self.impressions if self.impressions else 0.0

    @property
    def cpc_minor(self) -> int:
        return self.spend_minor // self.clicks if self.clicks else 0

    @property
    def acos(self) -> float | None:
        return rules.acos(self.spend_minor, self.sales_minor)


REPORT_GROUPS = ("campaign", "target", "search_term", "day")


def report(
    session: Session,
    *,
    seller_id: str,
    start: date,
    end: date,
    group_by: str,
    campaign_id: int | None = None,
) -> list[ReportRow]:
    """Impressions, clicks, spend, and orders and sales attributed within the
    attribution window after a click (same buyer, same product)."""
    if group_by not in REPORT_GROUPS:
        raise InvalidInput(f"Group by one of {', '.join(REPORT_GROUPS)}.", field="group_by")
    if end < start:
        raise InvalidInput("The report ends before it starts.", field="end")
    campaigns = {
        c.id: c for c in session.scalars(select(Campaign).where(Campaign.seller_id == seller_id))
    }
    if campaign_id is not None:
        if campaign_id not in campaigns:
            raise NotFound("No such campaign.", field="campaign_id")
        campaigns = {campaign_id: campaigns[campaign_id]}
    if not campaigns:
        return []
    marketplace = next(iter(campaigns.values())).marketplace
    since, _ = _day_bounds(start, marketplace)
    _, until = _day_bounds(end, marketplace)
    targets = {
        t.id: t
        for t in session.scalars(
            select(Target)
            .join(AdGroup, AdGroup.id == Target.ad_group_id)
            .where(AdGroup.campaign_id.in_(campaigns))
        )
    }

    def key_of(campaign: int, target: int, term: str, at: datetime) -> str:
        if group_by == "campaign":
            return campaigns[campaign].name
        if group_by == "target":
            t = targets.get(target)
            return (
                (
                    f"{t.kind}: {t.keyword or t.match_key}"
                    + (f" ({t.match_type})" if t.match_type else "")
                )
                if t
                else "?"
            )
        if group_by == "search_term":
            return term or "(product pages)"
        return at.astimezone(MARKETPLACES[campaigns[campaign].marketplace].zone).date().isoformat()

    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for c, t, term, at in session.execute(
        select(
            AdImpression.campaign_id,
            AdImpression.target_id,
            AdImpression.search_term,
            AdImpression.at,
        ).where(
            AdImpression.campaign_id.in_(campaigns),
            AdImpression.at >= since,
            AdImpression.at < until,
        )
    ):
        totals[key_of(c, t, term, at)][0] += 1
    attribution = timedelta(days=_policy(marketplace).attribution_days)
    clicks = session.execute(
        select(AdClick, AdImpression.search_term, Ad.asin)
        .join(AdImpression, AdImpression.id == AdClick.impression_id)
        .join(Ad, Ad.id == AdClick.ad_id)
        .where(AdClick.campaign_id.in_(campaigns), AdClick.at >= since, AdClick.at < until)
    ).all()
    for row, term, _ in clicks:
        bucket = totals[key_of(row.campaign_id, row.target_id, term, row.at)]
        bucket[1] += 1
        bucket[2] += row.cost_minor
    # Attribution: the clicker bought the advertised product within the window.
    buyers = {int(r.visitor[2:]) for r, _, _ in clicks if r.visitor.startswith("u:")}
    purchases: dict[tuple[int, str], list[tuple[datetime, str, int]]] = defaultdict(list)
    if buyers:
        for buyer_id, asin, at, order_id, amount in session.execute(
            select(
                Order.buyer_id,
                OrderItem.asin,
                Order.purchased_at,
                Order.id,
                OrderItem.unit_price_minor * OrderItem.quantity,
            )
            .join(OrderItem, OrderItem.order_id == Order.id)
            .where(
                Order.buyer_id.in_(buyers),
                Order.purchased_at >= since,
                Order.purchased_at < until + attribution,
                Order.status != "Canceled",
            )
        ):
            purchases[(buyer_id, asin)].append((at, order_id, amount))
    credited: set[tuple[str, str]] = set()
    for row, term, asin in sorted(clicks, key=lambda r: r[0].at, reverse=True):
        if not row.visitor.startswith("u:"):
            continue
        for at, order_id, amount in purchases.get((int(row.visitor[2:]), asin), []):
            if row.at <= at <= row.at + attribution and (order_id, asin) not in credited:
                credited.add((order_id, asin))  # the last click before a sale gets it
                bucket = totals[key_of(row.campaign_id, row.target_id, term, row.at)]
                bucket[3] += 1
                bucket[4] += amount
    return [ReportRow(key, *values) for key, values in sorted(totals.items())]


def campaigns_for(session: Session, seller_id: str) -> list[Campaign]:
    return list(
        session.scalars(
            select(Campaign)
            .where(Campaign.seller_id == seller_id)
            .order_by(Campaign.created_at.desc())
        )
    )
