"""Promotion use cases: sellers create coupons, promotions and lightning deals;
buyers clip coupons and join waitlists; carts and checkout price lines through
``apply_promotions`` and claim limited units through ``claim_promotions``;
staff run events and review deal submissions.

Who a promotion reaches is decided by the buyer's default delivery address
(country, state, postal code) and, for schedules in each zone, that
address's time zone; guests see only promotions for everyone.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from souk.accounts.models import Address
from souk.catalog.models import Product
from souk.core.clock import Clock, SystemClock
from souk.core.errors import InvalidInput, InvalidState, NotFound, OutOfStock
from souk.core.events import DomainEvent, emit, on
from souk.core.money import Money
from souk.core.policy import AnalyticsPolicy, PromotionsPolicy, default_policy
from souk.marketplaces.rules import MARKETPLACES, SHIP_TO_COUNTRY
from souk.offers.models import Offer
from souk.orders.models import Checkout, Order
from souk.orders.rules import Purchasable
from souk.promotions import rules, waitlist
from souk.promotions.models import (
    CouponClip,
    DealWaitlist,
    Event,
    OfferPriceDay,
    Promotion,
    PromotionClaim,
    Targeted,
)

if TYPE_CHECKING:
    from souk.orders.cart import CartView

WALL_FORMAT = "%Y-%m-%dT%H:%M"


def promotions_policy(marketplace: str) -> PromotionsPolicy:
    return default_policy().for_marketplace(marketplace).promotions


def analytics_policy(marketplace: str) -> AnalyticsPolicy:
    return default_policy().for_marketplace(marketplace).analytics


def _now(session: Session) -> datetime:
    runtime = session.info.get("runtime")
    clock: Clock = runtime.clock if runtime is not None else SystemClock()
    return clock.now()


# -- reading promotions --------------------------------------------------------------------


def schedule_of(row: Targeted) -> rules.Schedule:
    """The wall-clock schedule of a promotion or a product banner."""
    return rules.Schedule(
        datetime.strptime(row.starts_local, WALL_FORMAT),
        datetime.strptime(row.ends_local, WALL_FORMAT),
        row.each_zone,
    )


def audience_of(row: Targeted) -> rules.Audience:
    """Who a promotion or a product banner is for."""
    return rules.Audience(tuple(row.countries), tuple(row.states), tuple(row.postal_prefixes))


def _is_default_in(address: Address, buyer_id: int, country: str) -> bool:
    return address.user_id == buyer_id and address.is_default and address.country == country


def buyer_location(
    session: Session, buyer_id: int | None, marketplace: str, known: Address | None = None
) -> rules.Location | None:
    """The buyer's default delivery address in the marketplace's country, if any;
    ``known`` is an address already loaded that spares the lookup when it is that one."""
    if buyer_id is None:
        return None
    country = SHIP_TO_COUNTRY.get(marketplace, marketplace)
    if known is not None and _is_default_in(known, buyer_id, country):
        return rules.Location(known.country, known.state, known.postal_code)
    addresses = session.scalars(
        select(Address)
        .where(Address.user_id == buyer_id, Address.country == country)
        .order_by(Address.is_default.desc(), Address.id)
        .limit(1)
    ).all()
    if not addresses:
        return None
    a = addresses[0]
    return rules.Location(a.country, a.state, a.postal_code)


def buyer_zone(where: rules.Location | None, marketplace: str) -> str:
    return rules.zone_for(where, MARKETPLACES[marketplace].time_zone)


def is_live_for(promotion: Promotion, where: rules.Location | None, now: datetime) -> bool:
    """Whether the promotion runs now for a buyer at ``where``."""
    if promotion.status != "active" or not rules.audience_includes(audience_of(promotion), where):
        return False
    market_zone = MARKETPLACES[promotion.marketplace].time_zone
    zone = rules.zone_for(where, market_zone) if promotion.each_zone else market_zone
    if where is None and promotion.each_zone:
        zone = market_zone
    return rules.is_live(schedule_of(promotion), zone, now)


def _exhausted(p: Promotion) -> bool:
    if p.kind == rules.LIGHTNING_DEAL:
        return False  # a sold-out deal still shows (with its waitlist)
    if p.budget_minor and p.spent_minor >= p.budget_minor:
        return True
    return bool(p.redemption_limit and p.redemptions >= p.redemption_limit)


@dataclass(frozen=True)
class LivePromotion:
    promotion: Promotion
    discount: rules.Discount


# Built once: every product page and checkout asks it.
_RUNNING = (
    select(Promotion)
    .where(
        Promotion.marketplace == bindparam("marketplace"),
        Promotion.status == "active",
        Promotion.window_start <= bindparam("now"),
        Promotion.window_end > bindparam("now"),
    )
    .order_by(Promotion.id)
    # Claims change counters with plain UPDATEs: read them afresh.
    .execution_options(populate_existing=True)
)


def live_promotions(
    session: Session,
    now: datetime,
    marketplace: str,
    where: rules.Location | None,
    buyer_id: int | None,
    asins: Collection[str] | None = None,
) -> list[LivePromotion]:
    """Promotions running now for this buyer (on ``asins`` when given), in two queries."""
    candidates = session.scalars(_RUNNING, {"marketplace": marketplace, "now": now}).all()
    wanted = None if asins is None else set(asins)
    found = [
        p
        for p in candidates
        if (wanted is None or wanted.intersection(p.asins))
        and not _exhausted(p)
        and is_live_for(p, where, now)
    ]
    clipped: set[int] = set()
    # A unit kept for this buyer from a deal's waitlist is theirs to buy on top.
    held = waitlist.held_for(
        session, buyer_id, [p.id for p in found if p.kind == rules.LIGHTNING_DEAL], now
    )
    coupon_ids = [p.id for p in found if p.kind == rules.COUPON]
    if buyer_id is not None and coupon_ids:
        clipped = set(
            session.scalars(
                select(CouponClip.promotion_id).where(
                    CouponClip.buyer_id == buyer_id, CouponClip.promotion_id.in_(coupon_ids)
                )
            )
        )
    return [LivePromotion(p, _discount(p, p.id in clipped, p.id in held)) for p in found]


def _discount(p: Promotion, clipped: bool, held: bool = False) -> rules.Discount:
    return rules.Discount(
        promotion_id=p.id,
        kind=p.kind,
        label=describe(p),
        percent_bp=p.percent_bp,
        amount_off=Money(p.currency, p.amount_off_minor) if p.amount_off_minor else None,
        deal_price=Money(p.currency, p.deal_price_minor) if p.deal_price_minor else None,
        buy=p.buy_quantity,
        get=p.get_quantity,
        units_left=rules.units_left(p.deal_quantity, p.claimed) + (1 if held else 0),
        clipped=clipped,
    )


def describe(p: Promotion) -> str:
    """How a promotion reads on a badge or chip."""
    if p.kind == rules.LIGHTNING_DEAL:
        return "Lightning deal"
    if p.kind == rules.BUY_X_GET_Y:
        return f"Buy {p.buy_quantity}, get {p.get_quantity} free"
    if p.percent_bp:
        off = f"{p.percent_bp / 100:g}%"
    else:
        off = Money(p.currency, p.amount_off_minor).amount_str() + f" {p.currency}"
    return f"Save {off} with coupon" if p.kind == rules.COUPON else f"{off} off"


def _for_offer(live: Iterable[LivePromotion], seller_id: str, asin: str) -> list[rules.Discount]:
    return [
        lp.discount
        for lp in live
        if lp.promotion.seller_id == seller_id and asin in lp.promotion.asins
    ]


# -- pricing (cart, checkout, pages) -------------------------------------------------------


def price_cart(session: Session, view: CartView) -> CartView:
    """The cart with each line priced after the promotions its buyer gets now."""
    lines = [item for item in view.items if not item.saved_for_later]
    if not lines:
        return view
    cart = view.cart
    where = buyer_location(session, cart.buyer_id, cart.marketplace)
    live = live_promotions(
        session,
        _now(session),
        cart.marketplace,
        where,
        cart.buyer_id,
        {item.product.asin for item in lines},
    )
    if not live:
        return view
    items = []
    for item in view.items:
        discounts = _for_offer(live, item.seller.id, item.product.asin)
        if item.saved_for_later or not discounts or item.quantity < 1:
            items.append(item)
            continue
        priced = rules.price_line(
            Money(item.offer.currency, item.offer.price_minor), item.quantity, discounts
        )
        items.append(dataclasses.replace(item, priced=priced))
    view.items = items
    return view


@dataclass(frozen=True)
class CheckoutPrices:
    """Checkout's lines at the prices shown, and what claiming them needs."""

    lines: list[Purchasable]
    where: rules.Location | None
    #: The promotions running for these lines when they were priced: none means
    #: there is nothing to claim, and checkout skips the claim's queries.
    promotion_ids: frozenset[int]


