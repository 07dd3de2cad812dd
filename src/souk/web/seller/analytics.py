"""Seller Central analytics: business reports (page, chart, CSV), buyer behaviour,
sales forecasts with restock suggestions, search terms and the market view.

The featured-offer (Buy Box) percentage is the share of a product's page views in
which the seller's offer was the featured one, found from the Buy Box's decision
history (see ``souk.analytics.service.FeaturedOffers``).
"""

from __future__ import annotations

import copy
import csv
import io
from datetime import date, timedelta
from typing import Any

import pygal
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from souk.analytics import service
from souk.catalog.models import Category, Product
from souk.core.errors import InvalidInput, SoukError
from souk.marketplaces.rules import Marketplace
from souk.offers.models import Offer
from souk.web.deps import SellerContext, current_marketplace, read_db, runtime, seller_context
from souk.web.pages import field_errors, render
from souk.web.seller.access import require
from souk.web.seller.dashboard_chart import CHART_STYLE

router = APIRouter()

DEFAULT_DAYS = 30
TABS = (
    ("report", "/seller/analytics", "Business report"),
    ("behaviour", "/seller/analytics/behaviour", "Buyer behaviour"),
    ("forecast", "/seller/analytics/forecast", "Forecast & restock"),
    ("search", "/seller/analytics/search-terms", "Search terms"),
    ("market", "/seller/analytics/market", "Market view"),
)


def _today(request: Request, market: Marketplace) -> date:
    return runtime(request).clock.now().astimezone(market.zone).date()


def _range(request: Request, market: Marketplace) -> tuple[date, date]:
    today = _today(request, market)
    start_text = request.query_params.get("from", "")
    end_text = request.query_params.get("to", "")
    try:
        end = date.fromisoformat(end_text) if end_text else today
    except ValueError:
        raise InvalidInput("Enter a date like 2026-03-31.", field="to") from None
    try:
        start = (
            date.fromisoformat(start_text) if start_text else end - timedelta(days=DEFAULT_DAYS - 1)
        )
    except ValueError:
        raise InvalidInput("Enter a date like 2026-03-01.", field="from") from None
    return service.check_range(start, end, market.code)


# Seller Central's teal first, then the deal red and greys for bands and comparisons.
SERIES_STYLE = copy.copy(CHART_STYLE)
SERIES_STYLE.colors = ("#0f4c5c", "#b42318", "#7a828c", "#7a828c", "#c45500", "#2f80ed")
SERIES_STYLE.legend_font_size = 13


def _chart(kind: type[Any], **options: Any) -> Any:
    settings: dict[str, Any] = {
        "style": SERIES_STYLE,
        "include_x_axis": True,
        "width": 900,
        "height": 320,
        "js": [],  # no script from elsewhere: the SVG must not load anything
        "disable_xml_declaration": True,
        "truncate_label": -1,
        "margin": 8,
    }
    return kind(**{**settings, **options})


def _page(
    request: Request, ctx: SellerContext, template: str, tab: str, **context: Any
) -> HTMLResponse:
    return render(
        request,
        template,
        status_code=context.pop("status_code", 200),
        ctx=ctx,
        section="analytics",
        tabs=TABS,
        tab=tab,
        **context,
    )


def _percent(value: float | None) -> str:
    return "\N{EN DASH}" if value is None else f"{value:.1f}%"


#: What the business report's chart can show.
REPORT_CHARTS = {
    "sales": "Sales and sessions",
    "featured": "Featured-offer (Buy Box) percentage",
}


def _report_chart_choice(request: Request) -> str:
    choice = request.query_params.get("chart", "") or "sales"
    if choice not in REPORT_CHARTS:
        raise InvalidInput("Choose what the chart shows.", field="chart")
    return choice


