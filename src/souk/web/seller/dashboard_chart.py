"""The dashboard's sales chart: server-side SVG (pygal) with a data table beside it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pygal
from markupsafe import Markup
from pygal.style import Style
from sqlalchemy.orm import Session

from souk.marketplaces.rules import Marketplace
from souk.web.seller.reports import SalesReport, sales_report

# souk's colours (souk.css) so the chart looks like the rest of Seller Central.
CHART_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1d2329",
    foreground_strong="#1d2329",
    foreground_subtle="#dde1e6",
    colors=("#0f4c5c",),
    font_family="-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Arial, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    title_font_size=14,
    guide_stroke_color="#dde1e6",
    major_guide_stroke_color="#c4cad1",
    guide_stroke_dasharray="0",
    major_guide_stroke_dasharray="0",
)


@dataclass(frozen=True)
class SalesChart:
    svg: Markup
    report: SalesReport


def sales_chart(
    session: Session, seller_id: str, market: Marketplace, today: date, days: int
) -> SalesChart:
    first = today - timedelta(days=days - 1)
    report = sales_report(session, seller_id, market, first, today)
    chart = pygal.Bar(
        style=CHART_STYLE,
        width=900,
        height=320,
        show_legend=False,
        x_title="Day",
        y_title=f"Sales ({market.currency})",
        x_label_rotation=0,
        show_minor_x_labels=False,
        x_labels_major_every=max(1, days // 6),
        truncate_label=-1,
        # No script from elsewhere: the SVG must not load anything (tooltips need it).
        js=[],
        disable_xml_declaration=True,
        print_values=False,
        margin=8,
    )
    chart.x_labels = [d.day.strftime("%b %d") for d in report.days]
    chart.add("Sales", [report.money(d.sales_minor).decimal for d in report.days])
    svg = chart.render(is_unicode=True)
    return SalesChart(Markup(svg), report)
