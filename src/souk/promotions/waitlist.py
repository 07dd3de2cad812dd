"""Lightning-deal waitlists: a released unit is held for the first buyer waiting.

When a claimed unit comes back (its order is canceled, including an order
canceled because its payment could not be captured), it does not return to the
open deal while buyers wait: it is held for the buyer who joined first, for the
policy's ``waitlist_hold_minutes``, and that buyer is told on their next
storefront page and by an e-mail queued through the outgoing mail relay. A
buyer who does not buy in time loses the place and the unit passes to the next
buyer waiting, or back to the deal when nobody waits.

A held unit stays counted in the deal's ``claimed``: nobody but its holder can
take it, so holds never let a deal sell more than its quantity. Every change of
a waitlist row is a conditional update, so two processes (a release and a lapse,
a checkout and a lapse) never both act on one hold.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.catalog.models import Product
from souk.core.money import Money
from souk.core.policy import default_policy
from souk.marketplaces.rules import MARKETPLACES
from souk.messaging.models import OutgoingMail
from souk.promotions.models import DealWaitlist, Promotion

WAITING, HELD, BOUGHT, LAPSED = "waiting", "held", "bought", "lapsed"
MAIL_KIND = "deal_waitlist"


def hold_time(marketplace: str) -> timedelta:
    minutes = default_policy().for_marketplace(marketplace).promotions.waitlist_hold_minutes
    return timedelta(minutes=minutes)


def _running(promotion: Promotion, now: datetime) -> bool:
    return promotion.status == "active" and promotion.window_start <= now < promotion.window_end


def _next_waiting(
    session: Session, promotion_id: int, skip: Collection[int]
) -> DealWaitlist | None:
    query = (
        select(DealWaitlist)
        .where(DealWaitlist.promotion_id == promotion_id, DealWaitlist.status == WAITING)
        .order_by(DealWaitlist.joined_at, DealWaitlist.id)
        .limit(1)
        .execution_options(populate_existing=True)
    )
    if skip:
        query = query.where(DealWaitlist.id.notin_(list(skip)))
    return session.scalars(query).first()


def pass_on(session: Session, promotion: Promotion, units: int, now: datetime) -> int:
    """Hold released units for the buyers waiting, one unit each, first come first
    served; returns how many units nobody waits for (they go back to the deal)."""
    if units <= 0 or not _running(promotion, now):
        return max(units, 0)
    until = now + hold_time(promotion.marketplace)
    tried: set[int] = set()
    while units:
        row = _next_waiting(session, promotion.id, tried)
        if row is None:
            break
        tried.add(row.id)
        # Another process may hold this row's unit meanwhile: only one update wins.
        taken = session.execute(
            update(DealWaitlist)
            .where(DealWaitlist.id == row.id, DealWaitlist.status == WAITING)
            .values(status=HELD, held_at=now, hold_until=until)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        if not taken:
            continue
        _notify(session, promotion, row.buyer_id, until, now)
        units -= 1
    return units


def give_back(session: Session, promotion: Promotion, units: int, now: datetime) -> None:
    """Released units: held for buyers waiting, the rest back to the deal."""
    back = pass_on(session, promotion, units, now)
    if back:
        session.execute(
            update(Promotion)
            .where(Promotion.id == promotion.id)
            .values(claimed=Promotion.claimed - back)
            .execution_options(synchronize_session=False)
        )


def lapse_holds(session: Session, now: datetime) -> int:
    """End holds whose time ran out: the buyer loses the place and the unit passes
    to the next buyer waiting (or back to the deal). Returns the holds ended."""
    due = session.scalars(
        select(DealWaitlist)
        .where(DealWaitlist.status == HELD, DealWaitlist.hold_until <= now)
        .order_by(DealWaitlist.hold_until, DealWaitlist.id)
    ).all()
    ended = 0
    for row in due:
        lapsed = session.execute(
            update(DealWaitlist)
            .where(
                DealWaitlist.id == row.id,
                DealWaitlist.status == HELD,
                DealWaitlist.hold_until <= now,
            )
            .values(status=LAPSED)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        if not lapsed:
            continue  # bought in the meantime
        promotion = session.get(Promotion, row.promotion_id, populate_existing=True)
        if promotion is not None:
            give_back(session, promotion, 1, now)
        ended += 1
    session.commit()
    return ended


def held_for(
    session: Session, buyer_id: int | None, promotion_ids: Collection[int], now: datetime
) -> set[int]:
    """The deals (of ``promotion_ids``) on which a unit is held for the buyer now."""
    if buyer_id is None or not promotion_ids:
        return set()
    return set(
        session.scalars(
            select(DealWaitlist.promotion_id).where(
                DealWaitlist.buyer_id == buyer_id,
                DealWaitlist.promotion_id.in_(list(promotion_ids)),
                DealWaitlist.status == HELD,
                DealWaitlist.hold_until > now,
            )
        )
    )


def take_hold(session: Session, promotion_id: int, buyer_id: int, now: datetime) -> bool:
    """The buyer's checkout uses the unit held for them (False: no hold, or it ran out)."""
    taken = session.execute(
        update(DealWaitlist)
        .where(
            DealWaitlist.promotion_id == promotion_id,
            DealWaitlist.buyer_id == buyer_id,
            DealWaitlist.status == HELD,
            DealWaitlist.hold_until > now,
        )
        .values(status=BOUGHT)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    return bool(taken)


@dataclass(frozen=True)
class HeldDeal:
    """A unit kept for a buyer, as the storefront notice shows it."""

    promotion_id: int
    asin: str
    title: str
    deal_price: Money
    hold_until: datetime


def buyer_holds(session: Session, buyer_id: int, marketplace: str, now: datetime) -> list[HeldDeal]:
    rows = session.execute(
        select(DealWaitlist.hold_until, Promotion)
        .join(Promotion, Promotion.id == DealWaitlist.promotion_id)
        .where(
            DealWaitlist.buyer_id == buyer_id,
            DealWaitlist.status == HELD,
            DealWaitlist.hold_until > now,
            Promotion.marketplace == marketplace,
        )
        .order_by(DealWaitlist.hold_until)
    ).all()
    asins = sorted({p.asins[0] for _, p in rows if p.asins})
    titles = dict(
        session.execute(select(Product.asin, Product.title).where(Product.asin.in_(asins))).all()
    )
    return [
        HeldDeal(
            promotion_id=p.id,
            asin=p.asins[0],
            title=titles.get(p.asins[0], p.title),
            deal_price=Money(p.currency, p.deal_price_minor),
            hold_until=until,
        )
        for until, p in rows
        if until is not None and p.asins
    ]


def _notify(
    session: Session, promotion: Promotion, buyer_id: int, until: datetime, now: datetime
) -> None:
    """Queue the e-mail telling a buyer a unit is kept for them (the storefront
    notice follows from the hold itself)."""
    user = session.get(User, buyer_id)
    if user is None:
        return
    market = MARKETPLACES[promotion.marketplace]
    asin = promotion.asins[0] if promotion.asins else ""
    title = session.scalar(select(Product.title).where(Product.asin == asin)) or promotion.title
    price = Money(promotion.currency, promotion.deal_price_minor)
    minutes = int((until - now).total_seconds() // 60)
    session.add(
        OutgoingMail(
            message_id=None,
            kind=MAIL_KIND,
            mail_from=market.no_reply_address,
            from_name="souk deals",
            rcpt_to=user.email,
            subject="A lightning deal unit is kept for you",
            body=(
                f"Good news: a unit of the lightning deal you waited for came back.\n\n"
                f"{title}\nDeal price: {price.amount_str()} {price.currency}\n\n"
                f"It is kept for you for {minutes} minutes, until "
                f"{until.astimezone(market.zone).strftime('%H:%M')} ({market.time_zone}). "
                f"Buy it at https://{market.domain}/dp/{asin}\n\n"
                "If you do not buy it in time, it goes to the next buyer waiting."
            ),
            created_at=now,
        )
    )
