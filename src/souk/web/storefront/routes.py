"""The storefront: browsing, cart, checkout, orders and buyer accounts."""

from fastapi import APIRouter

from souk.web.storefront import (
    account,
    bestsellers,
    browse,
    cart,
    checkout,
    messages,
    orders,
    preferences,
    recs,
    search,
    sponsored,
    stores,
)

router = APIRouter()
# Checkout before orders: "/orders/placed" must not be read as an order id.
for part in (browse, cart, checkout, orders, account):
    router.include_router(part.router)
router.include_router(search.router)
router.include_router(bestsellers.router)
router.include_router(sponsored.router)
router.include_router(stores.router)
router.include_router(messages.router)
router.include_router(recs.router)
router.include_router(preferences.router)
