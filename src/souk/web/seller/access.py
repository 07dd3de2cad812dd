"""Which Seller Central sections a seller user's role opens."""

from __future__ import annotations

from souk.core.errors import Forbidden
from souk.sellers.rules import may
from souk.web.deps import SellerContext


def require(ctx: SellerContext, permission: str) -> None:
    if not may(ctx.role, permission):
        raise Forbidden(f"Your role ({ctx.role}) does not allow {permission}.")
