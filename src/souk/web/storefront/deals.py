"""Today's Deals, event landing pages and the event calendar; coupon clipping and deal
waitlists; the deal badge and coupon chip that product pages and result cards show
(template globals registered here, so those pages' handlers do not change)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.buybox.rules import OfferFacts
from souk.core.money import Money
from souk.offers.service import offers_for_products
from souk.promotions import banners as product_content
from souk.promotions import rules, service
from souk.promotions import waitlist as deal_waitlist
from souk.promotions.models import ProductBanner
from souk.web.deps import check_csrf, current_marketplace, db, optional_user, read_db, runtime
from souk.web.pages import ENV, form_values, render, safe_next

router = APIRouter()


def _viewer(request: Request) -> int | None:
    user_id = request.session.get("user_id")
    return int(user_id) if user_id is not None else None


def _cards_for(request: Request) -> list[service.DealCard]:
    """Every deal live for this visitor now, read once per request."""
    cached = getattr(request.state, "souk_deal_cards", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    rt = runtime(request)
    market = current_marketplace(request)
    with rt.read_sessions() as session:
        cards = service.deal_cards(session, rt.clock.now(), market.code, _viewer(request))
        session.expunge_all()
    request.state.souk_deal_cards = cards
    return cards


def product_deals(request: Request, asin: str) -> list[service.DealCard]:
    """Deals on one product for this visitor (the product page's chip and badge)."""
    return [c for c in _cards_for(request) if c.product.asin == asin]


def deal_badge(request: Request, asin: str) -> Markup:
    """The "Limited time deal" badge of a result card, or nothing."""
    for card in _cards_for(request):
        if card.product.asin == asin and card.promotion.kind in (
            rules.LIGHTNING_DEAL,
            rules.PERCENT_OFF,
        ):
            label = "Lightning deal" if card.promotion.kind == rules.LIGHTNING_DEAL else "Deal"
            return Markup('<span class="badge-deal">{}</span>').format(
                f"{label}: {card.label}" if card.promotion.kind == rules.PERCENT_OFF else label
            )
    return Markup("")


def deal_ends_in(request: Request, ends: datetime) -> str:
    return _ends_in(ends, runtime(request).clock.now())


def deal_unit_price(request: Request, asin: str, featured: OfferFacts) -> Money:
    """The featured offer's price for this visitor: a running price deal's, or its own."""
    best = featured.price
    for card in _cards_for(request):
        if (
            card.product.asin == asin
            and card.offer.id == featured.offer_id
            and card.deal_price is not None
            and card.available
        ):
            best = min(best, card.deal_price)
    return best


def product_banners(request: Request, session: Session, asin: str) -> list[ProductBanner]:
    """The seller banners a product page shows this visitor now (scheduled product
    content, targeted by region and local time)."""
    return product_content.live_banners(
        session, runtime(request).clock.now(), current_marketplace(request).code, asin,
        _viewer(request),
    )  # fmt: skip


def deal_holds(request: Request) -> list[deal_waitlist.HeldDeal]:
    """Lightning-deal units kept for the signed-in buyer: the notice on storefront pages."""
    if "session" not in request.scope:
        return []  # a page rendered before sessions are read (an early error)
    buyer_id = _viewer(request)
    if buyer_id is None or request.url.path.startswith(("/seller", "/ops", "/api")):
        return []
    rt = runtime(request)
    with rt.read_sessions() as session:
        return deal_waitlist.buyer_holds(
            session, buyer_id, current_marketplace(request).code, rt.clock.now()
        )


ENV.globals["deal_holds"] = deal_holds
ENV.globals["deal_unit_price"] = deal_unit_price
ENV.globals["product_deals"] = product_deals
ENV.globals["deal_badge"] = deal_badge
ENV.globals["deal_ends_in"] = deal_ends_in


def _ends_in(ends: datetime, now: datetime) -> str:
    left = max(0, int((ends - now).total_seconds()))
    hours, minutes = divmod(left // 60, 60)
    if hours >= 48:
        return f"{hours // 24} days"
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def _deals_context(
    request: Request, session: Session, cards: list[service.DealCard]
) -> dict[str, Any]:
    market = current_marketplace(request)
    offers = offers_for_products(session, sorted({c.product.asin for c in cards}), market.code)
    buyer_id = _viewer(request)
    waiting = {
        c.promotion.id
        for c in cards
        if c.promotion.kind == rules.LIGHTNING_DEAL
        and c.units_left == 0
        and buyer_id is not None
        and service.waitlist_place(session, c.promotion.id, buyer_id)
    }
    return {
        "cards": cards,
        "offers": offers,
        "waiting": waiting,
    }


KIND_FILTERS = {
    "": "All deals",
    rules.LIGHTNING_DEAL: "Lightning deals",
    rules.PERCENT_OFF: "Price cuts",
    rules.COUPON: "Coupons",
    rules.BUY_X_GET_Y: "Multi-buy",
}


@router.get("/deals", response_class=HTMLResponse)
def deals_page(
    request: Request,
    kind: str = "",
    session: Session = Depends(read_db),
    user: User | None = Depends(optional_user),
) -> HTMLResponse:
    market = current_marketplace(request)
    rt = runtime(request)
    now = rt.clock.now()
    cards = service.deal_cards(session, now, market.code, user.id if user else None)
    if kind in KIND_FILTERS and kind:
        cards = [c for c in cards if c.promotion.kind == kind]
    # Lightning deals first (they run out), then by saving.
    cards.sort(
        key=lambda c: (
            c.promotion.kind != rules.LIGHTNING_DEAL,
            c.ends_at,
            c.product.title,
        )
    )
    size = service.promotions_policy(market.code).deals_page_size
    upcoming = [e for e in service.events(session, market.code, since=now)][:4]
    return render(
        request,
        "promotions/deals.html",
        kind=kind,
        kinds=KIND_FILTERS,
        upcoming=upcoming,
        now=now,
        **_deals_context(request, session, cards[: size * 4]),
    )


@router.get("/deals/events", response_class=HTMLResponse)
def event_calendar(request: Request, session: Session = Depends(read_db)) -> HTMLResponse:
    market = current_marketplace(request)
    now = runtime(request).clock.now()
    shown = service.events(session, market.code, since=now)
    months: dict[str, list[Any]] = {}
    for event in shown:
        local = event.starts_at.astimezone(market.zone)
        months.setdefault(local.strftime("%B %Y"), []).append(event)
    return render(request, "promotions/calendar.html", months=months, now=now)


@router.get("/events/{slug}", response_class=HTMLResponse)
def event_page(
    request: Request,
    slug: str,
    session: Session = Depends(read_db),
    user: User | None = Depends(optional_user),
) -> HTMLResponse:
    market = current_marketplace(request)
    event = service.event_by_slug(session, slug)
    now = runtime(request).clock.now()
    cards = []
    if event.marketplace == market.code and event.starts_at <= now < event.ends_at:
        cards = service.deal_cards(
            session, now, market.code, user.id if user else None, event_id=event.id
        )
    return render(
        request,
        "promotions/event.html",
        event=event,
        running=event.starts_at <= now < event.ends_at,
        upcoming_event=now < event.starts_at,
        starts_in=_ends_in(event.starts_at, now),
        now=now,
        **_deals_context(request, session, cards),
    )


@router.post("/deals/coupons/{promotion_id}/clip", dependencies=[Depends(check_csrf)])
async def clip(
    request: Request,
    promotion_id: int,
    session: Session = Depends(db),
    user: User | None = Depends(optional_user),
) -> Response:
    values = await form_values(request)
    back = safe_next(values.get("next"), "/deals")
    if user is None:
        return RedirectResponse(f"/signin?next={back}", status_code=303)
    service.clip_coupon(session, runtime(request).clock, user.id, promotion_id)
    return RedirectResponse(back, status_code=303)


@router.post("/deals/{promotion_id}/waitlist", dependencies=[Depends(check_csrf)])
async def waitlist(
    request: Request,
    promotion_id: int,
    session: Session = Depends(db),
    user: User | None = Depends(optional_user),
) -> Response:
    values = await form_values(request)
    back = safe_next(values.get("next"), "/deals")
    if user is None:
        return RedirectResponse(f"/signin?next={back}", status_code=303)
    service.join_waitlist(session, runtime(request).clock, user.id, promotion_id)
    return RedirectResponse(back, status_code=303)
