"""Global selling use cases on real databases: marketplaces, rates, copies kept in sync."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from souk.core.errors import InvalidInput, NotFound
from souk.core.events import DomainEvent, OutboxEvent
from souk.core.money import Money
from souk.globalselling import rules
from souk.globalselling import service as selling
from souk.globalselling.models import ExchangeRate, OfferCopy, SellerMarketplace
from souk.offers.models import Offer
from souk.offers.service import set_active, update_price, update_quantity
from tests import factories as f


def _today(rt) -> date:  # type: ignore[no-untyped-def]
    return rt.clock.now().date()


def _copy_in(session, seller_id: str, marketplace: str) -> Offer | None:  # type: ignore[no-untyped-def]
    return session.scalar(
        select(Offer).where(Offer.seller_id == seller_id, Offer.marketplace == marketplace)
    )


def _deliver_offer_events(session, since_id: int) -> None:  # type: ignore[no-untyped-def]
    """Hand the offer.changed events stored after ``since_id`` to global selling's handler,
    as the outbox does after commit (without the other capabilities' handlers)."""
    rows = session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.id > since_id, OutboxEvent.topic == "offer.changed")
        .order_by(OutboxEvent.id)
    ).all()
    assert rows, "the change emitted offer.changed"
    for row in rows:
        selling._sync_on_offer_change(
            session, DomainEvent(row.id, row.topic, row.subject, row.payload, row.occurred_at)
        )
    session.commit()


def _last_event_id(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.coalesce(func.max(OutboxEvent.id), 0)))


def test_enabling_a_marketplace_copies_offers_at_converted_price_points(rt, session):
    seller = f.seller(session, rt.clock)
    kettle = f.product(session, rt.clock)
    f.offer(
        session,
        rt.clock,
        seller_id=seller.id,
        asin=kettle.asin,
        price="19.99",
        quantity=7,
        sku="KETTLE-1",
    )
    selling.record_rate(session, rt.clock, day=_today(rt), base="USD", quote="EUR", rate="0.92")
    selling.record_rate(session, rt.clock, day=_today(rt), base="JPY", quote="USD", rate="0.0066")
    selling.enable_marketplace(
        session,
        rt.clock,
        seller_id=seller.id,
        marketplace="DE",
        copy_from="US",
        margin_bp=500,
        shipping=Money("EUR", 299),
        handling_days=3,
        vat_number="DE123456789",
    )
    selling.enable_marketplace(
        session, rt.clock, seller_id=seller.id, marketplace="JP", copy_from="US"
    )
    session.commit()
    german = _copy_in(session, seller.id, "DE")
    assert german is not None and german.is_active
    # $19.99 * 0.92 * 1.05 * 1.19 = 22.98 € -> 22,99 €
    assert (german.currency, german.price_minor) == ("EUR", 2299)
    assert german.sku == "KETTLE-1" and german.quantity == 7
    assert german.shipping_minor == 299 and german.handling_days == 3
    japanese = _copy_in(session, seller.id, "JP")
    # Only JPY->USD is recorded: its inverse (151.5...) converts; +10 % tax: 3,332 -> 3,499 yen
    assert (japanese.currency, japanese.price_minor) == ("JPY", 3499)
    copies = selling.offer_copies(session, seller.id)
    assert {c.target_marketplace for c, _, _ in copies} == {"DE", "JP"}
    assert all(c.status == "synced" for c, _, _ in copies)


def test_copies_follow_price_stock_and_sale_changes_of_their_source(rt, session):
    seller = f.seller(session, rt.clock)
    kettle = f.product(session, rt.clock)
    source = f.offer(session, rt.clock, seller_id=seller.id, asin=kettle.asin, price="19.99")
    selling.record_rate(session, rt.clock, day=_today(rt), base="USD", quote="GBP", rate="0.79")
    selling.enable_marketplace(
        session, rt.clock, seller_id=seller.id, marketplace="UK", copy_from="US"
    )
    session.commit()
    # $19.99 * 0.79 = 15.79 £, + 20 % VAT = 18.95 -> 18.99
    assert _copy_in(session, seller.id, "UK").price_minor == 1899

    mark = _last_event_id(session)
    update_price(session, rt.clock, source, Money("USD", 4999))
    _deliver_offer_events(session, mark)
    session.expire_all()
    # 49.99 * 0.79 * 1.2 = 47.39 -> 47.99
    assert _copy_in(session, seller.id, "UK").price_minor == 4799

    mark = _last_event_id(session)
    update_quantity(session, rt.clock, session.get(Offer, source.id), 2)
    _deliver_offer_events(session, mark)
    session.expire_all()
    assert _copy_in(session, seller.id, "UK").quantity == 2

    mark = _last_event_id(session)
    set_active(session, rt.clock, session.get(Offer, source.id), False)
    _deliver_offer_events(session, mark)
    session.expire_all()
    assert not _copy_in(session, seller.id, "UK").is_active

    # A change to the copy itself never flows back to the source.
    copy = _copy_in(session, seller.id, "UK")
    mark = _last_event_id(session)
    update_price(session, rt.clock, copy, Money("GBP", 999))
    _deliver_offer_events(session, mark)
    session.expire_all()
    assert session.get(Offer, source.id).price_minor == 4999


