"""Seller Central, Global selling: the marketplaces a seller sells in, offers copied
across them with converted prices, product text in other languages, the seller's
time zone, and each marketplace's coming public holidays."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from souk.catalog.models import Product
from souk.core.errors import InvalidInput, SoukError
from souk.core.money import Money
from souk.globalselling import rules as selling_rules
from souk.globalselling import service as selling
from souk.globalselling.models import ProductTranslation
from souk.marketplaces.rules import MARKETPLACES
from souk.offers.models import Offer
from souk.web.deps import SellerContext, check_csrf, db, read_db, runtime, seller_context
from souk.web.pages import field_errors, form_values, render
from souk.web.seller.access import require
from souk.web.storefront.cart import whole_number

router = APIRouter()

HOLIDAY_DAYS = 90
TRANSLATION_LANGUAGES = {
    "de": "German",
    "fr": "French",
    "it": "Italian",
    "es": "Spanish",
    "ja": "Japanese",
}


def _page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    seller_id = ctx.seller.id
    enabled = selling.seller_marketplaces(session, seller_id)
    today = runtime(request).clock.now().date()
    holidays = {
        m.marketplace: selling.holidays_between(
            m.marketplace, today, today + timedelta(days=HOLIDAY_DAYS)
        )
        for m in enabled
    }
    products = session.execute(
        select(Product.asin, Product.title)
        .join(Offer, Offer.asin == Product.asin)
        .where(Offer.seller_id == seller_id)
        .distinct()
        .order_by(Product.title)
        .limit(500)
    ).all()
    translations = session.execute(
        select(ProductTranslation, Product.title)
        .join(Product, Product.asin == ProductTranslation.asin)
        .where(ProductTranslation.updated_by == seller_id)
        .order_by(ProductTranslation.updated_at.desc())
        .limit(50)
    ).all()
    return render(
        request,
        "seller/global_selling.html",
        status_code=status_code,
        ctx=ctx,
        section="global",
        enabled=enabled,
        tax_labels={code: _tax_label(code) for code in MARKETPLACES},
        holiday_days=HOLIDAY_DAYS,
        copies=selling.offer_copies(session, seller_id),
        rates=selling.latest_rates(session),
        holidays=holidays,
        products=products,
        translations=translations,
        languages=TRANSLATION_LANGUAGES,
        zones=selling_rules.common_time_zones(),
        seller_zone=selling.seller_time_zone(session, seller_id),
        now=runtime(request).clock.now(),
        errors=errors or {},
        values=values or {},
    )


def _tax_label(marketplace: str) -> str:
    tax = selling.marketplace_tax(marketplace)
    if not tax.prices_include_vat:
        return "Without tax"
    note = selling_rules.vat_note(Money.zero(MARKETPLACES[marketplace].currency), tax)
    return f"Including {note.rate_percent} % VAT"


@router.get("/global", response_class=HTMLResponse)
def global_selling(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "inventory")
    return _page(request, session, ctx)


def _refused(
    request: Request, session: Session, ctx: SellerContext, error: SoukError, values: dict[str, str]
) -> HTMLResponse:
    if error.status not in (400, 404):
        raise error
    session.rollback()
    return _page(request, session, ctx, status_code=400, errors=field_errors(error), values=values)


def _margin(text: str) -> int:
    try:
        return selling_rules.parse_margin_percent(text or "0")
    except selling_rules.GlobalSellingError as error:
        raise InvalidInput(error.message, field=error.field) from None


@router.post("/global/marketplaces", dependencies=[Depends(check_csrf)])
async def save_marketplace(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "settings")
    values = await form_values(request)
    code = values.get("marketplace", "")
    try:
        market = MARKETPLACES.get(code)
        if market is None:
            raise InvalidInput("Choose a marketplace.", field="marketplace")
        try:
            shipping = Money.parse(values.get("shipping", "0").strip() or "0", market.currency)
        except (ValueError, TypeError):
            raise InvalidInput(
                f"Enter the shipping charge in {market.currency}, like 4.99.", field="shipping"
            ) from None
        selling.enable_marketplace(
            session,
            runtime(request).clock,
            seller_id=ctx.seller.id,
            marketplace=code,
            copy_from=values.get("copy_from") or None,
            margin_bp=_margin(values.get("margin", "0")),
            shipping=shipping,
            handling_days=whole_number(values.get("handling_days"), "handling_days"),
            vat_number=values.get("vat_number", ""),
        )
        session.commit()
    except SoukError as error:
        return _refused(request, session, ctx, error, values)
    return RedirectResponse(f"/seller/global?saved={code}#marketplaces", status_code=303)


@router.post("/global/marketplaces/remove", dependencies=[Depends(check_csrf)])
async def remove_marketplace(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "settings")
    values = await form_values(request)
    try:
        selling.disable_marketplace(
            session,
            runtime(request).clock,
            seller_id=ctx.seller.id,
            marketplace=values.get("marketplace", ""),
        )
        session.commit()
    except SoukError as error:
        return _refused(request, session, ctx, error, values)
    return RedirectResponse("/seller/global?saved=removed#marketplaces", status_code=303)


@router.post("/global/translations", dependencies=[Depends(check_csrf)])
async def save_translation(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "inventory")
    values = await form_values(request)
    try:
        language = values.get("language", "")
        if language not in TRANSLATION_LANGUAGES:
            raise InvalidInput("Choose a language.", field="language")
        selling.put_translation(
            session,
            runtime(request).clock,
            asin=values.get("asin", "").strip().upper(),
            language=language,
            title=values.get("title", ""),
            bullets=values.get("bullets", "").splitlines(),
            description=values.get("description", ""),
            seller_id=ctx.seller.id,
        )
        session.commit()
    except SoukError as error:
        return _refused(request, session, ctx, error, values)
    return RedirectResponse("/seller/global?saved=translation#translations", status_code=303)


@router.post("/global/time-zone", dependencies=[Depends(check_csrf)])
async def save_time_zone(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "settings")
    values = await form_values(request)
    try:
        selling.set_seller_time_zone(
            session,
            runtime(request).clock,
            seller_id=ctx.seller.id,
            time_zone=values.get("time_zone", ""),
        )
        session.commit()
    except SoukError as error:
        return _refused(request, session, ctx, error, values)
    return RedirectResponse("/seller/global?saved=zone#zone", status_code=303)
