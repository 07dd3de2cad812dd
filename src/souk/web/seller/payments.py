"""Seller Central: payments (balances, transactions, statements as a page and CSV,
the bank account payouts go to, the card a negative balance is charged to) and
the fee calculator."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from souk.core.errors import InvalidInput, SoukError
from souk.core.money import Money
from souk.core.policy import default_policy
from souk.finance import service as finance
from souk.finance.cards import card_of_seller, keep_card
from souk.finance.rules import schedule_at
from souk.fulfillment import network
from souk.offers.models import Offer
from souk.orders.payments import Card
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
RECENT = 25


def _payments_page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    card_errors: dict[str, str] | None = None,
    card_values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    market = current_marketplace(request)
    fees = finance.fees_policy(market.code)
    now = runtime(request).clock.now()
    period = finance.rules.settlement_period(
        fees.settlement_anchor, fees.settlement_days, now.astimezone(market.zone).date()
    )
    return render(
        request,
        "finance/payments.html",
        status_code=status_code,
        ctx=ctx,
        section="payments",
        balances=finance.balances(session, ctx.seller.id, market.code),
        recent=finance.transactions(session, ctx.seller.id, market.code, limit=RECENT),
        statements=finance.statements(session, ctx.seller.id, market.code),
        destination=finance.payout_destination(session, ctx.seller.id),
        period=period,
        fees=fees,
        countries=sorted(finance.COUNTRY_CURRENCY),
        currencies=sorted(set(finance.COUNTRY_CURRENCY.values())),
        values=values or {"country": ctx.seller.country, "currency": market.currency},
        errors=errors or {},
        saved=request.query_params.get("saved"),
        card=card_of_seller(session, ctx.seller.id),
        card_errors=card_errors or {},
        card_values=card_values or {},
    )


@router.get("/payments", response_class=HTMLResponse)
def payments(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "reports")
    return _payments_page(request, session, ctx)


@router.post("/payments/bank", dependencies=[Depends(check_csrf)])
async def save_bank(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "settings")
    values = await form_values(request)
    rt = runtime(request)
    try:
        finance.add_payout_account(
            session,
            rt.clock,
            finance.payout_provider(rt),
            seller_id=ctx.seller.id,
            holder=values.get("holder", ""),
            bank_name=values.get("bank_name", ""),
            country=values.get("country", ""),
            currency=values.get("currency", ""),
            routing_number=values.get("routing_number", ""),
            account_number=values.get("account_number", ""),
        )
    except SoukError as error:
        if error.status not in (400, 402, 409):
            raise
        session.rollback()
        values.pop("account_number", None)
        return _payments_page(
            request, session, ctx, values=values, errors=field_errors(error), status_code=400
        )
    return RedirectResponse("/seller/payments?saved=1#bank", status_code=303)


@router.post("/payments/card", dependencies=[Depends(check_csrf)])
async def save_card(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    """The card souk charges when a balance stays negative at settlement."""
    require(ctx, "settings")
    values = await form_values(request)
    rt = runtime(request)
    try:
        card = Card(
            number=values.get("card_number", ""),
            exp_month=whole_number(values.get("card_exp_month"), "card_exp_month"),
            exp_year=whole_number(values.get("card_exp_year"), "card_exp_year"),
            cvc=values.get("card_cvc", "").strip(),
            holder=values.get("card_name", "").strip(),
        )
        keep_card(session, rt.clock, rt.payments, card, seller_id=ctx.seller.id)
        session.commit()
    except SoukError as error:
        if error.status not in (400, 402):
            raise
        session.rollback()
        kept = {k: v for k, v in values.items() if k in ("card_name", "card_exp_month")}
        return _payments_page(
            request,
            session,
            ctx,
            card_errors=field_errors(error),
            card_values=kept,
            status_code=400,
        )
    return RedirectResponse("/seller/payments?saved=card#card", status_code=303)


@router.get("/payments/statements/{statement_id}.csv")
def statement_csv(
    statement_id: int,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> Response:
    require(ctx, "reports")
    view = finance.statement_view(session, ctx.seller.id, statement_id)
    name = f"statement-{view.statement.period_start.isoformat()}.csv"
    return Response(
        finance.statement_csv(view),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/payments/statements/{statement_id}", response_class=HTMLResponse)
def statement_page(
    request: Request,
    statement_id: int,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "reports")
    return render(
        request,
        "finance/statement.html",
        ctx=ctx,
        section="payments",
        view=finance.statement_view(session, ctx.seller.id, statement_id),
    )


def _money(text: str, currency: str, field: str, default: str = "0") -> Money:
    try:
        return Money.parse((text or default).strip().replace(",", ""), currency)
    except (ValueError, TypeError):
        raise InvalidInput("Enter an amount like 19.99.", field=field) from None


@router.get("/fees", response_class=HTMLResponse)
def fee_calculator(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "inventory")
    market = current_marketplace(request)
    rt = runtime(request)
    values = dict(request.query_params)
    fees = finance.fees_policy(market.code)
    length_unit, weight_unit = ("in", "lb") if fees.units == "imperial" else ("cm", "kg")
    offers = list(
        session.scalars(
            select(Offer)
            .where(Offer.seller_id == ctx.seller.id, Offer.marketplace == market.code)
            .order_by(Offer.sku)
        )
    )
    errors: dict[str, str] = {}
    comparison = None
    asin = values.get("asin", "").strip().upper()
    if asin:
        try:
            measured = network.measure_of(session, asin)
            if not values.get("length") and measured is not None:
                local = measured.convert(fees.units)
                for name in ("length", "width", "height", "weight"):
                    values[name] = f"{getattr(local, name).quantize(Decimal('0.01'))}"
            dims = None
            if any(values.get(n) for n in ("length", "width", "height", "weight")):
                dims = network.parse_dimensions(
                    values.get("length", ""),
                    values.get("width", ""),
                    values.get("height", ""),
                    values.get("weight", ""),
                    units=fees.units,
                )
            comparison = finance.compare_channels(
                session,
                marketplace=market.code,
                asin=asin,
                price=_money(values.get("price", ""), market.currency, "price", default=""),
                shipping=_money(values.get("shipping", ""), market.currency, "shipping"),
                unit_cost=_money(values.get("unit_cost", ""), market.currency, "unit_cost"),
                own_shipping=_money(
                    values.get("own_shipping", ""), market.currency, "own_shipping"
                ),
                at=rt.clock.now(),
                dimensions=dims,
            )
        except SoukError as error:
            if error.status not in (400, 404):
                raise
            errors = field_errors(error)
            if "dimensions" in errors or "weight" in errors:
                errors = {"length": next(iter(errors.values()))}
    schedule = schedule_at(fees, rt.clock.now().date())
    return render(
        request,
        "finance/fee_calculator.html",
        status_code=400 if errors else 200,
        ctx=ctx,
        section="payments",
        values=values,
        errors=errors,
        offers=offers,
        comparison=comparison,
        length_unit=length_unit,
        weight_unit=weight_unit,
        schedule=schedule,
        fees=fees,
        peak=rt.clock.now().month in schedule.peak_months,
        prime=default_policy().for_marketplace(market.code).fulfilment.prime,
    )
