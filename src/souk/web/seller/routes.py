"""Seller Central: registration, dashboard, inventory, catalog, orders."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.core.errors import SoukError
from souk.core.money import Money
from souk.core.policy import default_policy
from souk.orders import rules as order_rules
from souk.orders.service import seller_orders
from souk.sellers.rules import PLANS
from souk.sellers.service import register_seller
from souk.web.deps import (
    SellerContext,
    check_csrf,
    current_marketplace,
    db,
    read_db,
    runtime,
    seller_context,
)
from souk.web.pages import field_errors, form_values, render
from souk.web.seller import (
    advertising,
    bulk_upload,
    catalog,
    global_selling,
    inventory,
    messages,
    orders,
    packing_slip,
    reports,
    settings,
)
from souk.web.seller.dashboard_chart import sales_chart
from souk.web.seller.onboarding import onboarding_steps
from souk.web.seller.queries import listings, orders_to_ship

router = APIRouter()
# Sales figures on the dashboard cover these spans, in days.
SALES_SPANS = (7, 30)
TO_SHIP = (order_rules.UNSHIPPED, order_rules.PARTIALLY_SHIPPED)


@router.get("/register", response_class=HTMLResponse)
def register_form(request: Request) -> HTMLResponse:
    return render(request, "seller/register.html", plans=PLANS, values={"plan": "professional"})


@router.post("/register", dependencies=[Depends(check_csrf)])
async def register(request: Request, session: Session = Depends(db)) -> Response:
    values = await form_values(request)
    try:
        seller, _ = register_seller(
            session,
            runtime(request).clock,
            business_name=values.get("business_name", ""),
            email=values.get("email", ""),
            country=values.get("country", ""),
            plan=values.get("plan", ""),
            password=values.get("password", ""),
            owner_name=values.get("owner_name", ""),
        )
    except SoukError as error:
        if error.status not in (400, 409):
            raise
        session.rollback()
        values.pop("password", None)
        return render(
            request,
            "seller/register.html",
            status_code=400,
            plans=PLANS,
            errors=field_errors(error),
            values=values,
        )
    user = session.scalar(select(User).where(User.email == seller.email))
    assert user is not None
    request.session.pop("cart_tokens", None)
    request.session["user_id"] = user.id
    request.session["seller_id"] = seller.id
    # A new account matching a deactivated seller's device or identity is held.
    from souk.web.storefront.seller_signals import remember_device, screen_registration

    screen_registration(request, session, seller.id)
    return remember_device(request, RedirectResponse("/seller?welcome=1", status_code=303))


@router.get("", response_class=HTMLResponse)
@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def dashboard(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    market = current_marketplace(request)
    now = runtime(request).clock.now()
    sales = []
    for days in SALES_SPANS:
        placed = seller_orders(
            session,
            ctx.seller.id,
            marketplace=market.code,
            created_after=now - timedelta(days=days),
            limit=100_000,
        )
        counted = [o for o in placed if o.status != order_rules.CANCELED]
        total = sum((o.total_minor for o in counted), 0)
        sales.append((days, len(counted), Money(market.currency, total)))
    active, empty = listings(session, ctx.seller.id, market.code)
    return render(
        request,
        "seller/dashboard.html",
        ctx=ctx,
        section="home",
        to_ship=orders_to_ship(session, ctx.seller.id, TO_SHIP),
        sales=sales,
        active_listings=active,
        empty_listings=empty,
        onboarding=onboarding_steps(session, ctx.seller),
        chart=sales_chart(
            session,
            ctx.seller.id,
            market,
            now.astimezone(market.zone).date(),
            default_policy().for_marketplace(market.code).seller_central.chart_days,
        ),
    )


router.include_router(inventory.router)
router.include_router(catalog.router)
router.include_router(orders.router)
router.include_router(advertising.router)
router.include_router(messages.router)
for part in (bulk_upload, packing_slip, reports, settings):
    router.include_router(part.router)
router.include_router(global_selling.router)
