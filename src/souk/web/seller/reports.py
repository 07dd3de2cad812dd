"""Seller Central reports: sales, units, orders and refunds by day, as a page and a CSV.

souk has no fee table yet, so the report leaves fees out and says so; it
covers what is recorded: orders placed (not canceled), their units and
amounts, and refunds of canceled orders on the day they were canceled.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from souk.core.errors import InvalidInput, SoukError
from souk.core.money import Money
from souk.core.policy import default_policy
from souk.marketplaces.rules import Marketplace
from souk.orders import rules
from souk.orders.models import Order
from souk.orders.service import seller_orders
from souk.web.deps import SellerContext, current_marketplace, read_db, runtime, seller_context
from souk.web.pages import render
from souk.web.seller.access import require

router = APIRouter()

DEFAULT_DAYS = 30
ALL_ORDERS = 1_000_000


@dataclass
class DayLine:
    day: date
    orders: int = 0
    units: int = 0
    sales_minor: int = 0  # items and shipping of orders not canceled
    refunds: int = 0
    refunded_minor: int = 0


@dataclass(frozen=True)
class SalesReport:
    start: date
    end: date  # inclusive
    currency: str
    days: list[DayLine]

    def total(self, name: str) -> int:
        return sum(getattr(d, name) for d in self.days)

    def money(self, minor: int) -> Money:
        return Money(self.currency, minor)


def report_range(start: str, end: str, today: date, max_days: int) -> tuple[date, date]:
    """The inclusive date range asked for; by default the last 30 days."""
    try:
        last = date.fromisoformat(end) if end else today
    except ValueError:
        raise InvalidInput("Enter a date like 2026-03-31.", field="to") from None
    try:
        first = date.fromisoformat(start) if start else last - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        raise InvalidInput("Enter a date like 2026-03-01.", field="from") from None
    if first > last:
        raise InvalidInput("The start date must be on or before the end date.", field="from")
    if (last - first).days + 1 > max_days:
        raise InvalidInput(f"A report covers at most {max_days} days.", field="from")
    return first, last


def _local_midnight(day: date, market: Marketplace) -> datetime:
    return datetime.combine(day, time(0), tzinfo=market.zone)


def _local_day(moment: datetime, market: Marketplace) -> date:
    return moment.astimezone(market.zone).date()


def sales_report(
    session: Session, seller_id: str, market: Marketplace, first: date, last: date
) -> SalesReport:
    start, end = _local_midnight(first, market), _local_midnight(last + timedelta(days=1), market)
    lines = {
        first + timedelta(days=n): DayLine(first + timedelta(days=n))
        for n in range((last - first).days + 1)
    }
    placed = seller_orders(
        session, seller_id, marketplace=market.code, created_after=start, created_before=end,
        limit=ALL_ORDERS,
    )  # fmt: skip
    for order in placed:
        if order.status == rules.CANCELED:
            continue
        line = lines[_local_day(order.purchased_at, market)]
        line.orders += 1
        line.units += sum(i.quantity for i in order.items)
        line.sales_minor += order.total_minor
    canceled: list[Order] = seller_orders(
        session, seller_id, marketplace=market.code, statuses=(rules.CANCELED,),
        created_before=end, limit=ALL_ORDERS,
    )  # fmt: skip
    for order in canceled:
        if order.canceled_at is None or not start <= order.canceled_at < end:
            continue
        line = lines[_local_day(order.canceled_at, market)]
        line.refunds += 1
        line.refunded_minor += order.total_minor
    return SalesReport(first, last, market.currency, list(lines.values()))


def _asked(request: Request) -> tuple[str, str]:
    return request.query_params.get("from", ""), request.query_params.get("to", "")


@router.get("/reports", response_class=HTMLResponse)
def reports(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "reports")
    market = current_marketplace(request)
    start, end = _asked(request)
    today = _local_day(runtime(request).clock.now(), market)
    limit = default_policy().for_marketplace(market.code).seller_central.report_max_days
    try:
        first, last = report_range(start, end, today, limit)
    except SoukError as error:
        return render(
            request,
            "seller/reports.html",
            status_code=400,
            ctx=ctx,
            section="reports",
            report=None,
            errors={error.field or "from": error.message},
            values={"from": start, "to": end},
        )
    return render(
        request,
        "seller/reports.html",
        ctx=ctx,
        section="reports",
        report=sales_report(session, ctx.seller.id, market, first, last),
        values={"from": first.isoformat(), "to": last.isoformat()},
    )


@router.get("/reports/sales.csv")
def sales_csv(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> Response:
    require(ctx, "reports")
    market = current_marketplace(request)
    start, end = _asked(request)
    today = _local_day(runtime(request).clock.now(), market)
    limit = default_policy().for_marketplace(market.code).seller_central.report_max_days
    first, last = report_range(start, end, today, limit)  # bad dates answer 400
    report = sales_report(session, ctx.seller.id, market, first, last)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["date", "marketplace", "currency", "orders", "units", "sales", "refunds", "refunded"]
    )
    for d in report.days:
        writer.writerow(
            [
                d.day.isoformat(),
                market.code,
                market.currency,
                d.orders,
                d.units,
                report.money(d.sales_minor).decimal,
                d.refunds,
                report.money(d.refunded_minor).decimal,
            ]
        )
    name = f"souk-sales-{market.code}-{first.isoformat()}-{last.isoformat()}.csv"
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
