"""What every web handler may ask for: the runtime, a session, the signed-in
user, the marketplace being browsed, and CSRF checks for forms."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.accounts.service import user_for_token
from souk.core.errors import Forbidden, Unauthenticated
from souk.core.runtime import Runtime
from souk.marketplaces.rules import MARKETPLACES, Marketplace
from souk.sellers.models import Seller
from souk.sellers.service import memberships

CSRF_FIELD = "csrf_token"
#: The session key of a signed-out visitor's random id.
GUEST_KEY = "visitor"


def runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


async def _session(request: Request, *, read_only: bool) -> AsyncIterator[Session]:
    # Async so that FastAPI need not hop to a worker thread to open and close it:
    # making a Session does no I/O, and closing one only talks to the database
    # when a transaction is still open (then it goes to a thread).
    rt = runtime(request)
    if rt.engine.dialect.name == "sqlite":
        # Readers and writers need different transactions on SQLite (writers lock).
        session = (rt.read_sessions if read_only else rt.sessions)()
        if read_only:
            # The page frame (pages.render) reads through it too: one connection a request.
            request.state.souk_read_session = session
    else:
        # Elsewhere one session, and so one connection, serves the whole request.
        shared = getattr(request.state, "souk_session", None)
        if shared is not None:
            yield shared
            return
        session = rt.sessions()
        request.state.souk_session = session
    try:
        yield session
    finally:
        request.state.souk_session = None
        request.state.souk_read_session = None
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


async def db(request: Request) -> AsyncIterator[Session]:
    """A session for a use case; the use case commits."""
    async for session in _session(request, read_only=False):
        yield session


async def read_db(request: Request) -> AsyncIterator[Session]:
    """A session for pages that only read (on SQLite it never waits on writers)."""
    async for session in _session(request, read_only=True):
        yield session


def current_marketplace(request: Request) -> Marketplace:
    code = request.session.get("marketplace") or "US"
    return MARKETPLACES.get(code, MARKETPLACES["US"])


def optional_user(request: Request, session: Session = Depends(read_db)) -> User | None:
    user_id = request.session.get("user_id")
    if user_id is None:
        return None
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        request.session.pop("user_id", None)
        return None
    return user


class LoginRequired(Exception):
    """Raised by page handlers; the app answers with a redirect to sign-in."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


def signed_in_user(request: Request, user: User | None = Depends(optional_user)) -> User:
    if user is None:
        raise LoginRequired(str(request.url.path))
    return user


def staff_user(user: User = Depends(signed_in_user)) -> User:
    if not user.is_staff:
        raise Forbidden("This page is for souk staff.")
    return user


@dataclass(frozen=True)
class SellerContext:
    user: User
    seller: Seller
    role: str


def seller_context(
    request: Request, user: User = Depends(signed_in_user), session: Session = Depends(read_db)
) -> SellerContext:
    """The seller account this user is working in (the first one, or the one chosen)."""
    accounts = memberships(session, user.id)
    if not accounts:
        raise Forbidden("This account does not sell on souk yet. Register as a seller first.")
    chosen = request.session.get("seller_id")
    for seller, role in accounts:
        if seller.id == chosen:
            return SellerContext(user, seller, role)
    seller, role = accounts[0]
    return SellerContext(user, seller, role)


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(24)
        request.session[CSRF_FIELD] = token
    return str(token)


def guest_token(request: Request) -> str:
    """A signed-out visitor's random id, kept in the signed session cookie and created
    on first use. Browsing history, recommendations and the ad auction's click guard
    share it: a second id, created later by a background fetch, would rewrite the
    cookie behind the page and could undo what the visitor just chose."""
    token = request.session.get(GUEST_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(12)
        request.session[GUEST_KEY] = token
    return token


async def check_csrf(request: Request) -> None:
    """Every form post carries the session's CSRF token."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = request.session.get(CSRF_FIELD)
    if not expected or not isinstance(sent, str) or not secrets.compare_digest(sent, expected):
        raise Forbidden(
            "The form expired or did not come from souk. Reload the page and try again."
        )


def api_user(
    request: Request,
    authorization: str | None = Header(default=None),
    session: Session = Depends(read_db),
) -> User:
    """The API caller, from ``Authorization: Bearer <token>``."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthenticated("Send an access token as 'Authorization: Bearer <token>'.")
    return user_for_token(session, authorization.split(" ", 1)[1].strip())
