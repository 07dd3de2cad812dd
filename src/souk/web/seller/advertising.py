"""Seller Central advertising: Sponsored Products campaigns, ad groups, ads,
targets, and their reports (table, SVG chart, CSV).

Handlers read the form, call ads.service, and show its errors beside the
field they name. Another seller's campaign or ad group is a 404.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from souk.ads import rules as ad_rules
from souk.ads import service as ads
from souk.ads.models import Ad, AdGroup, Campaign, Target
from souk.catalog.models import Category, Product
from souk.core.errors import InvalidInput, NotFound, SoukError
from souk.core.money import Money
from souk.core.policy import default_policy
from souk.marketplaces.rules import MARKETPLACES
from souk.offers.models import Offer
from souk.offers.service import seller_offers
from souk.web.deps import SellerContext, check_csrf, current_marketplace, db, read_db, runtime
from souk.web.deps import seller_context as _seller_context
from souk.web.pages import field_errors, form_values, format_money, render
from souk.web.seller.access import require
from souk.web.seller.inventory import amount

router = APIRouter(prefix="/advertising")

# Reports cover at most a year at a time; the default is the last 30 days.
REPORT_DEFAULT_DAYS = 30
REPORT_MAX_DAYS = 366
OWN_OFFERS_SHOWN = 500
STRATEGY_LABELS = {
    "fixed": "Fixed bids",
    "down_only": "Dynamic bids - down only",
    "up_and_down": "Dynamic bids - up and down",
}
GROUP_LABELS = {
    "campaign": "Campaign",
    "target": "Target",
    "search_term": "Search term",
    "day": "Day",
}


def manager(ctx: SellerContext = Depends(_seller_context)) -> SellerContext:
    """Managing campaigns spends the seller's money: inventory managers and admins."""
    require(ctx, "inventory")
    return ctx


def reader(ctx: SellerContext = Depends(_seller_context)) -> SellerContext:
    require(ctx, "reports")
    return ctx


async def _form(request: Request) -> dict[str, str]:
    """The posted fields without NUL characters, which no name or keyword needs
    (and PostgreSQL cannot store)."""
    return {k: v.replace("\x00", "") for k, v in (await form_values(request)).items()}


def _today(request: Request) -> date:
    market = current_marketplace(request)
    return runtime(request).clock.now().astimezone(market.zone).date()


def _day(value: str | None, field: str, *, required: bool = True) -> date | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidInput("Enter a date.", field=field)
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("Enter a date like 2026-12-01.", field=field) from None


def _percent(value: str | None, field: str) -> int:
    text = (value or "0").strip() or "0"
    if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 6:
        raise InvalidInput("Enter a whole percentage from 0 to 900.", field=field)
    return int(text)


def _optional_bid(value: str | None, currency: str) -> Money | None:
    return amount(value, currency, "bid") if (value or "").strip() else None


def _money(minor: int, currency: str) -> Money:
    return Money(currency, minor)


# -- reads for these pages ------------------------------------------------------------------


def _groups(session: Session, campaign_id: int) -> list[AdGroup]:
    return list(
        session.scalars(
            select(AdGroup).where(AdGroup.campaign_id == campaign_id).order_by(AdGroup.id)
        )
    )


def _ads(session: Session, group_id: int) -> list[tuple[Ad, Offer, Product]]:
    rows = session.execute(
        select(Ad, Offer, Product)
        .join(Offer, Offer.id == Ad.offer_id)
        .join(Product, Product.asin == Ad.asin)
        .where(Ad.ad_group_id == group_id)
        .order_by(Ad.id)
    )
    return [(a, o, p) for a, o, p in rows]


def _targets(session: Session, group_id: int) -> list[tuple[Target, str]]:
    """The group's targets with a label ("kettle", "B0…", "Kitchen > Kettles")."""
    targets = list(
        session.scalars(select(Target).where(Target.ad_group_id == group_id).order_by(Target.id))
    )
    category_ids = [int(t.match_key) for t in targets if t.kind == "category"]
    names = {
        str(c.id): c.path.replace("/", " > ")
        for c in session.scalars(select(Category).where(Category.id.in_(category_ids)))
    }
    labels = []
    for t in targets:
        label = t.keyword if t.kind == "keyword" else names.get(t.match_key, t.match_key)
        labels.append((t, label))
    return labels