def _report_chart(report: service.BusinessReport, choice: str, market: Marketplace) -> Any:
    days = len(report.by_day)
    labels = [date.fromisoformat(d.key).strftime("%b %d") for d in report.by_day]
    common = {
        "x_title": "Day",
        "show_legend": True,
        "legend_at_bottom": True,
        "x_labels_major_every": max(1, days // 6),
        "show_minor_x_labels": False,
    }
    if choice == "featured":
        chart = _chart(pygal.Line, y_title="Featured offer (%)", range=(0, 100), **common)
        chart.x_labels = labels
        # A day without page views has no percentage: a gap, not a zero.
        chart.add(
            "Featured-offer %",
            [
                None
                if d.featured_offer_percentage is None
                else round(d.featured_offer_percentage, 1)
                for d in report.by_day
            ],
        )
        return chart
    chart = _chart(
        pygal.Bar,
        y_title=f"Sales ({market.currency})",
        secondary_range=(0, max([1] + [d.sessions for d in report.by_day])),
        **common,
    )
    chart.x_labels = labels
    chart.add("Sales", [report.money(d.sales_minor).decimal for d in report.by_day])
    chart.add("Sessions", [d.sessions for d in report.by_day], secondary=True)
    return chart


@router.get("/analytics", response_class=HTMLResponse)
def report_page(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "reports")
    market = current_marketplace(request)
    values = {
        "from": request.query_params.get("from", ""),
        "to": request.query_params.get("to", ""),
        "chart": request.query_params.get("chart", "") or "sales",
    }
    try:
        start, end = _range(request, market)
        choice = _report_chart_choice(request)
    except SoukError as error:
        return _page(
            request, ctx, "analytics/report.html", "report", status_code=400,
            errors=field_errors(error), values=values, report=None, charts=REPORT_CHARTS,
        )  # fmt: skip
    report = service.business_report(session, ctx.seller.id, market.code, start, end)
    chart = _report_chart(report, choice, market)
    return _page(
        request,
        ctx,
        "analytics/report.html",
        "report",
        report=report,
        chart=Markup(chart.render(is_unicode=True)),
        chart_label=REPORT_CHARTS[choice],
        charts=REPORT_CHARTS,
        percent=_percent,
        values={"from": start.isoformat(), "to": end.isoformat(), "chart": choice},
        errors={},
    )


@router.get("/analytics/report.csv")
def report_csv(
    request: Request,
    by: str = "day",
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> Response:
    require(ctx, "reports")
    market = current_marketplace(request)
    start, end = _range(request, market)
    report = service.business_report(session, ctx.seller.id, market.code, start, end)
    out = io.StringIO()
    writer = csv.writer(out)
    first = "asin" if by == "product" else "date"
    header = [first, *(["title"] if by == "product" else [])]
    header += ["sessions", "page_views", "units", "orders", "sales", "currency"]
    writer.writerow([*header, "unit_session_percentage", "featured_offer_percentage"])
    for line in report.by_product if by == "product" else report.by_day:
        usp = line.unit_session_percentage
        featured = line.featured_offer_percentage
        writer.writerow(
            [line.key]
            + ([report.titles.get(line.key, "")] if by == "product" else [])
            + [
                line.sessions,
                line.page_views,
                line.units,
                line.orders,
                report.money(line.sales_minor).amount_str(),
                report.currency,
                "" if usp is None else f"{usp:.2f}",
                "" if featured is None else f"{featured:.1f}",
            ]
        )
    name = f"business-report-{by}-{start.isoformat()}-{end.isoformat()}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/analytics/behaviour", response_class=HTMLResponse)
def behaviour_page(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "reports")
    market = current_marketplace(request)
    values = {
        "from": request.query_params.get("from", ""),
        "to": request.query_params.get("to", ""),
    }
    try:
        start, end = _range(request, market)
    except SoukError as error:
        return _page(
            request, ctx, "analytics/behaviour.html", "behaviour", status_code=400,
            errors=field_errors(error), values=values, behaviour=None,
        )  # fmt: skip
    behaviour = service.buyer_behaviour(session, ctx.seller.id, market.code, start, end)
    chart = _chart(
        pygal.Bar,
        x_title="Hour of day (buyer's local time)",
        y_title="Count",
        show_legend=True,
        legend_at_bottom=True,
    )
    chart.x_labels = [f"{h:02d}" for h in range(24)]
    chart.add("Orders", behaviour.order_hours)
    chart.add("Messages", behaviour.message_hours)
    return _page(
        request,
        ctx,
        "analytics/behaviour.html",
        "behaviour",
        behaviour=behaviour,
        chart=Markup(chart.render(is_unicode=True)),
        percent=_percent,
        values={"from": start.isoformat(), "to": end.isoformat()},
        errors={},
    )


@router.get("/analytics/forecast", response_class=HTMLResponse)
def forecast_page(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "reports")
    market = current_marketplace(request)
    policy = service.analytics_policy(market.code)
    skus = list(
        session.execute(
            select(Offer.sku, Product.title)
            .join(Product, Product.asin == Offer.asin)
            .where(Offer.seller_id == ctx.seller.id, Offer.marketplace == market.code)
            .order_by(Offer.sku)
        ).all()
    )
    values = {
        "sku": request.query_params.get("sku", skus[0][0] if skus else ""),
        "weeks": request.query_params.get("weeks", "8"),
        "lead_time": request.query_params.get("lead_time", str(policy.default_lead_time_days)),
    }
    context: dict[str, Any] = {"skus": skus, "values": values, "errors": {}, "result": None}
    if skus:
        try:
            weeks = _int(values["weeks"], "weeks")
            lead = _int(values["lead_time"], "lead_time")
            result = service.sku_forecast(
                session, ctx.seller.id, market.code, values["sku"],
                today=_today(request, market), weeks=weeks, lead_time_days=lead,
            )  # fmt: skip
        except SoukError as error:
            context.update(errors=field_errors(error), status_code=400)
        else:
            context.update(result=result, chart=_forecast_chart(result, market))
    return _page(request, ctx, "analytics/forecast.html", "forecast", policy=policy, **context)


def _int(text: str, field: str) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit()):
        raise InvalidInput("Enter a whole number.", field=field)
    return int(text)


