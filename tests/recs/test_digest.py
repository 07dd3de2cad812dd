"""The "Inspired by your browsing" e-mail: queued by its job once per period, sent
through a real SMTP server (aiosmtpd on 127.0.0.1) as text and HTML, filtered like
the widgets, and stopped by its signed unsubscribe link or the preferences page."""

from __future__ import annotations

import itertools
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage

import aiosmtpd.controller as controller_module
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from souk.core.clock import FrozenClock
from souk.core.runtime import Runtime
from souk.jobs.registry import run_job
from souk.messaging.mail import SmtpTarget, send_pending_mail
from souk.messaging.models import OutgoingMail
from souk.offers.models import Offer
from souk.recs import digest, rules, service
from souk.recs.models import RecsDigest, RecsDigestPreference
from souk.web.storefront.recs import render_digest_mail
from tests import factories as f
from tests.web.conftest import Browser


class Mailbox:
    """Keeps every message the SMTP server receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, SmtpTarget]]:
    box = Mailbox()
    port = _port()
    controller = controller_module.Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, SmtpTarget("127.0.0.1", port)
    controller.stop()


@dataclass
class Shop:
    buyer_id: int
    buyer_email: str
    kettle: str  # what the buyer looked at
    teapot: str  # viewed with it by other shoppers: suggested
    cups: str  # likewise
    sold_out: str  # viewed with it, but not buyable
    adult: str  # viewed with it, but adult


def _shop(rt: Runtime, session: Session, clock: FrozenClock) -> Shop:
    seller = f.seller(session, clock)
    asins = {}
    for name, category in (
        ("kettle", "Home & Kitchen/Kitchen"),
        ("teapot", "Home & Kitchen/Kitchen"),
        ("cups", "Home & Kitchen/Dining"),
        ("sold_out", "Home & Kitchen/Kitchen"),
        ("adult", "Adult/Novelties"),
    ):
        product = f.product(session, clock, title=f"Fine {name} for tea time", category=category)
        quantity = 0 if name == "sold_out" else 10
        f.offer(session, clock, seller_id=seller.id, asin=product.asin, quantity=quantity)
        asins[name] = product.asin
    buyer = f.buyer(session, clock).user
    session.commit()
    # Other shoppers looked at all five together, often enough to pass minimum support.
    for n in range(4):
        for asin in asins.values():
            service.record_view(session, clock, service.Shopper(visitor=f"guest-{n}"), "US", asin)
    clock.advance(timedelta(hours=1))
    service.refresh(rt.sessions, clock, rt.settings.var_dir)
    return Shop(buyer.id, buyer.email, **asins)


def _queue(rt: Runtime, clock: FrozenClock) -> int:
    base_url = str(rt.settings.base_url)
    return digest.queue_digests(
        rt.sessions,
        clock,
        var_dir=rt.settings.var_dir,
        key=digest.digest_key(rt.settings.resolved_secret_key()),
        base_url=base_url,
        render=lambda session, content: render_digest_mail(session, content, base_url=base_url),
    )


def _browse(session: Session, clock: FrozenClock, shop: Shop, asin: str) -> None:
    service.record_view(session, clock, service.Shopper(buyer_id=shop.buyer_id), "US", asin)


def _subscribed(session: Session, buyer_id: int) -> bool:
    """Read afresh, then end the transaction (SQLite lets one writer in at a time)."""
    session.expire_all()
    answer = digest.is_subscribed(session, buyer_id)
    session.commit()
    return answer


def _parts(raw: bytes) -> tuple[EmailMessage, str, str]:
    message = message_from_bytes(raw, policy=email_policy.default)
    assert isinstance(message, EmailMessage)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return message, text.get_content(), html.get_content()


def test_the_digest_arrives_with_the_right_items_and_its_link_unsubscribes(
    rt: Runtime,
    session: Session,
    clock: FrozenClock,
    smtp_server: tuple[Mailbox, SmtpTarget],
    browser: Browser,
) -> None:
    box, target = smtp_server
    shop = _shop(rt, session, clock)
    _browse(session, clock, shop, shop.kettle)
    assert run_job(rt.sessions, clock, "recs.digest") == "1"
    assert send_pending_mail(rt.sessions, clock, rt.media, target) == 1

    (rcpt, raw) = box.messages[0]
    assert rcpt == [shop.buyer_email]
    message, text, html = _parts(raw)
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "Inspired by your browsing"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for part in (text, html):
        assert f"/dp/{shop.teapot}" in part and f"/dp/{shop.cups}" in part
        assert f"/dp/{shop.sold_out}" not in part and f"/dp/{shop.adult}" not in part
        assert f"/dp/{shop.kettle}" not in part  # already seen: not suggested
        assert "Fine kettle for tea time" in part  # ...but named as the reason
    assert "$19.99" in text

    # The link works without signing in: one page, one click.
    link = re.search(r"https?://\S+/recs/digest/unsubscribe\?token=\S+", text)
    assert link is not None
    assert message["List-Unsubscribe"] == f"<{link.group(0)}>"
    path = link.group(0).split("/", 3)[3]
    page = browser.get("/" + path)
    assert page.status_code == 200 and "Unsubscribe" in page.text
    assert shop.buyer_email not in page.text  # only a masked address is shown
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token is not None
    assert _subscribed(session, shop.buyer_id)
    done = browser.client.post("/recs/digest/unsubscribe", data={"token": token.group(1)})
    assert done.status_code == 200 and "no longer receive" in done.text
    assert not _subscribed(session, shop.buyer_id)

    # Unsubscribed: the next period brings no e-mail, however much the buyer browses.
    clock.advance(timedelta(days=7))
    _browse(session, clock, shop, shop.teapot)
    assert _queue(rt, clock) == 0


def test_a_mail_client_can_unsubscribe_in_one_click(
    rt: Runtime, session: Session, clock: FrozenClock, browser: Browser
) -> None:
    buyer = f.buyer(session, clock).user
    session.commit()
    key = digest.digest_key(rt.settings.resolved_secret_key())
    url = digest.unsubscribe_url("http://souk.test", buyer.id, key)
    # RFC 8058: the client posts "List-Unsubscribe=One-Click" to the link itself.
    answer = browser.client.post(
        url.removeprefix("http://souk.test"), data={"List-Unsubscribe": "One-Click"}
    )
    assert answer.status_code == 200
    assert not _subscribed(session, buyer.id)


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "12.", ".abc", "99999.AAAAAAAAAAAAAAAAAAAAAA", "١٢.abc", "1.x" + "é" * 4],
)
def test_a_bad_unsubscribe_link_is_refused_and_changes_nothing(
    rt: Runtime, session: Session, clock: FrozenClock, browser: Browser, token: str
) -> None:
    buyer = f.buyer(session, clock).user
    session.commit()
    page = browser.get("/recs/digest/unsubscribe", params={"token": token})
    assert page.status_code == 400 and "not valid" in page.text
    answer = browser.client.post("/recs/digest/unsubscribe", data={"token": token})
    assert answer.status_code == 400 and "not valid" in answer.text
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(RecsDigestPreference)) == 0
    assert _subscribed(session, buyer.id)


def test_a_token_for_one_buyer_does_not_unsubscribe_another(
    rt: Runtime, session: Session, clock: FrozenClock, browser: Browser
) -> None:
    first, second = f.buyer(session, clock).user, f.buyer(session, clock).user
    session.commit()
    key = digest.digest_key(rt.settings.resolved_secret_key())
    forged = f"{second.id}." + rules.unsubscribe_token(first.id, key).partition(".")[2]
    answer = browser.client.post("/recs/digest/unsubscribe", data={"token": forged})
    assert answer.status_code == 400
    assert _subscribed(session, first.id) and _subscribed(session, second.id)


def test_once_per_period_and_only_after_new_browsing(
    rt: Runtime, session: Session, clock: FrozenClock
) -> None:
    shop = _shop(rt, session, clock)
    _browse(session, clock, shop, shop.kettle)
    assert _queue(rt, clock) == 1
    clock.advance(timedelta(hours=2))
    _browse(session, clock, shop, shop.teapot)
    assert _queue(rt, clock) == 0  # same week: never twice
    # Next week: the teapot was looked at after the last digest, so one more comes.
    clock.advance(timedelta(days=7))
    assert _queue(rt, clock) == 1
    # The week after: nothing browsed since, nothing sent; browsing brings it back.
    clock.advance(timedelta(days=7))
    assert _queue(rt, clock) == 0
    _browse(session, clock, shop, shop.kettle)
    assert _queue(rt, clock) == 1
    periods = session.scalars(select(RecsDigest.period_start).order_by(RecsDigest.id)).all()
    assert [later - earlier for earlier, later in itertools.pairwise(periods)] == [
        timedelta(days=7),
        timedelta(days=7),
    ]
    assert session.scalar(select(func.count()).select_from(OutgoingMail)) == 3


def test_nothing_to_recommend_sends_nothing(
    rt: Runtime, session: Session, clock: FrozenClock
) -> None:
    shop = _shop(rt, session, clock)
    # Everything like the kettle is gone from the shop.
    session.execute(
        Offer.__table__.update()  # type: ignore[attr-defined]
        .where(Offer.asin != shop.kettle)
        .values(quantity=0)
    )
    session.commit()
    _browse(session, clock, shop, shop.kettle)
    assert _queue(rt, clock) == 0
    assert session.scalar(select(func.count()).select_from(OutgoingMail)) == 0


def test_the_preferences_page_turns_the_digest_off_and_on(
    rt: Runtime, session: Session, clock: FrozenClock, browser: Browser
) -> None:
    shop = _shop(rt, session, clock)
    assert "Save e-mail setting" not in browser.get("/preferences").text  # guests: no setting
    browser.sign_in(shop.buyer_email)
    page = browser.get("/preferences")
    assert re.search(r'name="subscribed" value="1"\s+checked', page.text)
    answer = browser.post("/recs/digest/preference", {})  # box unticked
    assert answer.status_code == 303
    assert not _subscribed(session, shop.buyer_id)
    _browse(session, clock, shop, shop.kettle)
    assert _queue(rt, clock) == 0
    assert "checked" not in browser.get("/preferences").text.split("recs/digest/preference")[1]
    browser.post("/recs/digest/preference", {"subscribed": "1"})
    assert _subscribed(session, shop.buyer_id)
    assert _queue(rt, clock) == 1
    # The form needs its CSRF token like every other.
    forged = browser.client.post("/recs/digest/preference", data={})
    assert forged.status_code == 403
    assert _subscribed(session, shop.buyer_id)


def test_the_digest_speaks_the_buyers_language(
    rt: Runtime, session: Session, clock: FrozenClock
) -> None:
    from souk.globalselling import service as selling

    shop = _shop(rt, session, clock)
    selling.set_buyer_preference(
        session, clock, user_id=shop.buyer_id, time_zone=None, language="de"
    )
    session.commit()
    _browse(session, clock, shop, shop.kettle)
    assert _queue(rt, clock) == 1
    mail = session.scalars(select(OutgoingMail)).one()
    assert mail.subject == "Inspiriert von Ihrem Browserverlauf"
    assert "Diese E-Mails abbestellen" in mail.body


def test_digest_periods_start_on_mondays() -> None:
    assert rules.digest_period(date(2026, 3, 2), 7) == date(2026, 3, 2)  # a Monday
    assert rules.digest_period(date(2026, 3, 8), 7) == date(2026, 3, 2)  # that Sunday
    assert rules.digest_period(date(2026, 3, 9), 7) == date(2026, 3, 9)
    assert rules.digest_period(date(2026, 3, 9), 1) == date(2026, 3, 9)
    with pytest.raises(ValueError):
        rules.digest_period(date(2026, 3, 9), 0)


def test_unsubscribe_tokens_are_signed() -> None:
    token = rules.unsubscribe_token(42, b"key")
    assert rules.unsubscribe_buyer(token, b"key") == 42
    assert rules.unsubscribe_buyer(token, b"other key") is None
    assert rules.unsubscribe_buyer("43." + token.partition(".")[2], b"key") is None
