"""Stored Buy Box decisions on both databases: kept current through the outbox, read by
the product pages' services, recomputed in bulk exactly as one by one, explained."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from souk.buybox.batch import decision_rows, recompute_all
from souk.buybox.models import BuyboxDecision, BuyboxHistory
from souk.buybox.service import (
    decide_products,
    decision_row,
    explain,
    featured_for,
    seller_buybox,
)
from souk.cli import app
from souk.core.config import get_settings
from souk.core.errors import InvalidInput, NotFound
from souk.core.money import Money
from souk.offers.service import product_offers, update_price
from souk.orders.service import CheckoutRequest, place_order
from souk.recs.models import VIEW, RecsEvent
from souk.sellers.models import Seller
from souk.sellers.service import set_status
from tests import factories as f


def _stored(session, asin: str) -> BuyboxDecision:  # type: ignore[no-untyped-def]
    session.expire_all()
    row = session.get(BuyboxDecision, (asin, "US"))
    assert row is not None, "a decision is stored"
    return row


def _market(rt, session):  # type: ignore[no-untyped-def]
    product = f.product(session, rt.clock)
    cheap = f.seller(session, rt.clock, name="Cheap Kettles")
    dear = f.seller(session, rt.clock, name="Dear Kettles")
    cheap_offer = f.offer(session, rt.clock, seller_id=cheap.id, asin=product.asin, price="20.00")
    dear_offer = f.offer(session, rt.clock, seller_id=dear.id, asin=product.asin, price="24.00")
    return product, cheap, dear, cheap_offer, dear_offer


def test_a_price_change_recomputes_the_stored_decision_through_the_outbox(rt, session):
    product, _, _, cheap_offer, dear_offer = _market(rt, session)
    row = _stored(session, product.asin)
    assert row.featured_offer_id == cheap_offer.id and not row.suppressed
    assert row.explanation["offer_ids"] == [cheap_offer.id, dear_offer.id]
    history_before = session.scalar(select(func.count()).select_from(BuyboxHistory))

    rt.clock.advance(timedelta(minutes=5))
    update_price(session, rt.clock, dear_offer, Money.parse("18.00", "USD"))  # commits
    row = _stored(session, product.asin)
    assert row.featured_offer_id == dear_offer.id
    assert row.computed_at == rt.clock.now()
    assert [c[0] for c in row.candidates] == [dear_offer.id]
    history = session.scalar(select(func.count()).select_from(BuyboxHistory))
    assert history == history_before + 1
    assert product_offers(session, product.asin, "US").featured.offer_id == dear_offer.id


def test_a_suspended_seller_drops_out_at_once(rt, session):
    product, cheap, _, cheap_offer, dear_offer = _market(rt, session)
    assert featured_for(session, [product.asin], "US", rt.clock.now())[product.asin].offer_id == (
        cheap_offer.id
    )
    # Before its event is handled, the page already passes over the suspended seller...
    session.get(Seller, cheap.id).status = "suspended"
    session.flush()
    shown = product_offers(session, product.asin, "US")
    assert shown.featured.offer_id == dear_offer.id
    assert [o.offer_id for o in shown.others] == []
    session.rollback()
    # ...and once it is, the stored decision has dropped it too.
    set_status(session, rt.clock, cheap.id, "suspended", "Counterfeit complaints")
    row = _stored(session, product.asin)
    assert row.featured_offer_id == dear_offer.id
    assert [c[0] for c in row.candidates] == [dear_offer.id]
    set_status(session, rt.clock, cheap.id, "active", "")
    assert _stored(session, product.asin).featured_offer_id == cheap_offer.id


def test_recent_prices_from_orders_suppress_an_overpriced_box(rt, session):
    product = f.product(session, rt.clock)
    seller = f.seller(session, rt.clock)
    offer = f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin, price="20.00")
    buyer = f.buyer(session, rt.clock)
    for n in range(3):
        place_order(
            session,
            rt.clock,
            rt.payments,
            CheckoutRequest(
                buyer_id=buyer.user.id,
                marketplace="US",
                address_id=buyer.address.id,
                delivery_speed="standard",
                card=f.GOOD_CARD,
                idempotency_key=f"order-{n}",
                lines=((offer.id, 1),),
            ),
        )
        rt.clock.advance(timedelta(hours=1))
    assert not _stored(session, product.asin).suppressed
    update_price(session, rt.clock, offer, Money.parse("27.00", "USD"))  # 35 % above $20
    row = _stored(session, product.asin)
    assert row.suppressed and row.featured_offer_id is None
    assert row.explanation["recent_minor"] == 2000
    assert row.explanation["suppressed_because"] == "recent"
    shown = product_offers(session, product.asin, "US")
    assert shown.featured is None and shown.suppressed and shown.count == 1
    reasons = explain(session, product.asin, "US", rt.clock.now()).as_json()["offers"][0]
    assert reasons["eligible"] and "above the recent price $20.00" in reasons["reasons"][0]


def test_missing_decisions_are_computed_and_stored_on_first_read(rt, session):
    product, _, _, cheap_offer, _ = _market(rt, session)
    session.execute(BuyboxDecision.__table__.delete())
    session.commit()
    # A page's read-only session stores through a short transaction of its own.
    with rt.read_sessions() as reader:
        found = featured_for(reader, [product.asin, "B0NOSUCH00"], "US", rt.clock.now())
    assert set(found) == {product.asin}
    assert found[product.asin].offer_id == cheap_offer.id
    assert _stored(session, product.asin).featured_offer_id == cheap_offer.id
    # A writable session keeps them in its own transaction.
    session.execute(BuyboxDecision.__table__.delete())
    session.commit()
    assert featured_for(session, [product.asin], "US", rt.clock.now())[product.asin].offer_id
    session.commit()
    assert _stored(session, product.asin).featured_offer_id == cheap_offer.id


def test_the_full_recompute_stores_what_one_by_one_would(rt, session):
    sellers = [f.seller(session, rt.clock) for _ in range(4)]
    individual = f.seller(session, rt.clock, plan="individual")
    products = [f.product(session, rt.clock) for _ in range(5)]
    prices = ["20.00", "20.10", "23.50", "19.00", "31.00"]
    for i, product in enumerate(products):
        for j, seller in enumerate(sellers[: 1 + i % 4]):
            f.offer(
                session,
                rt.clock,
                seller_id=seller.id,
                asin=product.asin,
                price=prices[(i + j) % 5],
                shipping=["0", "3.99"][j % 2],
                channel=["MERCHANT", "PLATFORM"][(i * j) % 2],
                handling_days=j,
                quantity=3 + 4 * j,
                condition="new" if j != 2 else "used_good",
            )
        f.offer(session, rt.clock, seller_id=individual.id, asin=product.asin, price="9.00")
    tie = f.product(session, rt.clock)
    products.append(tie)
    for seller in sellers[:2]:
        f.offer(session, rt.clock, seller_id=seller.id, asin=tie.asin, price="12.00")
    set_status(session, rt.clock, sellers[3].id, "suspended", "Late shipments")
    rt.clock.advance(timedelta(minutes=1))
    now = rt.clock.now()
    asins = sorted(p.asin for p in products)
    one_by_one = [decision_row(d, now) for d in decide_products(session, asins, "US", now).values()]
    in_bulk = decision_rows(session, "US", now)
    assert sorted(in_bulk, key=lambda r: r["asin"]) == sorted(one_by_one, key=lambda r: r["asin"])
    assert any(len(r["candidates"]) > 1 for r in in_bulk)  # the tie rotates
    session.commit()
    assert recompute_all(rt.sessions, rt.clock, ["US"]) == len(products)
    for row in one_by_one:
        stored = _stored(session, row["asin"])
        assert stored.candidates == row["candidates"]
        assert stored.explanation == row["explanation"]


def test_bad_input_gets_a_clear_error_and_writes_nothing(rt, session):
    product, *_ = _market(rt, session)
    before = session.scalar(select(func.count()).select_from(BuyboxDecision))
    with pytest.raises(InvalidInput, match="Unknown marketplace 'XX'"):
        featured_for(session, [product.asin], "XX", rt.clock.now())
    with pytest.raises(InvalidInput, match="Unknown marketplace"):
        explain(session, product.asin, "ZZ", rt.clock.now())
    with pytest.raises(NotFound, match="No product with ASIN 'B0NOSUCH00'"):
        explain(session, "B0NOSUCH00", "US", rt.clock.now())
    session.rollback()
    assert session.scalar(select(func.count()).select_from(BuyboxDecision)) == before


def test_sellers_see_featured_status_view_share_and_why_not(rt, session):
    product, cheap, dear, _, dear_offer = _market(rt, session)
    start = rt.clock.now()
    for minutes in (10, 20, 30):
        session.add(
            RecsEvent(
                kind=VIEW,
                marketplace="US",
                visitor="v1",
                asin=product.asin,
                at=start + timedelta(minutes=minutes),
            )
        )
    session.commit()
    rt.clock.advance(timedelta(hours=1))
    update_price(session, rt.clock, dear_offer, Money.parse("15.00", "USD"))
    session.add(
        RecsEvent(
            kind=VIEW,
            marketplace="US",
            visitor="v2",
            asin=product.asin,
            at=rt.clock.now() + timedelta(minutes=1),
        )
    )
    session.commit()
    rt.clock.advance(timedelta(minutes=5))
    (mine,) = seller_buybox(session, cheap.id, "US", rt.clock.now())
    assert not mine.featured_now and mine.views == 4 and mine.featured_views == 3
    assert mine.view_share == pytest.approx(0.75)
    assert "price $5.00 above lowest" in mine.verdict.reasons
    (theirs,) = seller_buybox(session, dear.id, "US", rt.clock.now())
    assert theirs.featured_now and theirs.view_share == pytest.approx(0.25)
    assert theirs.verdict.reasons == ()


def test_cli_explain_prints_the_documented_json(rt, session, tmp_path, monkeypatch):
    product, cheap, _, cheap_offer, _ = _market(rt, session)
    session.commit()
    monkeypatch.setenv("SOUK_DATABASE_URL", rt.settings.database_url)
    monkeypatch.setenv("SOUK_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        shown = runner.invoke(
            app, ["buybox", "explain", product.asin, "--marketplace", "US", "--json"]
        )
        assert shown.exit_code == 0, shown.output
        answer = json.loads(shown.output)
        assert answer["featured"] == {"seller_id": cheap.id, "sku": cheap_offer.sku}
        assert [o["eligible"] for o in answer["offers"]] == [True, True]
        assert answer["offers"][1]["reasons"] == ["price $4.00 above lowest"]
        text = runner.invoke(app, ["buybox", "explain", product.asin])
        assert text.exit_code == 0 and "score" in text.output and "featured:" in text.output
        unknown = runner.invoke(app, ["buybox", "explain", "B0NOSUCH00", "--marketplace", "US"])
        assert unknown.exit_code == 2 and "No product with ASIN" in unknown.output
        wrong = runner.invoke(app, ["buybox", "explain", product.asin, "--marketplace", "XX"])
        assert wrong.exit_code == 2 and "Unknown marketplace" in wrong.output
        recomputed = runner.invoke(app, ["buybox", "recompute", "--marketplace", "US"])
        assert recomputed.exit_code == 0 and "1 decisions stored" in recomputed.output
    finally:
        get_settings.cache_clear()
