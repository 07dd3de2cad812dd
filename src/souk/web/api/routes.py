"""The JSON API under /api/v1: catalog, cart, checkout and orders for buyers;
offers, stock and shipments for sellers. Handlers translate HTTP to service
calls; the services decide."""

from __future__ import annotations

from fastapi import APIRouter

from souk.web.api import addresses, auth, cart, catalog, checkout, orders, seller

router = APIRouter()
for area in (auth, catalog, addresses, cart, checkout, orders, seller):
    router.include_router(area.router)
