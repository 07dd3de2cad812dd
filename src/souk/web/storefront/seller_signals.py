"""Sign-in and registration signals for linked-account detection: a long-lived
device cookie and the client's IP address, recorded for people who work for
sellers."""

from __future__ import annotations

import secrets

from fastapi import Request, Response
from sqlalchemy.orm import Session

from souk.policy.service import record_sign_in, screen_new_seller
from souk.web.deps import runtime

DEVICE_COOKIE = "souk_device"
DEVICE_MAX_AGE = 60 * 60 * 24 * 365 * 2


def device_id(request: Request) -> str:
    """The browser's device id: the cookie's, or a new one (set by :func:`remember_device`)."""
    existing = request.cookies.get(DEVICE_COOKIE, "")
    if 16 <= len(existing) <= 64 and existing.replace("-", "").replace("_", "").isalnum():
        return existing
    known = getattr(request.state, "souk_device", None)
    if known:
        return str(known)
    fresh = secrets.token_urlsafe(24)
    request.state.souk_device = fresh
    return fresh


def remember_device(request: Request, response: Response) -> Response:
    response.set_cookie(
        DEVICE_COOKIE,
        device_id(request),
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        samesite="lax",
    )
    return response


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def record_seller_sign_in(request: Request, session: Session, user_id: int) -> None:
    """Keep the device and IP of a seller's person signing in (a no-op for buyers)."""
    if record_sign_in(
        session,
        runtime(request).clock,
        user_id=user_id,
        device_id=device_id(request),
        ip=client_ip(request),
    ):
        session.commit()


def screen_registration(request: Request, session: Session, seller_id: str) -> bool:
    """At registration: record signals and hold the account when it matches a
    deactivated seller. True when held."""
    held = screen_new_seller(
        session,
        runtime(request).clock,
        seller_id,
        device_id=device_id(request),
        ip=client_ip(request),
    )
    return held is not None
