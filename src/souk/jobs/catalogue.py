"""Every periodic job souk runs, registered in one place."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from souk.core.clock import Clock
from souk.core.events import deliver_pending
from souk.jobs.registry import job


@job(
    "outbox.deliver",
    timedelta(seconds=30),
    "Deliver domain events whose handlers have not run yet (retries included).",
)
def deliver_outbox(sessions: sessionmaker[Session], clock: Clock) -> int:
    delivered = 0
    while batch := deliver_pending(sessions, clock):
        delivered += batch
    return delivered


@job(
    "orders.release_stale_checkouts",
    timedelta(minutes=15),
    "Finish checkouts a dead process left half done: release holds, or capture and release.",
)
def release_stale_checkouts(sessions: sessionmaker[Session], clock: Clock) -> int:
    from souk.orders.payments import TestPaymentProvider
    from souk.orders.service import release_stale_checkouts as release

    rt = sessions.kw.get("info", {}).get("runtime")
    return release(sessions, clock, rt.payments if rt is not None else TestPaymentProvider())


@job(
    "carts.expire_guest_carts",
    timedelta(hours=6),
    "Delete guest carts untouched for longer than the policy's guest_cart_days.",
)
def expire_guest_carts(sessions: sessionmaker[Session], clock: Clock) -> int:
    from souk.orders.cart import expire_guest_carts as expire

    return expire(sessions, clock)


@job(
    "search.apply_pending",
    timedelta(seconds=30),
    "Refresh the search documents of products changed since the last batch.",
)
def apply_search_pending(sessions: sessionmaker[Session], clock: Clock) -> int:
    from souk.search.service import apply_pending, index_at

    rt = sessions.kw.get("info", {}).get("runtime")
    if rt is None:
        return 0
    return apply_pending(sessions, clock, index_at(rt.settings.var_dir))


@job(
    "rankings.best_sellers",
    timedelta(hours=1),
    "Recompute Best Sellers Rank per category from recent sales with decay.",
)
def best_sellers_rank(sessions: sessionmaker[Session], clock: Clock) -> int:
    from souk.rankings.service import recompute

    return recompute(sessions, clock)


@job(
    "messaging.reply_clock",
    timedelta(minutes=15),
    "Deliver scheduled seller messages, remind sellers of buyer messages near their "
    "24-hour deadline, and send queued relay e-mail.",
)
def messaging_reply_clock(sessions: sessionmaker[Session], clock: Clock) -> int:
    from souk.messaging.mail import send_pending_mail
    from souk.messaging.service import deliver_scheduled, send_reminders

    rt = sessions.kw.get("info", {}).get("runtime")
    with sessions() as session:
        done = deliver_scheduled(session, clock)
    with sessions() as session:
        done += send_reminders(session, clock)
    if rt is not None:
        done += send_pending_mail(sessions, clock, rt.media)
    return done


@job(
    "recs.refresh",
    timedelta(hours=6),
    "Refit the item-to-item recommendation model and store it for the web process.",
)
def recs_refresh(sessions: sessionmaker[Session], clock: Clock) -> int:
    from souk.recs.service import refresh

    rt = sessions.kw.get("info", {}).get("runtime")
    return 0 if rt is None else refresh(sessions, clock, rt.settings.var_dir)


@job(
    "recs.new_items",
    timedelta(minutes=15),
    "Give products created since the last fit content-based neighbours.",
)
def recs_new_items(sessions: sessionmaker[Session], clock: Clock) -> int:
    from souk.recs.service import add_new_products

    rt = sessions.kw.get("info", {}).get("runtime")
    return 0 if rt is None else add_new_products(sessions, clock, rt.settings.var_dir)


@job(
    "recs.roll_up",
    timedelta(days=1),
    "Fold old raw behaviour events into daily counts.",
)
def recs_roll_up(sessions: sessionmaker[Session], clock: Clock) -> int:
    from souk.recs.service import roll_up

    return roll_up(sessions, clock)


@job(
    "recs.digest",
    timedelta(hours=1),
    'Queue the "Inspired by your browsing" e-mail, once per policy period, for buyers who '
    "browsed since their last one and did not opt out (sent with the relay's e-mail).",
)
def recs_digest(sessions: sessionmaker[Session], clock: Clock) -> int:
    from souk.recs.digest import digest_key, queue_digests
    from souk.web.storefront.recs import render_digest_mail

    rt = sessions.kw.get("info", {}).get("runtime")
    if rt is None:
        return 0
    base_url = str(rt.settings.base_url)
    return queue_digests(
        sessions,
        clock,
        var_dir=rt.settings.var_dir,
        key=digest_key(rt.settings.resolved_secret_key()),
        base_url=base_url,
        render=lambda session, content: render_digest_mail(session, content, base_url=base_url),
    )


@job(
    "performance.daily",
    timedelta(days=1),
    "Recompute every seller's metrics and account health from order history, keep the "
    "day's snapshot and apply the enforcement ladder.",
)
def performance_daily(sessions: sessionmaker[Session], clock: Clock) -> str:
    from souk.performance.service import recompute

    return str(recompute(sessions, clock))


@job(
    "returns.auto_authorize",
    timedelta(hours=1),
    "Authorise return requests the seller left unanswered past the policy's deadline.",
)
def returns_auto_authorize(sessions: sessionmaker[Session], clock: Clock) -> int:
    from souk.returns.service import auto_authorize_due

    return auto_authorize_due(sessions, clock)


@job(
    "claims.auto_decide",
    timedelta(hours=1),
    "Grant A-to-z claims past the seller's response window on untracked, undelivered orders.",
)
def claims_auto_decide(sessions: sessionmaker[Session], clock: Clock) -> int:
    from souk.orders.payments import TestPaymentProvider
    from souk.returns.service import auto_decide_claims

    rt = sessions.kw.get("info", {}).get("runtime")
    return auto_decide_claims(
        sessions, clock, rt.payments if rt is not None else TestPaymentProvider()
    )


@job(
    "identity.inform",
    timedelta(days=1),
    "INFORM Consumers Act: find high-volume sellers from their orders, send the 10-day "
    "notice, suspend when it passes, remind of yearly re-certification, set store disclosure.",
)
def identity_inform(sessions: sessionmaker[Session], clock: Clock) -> str:
    from souk.identity.service import inform_job

    return inform_job(sessions, clock)


@job(
    "identity.purge_documents",
    timedelta(days=1),
    "Delete identity documents of decided verifications after the retention period.",
)
def identity_purge_documents(sessions: sessionmaker[Session], clock: Clock) -> int:
    from souk.identity.service import purge_job

    return purge_job(sessions, clock)


@job(
    "policy.link_accounts",
    timedelta(hours=6),
    "Build the linked-account graph from shared signals and flag the members of clusters "
    "with a suspended or deactivated seller for staff review.",
)
def policy_link_accounts(sessions: sessionmaker[Session], clock: Clock) -> int:
    from souk.policy.service import linking_job

    return linking_job(sessions, clock)


@job(
    "buybox.recompute",
    timedelta(hours=1),
    "Recompute every product's featured offer (Buy Box) in every marketplace; events keep "
    "them current between runs, this catches slow drifts such as the recent-price window.",
)
def buybox_recompute(sessions: sessionmaker[Session], clock: Clock) -> int:
    from souk.buybox.batch import recompute_all

    return recompute_all(sessions, clock)


@job(
    "promotions.waitlist_holds",
    timedelta(minutes=1),
    "End lightning-deal units held for waitlisted buyers who did not buy in time, and hold "
    "them for the next buyer waiting (or give them back to the deal).",
)
def promotions_waitlist_holds(sessions: sessionmaker[Session], clock: Clock) -> int:
    from souk.promotions.waitlist import lapse_holds

    with sessions() as session:
        return lapse_holds(session, clock.now())
