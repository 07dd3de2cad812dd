"""Buy Box use cases: compute and store each product's featured-offer decision, read
it for pages, explain it, and report sellers' featured status and view share.

Decisions are recomputed from the outbox whenever something that moves them
changes (an offer, a seller's status or metrics, feedback, an order taking
stock) and by the periodic full recompute (``batch.recompute_all``). Pages read
the stored row; which rotation candidate is featured follows from the clock.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from babel import Locale
from babel.numbers import format_currency
from sqlalchemy import Row, select
from sqlalchemy import event as sa_event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from souk.buybox import rules
from souk.buybox.models import BuyboxDecision, BuyboxHistory
from souk.catalog.models import Product
from souk.core.errors import InvalidInput, NotFound
from souk.core.events import DomainEvent, on
from souk.core.money import Money
from souk.core.policy import BuyboxPolicy, default_policy
from souk.marketplaces.rules import MARKETPLACES, SHIP_TO_COUNTRY
from souk.offers.models import Offer
from souk.orders.models import Order, OrderItem
from souk.performance.rules import SellerStanding
from souk.performance.service import latest_metrics
from souk.recs.models import VIEW, RecsEvent
from souk.sellers.models import Seller

log = logging.getLogger(__name__)

CHUNK = 500
CANCELED = "Canceled"
#: How long a page waits for the SQLite write lock to keep a decision it computed.
STORE_WAIT_MS = 200
SQLITE_BUSY_MS = 10000  # the engine's usual busy timeout (souk.core.db)


@dataclass(frozen=True)
class FeaturedResult:
    """A product's stored decision, read at a moment (the rotation applied)."""

    offer_id: int | None
    suppressed: bool
    candidates: tuple[tuple[int, float], ...] = ()
    computed_at: datetime | None = None


def policy_for(marketplace: str) -> BuyboxPolicy:
    return default_policy().for_marketplace(marketplace).buybox


def check_marketplace(marketplace: str) -> str:
    code = (marketplace or "").strip().upper()
    if code not in MARKETPLACES:
        raise InvalidInput(
            f"Unknown marketplace {marketplace!r}; use one of {', '.join(MARKETPLACES)}.",
            field="marketplace",
        )
    return code


def money_text(marketplace: str) -> Callable[[Money], str]:
    """Amounts as the marketplace writes them ("$2.50"), for reasons in words."""
    locale = Locale.parse(MARKETPLACES[marketplace].locale)

    def text(amount: Money) -> str:
        return format_currency(amount.decimal, amount.currency, locale=locale)

    return text


def signature(candidates: Sequence[Sequence[Any]], suppressed: bool) -> str:
    """A digest of what the storefront shows: the rotation and whether it is suppressed."""
    raw = ",".join(f"{int(c[0])}:{round(float(c[1]) * 1_000_000)}" for c in candidates)
    return hashlib.blake2b(f"{raw}|{suppressed:d}".encode(), digest_size=16).hexdigest()


def _chunks(items: Sequence[str], size: int = CHUNK) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- loading the inputs --------------------------------------------------------------------


def facts_of(offer: Offer, seller: Seller) -> rules.OfferFacts:
    return rules.OfferFacts(
        offer_id=offer.id,
        seller_id=offer.seller_id,
        condition=offer.condition,
        price=Money(offer.currency, offer.price_minor),
        shipping=Money(offer.currency, offer.shipping_minor),
        quantity=offer.quantity,
        handling_days=offer.handling_days,
        fulfillment_channel=offer.fulfillment_channel,
        seller_plan=seller.plan,
        seller_status=seller.status,
        seller_on_holiday=seller.on_holiday,
        sku=offer.sku,
    )


def offer_facts(
    session: Session, asins: Sequence[str], marketplace: str
) -> dict[str, list[rules.OfferFacts]]:
    """Active offers of the products, grouped by ASIN (one query per 500 products)."""
    grouped: dict[str, list[rules.OfferFacts]] = defaultdict(list)
    for chunk in _chunks(list(asins)):
        rows = session.execute(
            select(Offer, Seller)
            .join(Seller, Seller.id == Offer.seller_id)
            .where(Offer.asin.in_(chunk), Offer.marketplace == marketplace, Offer.is_active)
            .order_by(Offer.id)
        )
        for offer, seller in rows:
            grouped[offer.asin].append(facts_of(offer, seller))
    return grouped


def median_low(values: list[int]) -> int:
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


