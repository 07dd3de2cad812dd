"""Seller Central: platform fulfilment. Stock per centre, inbound plans with
printable box labels, the aged-inventory report and removals."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from souk.catalog.models import Product
from souk.core.errors import InvalidInput, SoukError
from souk.core.policy import default_policy
from souk.fulfillment import network
from souk.fulfillment.labels import labels_pdf
from souk.fulfillment.rules import BUCKETS, CARRIERS
from souk.offers.models import Offer
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
PLAN_ROWS = 5
PLACEMENT_LABELS = {
    "split": "Split across centres near buyers (no placement fee)",
    "one_centre": "Send everything to one centre (placement fee per unit)",
    "cross_border": "Consolidated cross-border: one shipment from abroad, souk distributes it",
}
PREP_LABELS = {
    "none": "No prep",
    "polybag": "Polybag",
    "bubble_wrap": "Bubble wrap",
    "labelling": "Needs unit labels",
}


def _units(marketplace: str) -> tuple[str, str, str]:
    fees = default_policy().for_marketplace(marketplace).fees
    return (fees.units, "in", "lb") if fees.units == "imperial" else (fees.units, "cm", "kg")


def _platform_offers(session: Session, seller_id: str, marketplace: str) -> list[tuple[Offer, str]]:
    return list(
        session.execute(
            select(Offer, Product.title)
            .join(Product, Product.asin == Offer.asin)
            .where(
                Offer.seller_id == seller_id,
                Offer.marketplace == marketplace,
                Offer.fulfillment_channel == "PLATFORM",
            )
            .order_by(Offer.sku)
        ).all()
    )


@router.get("/fulfilment", response_class=HTMLResponse)
def overview(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "inventory")
    market = current_marketplace(request)
    stock = network.seller_stock(session, ctx.seller.id, market.code)
    totals = {name: sum(line.buckets.get(name) for line in stock) for name in BUCKETS}
    by_sku: dict[int, list[network.StockLine]] = defaultdict(list)
    for line in stock:
        by_sku[line.offer.id].append(line)
    return render(
        request,
        "fulfilment/seller_overview.html",
        ctx=ctx,
        section="fulfilment",
        totals=totals,
        by_sku=list(by_sku.values()),
        plans=network.seller_plans(session, ctx.seller.id, market.code)[:20],
        centres=network.centres(session, market.code),
        platform_offers=_platform_offers(session, ctx.seller.id, market.code),
        removed=request.query_params.get("removed"),
    )


def _plan_form(
    request: Request,
    session: Session,
    ctx: SellerContext,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    market = current_marketplace(request)
    _units_name, length_unit, weight_unit = _units(market.code)
    return render(
        request,
        "fulfilment/seller_plan_form.html",
        status_code=status_code,
        ctx=ctx,
        section="fulfilment",
        offers=_platform_offers(session, ctx.seller.id, market.code),
        rows=range(1, PLAN_ROWS + 1),
        placements=PLACEMENT_LABELS,
        preps=PREP_LABELS,
        length_unit=length_unit,
        weight_unit=weight_unit,
        values=values or {"placement": "split"},
        errors=errors or {},
        has_centres=bool(network.centres(session, market.code)),
    )


@router.get("/fulfilment/plans/new", response_class=HTMLResponse)
def new_plan(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "inventory")
    values: dict[str, str] = {"placement": "split"}
    sku = request.query_params.get("sku")
    if sku:
        values["sku_1"] = sku
    return _plan_form(request, session, ctx, values=values)


def _plan_lines(values: dict[str, str], units: str) -> list[network.InboundRequestLine]:
    lines = []
    for row in range(1, PLAN_ROWS + 1):
        sku = values.get(f"sku_{row}", "").strip()
        if not sku:
            continue
        try:
            quantity = int(values.get(f"quantity_{row}", "") or 0)
        except ValueError:
            raise InvalidInput("Quantities are whole numbers.", field=f"quantity_{row}") from None
        sizes = [
            values.get(f"{name}_{row}", "").strip()
            for name in ("length", "width", "height", "weight")
        ]
        dims = None
        if any(sizes):
            try:
                dims = network.parse_dimensions(*sizes, units=units)
            except InvalidInput as error:
                raise InvalidInput(error.message, field=f"length_{row}") from None
        lines.append(
            network.InboundRequestLine(
                sku=sku,
                quantity=quantity,
                dimensions=dims,
                prep=values.get(f"prep_{row}", "none"),
                labelling="platform" if values.get(f"platform_labels_{row}") else "seller",
            )
        )
    return lines


@router.post("/fulfilment/plans", dependencies=[Depends(check_csrf)])
async def create_plan(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "inventory")
    market = current_marketplace(request)
    values = await form_values(request)
    try:
        lines = _plan_lines(values, _units(market.code)[0])
        plan = network.create_inbound_plan(
            session,
            runtime(request).clock,
            seller_id=ctx.seller.id,
            marketplace=market.code,
            name=values.get("name", ""),
            lines=lines,
            placement=values.get("placement", "split"),
            ship_from=values.get("ship_from", ""),
        )
    except SoukError as error:
        if error.status not in (400, 404, 409):
            raise
        session.rollback()
        field = error.field or "form"
        if field in ("sku", "quantity", "prep", "labelling", "length", "lines", "weight"):
            field = "form"
        return _plan_form(
            request, session, ctx, values=values, errors={field: error.message}, status_code=400
        )
    return RedirectResponse(f"/seller/fulfilment/plans/{plan.id}?created=1", status_code=303)


@router.get("/fulfilment/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(
    request: Request,
    plan_id: str,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "inventory")
    return _plan_page(request, session, ctx, plan_id)


def _plan_page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    plan_id: str,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    view = network.plan_view(session, ctx.seller.id, plan_id)
    return render(
        request,
        "fulfilment/seller_plan.html",
        status_code=status_code,
        ctx=ctx,
        section="fulfilment",
        view=view,
        placements=PLACEMENT_LABELS,
        carriers=list(CARRIERS),
        created=request.query_params.get("created"),
        errors=errors or {},
        values=values or {},
    )


@router.get("/fulfilment/plans/{plan_id}/labels.pdf")
def plan_labels(
    plan_id: str,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> Response:
    require(ctx, "inventory")
    view = network.plan_view(session, ctx.seller.id, plan_id)
    return Response(
        labels_pdf(view, ctx.seller.business_name),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="labels-{plan_id}.pdf"'},
    )


@router.post("/fulfilment/shipments/{shipment_id}/shipped", dependencies=[Depends(check_csrf)])
async def shipment_shipped(
    request: Request,
    shipment_id: str,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "inventory")
    values = await form_values(request)
    plan_id = values.get("plan_id", "")
    try:
        network.mark_inbound_shipped(
            session,
            runtime(request).clock,
            seller_id=ctx.seller.id,
            shipment_id=shipment_id,
            carrier=values.get("carrier", ""),
            tracking_number=values.get("tracking_number", ""),
        )
    except SoukError as error:
        if error.status == 404:
            raise
        session.rollback()
        return _plan_page(
            request,
            session,
            ctx,
            plan_id,
            errors={shipment_id: error.message},
            status_code=400,
            values=values,
        )
    return RedirectResponse(f"/seller/fulfilment/plans/{plan_id}", status_code=303)


@router.get("/fulfilment/aged", response_class=HTMLResponse)
def aged(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "inventory")
    market = current_marketplace(request)
    names, rows = network.aged_inventory(
        session, ctx.seller.id, market.code, runtime(request).clock.now()
    )
    return render(
        request,
        "fulfilment/seller_aged.html",
        ctx=ctx,
        section="fulfilment",
        names=names,
        rows=rows,
        long_term_days=default_policy().for_marketplace(market.code).fulfilment.long_term_days,
    )


def _removals_page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    market = current_marketplace(request)
    stock = [
        line
        for line in network.seller_stock(session, ctx.seller.id, market.code)
        if line.buckets.fulfillable or line.buckets.unfulfillable
    ]
    return render(
        request,
        "fulfilment/seller_removals.html",
        status_code=status_code,
        ctx=ctx,
        section="fulfilment",
        stock=stock,
        removals=network.removals(session, ctx.seller.id),
        values=values or {"kind": "return", "bucket": "fulfillable"},
        errors=errors or {},
        done=request.query_params.get("done"),
    )


@router.get("/fulfilment/removals", response_class=HTMLResponse)
def removals_page(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "inventory")
    return _removals_page(request, session, ctx)


@router.post("/fulfilment/removals", dependencies=[Depends(check_csrf)])
async def request_removal(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "inventory")
    values = await form_values(request)
    try:
        offer_text, _, centre_text = values.get("stock", "").partition(":")
        if not offer_text or not centre_text:
            raise InvalidInput("Choose the stock to remove.", field="stock")
        try:
            quantity = int(values.get("quantity", "") or 0)
        except ValueError:
            raise InvalidInput("The quantity is a whole number.", field="quantity") from None
        network.request_removal(
            session,
            runtime(request).clock,
            seller_id=ctx.seller.id,
            offer_id=int(offer_text),
            centre_id=int(centre_text),
            quantity=quantity,
            kind=values.get("kind", ""),
            bucket=values.get("bucket", "fulfillable"),
        )
    except (SoukError, ValueError) as error:
        if isinstance(error, SoukError) and error.status not in (400, 404, 409):
            raise
        session.rollback()
        errors = field_errors(error) if isinstance(error, SoukError) else {"stock": str(error)}
        if "offer_id" in errors:
            errors = {"stock": errors["offer_id"]}
        return _removals_page(request, session, ctx, values=values, errors=errors, status_code=400)
    return RedirectResponse("/seller/fulfilment/removals?done=1", status_code=303)