# -- campaigns ------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def campaigns(
    request: Request, ctx: SellerContext = Depends(reader), session: Session = Depends(read_db)
) -> HTMLResponse:
    today = _today(request)
    start = today - timedelta(days=REPORT_DEFAULT_DAYS - 1)
    rows = []
    totals = ads.ReportRow("all", 0, 0, 0, 0, 0)
    for campaign in ads.campaigns_for(session, ctx.seller.id):
        found = ads.report(
            session,
            seller_id=ctx.seller.id,
            start=start,
            end=today,
            group_by="campaign",
            campaign_id=campaign.id,
        )
        row = found[0] if found else ads.ReportRow(campaign.name, 0, 0, 0, 0, 0)
        rows.append((campaign, row))
        if campaign.marketplace == current_marketplace(request).code:
            totals = ads.ReportRow(
                "all",
                totals.impressions + row.impressions,
                totals.clicks + row.clicks,
                totals.spend_minor + row.spend_minor,
                totals.orders + row.orders,
                totals.sales_minor + row.sales_minor,
            )
    return render(
        request,
        "seller/advertising.html",
        ctx=ctx,
        section="advertising",
        rows=rows,
        totals=totals,
        start=start,
        end=today,
        strategies=STRATEGY_LABELS,
    )


def _campaign_form(
    request: Request,
    ctx: SellerContext,
    values: dict[str, str],
    errors: dict[str, str],
    status: int,
) -> HTMLResponse:
    market = current_marketplace(request)
    policy_minimum = default_policy().for_marketplace(market.code).ads.min_daily_budget_minor
    return render(
        request,
        "seller/advertising_campaign_form.html",
        status_code=status,
        ctx=ctx,
        section="advertising",
        values=values,
        errors=errors,
        strategies=STRATEGY_LABELS,
        min_budget=Money(market.currency, policy_minimum),
    )


@router.get("/campaigns/new", response_class=HTMLResponse)
def new_campaign(request: Request, ctx: SellerContext = Depends(manager)) -> HTMLResponse:
    values = {
        "start_date": _today(request).isoformat(),
        "bidding_strategy": "down_only",
        "top_of_search_percent": "0",
        "rest_of_search_percent": "0",
        "product_page_percent": "0",
    }
    return _campaign_form(request, ctx, values, {}, 200)


@router.post("/campaigns", dependencies=[Depends(check_csrf)])
async def create_campaign(
    request: Request, ctx: SellerContext = Depends(manager), session: Session = Depends(db)
) -> Response:
    values = await _form(request)
    market = current_marketplace(request)
    try:
        start = _day(values.get("start_date"), "start_date")
        assert start is not None
        campaign = ads.create_campaign(
            session,
            runtime(request).clock,
            seller_id=ctx.seller.id,
            marketplace=market.code,
            name=values.get("name", ""),
            daily_budget=amount(values.get("daily_budget"), market.currency, "daily_budget"),
            start_date=start,
            end_date=_day(values.get("end_date"), "end_date", required=False),
            bidding_strategy=values.get("bidding_strategy", ""),
            top_of_search_percent=_percent(
                values.get("top_of_search_percent"), "top_of_search_percent"
            ),
            rest_of_search_percent=_percent(
                values.get("rest_of_search_percent"), "rest_of_search_percent"
            ),
            product_page_percent=_percent(
                values.get("product_page_percent"), "product_page_percent"
            ),
        )
    except SoukError as error:
        if error.status != 400:
            raise
        session.rollback()
        return _campaign_form(request, ctx, values, field_errors(error), 400)
    return RedirectResponse(f"/seller/advertising/campaigns/{campaign.id}?created=1", 303)


