"""Seller Central settings: store profile and defaults, holiday mode, users and roles."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.core.errors import InvalidInput, SoukError
from souk.core.policy import default_policy
from souk.sellers.rules import ROLES
from souk.sellers.service import (
    add_seller_user,
    seller_users,
    set_holiday,
    update_store_settings,
)
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
from souk.web.seller.access import require
from souk.web.storefront.cart import whole_number

router = APIRouter()

ROLE_NAMES = {
    "admin": "Admin: everything, including users and settings",
    "inventory": "Inventory: listings, prices, stock and reports",
    "orders": "Orders only: ship and cancel orders",
}


def _max_handling(request: Request) -> int:
    return (
        default_policy()
        .for_marketplace(current_marketplace(request).code)
        .shipping.max_handling_days
    )


def settings_page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    seller = ctx.seller
    defaults = {
        "default_handling_days": str(seller.default_handling_days),
        "about": seller.about,
        "returns_policy": seller.returns_policy,
        "role": "inventory",
    }
    return render(
        request,
        "seller/settings.html",
        status_code=status_code,
        ctx=ctx,
        section="settings",
        team=seller_users(session, seller.id),
        roles=ROLES,
        role_names=ROLE_NAMES,
        max_handling_days=_max_handling(request),
        errors=errors or {},
        values={**defaults, **(values or {})},
    )


@router.get("/settings", response_class=HTMLResponse)
def settings(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "settings")
    return settings_page(request, session, ctx)


def _refused(
    request: Request, session: Session, ctx: SellerContext, error: SoukError, values: dict[str, str]
) -> HTMLResponse:
    if error.status != 400:
        raise error
    session.rollback()
    return settings_page(
        request, session, ctx, status_code=400, errors=field_errors(error), values=values
    )


@router.post("/settings/store", dependencies=[Depends(check_csrf)])
async def save_store(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "settings")
    values = await form_values(request)
    try:
        update_store_settings(
            session,
            ctx.seller.id,
            default_handling_days=whole_number(
                values.get("default_handling_days"), "default_handling_days"
            ),
            max_handling_days=_max_handling(request),
            about=values.get("about", ""),
            returns_policy=values.get("returns_policy", ""),
        )
    except SoukError as error:
        return _refused(request, session, ctx, error, values)
    return RedirectResponse("/seller/settings?saved=store", status_code=303)


@router.post("/settings/holiday", dependencies=[Depends(check_csrf)])
async def holiday(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "settings")
    values = await form_values(request)
    wanted = values.get("on_holiday")
    if wanted not in ("on", "off"):
        return _refused(
            request,
            session,
            ctx,
            InvalidInput("Choose holiday mode on or off.", field="on_holiday"),
            values,
        )
    set_holiday(session, runtime(request).clock, ctx.seller.id, wanted == "on")
    return RedirectResponse(f"/seller/settings?saved=holiday-{wanted}", status_code=303)


@router.post("/settings/users", dependencies=[Depends(check_csrf)])
async def invite(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "users")
    values = await form_values(request)
    email = values.get("email", "").strip().lower()
    try:
        user_id = session.scalar(select(User.id).where(User.email == email))
        if user_id is None:
            raise InvalidInput(
                "Nobody has a souk account with this e-mail address. Ask them to sign up "
                "first, then invite them.",
                field="email",
            )
        if user_id == ctx.user.id:
            raise InvalidInput("You cannot change your own role.", field="email")
        add_seller_user(session, ctx.seller.id, user_id, values.get("role", ""))
    except SoukError as error:
        return _refused(request, session, ctx, error, values)
    return RedirectResponse("/seller/settings?saved=users", status_code=303)