def unit_landed(unit_price_minor: int, shipping_minor: int, quantity: int) -> int:
    """An order line's landed price per unit (its shipping charge spread over the units)."""
    quantity = max(quantity, 1)
    return unit_price_minor + (shipping_minor + quantity // 2) // quantity


def recent_prices(
    session: Session, asins: Sequence[str], marketplace: str, now: datetime
) -> dict[str, Money]:
    """The median landed price per unit paid for each product in the recent window
    (new condition, orders not canceled), for products with enough order lines."""
    policy = policy_for(marketplace)
    currency = MARKETPLACES[marketplace].currency
    since = now - timedelta(days=policy.recent_price_days)
    paid: dict[str, list[int]] = defaultdict(list)
    for chunk in _chunks(list(asins)):
        rows = session.execute(
            select(
                OrderItem.asin,
                OrderItem.unit_price_minor,
                OrderItem.shipping_minor,
                OrderItem.quantity,
            )
            .join(Order, Order.id == OrderItem.order_id)
            .where(
                OrderItem.asin.in_(chunk),
                OrderItem.condition == "new",
                Order.marketplace == marketplace,
                Order.purchased_at >= since,
                Order.purchased_at < now,
                Order.status != CANCELED,
            )
        )
        for asin, price, shipping, quantity in rows:
            paid[asin].append(unit_landed(price, shipping, quantity))
    return {
        asin: Money(currency, median_low(values))
        for asin, values in paid.items()
        if len(values) >= policy.recent_price_min_orders
    }


def standings_for(
    session: Session, marketplace: str, seller_ids: Collection[str]
) -> dict[str, SellerStanding]:
    return latest_metrics(session, marketplace, seller_ids) if seller_ids else {}


def decide_products(
    session: Session,
    asins: Sequence[str],
    marketplace: str,
    now: datetime,
    *,
    facts: dict[str, list[rules.OfferFacts]] | None = None,
) -> dict[str, rules.Decision]:
    """Fresh decisions for the products (nothing stored), from current data."""
    policy = policy_for(marketplace)
    grouped = facts if facts is not None else offer_facts(session, asins, marketplace)
    sellers = {f.seller_id for offers in grouped.values() for f in offers}
    standings = standings_for(session, marketplace, sellers)
    recent = recent_prices(session, asins, marketplace, now)
    period = rules.rotation_period(now, policy)
    text = money_text(marketplace)
    country = SHIP_TO_COUNTRY[marketplace]
    return {
        asin: rules.decide(
            rules.ProductContext(asin, marketplace, recent.get(asin), country),
            grouped.get(asin, []),
            standings,
            policy,
            period,
            text,
        )
        for asin in asins
    }


# -- storing -------------------------------------------------------------------------------


def decision_row(decision: rules.Decision, now: datetime) -> dict[str, Any]:
    candidates = [[offer_id, weight] for offer_id, weight in decision.candidates]
    return {
        "asin": decision.asin,
        "marketplace": decision.marketplace,
        "featured_offer_id": decision.featured_offer_id,
        "suppressed": decision.suppressed,
        "candidates": candidates,
        "explanation": rules.explanation_record(decision),
        "signature": signature(candidates, decision.suppressed),
        "computed_at": now,
    }


def write_rows(session: Session, rows: list[dict[str, Any]], marketplace: str) -> int:
    """Upsert decision rows of one marketplace; history gets a row where the rotation
    or suppression changed. Returns the rows whose storefront outcome changed."""
    if not rows:
        return 0
    known: dict[str, str] = {}
    for chunk in _chunks([r["asin"] for r in rows]):
        for asin, digest in session.execute(
            select(BuyboxDecision.asin, BuyboxDecision.signature).where(
                BuyboxDecision.marketplace == marketplace, BuyboxDecision.asin.in_(chunk)
            )
        ):
            known[asin] = digest
    changed = [r for r in rows if known.get(r["asin"]) != r["signature"]]
    dialect = session.get_bind().dialect.name
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = maker(BuyboxDecision)
    upsert = statement.on_conflict_do_update(
        index_elements=["asin", "marketplace"],
        set_={
            name: statement.excluded[name]
            for name in (
                "featured_offer_id",
                "suppressed",
                "candidates",
                "explanation",
                "signature",
                "computed_at",
            )
        },
    )
    session.execute(upsert, rows)
    if changed:
        session.execute(
            BuyboxHistory.__table__.insert(),
            [
                {
                    "asin": r["asin"],
                    "marketplace": r["marketplace"],
                    "valid_from": r["computed_at"],
                    "suppressed": r["suppressed"],
                    "candidates": r["candidates"],
                }
                for r in changed
            ],
        )
    return len(changed)


def recompute_products(
    session: Session, asins: Collection[str], marketplace: str, now: datetime
) -> dict[str, rules.Decision]:
    """Recompute and store the decisions of these products (the caller commits)."""
    wanted = sorted(set(asins))
    if not wanted:
        return {}
    facts = offer_facts(session, wanted, marketplace)
    # A product with offers exists; only the others need looking up.
    unsure = [a for a in wanted if a not in facts]
    existing = set(facts)
    for chunk in _chunks(unsure):
        existing.update(session.scalars(select(Product.asin).where(Product.asin.in_(chunk))))
    wanted = [a for a in wanted if a in existing]
    decisions = decide_products(session, wanted, marketplace, now, facts=facts)
    write_rows(session, [decision_row(d, now) for d in decisions.values()], marketplace)
    return decisions


def _seller_products(
    session: Session, seller_id: str, marketplace: str | None = None
) -> dict[str, set[str]]:
    query = select(Offer.marketplace, Offer.asin).where(Offer.seller_id == seller_id)
    if marketplace:
        query = query.where(Offer.marketplace == marketplace)
    found: dict[str, set[str]] = defaultdict(set)
    for code, asin in session.execute(query.distinct()):
        found[code].add(asin)
    return found


# -- events --------------------------------------------------------------------------------
#
# Handlers only note which products changed; the products are recomputed once each,
# together, just before the delivery batch commits (a price change, three orders and
# a restock of one product in the same batch cost one decision).


def _event_now(session: Session, event: DomainEvent) -> datetime:
    rt = session.info.get("runtime")
    return rt.clock.now() if rt is not None else event.occurred_at


def recompute_later(
    session: Session, asins: Collection[str], marketplace: str, now: datetime
) -> None:
    """Recompute these products just before ``session``'s transaction commits."""
    if not asins:
        return
    if not session.info.get("buybox_listening"):
        session.info["buybox_listening"] = True
        sa_event.listen(session, "before_commit", _recompute_pending)
    pending: dict[str, set[str]] = session.info.setdefault("buybox_pending", {})
    pending.setdefault(marketplace, set()).update(asins)
    session.info["buybox_now"] = max(now, session.info.get("buybox_now", now))


def _recompute_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a handler's savepoint is released; the batch commits later
    pending: dict[str, set[str]] = session.info.pop("buybox_pending", {})
    now = session.info.pop("buybox_now", None)
    for marketplace, asins in sorted(pending.items()):
        recompute_products(session, asins, marketplace, now or clock_now(session))


def _seller_later(
    session: Session, seller_id: str, now: datetime, marketplace: str | None = None
) -> None:
    for code, asins in _seller_products(session, seller_id, marketplace).items():
        recompute_later(session, asins, code, now)


@on("offer.changed")
def _offer_changed(session: Session, event: DomainEvent) -> None:
    payload = event.payload
    recompute_later(session, [payload["asin"]], payload["marketplace"], _event_now(session, event))


@on("seller.status_changed")
def _seller_status_changed(session: Session, event: DomainEvent) -> None:
    _seller_later(session, event.subject, _event_now(session, event))


@on("seller.metrics_changed")
def _seller_metrics_changed(session: Session, event: DomainEvent) -> None:
    marketplace = event.payload.get("marketplace")
    _seller_later(session, event.subject, _event_now(session, event), marketplace)


@on("feedback.left")
def _feedback_left(session: Session, event: DomainEvent) -> None:
    seller_id = event.payload.get("seller_id") or event.subject
    _seller_later(session, seller_id, _event_now(session, event), event.payload.get("marketplace"))


@on("order.placed")
def _order_placed(session: Session, event: DomainEvent) -> None:
    # Stock went down and the recent selling price moved.
    asins = {item["asin"] for item in event.payload.get("items", [])}
    recompute_later(session, asins, event.payload["marketplace"], _event_now(session, event))


@on("order.canceled")
def _order_canceled(session: Session, event: DomainEvent) -> None:
    order = session.get(Order, event.payload.get("order_id"))
    if order is None:
        return
    asins = {item.asin for item in order.items}
    recompute_later(session, asins, order.marketplace, _event_now(session, event))


# -- reading -------------------------------------------------------------------------------


def stored_decisions(
    session: Session, asins: Collection[str], marketplace: str
) -> dict[str, BuyboxDecision]:
    found: dict[str, BuyboxDecision] = {}
    for chunk in _chunks(sorted(set(asins))):
        for row in session.scalars(
            select(BuyboxDecision).where(
                BuyboxDecision.marketplace == marketplace, BuyboxDecision.asin.in_(chunk)
            )
        ):
            found[row.asin] = row
    return found


def candidates_of(row: BuyboxDecision | Row[*tuple[Any, ...]]) -> tuple[tuple[int, float], ...]:
    return tuple((int(c[0]), float(c[1])) for c in row.candidates)


def _stored_for_pages(
    session: Session, asins: Collection[str], marketplace: str
) -> dict[str, Row[*tuple[Any, ...]]]:
    """What pages check of the stored decisions, as plain rows: building the ORM
    objects cost more than reading them, and pages read many at once."""
    found: dict[str, Row[*tuple[Any, ...]]] = {}
    for chunk in _chunks(sorted(set(asins))):
        for row in session.execute(
            select(
                BuyboxDecision.asin,
                BuyboxDecision.suppressed,
                BuyboxDecision.candidates,
                BuyboxDecision.explanation,
                BuyboxDecision.computed_at,
            ).where(BuyboxDecision.marketplace == marketplace, BuyboxDecision.asin.in_(chunk))
        ):
            found[row.asin] = row
    return found


def featured_at(
    asin: str, marketplace: str, candidates: Sequence[tuple[int, float]], now: datetime
) -> int | None:
    """Which of the stored candidates is featured at ``now``."""
    policy = policy_for(marketplace)
    return rules.rotation_pick(
        asin, marketplace, rules.rotation_period(now, policy), policy.rotation_seed, candidates
    )


def result_of(row: BuyboxDecision, now: datetime) -> FeaturedResult:
    candidates = candidates_of(row)
    return FeaturedResult(
        offer_id=None
        if row.suppressed
        else featured_at(row.asin, row.marketplace, candidates, now),
        suppressed=row.suppressed,
        candidates=candidates,
        computed_at=row.computed_at,
    )


def store_missing(
    session: Session, decisions: dict[str, rules.Decision], marketplace: str, now: datetime
) -> None:
    """Keep decisions a page had to compute itself (no stored row yet, or a stale one).

    A writable SQLite session already holds the write lock, so the rows go into it;
    otherwise a short transaction of its own commits them at once. Failing to store
    is harmless (the next event or the periodic recompute stores them), so it is
    logged, never raised into the page.
    """
    if not decisions:
        return
    rows = [decision_row(d, now) for d in decisions.values()]
    bind = session.get_bind()
    read_only = bool(getattr(bind, "get_execution_options", dict)().get("souk_read_only"))
    if bind.dialect.name == "sqlite" and not read_only:
        write_rows(session, rows, marketplace)
        return
    rt = session.info.get("runtime")
    if rt is None:
        return
    try:
        with rt.engine.connect() as connection:
            # A page must not queue behind a long write (the full recompute): on
            # SQLite wait a moment for the write lock, not the usual ten seconds.
            sqlite = connection.dialect.name == "sqlite"
            raw = connection.connection.driver_connection
            if sqlite and raw is not None:
                raw.execute(f"PRAGMA busy_timeout = {STORE_WAIT_MS}")
            try:
                with Session(bind=connection) as writer, writer.begin():
                    write_rows(writer, rows, marketplace)
            finally:
                if sqlite and raw is not None:
                    raw.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
    except OperationalError:
        log.warning("could not store %d Buy Box decisions now; they will be recomputed", len(rows))


def featured_for(
    session: Session, asins: Collection[str], marketplace: str, now: datetime
) -> dict[str, FeaturedResult]:
    """The stored decision of each product, read at ``now``; products without one are
    decided and stored first. Unknown products are left out."""
    marketplace = check_marketplace(marketplace)
    stored = stored_decisions(session, asins, marketplace)
    results = {asin: result_of(row, now) for asin, row in stored.items()}
    missing = sorted(set(asins) - set(stored))
    if missing:
        known = [
            asin
            for chunk in _chunks(missing)
            for asin in session.scalars(select(Product.asin).where(Product.asin.in_(chunk)))
        ]
        fresh = decide_products(session, known, marketplace, now)
        store_missing(session, fresh, marketplace, now)
        for asin, decision in fresh.items():
            results[asin] = FeaturedResult(
                offer_id=decision.featured_offer_id,
                suppressed=decision.suppressed,
                candidates=decision.candidates,
                computed_at=now,
            )
    return results


def clock_now(session: Session) -> datetime:
    """The runtime's clock through the session (tests freeze it), else the system's."""
    rt = session.info.get("runtime")
    return rt.clock.now() if rt is not None else datetime.now(UTC)


def featured_among(
    session: Session,
    facts: dict[str, list[rules.OfferFacts]],
    marketplace: str,
    now: datetime,
) -> dict[str, FeaturedResult]:
    """The featured offer of products whose current offers the caller has loaded.

    The stored decision is read (one query) and checked against the offers as they
    are now: a candidate that can no longer be featured (its seller suspended, sold
    out, withdrawn) is passed over at once, before its event is handled; a product
    with no stored decision, a new offer, or no candidate left is decided here and
    stored.
    """
    stored = _stored_for_pages(session, list(facts), marketplace)
    results: dict[str, FeaturedResult] = {}
    stale: dict[str, list[rules.OfferFacts]] = {}
    for asin, offers in facts.items():
        row = stored.get(asin)
        if row is None:
            stale[asin] = offers
            continue
        explanation: dict[str, Any] = row.explanation
        known_ids = set(explanation.get("offer_ids") or [])
        if any(o.offer_id not in known_ids for o in offers):
            stale[asin] = offers
            continue
        if row.suppressed:
            results[asin] = FeaturedResult(None, True, candidates_of(row), row.computed_at)
            continue
        current = {o.offer_id: o for o in offers}
        candidates = candidates_of(row)
        still = tuple(
            (offer_id, weight)
            for offer_id, weight in candidates
            if offer_id in current and not rules.ineligibility(current[offer_id])
        )
        if candidates and not still:
            stale[asin] = offers
            continue
        results[asin] = FeaturedResult(
            featured_at(asin, marketplace, still, now), False, still, row.computed_at
        )
    if stale:
        fresh = decide_products(session, list(stale), marketplace, now, facts=stale)
        store_missing(session, fresh, marketplace, now)
        for asin, decision in fresh.items():
            results[asin] = FeaturedResult(
                decision.featured_offer_id, decision.suppressed, decision.candidates, now
            )
    return results


# -- explanations --------------------------------------------------------------------------


@dataclass(frozen=True)
class Explanation:
    """A product's decision worked out now, beside what is stored for it."""

    product: Product
    marketplace: str
    decision: rules.Decision
    stored: FeaturedResult | None
    policy: BuyboxPolicy

    @property
    def suppression_text(self) -> str:
        return rules.suppression_text(self.decision, self.policy, money_text(self.marketplace))

    def verdicts(self) -> list[rules.OfferVerdict]:
        """Best score first, then the offers that cannot be featured."""
        return sorted(
            self.decision.verdicts,
            key=lambda v: (v.score is None, -(v.score or 0.0), v.offer.offer_id),
        )

    def as_json(self) -> dict[str, object]:
        return rules.explain_json(self.decision)


def check_asin(session: Session, asin: str) -> Product:
    code = (asin or "").strip().upper()
    product = session.get(Product, code) if code else None
    if product is None:
        raise NotFound(f"No product with ASIN {asin!r}.", field="asin")
    return product


def explain(session: Session, asin: str, marketplace: str, now: datetime) -> Explanation:
    """Why the product's featured offer is the one it is: every offer's eligibility,
    score components and the reasons the others lost (worked out from current data)."""
    code = check_marketplace(marketplace)
    product = check_asin(session, asin)
    decision = decide_products(session, [product.asin], code, now)[product.asin]
    row = stored_decisions(session, [product.asin], code).get(product.asin)
    return Explanation(
        product=product,
        marketplace=code,
        decision=decision,
        stored=result_of(row, now) if row is not None else None,
        policy=policy_for(code),
    )


# -- Seller Central ------------------------------------------------------------------------


@dataclass(frozen=True)
class OfferStanding:
    """One of a seller's offers in the Buy Box: featured now, share of views, why not."""

    offer: Offer
    product: Product
    featured_now: bool
    suppressed: bool
    in_rotation: float  # expected share while the rotation stands, 0 outside it
    verdict: rules.OfferVerdict | None
    lowest: Money | None
    views: int  # product page views in the window
    featured_views: int  # of which showed this offer as the featured one

    @property
    def view_share(self) -> float | None:
        return self.featured_views / self.views if self.views else None


class FeaturedHistory:
    """Which offer a product page featured at any past moment, from the stored
    decision history: views do not record it, but within one history row the pick
    follows from the rotation period alone, so it is found again exactly as the
    page chose it."""

    def __init__(
        self, session: Session, asins: Sequence[str], marketplace: str, until: datetime
    ) -> None:
        self.marketplace = marketplace
        self.history: dict[str, list[BuyboxHistory]] = defaultdict(list)
        for chunk in _chunks(list(asins)):
            for row in session.scalars(
                select(BuyboxHistory)
                .where(
                    BuyboxHistory.marketplace == marketplace,
                    BuyboxHistory.asin.in_(chunk),
                    BuyboxHistory.valid_from <= until,
                )
                .order_by(BuyboxHistory.asin, BuyboxHistory.valid_from, BuyboxHistory.id)
            ):
                self.history[row.asin].append(row)
        self.starts = {asin: [h.valid_from for h in rows] for asin, rows in self.history.items()}

    def at(self, asin: str, when: datetime) -> int | None:
        """The featured offer's id on the product page at ``when`` (None: no offer)."""
        position = bisect.bisect_right(self.starts.get(asin, []), when) - 1
        if position < 0:
            return None
        state = self.history[asin][position]
        if state.suppressed:
            return None
        candidates = [(int(c[0]), float(c[1])) for c in state.candidates]
        return featured_at(asin, self.marketplace, candidates, when)


def featured_views(
    session: Session,
    asins: Sequence[str],
    marketplace: str,
    since: datetime,
    until: datetime,
) -> tuple[dict[str, int], dict[int, int]]:
    """Product page views of each product in [since, until), and for each offer how
    many of them showed it as the featured offer."""
    featured = FeaturedHistory(session, asins, marketplace, until)
    views: dict[str, int] = defaultdict(int)
    shown: dict[int, int] = defaultdict(int)
    for chunk in _chunks(list(asins)):
        rows = session.execute(
            select(RecsEvent.asin, RecsEvent.at).where(
                RecsEvent.kind == VIEW,
                RecsEvent.marketplace == marketplace,
                RecsEvent.asin.in_(chunk),
                RecsEvent.at >= since,
                RecsEvent.at < until,
            )
        )
        for asin, at in rows:
            views[asin] += 1
            pick = featured.at(asin, at)
            if pick is not None:
                shown[pick] += 1
    return dict(views), dict(shown)


def seller_buybox(
    session: Session, seller_id: str, marketplace: str, now: datetime, *, limit: int = 200
) -> list[OfferStanding]:
    """The seller's active offers in the marketplace with their Buy Box standing."""
    code = check_marketplace(marketplace)
    offers = [
        (offer, product)
        for offer, product in session.execute(
            select(Offer, Product)
            .join(Product, Product.asin == Offer.asin)
            .where(Offer.seller_id == seller_id, Offer.marketplace == code, Offer.is_active)
            .order_by(Offer.updated_at.desc(), Offer.id.desc())
            .limit(limit)
        )
    ]
    asins = sorted({offer.asin for offer, _ in offers})
    grouped = offer_facts(session, asins, code)
    live = decide_products(session, asins, code, now, facts=grouped)
    current = featured_among(session, grouped, code, now)
    since = now - timedelta(days=policy_for(code).view_share_days)
    views, shown = featured_views(session, asins, code, since, now)
    lines = []
    for offer, product in offers:
        decision = live.get(offer.asin)
        outcome = current.get(offer.asin)
        shares = dict(outcome.candidates) if outcome else {}
        total = sum(shares.values())
        lines.append(
            OfferStanding(
                offer=offer,
                product=product,
                featured_now=outcome is not None and outcome.offer_id == offer.id,
                suppressed=outcome is not None and outcome.suppressed,
                in_rotation=(shares.get(offer.id, 0.0) / total) if total else 0.0,
                verdict=decision.verdict(offer.id) if decision else None,
                lowest=decision.lowest_landed if decision else None,
                views=views.get(offer.asin, 0),
                featured_views=shown.get(offer.id, 0),
            )
        )
    return lines
