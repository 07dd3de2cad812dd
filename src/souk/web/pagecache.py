"""A micro-cache of storefront pages for visitors who arrive without a session.

First visits, crawlers and links shared on the web make up most product-page
traffic, and for them a page depends only on its URL and language: nothing
personal has happened yet. Such pages are rendered once and served from memory
for a few seconds (``SOUK_PAGE_CACHE_SECONDS``); changes that buyers must see at
once (prices, stock, a suspended seller, reviews) purge the affected pages
through the outbox, so the time-to-live only bounds what no event announces.

What a render did for its visitor is redone for each visitor served from the
cache: fresh session tokens (the CSRF token inside the page is swapped for the
new one), and the product view is recorded through :class:`DeferredViews`, in
batches, so that a burst of visitors costs one insert instead of one
transaction each. Sponsored products are never part of a cached page: they are
sold per impression, so the product page fetches them as a fragment.

Signed-in buyers, guests with a cart or a history, searches (whose impressions
feed ranking) and anything but a ``200 text/html`` answer bypass the cache.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from souk.core.events import on

log = logging.getLogger(__name__)

#: Storefront pages that are the same for every first-time visitor.
CACHEABLE_PATH = re.compile(
    r"^/(?:|c/.+|dp/[A-Z0-9]{10}|dp/[A-Z0-9]{10}/offers|dp/[A-Z0-9]{10}/reviews|"
    r"bestsellers(?:/.*)?|stores/.+)$"
)
#: Session keys a first render may create: random tokens, regenerated per visitor.
TOKEN_KEYS = frozenset({"csrf_token", "visitor"})
REPLAY_KEY = "souk.page_replay"
_ASIN_TAG = "asin:"


@dataclass
class CachedPage:
    body: bytes
    headers: list[tuple[bytes, bytes]]
    tokens: dict[str, bytes]  # session key -> placeholder standing for it in ``body``
    replay: list[tuple[str, dict[str, Any]]]
    expires: float
    tags: frozenset[str] = field(default_factory=frozenset)


class PageCache:
    """Least-recently-used pages with a time-to-live, purgeable by tag."""

    def __init__(self, seconds: float, entries: int) -> None:
        self.seconds = seconds
        self.entries = entries
        self._pages: OrderedDict[tuple[str, ...], CachedPage] = OrderedDict()
        self._lock = threading.Lock()
        self._rendering: dict[tuple[str, ...], float] = {}
        self.hits = 0
        self.misses = 0
        _caches.add(self)

    @property
    def enabled(self) -> bool:
        return self.seconds > 0 and self.entries > 0

    def get(self, key: tuple[str, ...]) -> CachedPage | None:
        """The page for ``key``; an expired one only while another request renders it
        afresh, so that a popular page expiring costs one render, not one per visitor."""
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                self.misses += 1
                return None
            now = time.monotonic()
            renderer_since = self._rendering.get(key)
            if page.expires < now and (
                renderer_since is None or now - renderer_since > self.seconds
            ):
                self._rendering[key] = now
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return page

    def done_rendering(self, key: tuple[str, ...]) -> None:
        with self._lock:
            self._rendering.pop(key, None)

    def put(self, key: tuple[str, ...], page: CachedPage) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.entries:
                self._pages.popitem(last=False)

    def purge_key(self, key: tuple[str, ...]) -> None:
        with self._lock:
            self._pages.pop(key, None)

    def purge(self, tag: str | None = None) -> int:
        """Forget pages carrying ``tag`` (every page when ``tag`` is None)."""
        with self._lock:
            if tag is None:
                gone = len(self._pages)
                self._pages.clear()
                return gone
            keys = [k for k, page in self._pages.items() if tag in page.tags]
            for k in keys:
                del self._pages[k]
            return len(keys)


_caches: weakref.WeakSet[PageCache] = weakref.WeakSet()


def purge_everywhere(tag: str | None = None) -> None:
    for cache in list(_caches):
        cache.purge(tag)


def replay_on_cache_hit(scope_state: dict[str, Any], action: str, **payload: Any) -> None:
    """Ask for ``action`` to be redone for every visitor the cached page is served to."""
    scope_state.setdefault(REPLAY_KEY, []).append((action, payload))


Replayer = Callable[[dict[str, str], dict[str, Any]], None]


class AnonymousPageCache:
    """ASGI middleware; sits inside the session middleware so it sees the session."""

    def __init__(self, app: ASGIApp, cache: PageCache, replayers: dict[str, Replayer]) -> None:
        self.app = app
        self.cache = cache
        self.replayers = replayers
        # Pages with no copy that one request is rendering: the others wait for it.
        self._first_renders: dict[tuple[str, ...], asyncio.Event] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._cacheable(scope):
            await self.app(scope, receive, send)
            return
        key = self._key(scope)
        page = self.cache.get(key)
        if page is None and key in self._first_renders:
            page = await self._wait_for_first_render(key)
        if page is not None:
            await self._serve(scope, send, page)
            return
        rendered = self._first_renders.setdefault(key, asyncio.Event())
        try:
            await self._render_and_keep(scope, receive, send, key)
        finally:
            rendered.set()
            if self._first_renders.get(key) is rendered:
                del self._first_renders[key]

    async def _wait_for_first_render(self, key: tuple[str, ...]) -> CachedPage | None:
        """A page with no copy (new, purged, evicted) that many visitors ask for at once
        is rendered once: rendering it for each of them would make all of them wait
        for many renders sharing one interpreter. If that render is not for everyone
        after all, or takes too long, the caller renders its own."""
        try:
            await asyncio.wait_for(self._first_renders[key].wait(), timeout=self.cache.seconds)
        except TimeoutError:
            return None
        return self.cache.get(key)

    def _cacheable(self, scope: Scope) -> bool:
        return (
            self.cache.enabled
            and scope["type"] == "http"
            and scope["method"] == "GET"
            and not scope.get("session")
            and CACHEABLE_PATH.match(scope["path"]) is not None
        )

    @staticmethod
    def _key(scope: Scope) -> tuple[str, ...]:
        headers = dict(scope["headers"])
        language = headers.get(b"accept-language", b"").decode("latin-1")[:64]
        return (scope["path"], scope.get("query_string", b"").decode("latin-1"), language)

    async def _serve(self, scope: Scope, send: Send, page: CachedPage) -> None:
        session: dict[str, str] = scope["session"]
        body = page.body
        for name, placeholder in page.tokens.items():
            token = secrets.token_urlsafe(24 if name == "csrf_token" else 12)
            session[name] = token
            body = body.replace(placeholder, token.encode())
        for action, payload in page.replay:
            try:
                self.replayers[action](session, payload)
            except Exception:  # a lost view must not cost the buyer the page
                log.exception("could not replay %s for a cached page", action)
        headers = [*page.headers, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _render_and_keep(
        self, scope: Scope, receive: Receive, send: Send, key: tuple[str, ...]
    ) -> None:
        started: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, capture)
            page = self._cacheable_page(scope, started, b"".join(chunks))
            if page is not None:
                self.cache.put(key, page)
            else:
                self.cache.purge_key(key)  # what it became is not for everyone any more
        finally:
            self.cache.done_rendering(key)

    def _cacheable_page(self, scope: Scope, started: Message, body: bytes) -> CachedPage | None:
        if started.get("status") != 200:
            return None
        headers = [
            (k, v)
            for k, v in started.get("headers", [])
            if k.lower() not in (b"content-length", b"set-cookie")
        ]
        if not any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers):
            return None
        session = scope.get("session") or {}
        if not set(session) <= TOKEN_KEYS:
            return None  # the render remembered something personal
        tokens: dict[str, bytes] = {}
        for name, value in session.items():
            placeholder = f"\x00souk-{name}\x00".encode()
            body = body.replace(str(value).encode(), placeholder)
            tokens[name] = placeholder
        state = scope.get("state") or {}
        replay = list(state.get(REPLAY_KEY, []))
        tags = {f"{_ASIN_TAG}{payload['asin']}" for _, payload in replay if "asin" in payload}
        match = re.match(r"^/dp/([A-Z0-9]{10})", scope["path"])
        if match:
            tags.add(_ASIN_TAG + match.group(1))
        return CachedPage(
            body=body,
            headers=headers,
            tokens=tokens,
            replay=replay,
            expires=time.monotonic() + self.cache.seconds,
            tags=frozenset(tags),
        )


class DeferredViews:
    """Product views of first-time visitors, written in batches.

    ``flush_every`` seconds apart on a background thread, or at once when
    ``flush_every`` is 0 (tests, and processes without background work). A crash
    loses at most one interval of views; views are analytics, not money.
    """

    def __init__(self, write: Callable[[list[tuple[str, str, str, datetime]]], None]) -> None:
        self._write = write
        self._pending: list[tuple[str, str, str, datetime]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, flush_every: float) -> None:
        self._thread = threading.Thread(
            target=self._run, args=(flush_every,), daemon=True, name="souk-views"
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.flush()

    def add(self, visitor: str, marketplace: str, asin: str, at: datetime) -> None:
        with self._lock:
            self._pending.append((visitor, marketplace, asin, at))
        if self._thread is None:
            self.flush()

    #: Views written per transaction: a burst of first visits must not hold the
    #: database's write lock so long that a buyer's own write times out behind it.
    CHUNK = 500

    def flush(self) -> int:
        with self._lock:
            batch, self._pending = self._pending, []
        for start in range(0, len(batch), self.CHUNK):
            self._write(batch[start : start + self.CHUNK])
        return len(batch)

    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            try:
                self.flush()
            except Exception:
                log.exception("could not record product views")


# Changes buyers must see at once purge the pages that show them, in every
# web process that delivers the event; the time-to-live covers the rest.
@on("offer.changed")
@on("product.merged")
def _purge_product(session: Any, event: Any) -> None:
    asin = (event.payload or {}).get("asin") or event.subject
    purge_everywhere(f"{_ASIN_TAG}{asin}" if asin else None)


# A review shows on every page of its variation family; a seller's status on
# every page the seller sells on. Both are rare: forget everything.
@on("review.changed")
@on("seller.status_changed")
def _purge_all(session: Any, event: Any) -> None:
    purge_everywhere()