def test_without_a_recent_rate_the_copy_waits_and_a_new_rate_prices_it(rt, session, clock):
    seller = f.seller(session, rt.clock)
    kettle = f.product(session, rt.clock)
    f.offer(session, rt.clock, seller_id=seller.id, asin=kettle.asin, price="10.00")
    stale = _today(rt) - timedelta(days=30)
    selling.record_rate(session, rt.clock, day=stale, base="USD", quote="EUR", rate="0.9")
    selling.enable_marketplace(
        session, rt.clock, seller_id=seller.id, marketplace="DE", copy_from="US"
    )
    session.commit()
    assert _copy_in(session, seller.id, "DE") is None
    [(copy, _, target)] = selling.offer_copies(session, seller.id)
    assert copy.status == "no_rate" and "USD/EUR" in copy.message and target is None
    # Recording today's rate reprices through the outbox (fx.rate_recorded).
    selling.record_rate(session, rt.clock, day=_today(rt), base="USD", quote="EUR", rate="0.9")
    row = session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.topic == "fx.rate_recorded")
        .order_by(OutboxEvent.id.desc())
    ).first()
    selling._reprice_on_new_rate(
        session, DomainEvent(row.id, row.topic, row.subject, row.payload, row.occurred_at)
    )
    session.commit()
    german = _copy_in(session, seller.id, "DE")
    assert german is not None and german.price_minor == 1099  # 9.00 * 1.19 = 10.71 -> 10.99
    assert selling.offer_copies(session, seller.id)[0][0].status == "synced"


def test_rates_are_exact_and_the_newest_wins(rt, session):
    today = _today(rt)
    selling.record_rate(
        session, rt.clock, day=today - timedelta(days=1), base="usd", quote="eur", rate="0.9100"
    )
    selling.record_rate(session, rt.clock, day=today, base="USD", quote="EUR", rate="0.92135")
    selling.record_rate(
        session, rt.clock, day=today, base="USD", quote="EUR", rate="0.9214"
    )  # corrected
    session.commit()
    used = selling.rate_on(session, "USD", "EUR", today, max_age_days=7)
    assert used is not None and str(used.rate) == "0.9214" and used.day == today
    assert session.scalar(select(func.count()).select_from(ExchangeRate)) == 2
    back = selling.rate_on(session, "EUR", "USD", today, max_age_days=7)
    assert back is not None and back.rate == rules.inverse_rate(Decimal("0.9214"))
    assert selling.rate_on(session, "USD", "JPY", today, max_age_days=7) is None
    assert selling.rate_on(session, "EUR", "EUR", today, max_age_days=7).rate == 1


