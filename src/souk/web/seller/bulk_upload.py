"""Seller Central bulk upload: many offers from one CSV or tab-separated file.

Each row is checked and saved on its own (a savepoint per row), so a row
with any error leaves nothing behind while the good rows are kept; the
seller gets a report naming the row, the column and what is wrong.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import InvalidOperation

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from souk.core.clock import Clock
from souk.core.errors import InvalidInput, SoukError
from souk.core.money import Money
from souk.core.policy import default_policy
from souk.marketplaces.rules import Marketplace
from souk.offers.rules import CHANNELS, CONDITIONS, OfferTerms
from souk.offers.service import put_offer
from souk.policy.service import screen_offer, throttle_listing_changes
from souk.web.deps import (
    SellerContext,
    check_csrf,
    current_marketplace,
    db,
    runtime,
    seller_context,
)
from souk.web.pages import render
from souk.web.seller.access import require

router = APIRouter()

REQUIRED = ("sku", "asin", "price", "quantity")
OPTIONAL = ("condition", "shipping", "handling_days", "fulfillment_channel")
TEMPLATE_ROWS = (
    ("sku", "asin", "price", "quantity", "condition", "shipping", "handling_days",
     "fulfillment_channel"),
    ("KETTLE-STEEL-01", "B0EXAMPLE1", "34.99", "12", "new", "0", "2", "MERCHANT"),
)  # fmt: skip


@dataclass(frozen=True)
class RowProblem:
    row: int  # the line number in the file, header = 1
    sku: str
    field: str
    message: str


@dataclass(frozen=True)
class UploadReport:
    saved: list[tuple[int, str, str]]  # (row, sku, asin)
    problems: list[RowProblem]


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            "Save the file as UTF-8 text (CSV or tab-separated).", field="file"
        ) from None


def read_rows(data: bytes, max_rows: int) -> list[dict[str, str]]:
    """The file's rows as dicts keyed by lower-case column name; tabs or commas."""
    text = _text(data)
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text), delimiter="\t" if "\t" in first else ",")
    columns = [(c or "").strip().lower() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InvalidInput(
            f"The first line must name the columns; missing: {', '.join(missing)}.", field="file"
        )
    reader.fieldnames = columns
    rows = []
    for row in reader:
        if len(rows) >= max_rows:
            raise InvalidInput(f"Upload at most {max_rows} rows at a time.", field="file")
        rows.append({k: (v or "").strip() for k, v in row.items() if k})
    if not rows:
        raise InvalidInput("The file has a header but no offers.", field="file")
    return rows


def _money(text: str, currency: str, field: str, *, blank_is_zero: bool = False) -> Money:
    if not text and blank_is_zero:
        return Money.zero(currency)
    try:
        return Money.parse(text, currency)
    except (ValueError, InvalidOperation):
        raise InvalidInput(f"Enter an amount in {currency}, like 19.99.", field=field) from None


def _whole(text: str, field: str, default: int | None = None) -> int:
    if not text and default is not None:
        return default
    try:
        return int(text)
    except ValueError:
        raise InvalidInput("Enter a whole number.", field=field) from None


def row_terms(row: dict[str, str], currency: str, default_handling_days: int) -> OfferTerms:
    """Offer terms from one row; offers.rules checks them again when the offer is put."""
    condition = row.get("condition") or "new"
    if condition not in CONDITIONS:
        raise InvalidInput(f"Condition must be one of {', '.join(CONDITIONS)}.", field="condition")
    channel = (row.get("fulfillment_channel") or "MERCHANT").upper()
    if channel not in CHANNELS:
        raise InvalidInput("Use MERCHANT or PLATFORM.", field="fulfillment_channel")
    return OfferTerms(
        sku=row.get("sku", ""),
        condition=condition,
        price=_money(row.get("price", ""), currency, "price"),
        shipping=_money(row.get("shipping", ""), currency, "shipping", blank_is_zero=True),
        quantity=_whole(row.get("quantity", ""), "quantity"),
        handling_days=_whole(row.get("handling_days", ""), "handling_days", default_handling_days),
        fulfillment_channel=channel,
    )


def upload_offers(
    session: Session,
    clock: Clock,
    seller_id: str,
    market: Marketplace,
    default_handling_days: int,
    rows: list[dict[str, str]],
) -> UploadReport:
    # Every row counts against the seller's hourly listing limit (429 when over).
    throttle_listing_changes(session, clock, seller_id, len(rows))
    saved: list[tuple[int, str, str]] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        sku = row.get("sku", "")
        if sku in seen:
            problems.append(RowProblem(number, sku, "sku", f"SKU repeats row {seen[sku]}."))
            continue
        seen[sku] = number
        savepoint = session.begin_nested()
        try:
            terms = row_terms(row, market.currency, default_handling_days)
            screen_offer(
                session,
                clock,
                seller_id=seller_id,
                asin=row.get("asin", "").upper(),
                marketplace=market.code,
                price_minor=terms.price.minor,
                shipping_minor=terms.shipping.minor,
                handling_days=terms.handling_days,
                count_upload=False,
            )
            put_offer(
                session,
                clock,
                seller_id=seller_id,
                asin=row.get("asin", "").upper(),
                marketplace=market.code,
                terms=terms,
                commit=False,
            )
            savepoint.commit()
            saved.append((number, sku, row.get("asin", "").upper()))
        except SoukError as error:
            savepoint.rollback()
            problems.append(RowProblem(number, sku, error.field or "row", error.message))
    session.commit()
    return UploadReport(saved, problems)


def _page(
    request: Request, ctx: SellerContext, status_code: int = 200, **context: object
) -> HTMLResponse:
    return render(
        request,
        "seller/bulk_upload.html",
        status_code=status_code,
        ctx=ctx,
        section="inventory",
        required=REQUIRED,
        optional=OPTIONAL,
        conditions=CONDITIONS,
        max_rows=default_policy()
        .for_marketplace(current_marketplace(request).code)
        .seller_central.upload_max_rows,
        **context,
    )


@router.get("/inventory/upload", response_class=HTMLResponse)
def upload_form(request: Request, ctx: SellerContext = Depends(seller_context)) -> HTMLResponse:
    require(ctx, "inventory")
    return _page(request, ctx)


@router.get("/inventory/upload/template.csv")
def upload_template(ctx: SellerContext = Depends(seller_context)) -> Response:
    require(ctx, "inventory")
    text = "\n".join(",".join(row) for row in TEMPLATE_ROWS) + "\n"
    return PlainTextResponse(
        text,
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="souk-offers-template.csv"'},
    )


@router.post("/inventory/upload", dependencies=[Depends(check_csrf)])
async def upload(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "inventory")
    market = current_marketplace(request)
    limits = default_policy().for_marketplace(market.code).seller_central
    form = await request.form()
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput("Choose a CSV or tab-separated file.", field="file")
        data = await upload.read(limits.upload_max_bytes + 1)
        if len(data) > limits.upload_max_bytes:
            raise InvalidInput(
                f"The file is over {limits.upload_max_bytes // 1_000_000} MB; split it.",
                field="file",
            )
        rows = read_rows(data, limits.upload_max_rows)
    except SoukError as error:
        return _page(request, ctx, status_code=400, errors={"file": error.message})
    report = upload_offers(
        session,
        runtime(request).clock,
        ctx.seller.id,
        market,
        ctx.seller.default_handling_days,
        rows,
    )
    return _page(request, ctx, report=report)
