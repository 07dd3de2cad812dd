"""The seller API: SP-API paths, parameters and envelopes over souk's capabilities,
so existing SP-API clients work by changing only the endpoint and credentials.

One module per API; ``common`` holds authentication, usage plans and the error
envelope; ``documents`` the pre-signed report and feed document addresses."""

from __future__ import annotations

from fastapi import APIRouter

from souk.web.spapi import (
    auth,
    catalog,
    documents,
    feeds,
    fees,
    inventory,
    listings,
    messaging,
    notifications,
    orders,
    pricing,
    reports,
    sellers,
    solicitations,
)

router = APIRouter()
for module in (
    auth,
    orders,
    catalog,
    listings,
    pricing,
    fees,
    inventory,
    sellers,
    messaging,
    solicitations,
    documents,
    reports,
    feeds,
    notifications,
):
    router.include_router(module.router)