def test_bad_rates_and_settings_are_refused_and_change_nothing(rt, session):
    seller = f.seller(session, rt.clock)
    session.commit()
    today = _today(rt)
    bad_rates = [
        dict(base="USD", quote="USD", rate="1"),
        dict(base="USD", quote="XXX", rate="1"),
        dict(base="USD", quote="EUR", rate="-0.9"),
        dict(base="USD", quote="EUR", rate="zero"),
    ]
    for bad in bad_rates:
        with pytest.raises(InvalidInput):
            selling.record_rate(session, rt.clock, day=today, **bad)
    with pytest.raises(InvalidInput) as error:
        selling.record_rate(
            session, rt.clock, day=today + timedelta(days=5), base="USD", quote="EUR", rate="0.9"
        )
    assert error.value.field == "day"
    settings = [
        (dict(marketplace="ZZ"), "marketplace"),
        (dict(marketplace="DE", copy_from="DE"), "copy_from"),
        (dict(marketplace="DE", copy_from="QQ"), "copy_from"),
        (dict(marketplace="DE", margin_bp=50_000), "margin"),
        (dict(marketplace="DE", shipping=Money("USD", 100)), "shipping"),
        (dict(marketplace="DE", handling_days=0), "handling_days"),
        (dict(marketplace="DE", vat_number="DE<script>"), "vat_number"),
    ]
    for kwargs, field in settings:
        with pytest.raises(InvalidInput) as error:
            selling.enable_marketplace(session, rt.clock, seller_id=seller.id, **kwargs)
        assert error.value.field == field, kwargs
    session.rollback()
    with pytest.raises(NotFound):
        selling.enable_marketplace(session, rt.clock, seller_id="ANOSUCHSELLER", marketplace="DE")
    with pytest.raises(NotFound):
        selling.disable_marketplace(session, rt.clock, seller_id=seller.id, marketplace="DE")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(SellerMarketplace)) == 0
    assert session.scalar(select(func.count()).select_from(ExchangeRate)) == 0


def test_no_chains_of_copies_and_disabling_takes_copies_off_sale(rt, session):
    seller = f.seller(session, rt.clock)
    kettle = f.product(session, rt.clock)
    f.offer(session, rt.clock, seller_id=seller.id, asin=kettle.asin, price="10.00")
    selling.record_rate(session, rt.clock, day=_today(rt), base="USD", quote="EUR", rate="0.9")
    selling.enable_marketplace(session, rt.clock, seller_id=seller.id, marketplace="US")
    selling.enable_marketplace(
        session, rt.clock, seller_id=seller.id, marketplace="DE", copy_from="US"
    )
    session.commit()
    with pytest.raises(InvalidInput):  # FR may not copy from DE, itself a copy of US
        selling.enable_marketplace(
            session, rt.clock, seller_id=seller.id, marketplace="FR", copy_from="DE"
        )
    with pytest.raises(InvalidInput):  # US is copied from, so it cannot copy in turn
        selling.enable_marketplace(
            session, rt.clock, seller_id=seller.id, marketplace="US", copy_from="DE"
        )
    with pytest.raises(InvalidInput):
        selling.disable_marketplace(session, rt.clock, seller_id=seller.id, marketplace="US")
    session.rollback()
    selling.disable_marketplace(session, rt.clock, seller_id=seller.id, marketplace="DE")
    session.commit()
    assert not _copy_in(session, seller.id, "DE").is_active
    assert session.scalar(select(func.count()).select_from(OfferCopy)) == 0
    assert [m.marketplace for m in selling.seller_marketplaces(session, seller.id)] == ["US"]


def test_translations_with_fallback_and_bad_input(rt, session):
    seller, other = f.seller(session, rt.clock), f.seller(session, rt.clock)
    kettle = f.product(session, rt.clock, title="Steel Kettle")
    f.offer(session, rt.clock, seller_id=seller.id, asin=kettle.asin)
    selling.put_translation(
        session,
        rt.clock,
        asin=kettle.asin,
        language="DE",
        title="  Wasserkocher   aus Stahl ",
        bullets=["Kocht schnell", " "],
        seller_id=seller.id,
    )
    session.commit()
    german = selling.product_text(session, kettle, "de_DE")
    assert german.title == "Wasserkocher aus Stahl" and german.bullets == ("Kocht schnell",)
    assert selling.product_text(session, kettle, "fr").title == "Steel Kettle"
    assert selling.product_text(session, kettle, "en").bullets == ("Boils fast",)
    assert selling.product_languages(session, kettle.asin) == ["de"]
    bad = [
        (dict(asin=kettle.asin, language="en", title="x"), "language"),
        (dict(asin=kettle.asin, language="deutsch", title="x"), "language"),
        (dict(asin=kettle.asin, language="fr", title="   "), "title"),
        (dict(asin=kettle.asin, language="fr", title="x" * 501), "title"),
        (dict(asin=kettle.asin, language="fr", title="x", bullets=["b"] * 11), "bullets"),
        (dict(asin=kettle.asin, language="fr", title="x", seller_id=other.id), "asin"),
        (dict(asin="B0NOSUCH00", language="fr", title="x"), "asin"),
    ]
    for kwargs, field in bad:
        with pytest.raises((InvalidInput, NotFound)) as error:
            selling.put_translation(session, rt.clock, **kwargs)
        assert error.value.field == field, kwargs
    session.rollback()
    assert selling.product_languages(session, kettle.asin) == ["de"]