def apply_promotions(
    session: Session,
    now: datetime,
    buyer_id: int,
    marketplace: str,
    lines: Sequence[Purchasable],
) -> list[Purchasable]:
    """Checkout's lines at the prices the buyer was shown: a line whose units sell at
    different prices (a deal's last units, a free unit) becomes one line per price."""
    return price_checkout(session, now, buyer_id, marketplace, lines).lines


def price_checkout(
    session: Session,
    now: datetime,
    buyer_id: int,
    marketplace: str,
    lines: Sequence[Purchasable],
    delivery: Address | None = None,
) -> CheckoutPrices:
    """``apply_promotions``, keeping the buyer's location and the promotions seen.

    Promotions target the buyer's default address (what every page priced with),
    which is often the one checkout delivers to."""
    where = buyer_location(session, buyer_id, marketplace, known=delivery)
    live = live_promotions(session, now, marketplace, where, buyer_id, {ln.asin for ln in lines})
    seen = frozenset(lp.promotion.id for lp in live)
    if not live:
        return CheckoutPrices(list(lines), where, seen)
    result = []
    for line in lines:
        discounts = _for_offer(live, line.seller_id, line.asin)
        if not discounts:
            result.append(line)
            continue
        priced = rules.price_line(line.unit_price, line.quantity, discounts)
        for part in priced.parts:
            result.append(
                dataclasses.replace(line, unit_price=part.unit_price, quantity=part.quantity)
            )
    return CheckoutPrices(result, where, seen)


