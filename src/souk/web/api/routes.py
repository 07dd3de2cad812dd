"""The JSON API under /api/v1: catalog, cart, checkout and orders for buyers;
offers, stock and shipments for sellers. Handlers translate HTTP to service
calls; the services decide."""

from __future__ import annotations

from fastapi import APIRouter

from souk.web.api import addresses, auth, cart, catalog, checkout, orders, seller

router = APIRouter()
# Checkout first: every request is matched against the routes ahead of its own, and
# checkout is the busiest write. No two areas share a path, so order changes nothing else.
for area in (checkout, cart, catalog, orders, addresses, auth, seller):
    router.include_router(area.router)
