"""What the API handlers share: documented error answers, the seller account a
caller works for, and reading marketplace codes and amounts from requests."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Header
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.core.errors import Forbidden, InvalidInput
from souk.core.money import Money, exponent
from souk.marketplaces.rules import MARKETPLACES
from souk.sellers.service import memberships, require_permission
from souk.web.api.schemas import ErrorBody
from souk.web.deps import api_user, read_db

_DESCRIPTIONS = {
    400: "Invalid input: a missing or malformed field, or a value the marketplace refuses.",
    401: "No access token, or an unknown or revoked one.",
    402: "The payment was declined.",
    403: "The account may not do this (not a seller, or the role does not allow it).",
    404: "Not found (also anything that belongs to someone else).",
    405: "The path exists but not with this method.",
    409: "The current state does not allow this (out of stock, already shipped...).",
}

# Plain decimals only: no exponents, signs other than minus, or thousands separators.
_PLAIN_DECIMAL = re.compile(r"^-?\d{1,12}(\.\d{1,6})?$")


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for a route: 400 always, plus ``statuses``."""
    return {
        status: {"model": ErrorBody, "description": _DESCRIPTIONS[status]}
        for status in sorted({400, *statuses})
    }


def marketplace_code(code: str) -> str:
    """A known marketplace code (``US``, ``DE``...), or a 400 naming the field."""
    cleaned = code.strip().upper()
    if cleaned not in MARKETPLACES:
        raise InvalidInput(
            f"Unknown marketplace {code!r}; use one of {', '.join(MARKETPLACES)}.",
            field="marketplace",
        )
    return cleaned


def currency_for(marketplace: str, given: str | None) -> str:
    """The currency a request's amounts are in: the one given, else the marketplace's.
    Whether it fits the marketplace is the offer service's decision."""
    currency = given.strip().upper() if given else MARKETPLACES[marketplace].currency
    try:
        exponent(currency)
    except ValueError:
        raise InvalidInput(f"Unknown currency {given!r}.", field="currency") from None
    return currency


def parse_amount(text: str, currency: str, field: str) -> Money:
    """An amount such as ``"19.99"`` in ``currency``; anything else is a 400 on ``field``."""
    if not _PLAIN_DECIMAL.match(text.strip()):
        raise InvalidInput(f"{text!r} is not an amount; write it like 19.99.", field=field)
    try:
        return Money.parse(text, currency)
    except ValueError as error:
        raise InvalidInput(f"{error}.", field=field) from None


@dataclass(frozen=True)
class SellerAccount:
    """The seller a caller works for, checked for one permission."""

    user_id: int
    seller_id: str


def seller_account(permission: str) -> Callable[..., SellerAccount]:
    """A dependency: the caller's seller account, if their role allows ``permission``."""

    def dependency(
        user: User = Depends(api_user),
        session: Session = Depends(read_db),
        seller_id: str | None = Header(
            default=None,
            alias="X-Seller-Id",
            max_length=20,
            description="Which seller account to act for; the first one when left out.",
        ),
    ) -> SellerAccount:
        if seller_id is None:
            accounts = memberships(session, user.id)
            if not accounts:
                raise Forbidden("This account does not sell on souk.")
            seller_id = accounts[0][0].id
        seller = require_permission(session, user.id, seller_id, permission)
        return SellerAccount(user.id, seller.id)

    return dependency