def test_time_zone_preferences(rt, session):
    buyer = f.buyer(session, rt.clock)
    seller = f.seller(session, rt.clock)
    selling.set_buyer_preference(
        session, rt.clock, user_id=buyer.user.id, time_zone="Asia/Tokyo", language="fr"
    )
    selling.set_seller_time_zone(session, rt.clock, seller_id=seller.id, time_zone="Europe/Berlin")
    session.commit()
    assert selling.buyer_preference(session, buyer.user.id).time_zone == "Asia/Tokyo"
    assert selling.seller_time_zone(session, seller.id) == "Europe/Berlin"
    for kwargs in (
        dict(time_zone="Nowhere/City", language=None),
        dict(time_zone=None, language="ja"),
    ):
        with pytest.raises(InvalidInput):
            selling.set_buyer_preference(session, rt.clock, user_id=buyer.user.id, **kwargs)
    with pytest.raises(InvalidInput):
        selling.set_seller_time_zone(session, rt.clock, seller_id=seller.id, time_zone="CET+1")
    session.rollback()
    assert selling.buyer_preference(session, buyer.user.id).language == "fr"
    assert selling.seller_time_zone(session, seller.id) == "Europe/Berlin"


def test_business_day_functions_per_marketplace():
    assert selling.add_business_days("DE", date(2026, 12, 24), 1) == date(2026, 12, 28)
    assert not selling.is_business_day("UK", date(2026, 12, 28))
    assert selling.is_business_day("DE", date(2026, 12, 28))
    names = dict(selling.holidays_between("FR", date(2026, 7, 1), date(2026, 7, 31)))
    assert date(2026, 7, 14) in names
    with pytest.raises(InvalidInput):
        selling.holidays_between("ZZ", date(2026, 7, 1), date(2026, 7, 31))


def _deliver_pending(session, topic: str) -> None:  # type: ignore[no-untyped-def]
    """Run global selling's handler for ``topic`` events the outbox has not delivered
    (delivered ones already ran it: running it twice would count a sale twice)."""
    handler = {"order.placed": selling._share_stock_on_order}[topic]
    for row in session.scalars(
        select(OutboxEvent).where(OutboxEvent.topic == topic, OutboxEvent.delivered_at.is_(None))
    ).all():
        handler(session, DomainEvent(row.id, row.topic, row.subject, row.payload, row.occurred_at))
    session.commit()


def test_a_sale_in_any_marketplace_leaves_every_copy_and_the_source(rt, session):
    from tests.reviews import support

    seller = f.seller(session, rt.clock)
    kettle = f.product(session, rt.clock)
    source = f.offer(session, rt.clock, seller_id=seller.id, asin=kettle.asin, quantity=5)
    selling.record_rate(session, rt.clock, day=_today(rt), base="USD", quote="EUR", rate="0.9")
    selling.record_rate(session, rt.clock, day=_today(rt), base="USD", quote="GBP", rate="0.8")
    for target in ("DE", "UK"):
        selling.enable_marketplace(
            session, rt.clock, seller_id=seller.id, marketplace=target, copy_from="US"
        )
    session.commit()
    german, british = _copy_in(session, seller.id, "DE"), _copy_in(session, seller.id, "UK")
    assert selling.stock_family(session, german.id) == selling.stock_family(session, source.id)
    assert set(selling.stock_family(session, source.id)) == {source.id, german.id, british.id}
    us_buyer, de_buyer = f.buyer(session, rt.clock), f.buyer(session, rt.clock, country="DE")
    session.commit()
    support.order(rt, session, us_buyer, session.get(Offer, source.id), quantity=2)
    _deliver_pending(session, "order.placed")
    session.expire_all()
    assert [session.get(Offer, i).quantity for i in (source.id, german.id, british.id)] == [3, 3, 3]
    support.order(rt, session, de_buyer, session.get(Offer, german.id), quantity=3)
    _deliver_pending(session, "order.placed")
    session.expire_all()
    assert [session.get(Offer, i).quantity for i in (source.id, german.id, british.id)] == [0, 0, 0]
    # An offer that is neither copied nor a copy shares its stock with nothing.
    lone = f.offer(
        session,
        rt.clock,
        seller_id=seller.id,
        asin=f.product(session, rt.clock).asin,
        marketplace="JP",
        price="1999",
    )
    assert selling.stock_family(session, lone.id) == [lone.id]