def claim_promotions(
    session: Session,
    checkout: Checkout,
    lines: Sequence[Purchasable],
    prices: CheckoutPrices | None = None,
) -> None:
    """Claim the limited promotions behind checkout's prices, in checkout's transaction:
    lightning-deal units and coupon budgets are taken with conditional updates, so many
    buyers at once never claim more than a deal has. If what the buyer was charged no
    longer matches (a deal sold out meanwhile), checkout fails with OutOfStock.

    With the ``prices`` checkout priced the lines at: when no promotion ran for them
    then, the buyer pays list price and there is nothing to claim."""
    if prices is not None and not prices.promotion_ids:
        return
    by_offer: dict[int, list[Purchasable]] = {}
    for line in lines:
        by_offer.setdefault(line.offer_id, []).append(line)
    if prices is not None:
        where = prices.where
    else:
        where = buyer_location(session, checkout.buyer_id, checkout.marketplace)
    live = live_promotions(
        session,
        checkout.created_at,
        checkout.marketplace,
        where,
        checkout.buyer_id,
        {ln.asin for ln in lines},
    )
    if not live:
        return
    promotions = {lp.promotion.id: lp.promotion for lp in live}
    claims: dict[int, tuple[Purchasable, int, Money]] = {}  # promotion -> line, units, discount
    for group in by_offer.values():
        first = group[0]
        discounts = _for_offer(live, first.seller_id, first.asin)
        if not discounts:
            continue
        # The list price: what the offer sells for without promotions (the dearest part).
        list_price = max(line.unit_price for line in group)
        offer_price = session.scalar(select(Offer.price_minor).where(Offer.id == first.offer_id))
        if offer_price is not None:
            list_price = Money(first.unit_price.currency, offer_price)
        quantity = sum(line.quantity for line in group)
        priced = rules.price_line(list_price, quantity, discounts)
        charged = Money.zero(list_price.currency)
        for ln in group:
            charged += ln.unit_price * ln.quantity
        if priced.total != charged:
            raise OutOfStock(
                f"A deal on {first.title[:80]} changed while you were checking out "
                "(it may have sold out). Review your cart and place the order again.",
                field="lines",
            )
        for part in priced.parts:
            for promotion_id in part.promotion_ids:
                saving = (list_price - part.unit_price) * part.quantity
                _, units, total = claims.get(promotion_id, (first, 0, Money.zero(saving.currency)))
                claims[promotion_id] = (first, units + part.quantity, total + saving)
    for promotion_id, (line, units, saving) in sorted(claims.items()):
        promotion = promotions[promotion_id]
        if promotion.kind == rules.LIGHTNING_DEAL:
            # A unit held for this buyer is already counted in ``claimed``.
            held = waitlist.take_hold(session, promotion_id, checkout.buyer_id, checkout.created_at)
            more = units - (1 if held else 0)
            taken = 1
            if more:
                taken = session.execute(
                    update(Promotion)
                    .where(
                        Promotion.id == promotion_id,
                        Promotion.claimed + more <= Promotion.deal_quantity,
                    )
                    .values(claimed=Promotion.claimed + more)
                    .execution_options(synchronize_session=False)
                ).rowcount  # type: ignore[attr-defined]
            if not taken:
                raise OutOfStock(
                    f"The lightning deal on {line.title[:80]} has just sold out.", field="lines"
                )
        elif promotion.kind == rules.COUPON:
            taken = session.execute(
                update(Promotion)
                .where(
                    Promotion.id == promotion_id,
                    or_(
                        Promotion.budget_minor == 0,
                        Promotion.spent_minor + saving.minor <= Promotion.budget_minor,
                    ),
                    or_(
                        Promotion.redemption_limit == 0,
                        Promotion.redemptions + 1 <= Promotion.redemption_limit,
                    ),
                )
                .values(
                    spent_minor=Promotion.spent_minor + saving.minor,
                    redemptions=Promotion.redemptions + 1,
                )
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]
            if not taken:
                raise OutOfStock(f"The coupon on {line.title[:80]} has run out.", field="lines")
        session.add(
            PromotionClaim(
                promotion_id=promotion_id,
                checkout_id=checkout.id,
                seller_id=line.seller_id,
                buyer_id=checkout.buyer_id,
                offer_id=line.offer_id,
                units=units,
                discount_minor=saving.minor,
                at=checkout.created_at,
            )
        )


