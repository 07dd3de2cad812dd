"""Recommendation widgets and their forms: frequently bought together ("Add all to
cart"), also viewed / also bought, recommended for you, browsing history (with
clear), and a preview of the "Inspired by your browsing" e-mail.

The product and home templates ask for their widgets with one include each;
the include calls the functions registered as template globals below.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.buybox.rules import is_buyable
from souk.catalog.models import Product
from souk.core.errors import InvalidInput, NotFound
from souk.core.policy import default_policy
from souk.marketplaces.rules import MARKETPLACES
from souk.offers.service import offers_for_products
from souk.orders import cart as carts
from souk.recs import digest, service
from souk.recs.store import load
from souk.search.service import SearchRequest, search
from souk.web.deps import (
    GUEST_KEY,
    check_csrf,
    current_marketplace,
    db,
    guest_token,
    runtime,
    signed_in_user,
)
from souk.web.locale import translations, viewer
from souk.web.pages import ENV, format_money, render, safe_next
from souk.web.storefront.titles import expect_titles

router = APIRouter()


def shopper_of(request: Request) -> service.Shopper:
    """The signed-in buyer (taking over what they browsed as a guest, once), or the
    guest's cookie id, created on first use."""
    user_id = request.session.get("user_id")
    if user_id is not None:
        visitor = request.session.pop(GUEST_KEY, None)
        if visitor:
            with runtime(request).sessions() as session:
                service.merge_guest_history(session, str(visitor), int(user_id))
        return service.Shopper(buyer_id=int(user_id))
    return service.Shopper(visitor=guest_token(request))


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
        shown = service.product_page_widgets(session, model, product, market)
    # Read in a session of their own: name them so their titles come in the page's one lookup.
    bundle = shown.bundle
    picks = [*(bundle.items if bundle else ()), *shown.also_bought, *shown.also_viewed]
    expect_titles(request, [pick.product.asin for pick in picks])
    return {"bundle": bundle, "also_bought": shown.also_bought, "also_viewed": shown.also_viewed}


def home_widgets(request: Request) -> dict[str, Any]:
    """Recommended for you (or trending, for someone new) and the browsing history."""
    rt = runtime(request)
    market = current_marketplace(request).code
    shopper = shopper_of(request)
    model = load(rt.settings.var_dir, market)
    index = rt.search_index

    def searched(text: str) -> list[str]:
        """The storefront search's first results for one of the shopper's searches."""
        page = search(index, SearchRequest(marketplace=market, text=text))
        return [r.asin for r in page.results]

    with rt.read_sessions() as session:
        widgets = {
            "for_you": service.recommended_for_you(
                session, model, rt.clock.now(), shopper, market, searched
            ),
            "personal": bool(service.browsing_history(session, shopper, market, 1))
            or shopper.buyer_id is not None,
            "history": service.history_picks(session, shopper, market),
        }
    expect_titles(
        request,
        [pick.product.asin for pick in widgets["for_you"]] + [p.asin for p in widgets["history"]],
    )
    return widgets


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
    """The "Inspired by your browsing" e-mail as the buyer receives it."""
    rt = runtime(request)
    market = current_marketplace(request)
    content = digest.digest_content(
        session,
        rt.settings.var_dir,
        user,
        market.code,
        digest.unsubscribe_url(str(rt.settings.base_url), user.id, _unsubscribe_key(request)),
    )
    mail = render_digest_mail(session, content, base_url=str(rt.settings.base_url))
    every = default_policy().for_marketplace(market.code).recs.digest_every_days
    return render(request, "partials/recs_digest_page.html", digest=mail.html, every_days=every)


def render_digest_mail(
    session: Session, content: digest.DigestContent, *, base_url: str
) -> digest.RenderedDigest:
    """The digest e-mail in the buyer's language: subject, text part and HTML part
    (inline styles, as mail clients need)."""
    market = MARKETPLACES[content.marketplace]
    reader = viewer(session, {}, market, user_id=content.buyer.id, seller_id=None)
    catalog = translations(reader.language)
    context = {
        "_translations": catalog,
        "language": reader.language,
        "user": content.buyer,
        "viewed": content.viewed,
        "picks": content.picks,
        "market": market,
        "base_url": base_url.rstrip("/"),
        "unsubscribe_url": content.unsubscribe_url,
        "money": lambda amount: format_money(amount, reader.locale),
    }
    return digest.RenderedDigest(
        subject=catalog.gettext("Inspired by your browsing"),
        text=ENV.get_template("partials/recs_digest_email.txt").render(context),
        html=ENV.get_template("partials/recs_digest_email.html").render(context),
    )


def _unsubscribe_key(request: Request) -> bytes:
    return digest.digest_key(runtime(request).settings.resolved_secret_key())


def _mask(email: str) -> str:
    """Enough of the address to recognise it, not enough to harvest it."""
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"


@router.get("/recs/digest/unsubscribe", response_class=HTMLResponse)
def unsubscribe_form(
    request: Request, token: str = "", session: Session = Depends(db)
) -> HTMLResponse:
    """The e-mail's link: one button to confirm, no sign-in needed (the token is signed)."""
    try:
        buyer = digest.buyer_of_token(session, token, _unsubscribe_key(request))
    except InvalidInput as error:
        return render(request, _UNSUBSCRIBE, status_code=400, problem=error.message)
    return render(request, _UNSUBSCRIBE, token=token, masked_email=_mask(buyer.email))


@router.post("/recs/digest/unsubscribe", response_class=HTMLResponse)
async def unsubscribe(request: Request, session: Session = Depends(db)) -> HTMLResponse:
    """The confirmation, or a mail client's one-click unsubscribe (RFC 8058), which
    posts to the link itself: the token comes in the form or in the address. No CSRF
    check: the signed token is the authority, and it only ever turns e-mail off."""
    form = await request.form()
    sent = form.get("token") or request.query_params.get("token") or ""
    try:
        digest.unsubscribe(session, runtime(request).clock, str(sent), _unsubscribe_key(request))
    except InvalidInput as error:
        session.rollback()
        return render(request, _UNSUBSCRIBE, status_code=400, problem=error.message)
    session.commit()
    return render(request, _UNSUBSCRIBE, done=True)


_UNSUBSCRIBE = "partials/recs_digest_unsubscribe.html"


@router.post("/recs/digest/preference", dependencies=[Depends(check_csrf)])
async def digest_preference(
    request: Request, user: User = Depends(signed_in_user), session: Session = Depends(db)
) -> Response:
    """The preferences page's checkbox: receive the digest or not."""
    form = await request.form()
    digest.set_subscribed(session, runtime(request).clock, user.id, form.get("subscribed") == "1")
    session.commit()
    return RedirectResponse("/preferences?saved=1", status_code=303)


def digest_subscribed(request: Request) -> bool | None:
    """For the preferences page: whether the signed-in buyer gets the digest (None: a guest)."""
    user_id = request.session.get("user_id")
    if user_id is None:
        return None
    with runtime(request).read_sessions() as session:
        return digest.is_subscribed(session, int(user_id))


ENV.globals["recs_digest_preference"] = digest_subscribed
