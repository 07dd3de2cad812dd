"""Seller Central: coupons, promotions and lightning deals, and deal submissions to events."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from souk.catalog.service import products_by_asin
from souk.core.errors import InvalidInput, SoukError
from souk.core.money import Money
from souk.marketplaces.rules import Marketplace
from souk.promotions import banners, rules, service
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

router = APIRouter()

KIND_HINTS = {
    rules.COUPON: "Buyers clip it on the product page; it comes off at checkout.",
    rules.PERCENT_OFF: "A percentage off the selected products, shown as a deal.",
    rules.BUY_X_GET_Y: "Buyers who buy X units get Y more free.",
    rules.LIGHTNING_DEAL: "A deal price for a limited number of units and at most a few hours.",
}


def _money(text: str, market: Marketplace, field: str) -> Money | None:
    text = text.strip()
    if not text:
        return None
    try:
        return Money.parse(text, market.currency)
    except (ValueError, TypeError):
        raise InvalidInput(
            f"Enter an amount in {market.currency}, e.g. 9.99.", field=field
        ) from None


def _whole(text: str, field: str, label: str) -> int:
    text = text.strip()
    if not text:
        return 0
    if not (text.isascii() and text.isdigit()):
        raise InvalidInput(f"{label} must be a whole number.", field=field)
    return int(text)


def _percent_bp(text: str) -> int:
    text = text.strip().rstrip("%")
    if not text:
        return 0
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput("Enter the percentage off, e.g. 15.", field="percent") from None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise InvalidInput("Use at most two decimal places.", field="percent")
    return int(value * 100)


def _wall(text: str, field: str) -> datetime:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%dT%H:%M")
    except ValueError:
        raise InvalidInput("Enter a date and time.", field=field) from None


def draft_from_form(values: dict[str, str], market: Marketplace) -> service.PromotionDraft:
    kind = values.get("kind", "")
    if kind not in rules.KINDS:
        raise InvalidInput("Choose a kind of promotion.", field="kind")
    skus = tuple(
        s.strip() for s in values.get("skus", "").replace("\n", ",").split(",") if s.strip()
    )
    return service.PromotionDraft(
        kind=kind,
        title=values.get("title", ""),
        skus=skus,
        starts=_wall(values.get("starts", ""), "starts"),
        ends=_wall(values.get("ends", ""), "ends"),
        each_zone=values.get("each_zone") == "1",
        audience=rules.parse_audience(
            values.get("countries", ""),
            values.get("states", ""),
            values.get("postal_prefixes", ""),
            market.code if market.code != "UK" else "GB",
        ),
        percent_bp=_percent_bp(values.get("percent", "")),
        amount_off=_money(values.get("amount", ""), market, "amount"),
        deal_price=_money(values.get("deal_price", ""), market, "deal_price"),
        buy=_whole(values.get("buy", ""), "buy", "Buy"),
        get=_whole(values.get("get", ""), "get", "Get"),
        deal_quantity=_whole(values.get("deal_quantity", ""), "deal_quantity", "Units"),
        budget=_money(values.get("budget", ""), market, "budget"),
        redemption_limit=_whole(values.get("redemption_limit", ""), "redemption_limit", "Limit"),
        headline=values.get("headline", ""),
    )


def _list_page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    market = current_marketplace(request)
    now = runtime(request).clock.now()
    promotions = service.seller_promotions(session, ctx.seller.id, market.code)
    open_events = [
        e for e in service.events(session, market.code, since=now) if e.submissions_close_at > now
    ]
    asins = sorted({a for p in promotions for a in p.asins})
    return render(
        request,
        "promotions/seller_list.html",
        status_code=status_code,
        ctx=ctx,
        section="promotions",
        promotions=promotions,
        products=products_by_asin(session, asins),
        open_events=open_events,
        kinds=rules.KIND_LABELS,
        now=now,
        describe=service.describe,
        errors=errors or {},
        values=values or {},
    )


@router.get("/promotions", response_class=HTMLResponse)
def promotions_page(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "inventory")
    return _list_page(request, session, ctx)


def _form_page(
    request: Request,
    ctx: SellerContext,
    kind: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    market = current_marketplace(request)
    policy = service.promotions_policy(market.code)
    local_now = runtime(request).clock.now().astimezone(market.zone)
    defaults = {
        "kind": kind,
        "starts": local_now.replace(minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M"),
        "ends": local_now.replace(hour=23, minute=59, second=0, microsecond=0).strftime(
            "%Y-%m-%dT%H:%M"
        ),
    }
    return render(
        request,
        "promotions/seller_form.html",
        status_code=status_code,
        ctx=ctx,
        section="promotions",
        kind=kind,
        kind_label=rules.KIND_LABELS[kind],
        kind_hint=KIND_HINTS[kind],
        policy=policy,
        errors=errors or {},
        values={**defaults, **(values or {})},
    )


@router.get("/promotions/new", response_class=HTMLResponse)
def new_promotion(
    request: Request,
    kind: str = rules.COUPON,
    ctx: SellerContext = Depends(seller_context),
) -> HTMLResponse:
    require(ctx, "inventory")
    if kind not in rules.KINDS:
        kind = rules.COUPON
    return _form_page(request, ctx, kind)


@router.post("/promotions", dependencies=[Depends(check_csrf)])
async def create(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "inventory")
    values = await form_values(request)
    market = current_marketplace(request)
    kind = values.get("kind", "") if values.get("kind") in rules.KINDS else rules.COUPON
    try:
        draft = draft_from_form(values, market)
        promotion = service.create_promotion(
            session,
            runtime(request).clock,
            seller_id=ctx.seller.id,
            marketplace=market.code,
            draft=draft,
        )
    except SoukError as error:
        session.rollback()
        return _form_page(
            request, ctx, kind, status_code=400, errors=field_errors(error), values=values
        )
    return RedirectResponse(f"/seller/promotions?created={promotion.id}", status_code=303)


@router.post("/promotions/{promotion_id}/end", dependencies=[Depends(check_csrf)])
def end(
    request: Request,
    promotion_id: int,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "inventory")
    service.end_promotion(session, runtime(request).clock, ctx.seller.id, promotion_id)
    return RedirectResponse("/seller/promotions?ended=1", status_code=303)


@router.post("/promotions/events/{event_id}", dependencies=[Depends(check_csrf)])
async def submit_to_event(
    request: Request,
    event_id: int,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "inventory")
    values = await form_values(request)
    market = current_marketplace(request)
    try:
        price = _money(values.get("deal_price", ""), market, "deal_price")
        if price is None:
            raise InvalidInput("Enter the deal price.", field="deal_price")
        service.submit_event_deal(
            session,
            runtime(request).clock,
            seller_id=ctx.seller.id,
            event_id=event_id,
            sku=values.get("sku", "").strip(),
            deal_price=price,
            deal_quantity=_whole(values.get("deal_quantity", ""), "deal_quantity", "Units"),
        )
    except SoukError as error:
        session.rollback()
        if error.status == 404 and error.field == "event_id":
            raise
        errors = {f"event-{event_id}": error.message}
        return _list_page(request, session, ctx, status_code=400, errors=errors, values=values)
    return RedirectResponse("/seller/promotions?submitted=1", status_code=303)


# -- scheduled product content (banners) ---------------------------------------------------


def _banners_page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    market = current_marketplace(request)
    now = runtime(request).clock.now()
    local_now = now.astimezone(market.zone)
    shown = banners.seller_banners(session, ctx.seller.id, market.code)
    defaults = {
        "starts": local_now.replace(minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M"),
        "ends": (local_now.replace(hour=23, minute=59, second=0, microsecond=0)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
    }
    return render(
        request,
        "promotions/seller_banners.html",
        status_code=status_code,
        ctx=ctx,
        section="promotions",
        banners=shown,
        products=products_by_asin(session, sorted({b.asin for b in shown})),
        status_of=lambda b: banners.status_of(b, now),
        status_labels=banners.STATUS_LABELS,
        errors=errors or {},
        values={**defaults, **(values or {})},
    )


@router.get("/promotions/banners", response_class=HTMLResponse)
def banners_page(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "inventory")
    return _banners_page(request, session, ctx)


def banner_draft_from_form(
    values: dict[str, str], market: Marketplace, image: bytes | None
) -> banners.BannerDraft:
    return banners.BannerDraft(
        product=values.get("product", ""),
        headline=values.get("headline", ""),
        starts=_wall(values.get("starts", ""), "starts"),
        ends=_wall(values.get("ends", ""), "ends"),
        each_zone=values.get("each_zone") == "1",
        audience=rules.parse_audience(
            values.get("countries", ""),
            values.get("states", ""),
            values.get("postal_prefixes", ""),
            market.code if market.code != "UK" else "GB",
        ),
        image=image,
    )


@router.post("/promotions/banners", dependencies=[Depends(check_csrf)])
async def create_banner(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "inventory")
    values = await form_values(request)
    upload = (await request.form()).get("image")
    image = await upload.read() if isinstance(upload, UploadFile) and upload.filename else None
    market = current_marketplace(request)
    rt = runtime(request)
    try:
        banner = banners.create_banner(
            session,
            rt.clock,
            rt.media,
            seller_id=ctx.seller.id,
            marketplace=market.code,
            draft=banner_draft_from_form(values, market, image),
        )
    except SoukError as error:
        session.rollback()
        return _banners_page(
            request, session, ctx, status_code=400, errors=field_errors(error), values=values
        )
    return RedirectResponse(f"/seller/promotions/banners?created={banner.id}", status_code=303)


@router.post("/promotions/banners/{banner_id}/withdraw", dependencies=[Depends(check_csrf)])
def withdraw_banner(
    request: Request,
    banner_id: int,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "inventory")
    banners.withdraw_banner(session, runtime(request).clock, ctx.seller.id, banner_id)
    return RedirectResponse("/seller/promotions/banners?withdrawn=1", status_code=303)