@on("order.canceled")
def _release_claims(session: Session, event: DomainEvent) -> None:
    """A canceled order gives its deal units (first to the buyers waiting for them)
    and coupon budget back."""
    order = session.get(Order, event.payload["order_id"])
    if order is None:
        return
    claims = session.scalars(
        select(PromotionClaim).where(
            PromotionClaim.checkout_id == order.checkout_id,
            PromotionClaim.seller_id == order.seller_id,
            PromotionClaim.released.is_(False),
        )
    ).all()
    for claim in claims:
        claim.released = True
        promotion = session.get(Promotion, claim.promotion_id)
        if promotion is None:
            continue
        if promotion.kind == rules.LIGHTNING_DEAL:
            waitlist.give_back(session, promotion, claim.units, event.occurred_at)
        elif promotion.kind == rules.COUPON:
            session.execute(
                update(Promotion)
                .where(Promotion.id == promotion.id)
                .values(
                    spent_minor=Promotion.spent_minor - claim.discount_minor,
                    redemptions=Promotion.redemptions - 1,
                )
            )


# -- price history -------------------------------------------------------------------------


@on("offer.changed")
def _record_price(session: Session, event: DomainEvent) -> None:
    payload = event.payload
    if "price_minor" not in payload or "offer_id" not in payload:
        return
    note_price(session, int(payload["offer_id"]), int(payload["price_minor"]), event.occurred_at)


def note_price(session: Session, offer_id: int, price_minor: int, at: datetime) -> None:
    """Keep the day's lowest price of an offer."""
    day = at.date()
    row = session.get(OfferPriceDay, (offer_id, day))
    if row is None:
        try:
            with session.begin_nested():
                session.add(OfferPriceDay(offer_id=offer_id, day=day, lowest_minor=price_minor))
            return
        except IntegrityError:
            row = session.get(OfferPriceDay, (offer_id, day))
            if row is None:
                return
    row.lowest_minor = min(row.lowest_minor, price_minor)


def recent_lowest_price(session: Session, offer: Offer, now: datetime) -> Money:
    days = promotions_policy(offer.marketplace).recent_lowest_days
    observed = session.scalars(
        select(OfferPriceDay.lowest_minor).where(
            OfferPriceDay.offer_id == offer.id,
            OfferPriceDay.day >= (now - timedelta(days=days)).date(),
        )
    ).all()
    current = Money(offer.currency, offer.price_minor)
    return rules.recent_lowest(current, (Money(offer.currency, m) for m in observed))


# -- sellers' use cases --------------------------------------------------------------------


@dataclass(frozen=True)
class PromotionDraft:
    kind: str
    title: str
    skus: tuple[str, ...]
    starts: datetime  # wall-clock
    ends: datetime
    each_zone: bool = False
    audience: rules.Audience = dataclasses.field(default_factory=rules.Audience)
    percent_bp: int = 0
    amount_off: Money | None = None
    deal_price: Money | None = None
    buy: int = 0
    get: int = 0
    deal_quantity: int = 0
    budget: Money | None = None
    redemption_limit: int = 0
    headline: str = ""


