"""Recommendation widgets and their forms: frequently bought together ("Add all to
cart"), also viewed / also bought, recommended for you, browsing history (with
clear), and a preview of the "Inspired by your browsing" e-mail.

The product and home templates ask for their widgets with one include each;
the include calls the functions registered as template globals below.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.buybox.rules import is_buyable
from souk.catalog.models import Product
from souk.core.errors import InvalidInput, NotFound
from souk.offers.service import offers_for_products
from souk.orders import cart as carts
from souk.recs import service
from souk.recs.store import load
from souk.web.deps import check_csrf, current_marketplace, db, runtime, signed_in_user
from souk.web.pages import ENV, format_money, render, safe_next

router = APIRouter()

VISITOR_KEY = "recs_visitor"


def shopper_of(request: Request) -> service.Shopper:
    """The signed-in buyer (taking over what they browsed as a guest, once), or the
    guest's cookie id, created on first use."""
    user_id = request.session.get("user_id")
    if user_id is not None:
        visitor = request.session.pop(VISITOR_KEY, None)
        if visitor:
            with runtime(request).sessions() as session:
                service.merge_guest_history(session, str(visitor), int(user_id))
        return service.Shopper(buyer_id=int(user_id))
    token = request.session.get(VISITOR_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(12)
        request.session[VISITOR_KEY] = token
    return service.Shopper(visitor=token)


def record_product_view(request: Request, asin: str) -> None:
    """Called by the product page: the view feeds the model and the browsing history."""
    rt = runtime(request)
    shopper = shopper_of(request)
    with rt.sessions() as session:
        if session.get(Product, asin) is not None:
            service.record_view(session, rt.clock, shopper, current_marketplace(request).code, asin)


def product_widgets(request: Request, product: Product) -> dict[str, Any]:
    """What the product page's recommendation partial shows."""
    rt = runtime(request)
    market = current_marketplace(request).code
    model = load(rt.settings.var_dir, market)
    with rt.read_sessions() as session:
        return {
            "bundle": service.frequently_bought_together(session, model, product, market),
            "also_bought": service.customers_also(session, model, product, market, "bought"),
            "also_viewed": service.customers_also(session, model, product, market, "viewed"),
        }


def home_widgets(request: Request) -> dict[str, Any]:
    """Recommended for you (or trending, for someone new) and the browsing history."""
    rt = runtime(request)
    market = current_marketplace(request).code
    shopper = shopper_of(request)
    model = load(rt.settings.var_dir, market)
    with rt.read_sessions() as session:
        return {
            "for_you": service.recommended_for_you(session, model, rt.clock.now(), shopper, market),
            "personal": bool(service.browsing_history(session, shopper, market, 1))
            or shopper.buyer_id is not None,
            "history": service.history_picks(session, shopper, market),
        }


ENV.globals["recs_product_widgets"] = product_widgets
ENV.globals["recs_home_widgets"] = home_widgets


@router.post("/recs/bundle", dependencies=[Depends(check_csrf)])
async def add_bundle(request: Request, session: Session = Depends(db)) -> Response:
    """ "Add all to cart": each product's featured offer, one of each. Everything is
    checked first, so either all of them go in or none do."""
    form = await request.form()
    asins = [a for a in form.getlist("asin") if isinstance(a, str) and a.strip()]
    if not asins or len(asins) != len(set(asins)):
        raise InvalidInput("Choose the items to add.", field="asin")
    market = current_marketplace(request).code
    offers = offers_for_products(session, asins, market)
    featured = []
    for asin in asins:
        chosen = offers[asin].featured if asin in offers else None
        if chosen is None or not is_buyable(chosen):
            raise NotFound("One of these items is no longer available.", field="asin")
        featured.append(chosen)
    from souk.web.storefront.cart import open_my_cart  # cart pages import browse, browse us

    rt = runtime(request)
    cart = open_my_cart(request, session)
    for offer in featured:
        carts.add_to_cart(session, rt.clock, cart, offer.offer_id, 1)
    service.record_add_to_cart(session, rt.clock, shopper_of(request), market, asins)
    return RedirectResponse("/cart", status_code=303)


@router.post("/recs/history/clear", dependencies=[Depends(check_csrf)])
async def clear_history(request: Request, session: Session = Depends(db)) -> Response:
    form = await request.form()
    service.clear_history(session, shopper_of(request), current_marketplace(request).code)
    target = form.get("next")
    return RedirectResponse(safe_next(target if isinstance(target, str) else "/"), 303)


@router.get("/recs/digest", response_class=HTMLResponse)
def digest_preview(
    request: Request, user: User = Depends(signed_in_user), session: Session = Depends(db)
) -> HTMLResponse:
    """The "Inspired by your browsing" e-mail as the buyer would receive it. souk has no
    mail transport yet, so this page is where the digest can be read."""
    rt = runtime(request)
    market = current_marketplace(request)
    model = load(rt.settings.var_dir, market.code)
    viewed, picks = service.inspired_by_browsing(
        session, model, service.Shopper(buyer_id=user.id), market.code
    )
    body = render_digest(request, user, viewed, picks)
    return render(request, "partials/recs_digest_page.html", digest=body)


def render_digest(
    request: Request, user: User, viewed: list[Product], picks: list[service.Pick]
) -> str:
    """The e-mail body (HTML with inline styles, as mail clients need)."""
    market = current_marketplace(request)
    return ENV.get_template("partials/recs_digest_email.html").render(
        user=user,
        viewed=viewed,
        picks=picks,
        market=market,
        base_url=str(runtime(request).settings.base_url).rstrip("/"),
        money=lambda amount: format_money(amount, market.locale),
    )
