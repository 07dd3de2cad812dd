"""Featured-offer (Buy Box) percentage in the business report, from hand-made page
views and Buy Box history, on both databases."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from souk.analytics import rules, service
from souk.buybox.models import BuyboxHistory
from souk.core.clock import utc
from souk.recs.models import VIEW, RecsEvent
from souk.web.app import create_app
from tests import factories as f
from tests.web.conftest import Browser

DAY = date(2026, 3, 2)


def _history(session, asin: str, at: datetime, offer_id: int, *, suppressed: bool = False):  # type: ignore[no-untyped-def]
    session.add(
        BuyboxHistory(
            asin=asin,
            marketplace="US",
            valid_from=at,
            suppressed=suppressed,
            candidates=[[offer_id, 1.0]],
        )
    )


def _view(session, asin: str, at: datetime, visitor: str) -> None:  # type: ignore[no-untyped-def]
    session.add(RecsEvent(kind=VIEW, marketplace="US", visitor=visitor, asin=asin, at=at))


@pytest.fixture
def shared_box(rt, session):  # type: ignore[no-untyped-def]
    """A kettle two sellers offer; the box is ours, then the rival's, then suppressed."""
    rt.clock.set(utc(2026, 3, 1, 12))
    seller = f.seller(session, rt.clock, name="Kettle House")
    rival = f.seller(session, rt.clock, name="Other Shop")
    kettle = f.product(session, rt.clock, title="Acme Steel Kettle")
    theirs_only = f.product(session, rt.clock, title="Rival Teapot")
    mine = f.offer(session, rt.clock, seller_id=seller.id, asin=kettle.asin, price="20.00")
    other = f.offer(session, rt.clock, seller_id=rival.id, asin=kettle.asin, price="19.00")
    teapot = f.offer(session, rt.clock, seller_id=rival.id, asin=theirs_only.asin, price="9.00")
    session.commit()
    # Only the hand-made history counts, whatever the offers' creation recorded.
    session.execute(delete(BuyboxHistory))
    _history(session, kettle.asin, utc(2026, 3, 2, 14), mine.id)
    _history(session, kettle.asin, utc(2026, 3, 2, 16), other.id)
    _history(session, kettle.asin, utc(2026, 3, 3, 18), mine.id, suppressed=True)
    _history(session, theirs_only.asin, utc(2026, 3, 2, 0), teapot.id)
    _view(session, kettle.asin, utc(2026, 3, 2, 13), "early")  # before any decision: not ours
    for n, hour in enumerate((14, 15, 15)):
        _view(session, kettle.asin, utc(2026, 3, 2, hour, 30), f"v{n}")
    _view(session, kettle.asin, utc(2026, 3, 2, 16, 30), "v9")  # the rival's
    _view(session, kettle.asin, utc(2026, 3, 3, 19), "v1")  # suppressed: nobody's
    _view(session, theirs_only.asin, utc(2026, 3, 2, 15), "v1")
    session.commit()
    rt.clock.set(utc(2026, 3, 5, 12))
    return seller, kettle, theirs_only, rival


def test_featured_offer_percentage_rule() -> None:
    assert rules.featured_offer_percentage(3, 4) == 75.0
    assert rules.featured_offer_percentage(0, 4) == 0.0
    assert rules.featured_offer_percentage(0, 0) is None


def test_share_of_views_that_featured_the_sellers_offer(rt, session, shared_box) -> None:  # type: ignore[no-untyped-def]
    seller, kettle, _, _ = shared_box
    report = service.business_report(session, seller.id, "US", DAY, DAY)
    (day,) = report.by_day
    # 13:00 UTC is 08:00 in New York: the early view is on the same day, and not ours.
    assert (day.page_views, day.featured_views) == (5, 3)
    assert day.featured_offer_percentage == 60.0
    report = service.business_report(session, seller.id, "US", DAY, DAY + timedelta(days=1))
    assert [d.featured_offer_percentage for d in report.by_day] == [60.0, 0.0]
    # Only the seller's own products, never the rival's teapot.
    assert [p.key for p in report.by_product] == [kettle.asin]
    assert report.by_product[0].featured_views == 3
    assert report.featured_offer_percentage == 50.0


def test_three_of_four_views_featured_is_75_percent(rt, session, shared_box) -> None:  # type: ignore[no-untyped-def]
    seller, kettle, _, rival = shared_box
    session.execute(delete(RecsEvent).where(RecsEvent.visitor.in_(["early", "v1"])))
    _view(session, kettle.asin, utc(2026, 3, 2, 15, 45), "v1")
    session.commit()
    report = service.business_report(session, seller.id, "US", DAY, DAY)
    assert report.by_day[0].featured_offer_percentage == 75.0
    assert report.by_product[0].featured_offer_percentage == 75.0
    # The rival sees the other side of the same views.
    theirs = service.business_report(session, rival.id, "US", DAY, DAY)
    assert theirs.by_product[0].key == kettle.asin or theirs.by_product[1].key == kettle.asin
    assert {p.key: p.featured_offer_percentage for p in theirs.by_product}[kettle.asin] == 25.0


def test_report_page_chart_and_csv_show_the_percentage(rt, session, shared_box) -> None:  # type: ignore[no-untyped-def]
    seller, kettle, _, _ = shared_box
    with TestClient(create_app(rt, background=False)) as client:
        web = Browser(client)
        web.sign_in(seller.email)
        page = web.get("/seller/analytics?from=2026-03-02&to=2026-03-03&chart=featured")
        assert page.status_code == 200, page.text[-500:]
        assert "Featured offer (Buy Box) %" in page.text and "<svg" in page.text
        assert "60.0%" in page.text and "50.0%" in page.text
        bad = web.get("/seller/analytics?from=2026-03-02&to=2026-03-03&chart=pie")
        assert bad.status_code == 400 and "Choose what the chart shows" in bad.text
        by_day = web.get("/seller/analytics/report.csv?from=2026-03-02&to=2026-03-03&by=day")
        lines = by_day.text.strip().splitlines()
        assert lines[0].endswith("unit_session_percentage,featured_offer_percentage")
        assert lines[1].startswith("2026-03-02,") and lines[1].endswith(",60.0")
        assert lines[2].endswith(",0.0")
        by_product = web.get(
            "/seller/analytics/report.csv?from=2026-03-02&to=2026-03-03&by=product"
        )
        rows = by_product.text.strip().splitlines()
        assert len(rows) == 2 and rows[1].startswith(kettle.asin) and rows[1].endswith(",50.0")