def _seller_offers(
    session: Session, seller_id: str, marketplace: str, skus: Sequence[str]
) -> list[Offer]:
    if not skus:
        raise InvalidInput("Choose at least one of your products (SKU).", field="skus")
    offers = session.scalars(
        select(Offer).where(
            Offer.seller_id == seller_id, Offer.marketplace == marketplace, Offer.sku.in_(skus)
        )
    ).all()
    missing = sorted(set(skus) - {o.sku for o in offers})
    if missing:
        raise InvalidInput(
            f"You have no offer with SKU {', '.join(missing)} in this marketplace.", field="skus"
        )
    return list(offers)


def create_promotion(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    marketplace: str,
    draft: PromotionDraft,
    event: Event | None = None,
) -> Promotion:
    """Check and save a seller's promotion (for an event: as a submission to review)."""
    if marketplace not in MARKETPLACES:
        raise InvalidInput(f"Unknown marketplace {marketplace!r}.", field="marketplace")
    policy = promotions_policy(marketplace)
    market = MARKETPLACES[marketplace]
    title = " ".join(draft.title.split())
    if not 3 <= len(title) <= 120:
        raise InvalidInput("Give the promotion a name of 3 to 120 characters.", field="title")
    offers = _seller_offers(session, seller_id, marketplace, draft.skus)
    lowest_price = min(Money(o.currency, o.price_minor) for o in offers)
    rules.check_discount(
        draft.kind,
        lowest_price,
        percent_bp=draft.percent_bp,
        amount_off=draft.amount_off,
        deal_price=draft.deal_price,
        buy=draft.buy,
        get=draft.get,
        min_bp=policy.coupon_min_bp,
        max_bp=policy.coupon_max_bp,
    )
    for amount in (draft.amount_off, draft.deal_price, draft.budget):
        if amount is not None and amount.currency != market.currency:
            raise InvalidInput(f"Amounts must be in {market.currency}.", field="amount")
    schedule = rules.Schedule(draft.starts, draft.ends, draft.each_zone)
    is_deal = draft.kind == rules.LIGHTNING_DEAL
    rules.check_schedule(schedule, policy.lightning_max_hours if is_deal else None)
    now = clock.now()
    if is_deal:
        if len(offers) != 1:
            raise InvalidInput("A lightning deal is for one SKU.", field="skus")
        offer = offers[0]
        assert draft.deal_price is not None
        rules.check_deal_price(
            draft.deal_price,
            Money(offer.currency, offer.price_minor),
            recent_lowest_price(session, offer, now),
        )
        if draft.deal_quantity < 1:
            raise InvalidInput("Offer at least one unit in the deal.", field="deal_quantity")
        if draft.deal_quantity > offer.quantity:
            raise InvalidInput(
                f"You have {offer.quantity} in stock; the deal cannot offer more.",
                field="deal_quantity",
            )
    if draft.redemption_limit < 0:
        raise InvalidInput("The redemption limit cannot be negative.", field="redemption_limit")
    window_start, window_end = rules.live_span(schedule, draft.audience, market.time_zone, now)
    promotion = Promotion(
        seller_id=seller_id,
        marketplace=marketplace,
        kind=draft.kind,
        title=title,
        status="submitted" if event is not None else "active",
        asins=sorted({o.asin for o in offers}),
        percent_bp=draft.percent_bp,
        amount_off_minor=draft.amount_off.minor if draft.amount_off else 0,
        deal_price_minor=draft.deal_price.minor if draft.deal_price else 0,
        currency=market.currency,
        buy_quantity=draft.buy,
        get_quantity=draft.get,
        deal_quantity=draft.deal_quantity,
        budget_minor=draft.budget.minor if draft.budget else 0,
        redemption_limit=draft.redemption_limit,
        countries=list(draft.audience.countries),
        states=list(draft.audience.states),
        postal_prefixes=list(draft.audience.postal_prefixes),
        starts_local=draft.starts.strftime(WALL_FORMAT),
        ends_local=draft.ends.strftime(WALL_FORMAT),
        each_zone=draft.each_zone,
        window_start=window_start,
        window_end=window_end,
        headline=" ".join(draft.headline.split())[:160],
        event_id=event.id if event else None,
        created_at=now,
    )
    session.add(promotion)
    session.flush()
    emit(
        session,
        "promotion.created",
        str(promotion.id),
        {"promotion_id": promotion.id, "seller_id": seller_id, "kind": draft.kind},
        now,
    )
    session.commit()
    return promotion


