"""Seller Central: Account health (metrics, targets, trend, the orders behind each
metric), enforcement actions and the plan-of-action appeal form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pygal
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from souk.core.errors import SoukError
from souk.performance import rules, service
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
from souk.web.seller.dashboard_chart import CHART_STYLE

router = APIRouter()

#: Status chips: colour and words, so the state never hangs on colour alone.
STATUS_CHIPS = {
    rules.ON_TARGET: ("ok", "On target"),
    rules.OFF_TARGET: ("bad", "Off target"),
    rules.NO_DATA: ("neutral", "Too few orders"),
    rules.INFORMATION: ("neutral", "For your information"),
}
BAND_CHIPS = {rules.HEALTHY: "ok", rules.AT_RISK: "warn", rules.CRITICAL: "bad"}
#: The orders list of a metric is headed by what its orders are.
LISTED = {
    "order_defect_rate": "Orders with a defect",
    "cancellation_rate": "Orders you canceled",
    "valid_tracking_rate": "Shipments the carrier never reported",
    "on_time_delivery_rate": "Orders delivered late",
}


def _percent(rate: float | None) -> str:
    return "\N{EN DASH}" if rate is None else f"{rate * 100:.1f} %"


@dataclass(frozen=True)
class MetricLine:
    name: str
    label: str
    numerator: int
    denominator: int
    window_days: int
    rate: str
    target: str
    status: str
    chip: str
    status_words: str
    listed: int

    @classmethod
    def of(cls, name: str, figures: dict[str, Any]) -> MetricLine:
        target = figures["target"]
        sign = ">" if figures["higher_is_better"] else "<"
        chip, words = STATUS_CHIPS[figures["status"]]
        return cls(
            name=name,
            label=figures["label"],
            numerator=figures["numerator"],
            denominator=figures["denominator"],
            window_days=figures["window_days"],
            rate=_percent(figures["rate"]),
            target="\N{EN DASH}" if target is None else f"{sign} {target * 100:.1f} %",
            status=figures["status"],
            chip=chip,
            status_words=words,
            listed=len(figures.get("order_ids", [])),
        )


def _trend_svg(days: list[Any]) -> Markup | None:
    if len(days) < 2:
        return None
    chart = pygal.Line(
        style=CHART_STYLE,
        width=900,
        height=280,
        show_legend=False,
        x_title="Day",
        y_title="Account health",
        range=(0, 1000),
        show_minor_x_labels=False,
        x_labels_major_every=max(1, len(days) // 6),
        truncate_label=-1,
        js=[],
        disable_xml_declaration=True,
        margin=8,
        dots_size=2,
    )
    chart.x_labels = [d.day.strftime("%b %d") for d in days]
    chart.add("Account health", [d.account_health for d in days])
    return Markup(chart.render(is_unicode=True))


def _health_page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    market = current_marketplace(request)
    rt = runtime(request)
    row = service.standing_row(session, ctx.seller.id, market.code)
    policy = service.performance_policy(market.code)
    lines = [MetricLine.of(name, figures) for name, figures in (row.metrics if row else {}).items()]
    history = (
        service.snapshots(
            session,
            ctx.seller.id,
            market.code,
            since=(rt.clock.now() - timedelta(days=policy.chart_days)).date(),
        )
        if row
        else []
    )
    actions = service.enforcement_actions(session, ctx.seller.id)
    appeals = service.appeals_for(session, [a.id for a in actions])
    return render(
        request,
        "performance/seller_health.html",
        status_code=status_code,
        ctx=ctx,
        section="performance",
        row=row,
        band_chip=BAND_CHIPS,
        band_labels=rules.BAND_LABELS,
        off_target=[m for m in lines if m.status == rules.OFF_TARGET],
        targeted=[m for m in lines if m.status != rules.INFORMATION],
        own_use=[m for m in lines if m.status == rules.INFORMATION],
        history=history,
        trend=_trend_svg(history),
        actions=actions,
        appeals=appeals,
        step_labels=rules.STEP_LABELS,
        other_markets=[
            m for m in service.standing_marketplaces(session, ctx.seller.id) if m != market.code
        ],
        new_seller_until=ctx.seller.created_at + timedelta(days=policy.new_seller_days),
        policy=policy,
        errors=errors or {},
    )


@router.get("/performance", response_class=HTMLResponse)
def account_health(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "reports")
    return _health_page(request, session, ctx)


@router.post("/performance/recompute", dependencies=[Depends(check_csrf)])
def recompute_now(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    """Recompute this seller's figures now (the daily job does it for everyone)."""
    require(ctx, "reports")
    rt = runtime(request)
    market = current_marketplace(request)
    service.recompute_seller(session, rt.clock, ctx.seller.id, market.code, enforce=False)
    session.commit()
    return RedirectResponse("/seller/performance?recomputed=1", status_code=303)


@router.get("/performance/metrics/{metric}", response_class=HTMLResponse)
def metric_orders(
    request: Request,
    metric: str,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "reports")
    market = current_marketplace(request)
    figures, orders = service.metric_orders(session, ctx.seller.id, market.code, metric)
    heading = LISTED.get(metric, "Late orders" if metric.startswith("late_shipment") else "Orders")
    return render(
        request,
        "performance/seller_metric_orders.html",
        ctx=ctx,
        section="performance",
        metric=MetricLine.of(metric, figures),
        heading=heading,
        orders=orders,
        capped=figures["numerator"] > len(orders),
    )


def _appeal_page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    action_id: int,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    action = service.seller_action(session, ctx.seller.id, action_id)
    appeals = service.appeals_for(session, [action.id]).get(action.id, [])
    return render(
        request,
        "performance/seller_appeal.html",
        status_code=status_code,
        ctx=ctx,
        section="performance",
        action=action,
        appeals=appeals,
        pending=any(a.status == rules.PENDING for a in appeals),
        step_labels=rules.STEP_LABELS,
        minimum=rules.PLAN_FIELD_MIN,
        errors=errors or {},
        values=values or {},
    )


@router.get("/performance/actions/{action_id}/appeal", response_class=HTMLResponse)
def appeal_form(
    request: Request,
    action_id: int,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "settings")
    return _appeal_page(request, session, ctx, action_id)


@router.post("/performance/actions/{action_id}/appeal", dependencies=[Depends(check_csrf)])
async def appeal(
    request: Request,
    action_id: int,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "settings")
    values = await form_values(request)
    try:
        service.submit_appeal(
            session,
            runtime(request).clock,
            action_id=action_id,
            seller_id=ctx.seller.id,
            root_cause=values.get("root_cause", ""),
            actions_taken=values.get("actions_taken", ""),
            prevention=values.get("prevention", ""),
        )
    except SoukError as error:
        if error.status == 404:
            raise
        session.rollback()
        return _appeal_page(
            request,
            session,
            ctx,
            action_id,
            status_code=error.status,
            errors=field_errors(error),
            values=values,
        )
    return RedirectResponse("/seller/performance?appealed=1", status_code=303)