def _campaign_page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    campaign_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    campaign = ads.seller_campaign(session, ctx.seller.id, campaign_id)
    groups = _groups(session, campaign.id)
    return render(
        request,
        "seller/advertising_campaign.html",
        status_code=status,
        ctx=ctx,
        section="advertising",
        campaign=campaign,
        groups=[(g, len(_ads(session, g.id)), len(_targets(session, g.id))) for g in groups],
        strategies=STRATEGY_LABELS,
        errors=errors or {},
        values=values or {},
    )


def _id(text: str) -> int:
    """Path ids that are not numbers name nothing: 404, like a missing one."""
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise NotFound("No such campaign or ad group.")
    return int(text)


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_page(
    request: Request,
    campaign_id: str,
    ctx: SellerContext = Depends(manager),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    return _campaign_page(request, session, ctx, _id(campaign_id))


@router.post("/campaigns/{campaign_id}/status", dependencies=[Depends(check_csrf)])
async def campaign_status(
    request: Request,
    campaign_id: str,
    ctx: SellerContext = Depends(manager),
    session: Session = Depends(db),
) -> Response:
    values = await _form(request)
    campaign = ads.set_campaign_status(
        session,
        seller_id=ctx.seller.id,
        campaign_id=_id(campaign_id),
        status=values.get("status", ""),
    )
    return RedirectResponse(f"/seller/advertising/campaigns/{campaign.id}?saved=1", 303)


@router.post("/campaigns/{campaign_id}/ad-groups", dependencies=[Depends(check_csrf)])
async def create_ad_group(
    request: Request,
    campaign_id: str,
    ctx: SellerContext = Depends(manager),
    session: Session = Depends(db),
) -> Response:
    values = await _form(request)
    campaign = ads.seller_campaign(session, ctx.seller.id, _id(campaign_id))
    try:
        group = ads.add_ad_group(
            session,
            seller_id=ctx.seller.id,
            campaign_id=campaign.id,
            name=values.get("name", ""),
            default_bid=amount(values.get("default_bid"), campaign.currency, "default_bid"),
        )
    except SoukError as error:
        if error.status != 400:
            raise
        session.rollback()
        return _campaign_page(
            request,
            session,
            ctx,
            campaign.id,
            errors=field_errors(error),
            values=values,
            status=400,
        )
    return RedirectResponse(f"/seller/advertising/ad-groups/{group.id}?created=1", 303)


# -- ad groups: ads and targets -------------------------------------------------------------


def _group_page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    group_id: int,
    *,
    form: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    group, campaign = ads.seller_ad_group(session, ctx.seller.id, group_id)
    own = seller_offers(
        session, ctx.seller.id, marketplace=campaign.marketplace, limit=OWN_OFFERS_SHOWN
    )
    return render(
        request,
        "seller/advertising_ad_group.html",
        status_code=status,
        ctx=ctx,
        section="advertising",
        campaign=campaign,
        group=group,
        ads=_ads(session, group.id),
        targets=_targets(session, group.id),
        own_offers=own,
        match_types=ad_rules.MATCH_TYPES,
        form=form,
        errors=errors or {},
        values=values or {},
    )


@router.get("/ad-groups/{group_id}", response_class=HTMLResponse)
def ad_group_page(
    request: Request,
    group_id: str,
    ctx: SellerContext = Depends(manager),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    return _group_page(request, session, ctx, _id(group_id))


def _add_to_group(
    session: Session, ctx: SellerContext, group_id: int, form: str, values: dict[str, str]
) -> None:
    group, campaign = ads.seller_ad_group(session, ctx.seller.id, group_id)
    currency = campaign.currency
    if form == "ad":
        ads.add_ad(
            session, seller_id=ctx.seller.id, ad_group_id=group.id, sku=values.get("sku", "")
        )
    elif form in ("keyword", "negative"):
        negative = form == "negative"
        ads.add_keyword(
            session,
            seller_id=ctx.seller.id,
            ad_group_id=group.id,
            keyword=values.get("keyword", ""),
            match_type=values.get("match_type", ""),
            bid=None if negative else _optional_bid(values.get("bid"), currency),
            negative=negative,
        )
    elif form == "product":
        ads.add_product_target(
            session,
            seller_id=ctx.seller.id,
            ad_group_id=group.id,
            asin=values.get("asin", "").strip().upper(),
            bid=_optional_bid(values.get("bid"), currency),
        )
    elif form == "category":
        path = values.get("category_path", "").strip().strip("/")
        if session.scalar(select(Category.id).where(Category.path == path)) is None:
            raise InvalidInput(f"There is no category {path!r}.", field="category_path")
        ads.add_category_target(
            session,
            seller_id=ctx.seller.id,
            ad_group_id=group.id,
            category_path=path,
            bid=_optional_bid(values.get("bid"), currency),
        )
    else:
        raise InvalidInput("Choose what to add.", field="form")


@router.post("/ad-groups/{group_id}/{form}", dependencies=[Depends(check_csrf)])
async def add_to_ad_group(
    request: Request,
    group_id: str,
    form: str,
    ctx: SellerContext = Depends(manager),
    session: Session = Depends(db),
) -> Response:
    values = await _form(request)
    number = _id(group_id)
    ads.seller_ad_group(session, ctx.seller.id, number)  # another seller's group: 404
    try:
        _add_to_group(session, ctx, number, form, values)
    except SoukError as error:
        # A SKU, ASIN or category that does not exist is the seller's typo, not a missing page.
        if error.status not in (400, 404) or error.field in (None, "ad_group_id", "campaign_id"):
            raise
        session.rollback()
        return _group_page(
            request,
            session,
            ctx,
            number,
            form=form,
            errors=field_errors(error),
            values=values,
            status=400,
        )
    return RedirectResponse(f"/seller/advertising/ad-groups/{number}?added={form}", 303)


# -- reports --------------------------------------------------------------------------------


def _nice_step(raw: float) -> int:
    """The smallest whole 1, 2 or 5 times a power of ten that is at least ``raw``."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= raw:
                return step * factor
        step *= 10


def _chart(rows: list[ads.ReportRow], currency: str, locale_money: Any) -> Markup:
    """Spend per day as SVG bars with axis labels; clicks as a line on a right axis."""
    if not rows:
        return Markup("")
    width, height, left, right, top, bottom = 760, 260, 64, 48, 16, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    # Axes run to a round number in four equal steps, so every tick label differs.
    most_spend = 4 * _nice_step(max(r.spend_minor for r in rows) / 4)
    most_clicks = 4 * _nice_step(max(r.clicks for r in rows) / 4)
    step = plot_w / len(rows)
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="11">',
        '<title id="chart-title">Spend (bars) and clicks (line) per day</title>',
    ]
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        label = escape(locale_money(Money(currency, most_spend * i // 4)))
        clicks = most_clicks * i // 4
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eceff2"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#565f6b">{label}</text>'
            f'<text x="{left + plot_w + 6}" y="{y + 4:.1f}" fill="#0b63b6">'
            f"{clicks:g}</text>"
        )
    points = []
    every = max(1, len(rows) // 10)
    for i, row in enumerate(rows):
        bar = plot_h * row.spend_minor / most_spend
        x = left + i * step
        parts.append(
            f'<rect x="{x + step * 0.15:.1f}" y="{top + plot_h - bar:.1f}" '
            f'width="{step * 0.7:.1f}" height="{bar:.1f}" fill="#f0a92e">'
            f"<title>{escape(row.key)}: {escape(locale_money(Money(currency, row.spend_minor)))}"
            f", {row.clicks} clicks</title></rect>"
        )
        points.append(f"{x + step / 2:.1f},{top + plot_h - plot_h * row.clicks / most_clicks:.1f}")
        if i % every == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
                f'fill="#565f6b">{escape(row.key[5:])}</text>'
            )
    parts.append(
        f'<polyline points="{" ".join(points)}" fill="none" stroke="#0b63b6" stroke-width="2"/>'
        f'<text x="{left}" y="{height - 8}" fill="#565f6b">Spend ({currency}, left) · '
        f'day (month-day)</text><text x="{left + plot_w}" y="{height - 8}" text-anchor="end" '
        f'fill="#0b63b6">Clicks (right)</text></svg>'
    )
    return Markup("".join(parts))


def _filled_days(rows: list[ads.ReportRow], start: date, end: date) -> list[ads.ReportRow]:
    """Every day of the range, days without activity as zeros, so the chart's axis is time."""
    found = {r.key: r for r in rows}
    days = (end - start).days + 1
    return [
        found.get(d.isoformat(), ads.ReportRow(d.isoformat(), 0, 0, 0, 0, 0))
        for d in (start + timedelta(days=n) for n in range(days))
    ]


def _csv(rows: list[ads.ReportRow], group_by: str, currency: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            GROUP_LABELS[group_by],
            "Impressions",
            "Clicks",
            "CTR",
            f"Spend ({currency})",
            f"CPC ({currency})",
            "Orders",
            f"Sales ({currency})",
            "ACoS",
        ]
    )
    for r in rows:
        writer.writerow(
            [
                r.key,
                r.impressions,
                r.clicks,
                f"{r.ctr:.2%}",
                Money(currency, r.spend_minor).amount_str(),
                Money(currency, r.cpc_minor).amount_str(),
                r.orders,
                Money(currency, r.sales_minor).amount_str(),
                "" if r.acos is None else f"{r.acos:.2%}",
            ]
        )
    return buffer.getvalue()


@router.get("/reports", response_class=HTMLResponse)
def reports(
    request: Request, ctx: SellerContext = Depends(reader), session: Session = Depends(read_db)
) -> Response:
    q = request.query_params
    market = current_marketplace(request)
    today = _today(request)
    errors: dict[str, str] = {}
    group_by = q.get("group_by", "day")
    if group_by not in ads.REPORT_GROUPS:
        group_by = "day"
    campaign: Campaign | None = None
    if q.get("campaign", ""):
        campaign = ads.seller_campaign(session, ctx.seller.id, _id(q.get("campaign", "")))
    try:
        start = _day(q.get("start"), "start", required=False) or today - timedelta(
            days=REPORT_DEFAULT_DAYS - 1
        )
        end = _day(q.get("end"), "end", required=False) or today
        if end < start:
            raise InvalidInput("The report ends before it starts.", field="end")
        if (end - start).days >= REPORT_MAX_DAYS:
            raise InvalidInput(f"Reports cover up to {REPORT_MAX_DAYS} days.", field="start")
    except InvalidInput as error:
        errors = field_errors(error)
        start, end = today - timedelta(days=REPORT_DEFAULT_DAYS - 1), today
    rows = ads.report(
        session,
        seller_id=ctx.seller.id,
        start=start,
        end=end,
        group_by=group_by,
        campaign_id=campaign.id if campaign else None,
    )
    currency = campaign.currency if campaign else MARKETPLACES[market.code].currency
    if q.get("format") == "csv" and not errors:
        name = f"sponsored-products-{group_by}-{start.isoformat()}-{end.isoformat()}.csv"
        return Response(
            _csv(rows, group_by, currency),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    chart_rows = _filled_days(rows, start, end) if group_by == "day" else []
    return render(
        request,
        "seller/advertising_report.html",
        status_code=400 if errors else 200,
        ctx=ctx,
        section="advertising",
        rows=rows,
        group_by=group_by,
        group_labels=GROUP_LABELS,
        campaign=campaign,
        campaigns=ads.campaigns_for(session, ctx.seller.id),
        start=start,
        end=end,
        errors=errors,
        values=dict(q),
        currency=currency,
        chart=_chart(chart_rows, currency, lambda m: format_money(m, market.locale))
        if any(r.impressions or r.clicks for r in chart_rows)
        else Markup(""),
        csv_url="/seller/advertising/reports?" + urlencode({**dict(q), "format": "csv"}),
    )