def seller_promotion(session: Session, seller_id: str, promotion_id: int) -> Promotion:
    promotion = session.get(Promotion, promotion_id)
    if promotion is None or promotion.seller_id != seller_id:
        raise NotFound(f"No promotion {promotion_id}.", field="promotion_id")
    return promotion


def end_promotion(session: Session, clock: Clock, seller_id: str, promotion_id: int) -> Promotion:
    promotion = seller_promotion(session, seller_id, promotion_id)
    if promotion.status not in ("active", "submitted"):
        raise InvalidState("That promotion has already ended.")
    promotion.status = "ended"
    promotion.window_end = min(promotion.window_end, clock.now())
    session.commit()
    return promotion


def seller_promotions(session: Session, seller_id: str, marketplace: str) -> list[Promotion]:
    return list(
        session.scalars(
            select(Promotion)
            .where(Promotion.seller_id == seller_id, Promotion.marketplace == marketplace)
            .order_by(Promotion.window_start.desc(), Promotion.id.desc())
        )
    )


# -- buyers' use cases ---------------------------------------------------------------------


def clip_coupon(session: Session, clock: Clock, buyer_id: int, promotion_id: int) -> None:
    """Clip a live coupon the buyer can get; clipping twice changes nothing."""
    promotion = session.get(Promotion, promotion_id, populate_existing=True)
    if promotion is None or promotion.kind != rules.COUPON:
        raise NotFound("No such coupon.", field="promotion_id")
    now = clock.now()
    where = buyer_location(session, buyer_id, promotion.marketplace)
    if not is_live_for(promotion, where, now) or _exhausted(promotion):
        raise InvalidState("This coupon is not available to you now.")
    exists = session.scalar(
        select(CouponClip.id).where(
            CouponClip.promotion_id == promotion_id, CouponClip.buyer_id == buyer_id
        )
    )
    if exists is None:
        session.add(CouponClip(promotion_id=promotion_id, buyer_id=buyer_id, clipped_at=now))
    session.commit()


def join_waitlist(session: Session, clock: Clock, buyer_id: int, promotion_id: int) -> int:
    """Wait for a sold-out lightning deal; returns the buyer's place in the queue."""
    promotion = session.get(Promotion, promotion_id, populate_existing=True)
    if promotion is None or promotion.kind != rules.LIGHTNING_DEAL:
        raise NotFound("No such deal.", field="promotion_id")
    now = clock.now()
    where = buyer_location(session, buyer_id, promotion.marketplace)
    if not is_live_for(promotion, where, now):
        raise InvalidState("This deal is not running for you now.")
    mine = session.scalar(
        select(DealWaitlist).where(
            DealWaitlist.promotion_id == promotion_id, DealWaitlist.buyer_id == buyer_id
        )
    )
    if mine is not None and mine.status == waitlist.HELD and (mine.hold_until or now) > now:
        raise InvalidState("A unit of this deal is kept for you: add it to your cart.")
    if rules.units_left(promotion.deal_quantity, promotion.claimed) > 0:
        raise InvalidState("This deal still has units: add it to your cart.")
    if mine is None:
        mine = DealWaitlist(
            promotion_id=promotion_id, buyer_id=buyer_id, joined_at=now, status=waitlist.WAITING
        )
        session.add(mine)
        session.flush()
    elif mine.status in (waitlist.BOUGHT, waitlist.LAPSED):
        # Joining again after buying or missing a hold: to the back of the queue.
        mine.status, mine.joined_at = waitlist.WAITING, now
        mine.held_at = mine.hold_until = None
        session.flush()
    place = waitlist_place(session, promotion_id, buyer_id)
    session.commit()
    return place or 0


def waitlist_place(session: Session, promotion_id: int, buyer_id: int) -> int | None:
    rows = session.scalars(
        select(DealWaitlist.buyer_id)
        .where(DealWaitlist.promotion_id == promotion_id, DealWaitlist.status == waitlist.WAITING)
        .order_by(DealWaitlist.joined_at, DealWaitlist.id)
    ).all()
    return rows.index(buyer_id) + 1 if buyer_id in rows else None