def _forecast_chart(result: service.SkuForecast, market: Marketplace) -> Markup:
    """Weekly units: the last eight weeks sold, then the forecast with its band."""
    past_weeks = min(8, len(result.history) // 7)
    past = []
    for w in range(past_weeks, 0, -1):
        chunk = result.history[len(result.history) - 7 * w : len(result.history) - 7 * (w - 1)]
        past.append(sum(chunk))
    labels = [
        (result.first_day - timedelta(days=7 * w)).strftime("%b %d")
        for w in range(past_weeks, 0, -1)
    ] + [w.week_start.strftime("%b %d") for w in result.weeks]
    chart = _chart(
        pygal.Line,
        x_title="Week starting",
        y_title="Units",
        show_legend=True,
        legend_at_bottom=True,
        x_label_rotation=0,
        show_dots=True,
        dots_size=3,
    )
    chart.x_labels = labels
    gap: list[float | None] = [None] * past_weeks
    chart.add("Sold", [*past, *([None] * len(result.weeks))])
    chart.add("Forecast", [*gap, *[round(w.units, 1) for w in result.weeks]])
    chart.add(
        "80% band: high",
        [*gap, *[round(w.high, 1) for w in result.weeks]],
        stroke_style={"dasharray": "4, 4"},
    )
    chart.add(
        "80% band: low",
        [*gap, *[round(w.low, 1) for w in result.weeks]],
        stroke_style={"dasharray": "4, 4"},
    )
    return Markup(chart.render(is_unicode=True))


@router.get("/analytics/search-terms", response_class=HTMLResponse)
def search_terms_page(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "reports")
    market = current_marketplace(request)
    values = {
        "from": request.query_params.get("from", ""),
        "to": request.query_params.get("to", ""),
    }
    try:
        start, end = _range(request, market)
    except SoukError as error:
        return _page(
            request, ctx, "analytics/search_terms.html", "search", status_code=400,
            errors=field_errors(error), values=values, terms=[],
        )  # fmt: skip
    terms = service.search_terms(session, ctx.seller.id, market.code, start, end)
    return _page(
        request,
        ctx,
        "analytics/search_terms.html",
        "search",
        terms=terms,
        percent=_percent,
        values={"from": start.isoformat(), "to": end.isoformat()},
        errors={},
    )


@router.get("/analytics/market", response_class=HTMLResponse)
def market_page(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "reports")
    market = current_marketplace(request)
    # The categories of the seller's own products, narrowest first.
    categories = list(
        session.scalars(
            select(Category)
            .join(Product, Product.category_id == Category.id)
            .join(Offer, Offer.asin == Product.asin)
            .where(Offer.seller_id == ctx.seller.id, Offer.marketplace == market.code)
            .distinct()
            .order_by(Category.name)
        )
    )
    chosen_id = request.query_params.get("category", "")
    chosen = next(
        (c for c in categories if str(c.id) == chosen_id), categories[0] if categories else None
    )
    products = (
        service.market_view(session, ctx.seller.id, market.code, chosen, _today(request, market))
        if chosen
        else []
    )
    chart = None
    if products and any(p.rank_history for p in products):
        line = _chart(
            pygal.Line, x_title="Day", y_title="Best Sellers Rank", inverse_y_axis=True,
            include_x_axis=False,
            show_legend=True, legend_at_bottom=True, show_minor_x_labels=False,
        )  # fmt: skip
        days = sorted({d for p in products[:5] for d, _ in p.rank_history})
        line.x_labels = [d.strftime("%b %d") for d in days]
        line.x_labels_major_every = max(1, len(days) // 6)
        for p in products[:5]:
            ranks = dict(p.rank_history)
            line.add(f"#{p.rank} {p.title[:30]}", [ranks.get(d) for d in days])
        chart = Markup(line.render(is_unicode=True))
    return _page(
        request,
        ctx,
        "analytics/market.html",
        "market",
        categories=categories,
        chosen=chosen,
        products=products,
        chart=chart,
    )
