"""The page cache for visitors without a session: served from memory, yet each
visitor gets their own session, CSRF token and recorded view, and changes that
buyers must see at once are never hidden behind it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from souk.core.config import Settings
from souk.core.money import Money
from souk.core.runtime import Runtime
from souk.offers.models import Offer
from souk.offers.service import update_price
from souk.recs.models import BrowsingHistory, RecsEvent
from souk.web.app import create_app
from tests import factories as f

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def cached_rt(rt: Runtime) -> Runtime:
    settings: Settings = rt.settings.model_copy(update={"page_cache_seconds": 60.0})
    rt.settings = settings
    return rt


@pytest.fixture
def app_client(cached_rt: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(cached_rt, background=False)) as client:
        yield client


@pytest.fixture
def kettle(cached_rt: Runtime) -> dict[str, object]:
    with cached_rt.sessions() as session:
        seller = f.seller(session, cached_rt.clock)
        product = f.product(session, cached_rt.clock, title="Acme Steel Kettle 1.7 l")
        offer = f.offer(session, cached_rt.clock, seller_id=seller.id, asin=product.asin)
        session.commit()
        return {"asin": product.asin, "offer_id": offer.id}


def _first_visit(client: TestClient, url: str):  # type: ignore[no-untyped-def]
    client.cookies.clear()
    return client.get(url)


def _cache(client: TestClient):  # type: ignore[no-untyped-def]
    return client.app.state.page_cache  # type: ignore[attr-defined]


def test_second_first_time_visitor_is_served_from_the_cache_with_own_tokens(
    cached_rt, app_client, kettle
):
    url = f"/dp/{kettle['asin']}"
    one = _first_visit(app_client, url)
    first_cookie = app_client.cookies.get("souk_session")
    two = _first_visit(app_client, url)
    second_cookie = app_client.cookies.get("souk_session")
    assert one.status_code == two.status_code == 200
    assert _cache(app_client).hits == 1
    assert first_cookie and second_cookie and first_cookie != second_cookie
    token_one, token_two = _CSRF.search(one.text).group(1), _CSRF.search(two.text).group(1)
    assert token_one != token_two
    assert "\x00souk-" not in two.text  # no placeholder leaks into a page
    # The cached page's form works for the visitor it was served to.
    added = app_client.post(
        "/cart/add",
        data={"csrf_token": token_two, "offer_id": kettle["offer_id"], "quantity": 1},
        follow_redirects=False,
    )
    assert added.status_code == 303
    # A token from someone else's copy of the page does not.
    refused = app_client.post(
        "/cart/add",
        data={"csrf_token": token_one, "offer_id": kettle["offer_id"], "quantity": 1},
        follow_redirects=False,
    )
    assert refused.status_code == 403


def test_every_visitor_served_from_the_cache_has_the_view_recorded(cached_rt, app_client, kettle):
    url = f"/dp/{kettle['asin']}"
    for _ in range(3):
        assert _first_visit(app_client, url).status_code == 200
    assert _cache(app_client).hits == 2
    app_client.app.state.deferred_views.flush()  # type: ignore[attr-defined]
    with cached_rt.sessions() as session:
        views = session.scalar(
            select(func.count()).select_from(RecsEvent).where(RecsEvent.asin == kettle["asin"])
        )
        visitors = session.scalars(
            select(BrowsingHistory.visitor).where(BrowsingHistory.asin == kettle["asin"])
        ).all()
    assert views == 3
    assert len(set(visitors)) == 3


def test_a_price_change_is_shown_at_once(cached_rt, app_client, kettle):
    url = f"/dp/{kettle['asin']}"
    assert "19.99" in _first_visit(app_client, url).text
    with cached_rt.sessions() as session:
        offer = session.get(Offer, kettle["offer_id"])
        update_price(session, cached_rt.clock, offer, Money.parse("17.49", "USD"))
        session.commit()
    page = _first_visit(app_client, url).text
    assert "17.49" in page and "19.99" not in page


def test_visitors_with_a_session_searches_and_errors_bypass_the_cache(
    cached_rt, app_client, kettle
):
    url = f"/dp/{kettle['asin']}"
    _first_visit(app_client, url)  # now this client has a session cookie
    app_client.get(url)
    app_client.get(url)
    assert _cache(app_client).hits == 0
    for _ in range(2):
        _first_visit(app_client, "/s?k=kettle")
        _first_visit(app_client, "/dp/B0NOTHERE0")
    assert _cache(app_client).hits == 0


def test_an_expired_page_is_rendered_once_while_others_get_the_last_copy(cached_rt, kettle):
    from souk.web.pagecache import CachedPage, PageCache

    cache = PageCache(seconds=5, entries=10)
    key = ("/dp/X", "", "")
    cache.put(key, CachedPage(b"old", [], {}, [], expires=0.0))
    assert cache.get(key) is None  # this request renders the page afresh
    assert cache.get(key).body == b"old"  # meanwhile others get the last copy
    cache.done_rendering(key)
    assert cache.get(key) is None  # nobody is rendering: the next request does


def test_the_cache_is_off_when_its_time_to_live_is_zero(rt, kettle):
    rt.settings = rt.settings.model_copy(update={"page_cache_seconds": 0.0})
    with TestClient(create_app(rt, background=False)) as client:
        for _ in range(3):
            _first_visit(client, f"/dp/{kettle['asin']}")
        assert _cache(client).hits == 0


def test_many_first_visitors_to_a_page_with_no_copy_wait_for_one_render() -> None:
    import asyncio

    from souk.web.pagecache import AnonymousPageCache, PageCache

    renders = 0

    async def storefront(scope, receive, send):  # type: ignore[no-untyped-def]
        nonlocal renders
        renders += 1
        await asyncio.sleep(0.05)  # the render takes a while; visitors keep coming
        status = 200 if scope["path"] != "/dp/MISSING000" else 404
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"<p>kettle</p>"})

    middleware = AnonymousPageCache(storefront, PageCache(seconds=5, entries=10), {})

    async def visit(path: str) -> tuple[int, bytes]:
        sent: list[dict] = []  # type: ignore[type-arg]

        async def send(message):  # type: ignore[no-untyped-def]
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": path, "query_string": b"",
                 "headers": [], "session": {}}  # fmt: skip
        await middleware(scope, None, send)  # type: ignore[arg-type]
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

    async def crowd(path: str) -> list[tuple[int, bytes]]:
        return await asyncio.gather(*(visit(path) for _ in range(10)))

    answers = asyncio.run(crowd("/dp/B000KETTLE"))
    assert renders == 1
    assert answers == [(200, b"<p>kettle</p>")] * 10
    # A page that is not for everyone (here a 404) is rendered for each visitor.
    renders = 0
    assert [status for status, _ in asyncio.run(crowd("/dp/MISSING000"))] == [404] * 10
    assert renders == 10


def test_a_burst_of_first_views_is_written_in_short_transactions() -> None:
    from datetime import UTC, datetime

    from souk.web.pagecache import DeferredViews

    written: list[int] = []
    views = DeferredViews(lambda batch: written.append(len(batch)))
    views.start(flush_every=3600)  # flushed by hand below
    try:
        at = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
        for n in range(DeferredViews.CHUNK * 2 + 7):
            views.add(f"v{n}", "US", "B000KETTLE", at)
        assert views.flush() == DeferredViews.CHUNK * 2 + 7
    finally:
        views.stop()
    assert written == [DeferredViews.CHUNK, DeferredViews.CHUNK, 7]