def clipped_ids(session: Session, buyer_id: int | None, promotion_ids: Collection[int]) -> set[int]:
    if buyer_id is None or not promotion_ids:
        return set()
    return set(
        session.scalars(
            select(CouponClip.promotion_id).where(
                CouponClip.buyer_id == buyer_id, CouponClip.promotion_id.in_(list(promotion_ids))
            )
        )
    )


@dataclass(frozen=True)
class DealCard:
    """A live promotion as the deals page and product page show it."""

    promotion: Promotion
    product: Product
    offer: Offer
    list_price: Money
    deal_price: Money | None  # the unit price after a price deal
    label: str
    claimed_percent: int
    units_left: int
    ends_at: datetime  # for this buyer
    clipped: bool

    @property
    def available(self) -> bool:
        """Whether the deal can still be bought (a lightning deal may be fully claimed)."""
        return self.promotion.kind != rules.LIGHTNING_DEAL or self.units_left > 0


def deal_cards(
    session: Session,
    now: datetime,
    marketplace: str,
    buyer_id: int | None,
    *,
    asins: Collection[str] | None = None,
    event_id: int | None = None,
) -> list[DealCard]:
    """Promotions running now for this buyer with their products and offers."""
    where = buyer_location(session, buyer_id, marketplace)
    live = live_promotions(session, now, marketplace, where, buyer_id, asins)
    if event_id is not None:
        live = [lp for lp in live if lp.promotion.event_id == event_id]
    if not live:
        return []
    wanted_asins = {a for lp in live for a in lp.promotion.asins}
    if asins is not None:
        wanted_asins &= set(asins)
    rows = session.execute(
        select(Offer, Product)
        .join(Product, Product.asin == Offer.asin)
        .where(
            Offer.asin.in_(sorted(wanted_asins)),
            Offer.marketplace == marketplace,
            Offer.seller_id.in_(sorted({lp.promotion.seller_id for lp in live})),
            Offer.is_active,
        )
    ).all()
    by_key = {(o.seller_id, o.asin): (o, p) for o, p in rows}
    zone = buyer_zone(where, marketplace)
    cards = []
    for lp in live:
        p = lp.promotion
        market_zone = MARKETPLACES[marketplace].time_zone
        _, ends = rules.window_in(schedule_of(p), zone if p.each_zone else market_zone)
        for asin in p.asins:
            if asins is not None and asin not in asins:
                continue
            found = by_key.get((p.seller_id, asin))
            if found is None:
                continue
            offer, product = found
            list_price = Money(offer.currency, offer.price_minor)
            deal_price = None
            if p.kind in (rules.LIGHTNING_DEAL, rules.PERCENT_OFF):
                candidate = rules.deal_unit_price(list_price, lp.discount)
                deal_price = candidate if candidate < list_price else None
                if deal_price is None:
                    continue  # never show a "deal" that is no cheaper
            cards.append(
                DealCard(
                    promotion=p,
                    product=product,
                    offer=offer,
                    list_price=list_price,
                    deal_price=deal_price,
                    label=lp.discount.label,
                    claimed_percent=rules.claimed_percent(p.deal_quantity, p.claimed),
                    units_left=lp.discount.units_left,
                    ends_at=ends,
                    clipped=lp.discount.clipped,
                )
            )
    return cards


# -- events (staff) ------------------------------------------------------------------------

_SLUG = re.compile(r"[^a-z0-9]+")


