"""Marketplace identifiers: ASIN-style products, order numbers, seller ids."""

from __future__ import annotations

import re
import secrets
import string

_UPPER_DIGITS = string.ascii_uppercase + string.digits

ASIN_RE = re.compile(r"^B0[A-Z0-9]{8}$")
ORDER_ID_RE = re.compile(r"^\d{3}-\d{7}-\d{7}$")
SELLER_ID_RE = re.compile(r"^A[A-Z0-9]{12,13}$")


def _pick(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_asin() -> str:
    """A product id: ``B0`` and eight upper-case letters or digits."""
    return "B0" + _pick(_UPPER_DIGITS, 8)


def new_order_id() -> str:
    """An order number in the ``NNN-NNNNNNN-NNNNNNN`` form."""
    return f"{_pick(string.digits, 3)}-{_pick(string.digits, 7)}-{_pick(string.digits, 7)}"


def new_seller_id() -> str:
    """A seller (merchant) id: ``A`` and thirteen upper-case letters or digits."""
    return "A" + _pick(_UPPER_DIGITS, 13)


def new_token(nbytes: int = 32) -> str:
    """An unguessable URL-safe secret."""
    return secrets.token_urlsafe(nbytes)


def is_asin(value: str) -> bool:
    return bool(ASIN_RE.match(value))


def is_order_id(value: str) -> bool:
    return bool(ORDER_ID_RE.match(value))


def is_seller_id(value: str) -> bool:
    return bool(SELLER_ID_RE.match(value))
