"""Product titles in the reader's language on every storefront listing.

Templates write ``{{ title_of(product) }}`` (or an order or cart line: anything
with ``asin`` and ``title``). The first call on a page looks up, in one query,
the translated titles of every product the request has loaded so far (the
objects in its database session) plus any a handler announced with
:func:`expect_titles`; later tiles are answered from that. A product without a
title in the reader's language keeps the catalog's own.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext
from typing import Any, Protocol

from fastapi import Request
from jinja2 import pass_context
from jinja2.runtime import Context
from sqlalchemy.orm import Session

from souk.globalselling.rules import language_of
from souk.globalselling.service import CATALOG_LANGUAGE
from souk.web.deps import runtime
from souk.web.pages import ENV
from souk.web.storefront.queries import product_titles

_FOUND = "souk_titles"  # request.state: {language: {asin: translated title or ""}}
_HINTS = "souk_title_hints"  # request.state: asins a handler will list


class Titled(Protocol):
    asin: str
    title: str


def expect_titles(request: Request, asins: Iterable[str]) -> None:
    """Announce the products a page will list when they were not loaded through the
    request's own session (e.g. read once per request and detached)."""
    hints: set[str] = getattr(request.state, _HINTS, None) or set()
    hints.update(asins)
    setattr(request.state, _HINTS, hints)


def _request_sessions(request: Request) -> list[Session]:
    found = []
    for name in ("souk_read_session", "souk_session"):
        session = getattr(request.state, name, None)
        if isinstance(session, Session):
            found.append(session)
    return found


def _loaded_asins(sessions: list[Session]) -> set[str]:
    """Products named by anything the request's sessions hold (products, offers,
    order and cart lines)."""
    asins = set()
    for session in sessions:
        for thing in list(session.identity_map.values()):
            asin = getattr(thing, "asin", None)
            if isinstance(asin, str):
                asins.add(asin)
    return asins


def translated_title(request: Request, language: str, asin: str) -> str | None:
    """The product's title in ``language``, or None to keep the catalog's."""
    language = language_of(language)
    if language == CATALOG_LANGUAGE:
        return None
    found: dict[str, dict[str, str]] = getattr(request.state, _FOUND, None) or {}
    known = found.setdefault(language, {})
    if asin not in known:
        sessions = _request_sessions(request)
        wanted = {asin} | _loaded_asins(sessions) | (getattr(request.state, _HINTS, None) or set())
        wanted -= known.keys()
        shared = sessions[0] if sessions else None
        with nullcontext(shared) if shared else runtime(request).read_sessions() as session:
            titles = product_titles(session, wanted, language)
        known.update({a: titles.get(a, "") for a in wanted})
        setattr(request.state, _FOUND, found)
    return known[asin] or None


@pass_context
def title_of(context: Context, thing: Titled | Any) -> str:
    """A listing's product title in the page's language, else the catalog's own."""
    own = str(thing.title)
    request = context.get("request")
    language = context.get("language")
    if request is None or not language:
        return own
    return translated_title(request, str(language), str(thing.asin)) or own


ENV.globals["title_of"] = title_of