def create_event(
    session: Session,
    clock: Clock,
    *,
    marketplace: str,
    name: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    submissions_close_at: datetime,
    min_rating: float,
    min_discount_bp: int,
) -> Event:
    name = " ".join(name.split())
    if not 3 <= len(name) <= 120:
        raise InvalidInput("Name the event (3 to 120 characters).", field="name")
    if marketplace not in MARKETPLACES:
        raise InvalidInput(f"Unknown marketplace {marketplace!r}.", field="marketplace")
    if ends_at <= starts_at:
        raise InvalidInput("The event must end after it starts.", field="ends_at")
    if submissions_close_at > starts_at:
        raise InvalidInput("Submissions must close before the event starts.", field="submissions")
    if not 0 <= min_rating <= 5:
        raise InvalidInput("The minimum rating runs from 0 to 5 stars.", field="min_rating")
    if not 0 <= min_discount_bp < 10000:
        raise InvalidInput("The minimum discount runs from 0% to 99%.", field="min_discount")
    base = _SLUG.sub("-", name.lower()).strip("-")[:60] or "event"
    slug, n = base, 1
    while session.scalar(select(Event.id).where(Event.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    event = Event(
        marketplace=marketplace,
        slug=slug,
        name=name,
        description=description.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        submissions_close_at=submissions_close_at,
        min_rating=min_rating,
        min_discount_bp=min_discount_bp,
        created_at=clock.now(),
    )
    session.add(event)
    session.commit()
    return event


def events(session: Session, marketplace: str, *, since: datetime | None = None) -> list[Event]:
    query = select(Event).where(Event.marketplace == marketplace)
    if since is not None:
        query = query.where(Event.ends_at > since)
    return list(session.scalars(query.order_by(Event.starts_at)))


def event_by_slug(session: Session, slug: str) -> Event:
    event = session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise NotFound("No such event.", field="slug")
    return event


def submission_facts(
    session: Session, offer: Offer, deal_price: Money, deal_quantity: int, now: datetime
) -> rules.SubmissionFacts:
    from souk.reviews.service import family_ratings

    product = session.get(Product, offer.asin)
    family = (product.parent_asin or product.asin) if product else offer.asin
    rating = family_ratings(session, now, offer.marketplace, [family]).get(family)
    return rules.SubmissionFacts(
        product_rating=rating[0] if rating else None,
        review_count=rating[1] if rating else 0,
        deal_price=deal_price,
        current_price=Money(offer.currency, offer.price_minor),
        recent_lowest=recent_lowest_price(session, offer, now),
        stock=offer.quantity,
        deal_quantity=deal_quantity,
    )


def submit_event_deal(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    event_id: int,
    sku: str,
    deal_price: Money,
    deal_quantity: int,
) -> Promotion:
    """A seller proposes a deal for an event: a deal price for a number of units over
    the event's span. It must meet the event's rules, and waits for staff review."""
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound("No such event.", field="event_id")
    now = clock.now()
    if now >= event.submissions_close_at:
        raise InvalidState("Submissions for this event have closed.")
    offer = _seller_offers(session, seller_id, event.marketplace, [sku])[0]
    if deal_price.currency != offer.currency:
        raise InvalidInput(f"Amounts must be in {offer.currency}.", field="deal_price")
    facts = submission_facts(session, offer, deal_price, deal_quantity, now)
    problems = rules.submission_problems(
        facts, rules.EventRules(event.min_rating, event.min_discount_bp)
    )
    if problems:
        raise InvalidInput(" ".join(problems), field="deal_price")
    zone = MARKETPLACES[event.marketplace].zone
    promotion = Promotion(
        seller_id=seller_id,
        marketplace=event.marketplace,
        kind=rules.LIGHTNING_DEAL,
        title=f"{event.name}: {sku}"[:120],
        status="submitted",
        asins=[offer.asin],
        deal_price_minor=deal_price.minor,
        currency=offer.currency,
        deal_quantity=deal_quantity,
        countries=[],
        states=[],
        postal_prefixes=[],
        starts_local=event.starts_at.astimezone(zone).strftime(WALL_FORMAT),
        ends_local=event.ends_at.astimezone(zone).strftime(WALL_FORMAT),
        each_zone=False,
        window_start=event.starts_at,
        window_end=event.ends_at,
        event_id=event.id,
        created_at=now,
    )
    session.add(promotion)
    session.commit()
    return promotion


def event_submissions(session: Session, event_id: int) -> list[Promotion]:
    return list(
        session.scalars(
            select(Promotion)
            .where(Promotion.event_id == event_id)
            .order_by(Promotion.status.desc(), Promotion.id)
        )
    )


def review_submission(
    session: Session, clock: Clock, *, promotion_id: int, approve: bool, note: str
) -> Promotion:
    """Staff approve a submitted event deal (it goes live with the event) or reject it."""
    promotion = session.get(Promotion, promotion_id)
    if promotion is None or promotion.event_id is None:
        raise NotFound("No such submission.", field="promotion_id")
    if promotion.status != "submitted":
        raise InvalidState("This submission has already been reviewed.")
    if not approve and not note.strip():
        raise InvalidInput("Tell the seller why the deal was not accepted.", field="note")
    promotion.status = "active" if approve else "rejected"
    promotion.review_note = note.strip()
    emit(
        session,
        "promotion.reviewed",
        str(promotion.id),
        {"promotion_id": promotion.id, "seller_id": promotion.seller_id, "approved": approve},
        clock.now(),
    )
    session.commit()
    return promotion
