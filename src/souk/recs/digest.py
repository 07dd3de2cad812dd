"""The "Inspired by your browsing" e-mail digest.

Once per period (policy ``digest_every_days``) a job queues the digest for every
signed-in buyer who browsed a marketplace since their last digest there and has
not opted out. The mail goes on souk's outgoing mail queue (``OutgoingMail``)
and leaves through the same SMTP sender as buyer-seller messages: the text part
is the mail's body, the HTML part and the unsubscribe link are kept here, on the
``RecsDigest`` row, one per buyer, marketplace and period, so a second run of
the job in the same period sends nothing. Suggestions go through the widgets'
filters (a buyable featured offer here, no adult items, one variant per
product); a buyer with nothing to suggest gets no e-mail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from souk.accounts.models import User
from souk.catalog.models import Product
from souk.core.clock import Clock
from souk.core.errors import InvalidInput
from souk.core.policy import RecsPolicy, default_policy
from souk.marketplaces.rules import MARKETPLACES, marketplace
from souk.messaging.models import OutgoingMail
from souk.recs import rules
from souk.recs.models import BrowsingHistory, RecsDigest, RecsDigestPreference
from souk.recs.service import Pick, Shopper, inspired_by_browsing
from souk.recs.store import load


def _policy(code: str) -> RecsPolicy:
    return default_policy().for_marketplace(code).recs


@dataclass(frozen=True)
class DigestContent:
    """What one buyer's digest shows."""

    buyer: User
    marketplace: str
    viewed: list[Product]  # what the buyer looked at (only products fit to mention)
    picks: list[Pick]  # products like them, not yet seen
    unsubscribe_url: str


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    text: str
    html: str


Renderer = Callable[[Session, DigestContent], RenderedDigest]


@dataclass(frozen=True)
class HtmlPart:
    """What the SMTP sender adds to a digest's text body."""

    html: str
    unsubscribe_url: str


# -- the buyer's choice -------------------------------------------------------------------


def is_subscribed(session: Session, buyer_id: int) -> bool:
    choice = session.get(RecsDigestPreference, buyer_id)
    return choice is None or choice.subscribed


def set_subscribed(session: Session, clock: Clock, buyer_id: int, subscribed: bool) -> None:
    """Record the buyer's choice (the caller commits)."""
    if session.get(User, buyer_id) is None:
        raise InvalidInput("No such buyer.")
    choice = session.get(RecsDigestPreference, buyer_id)
    if choice is None:
        session.add(
            RecsDigestPreference(buyer_id=buyer_id, subscribed=subscribed, updated_at=clock.now())
        )
    else:
        choice.subscribed = subscribed
        choice.updated_at = clock.now()
    session.flush()


def digest_key(secret_key: str) -> bytes:
    """The key of unsubscribe links, derived from the site's secret so it signs nothing else."""
    return ("recs-digest:" + secret_key).encode()


def unsubscribe_url(base_url: str, buyer_id: int, key: bytes) -> str:
    token = rules.unsubscribe_token(buyer_id, key)
    return f"{base_url.rstrip('/')}/recs/digest/unsubscribe?token={token}"


def buyer_of_token(session: Session, token: str, key: bytes) -> User:
    """The buyer an unsubscribe link was made for; a link souk did not make is refused."""
    buyer_id = rules.unsubscribe_buyer(token, key)
    buyer = session.get(User, buyer_id) if buyer_id is not None else None
    if buyer is None:
        raise InvalidInput(
            "This unsubscribe link is not valid. Use the link in your latest e-mail, or "
            "sign in and change the setting on your preferences page.",
            field="token",
        )
    return buyer


def unsubscribe(session: Session, clock: Clock, token: str, key: bytes) -> User:
    """One click on the e-mail's link: no more digests for this buyer (the caller commits)."""
    buyer = buyer_of_token(session, token, key)
    set_subscribed(session, clock, buyer.id, False)
    return buyer


# -- queueing -----------------------------------------------------------------------------


def due_buyers(session: Session, now: datetime, code: str) -> list[int]:
    """Buyers to write to in this marketplace now: browsed within the period and since
    their last digest here, no digest yet this period, not opted out, account active.
    One query, so it scales with the number of buyers."""
    every = _policy(code).digest_every_days
    views = (
        select(
            BrowsingHistory.buyer_id.label("buyer_id"),
            func.max(BrowsingHistory.viewed_at).label("viewed_at"),
        )
        .where(
            BrowsingHistory.buyer_id.is_not(None),
            BrowsingHistory.marketplace == code,
            BrowsingHistory.viewed_at >= now - timedelta(days=every),
        )
        .group_by(BrowsingHistory.buyer_id)
        .subquery()
    )
    last = (
        select(RecsDigest.buyer_id.label("buyer_id"), func.max(RecsDigest.created_at).label("at"))
        .where(RecsDigest.marketplace == code)
        .group_by(RecsDigest.buyer_id)
        .subquery()
    )
    this_period = select(RecsDigest.buyer_id).where(
        RecsDigest.marketplace == code,
        RecsDigest.period_start == rules.digest_period(now.date(), every),
    )
    opted_out = select(RecsDigestPreference.buyer_id).where(
        RecsDigestPreference.subscribed.is_(False)
    )
    return list(
        session.scalars(
            select(views.c.buyer_id)
            .join(User, User.id == views.c.buyer_id)
            .outerjoin(last, last.c.buyer_id == views.c.buyer_id)
            .where(
                User.is_active,
                views.c.buyer_id.not_in(this_period),
                views.c.buyer_id.not_in(opted_out),
                or_(last.c.at.is_(None), views.c.viewed_at > last.c.at),
            )
            .order_by(views.c.buyer_id)
        )
    )


def digest_content(
    session: Session, var_dir: Path, buyer: User, code: str, link: str
) -> DigestContent:
    """The digest's products: suggestions pass the widgets' filters; of what the buyer
    viewed, only products that would pass them too are named."""
    named, picks = inspired_by_browsing(
        session, load(var_dir, code), Shopper(buyer_id=buyer.id), code
    )
    return DigestContent(buyer, code, named, picks, link)


def queue_digests(
    sessions: sessionmaker[Session],
    clock: Clock,
    *,
    var_dir: Path,
    key: bytes,
    base_url: str,
    render: Renderer,
) -> int:
    """Queue this period's digests on the outgoing mail; returns how many were queued."""
    now = clock.now()
    queued = 0
    for code in MARKETPLACES:
        with sessions() as session:
            due = due_buyers(session, now, code)
        for buyer_id in due:
            with sessions() as session:
                queued += _queue_one(session, clock, var_dir, key, base_url, render, buyer_id, code)
    return queued


def _queue_one(
    session: Session,
    clock: Clock,
    var_dir: Path,
    key: bytes,
    base_url: str,
    render: Renderer,
    buyer_id: int,
    code: str,
) -> int:
    buyer = session.get(User, buyer_id)
    if buyer is None:
        return 0
    link = unsubscribe_url(base_url, buyer_id, key)
    content = digest_content(session, var_dir, buyer, code, link)
    if not content.picks:
        return 0  # nothing worth suggesting: no e-mail (the next run may find some)
    rendered = render(session, content)
    now = clock.now()
    mail = OutgoingMail(
        kind="digest",
        mail_from=marketplace(code).no_reply_address,
        from_name=f"souk {marketplace(code).name}",
        rcpt_to=buyer.email,
        subject=rendered.subject,
        body=rendered.text,
        created_at=now,
    )
    session.add(mail)
    session.flush()
    session.add(
        RecsDigest(
            buyer_id=buyer_id,
            marketplace=code,
            period_start=rules.digest_period(now.date(), _policy(code).digest_every_days),
            mail_id=mail.id,
            asins=",".join(p.product.asin for p in content.picks),
            html=rendered.html,
            unsubscribe_url=link,
            created_at=now,
        )
    )
    try:
        session.commit()
    except IntegrityError:  # another run queued this period's digest first
        session.rollback()
        return 0
    return 1


def html_part(session: Session, mail_id: int) -> HtmlPart | None:
    """The HTML alternative and unsubscribe link of a queued digest e-mail."""
    digest = session.scalar(select(RecsDigest).where(RecsDigest.mail_id == mail_id))
    return None if digest is None else HtmlPart(digest.html, digest.unsubscribe_url)
