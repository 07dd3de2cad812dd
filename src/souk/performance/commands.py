"""``souk performance``: recompute seller metrics now, and show a seller's standing."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from souk.core.errors import SoukError

performance_app = typer.Typer(
    help="Seller metrics, account health and enforcement.", no_args_is_help=True
)
console = Console()


def _runtime() -> Any:
    from souk.core.runtime import Runtime

    rt = Runtime.build()
    rt.deliver_inline()
    return rt


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.2f} %"


@performance_app.command("recompute")
def recompute(
    seller: Annotated[str | None, typer.Option("--seller", help="Only this seller id.")] = None,
    enforce: Annotated[
        bool, typer.Option(help="Apply the enforcement ladder to the new figures.")
    ] = True,
) -> None:
    """Recompute metrics and account health from order history (all sellers, or one)."""
    from souk.performance.service import recompute as run

    rt = _runtime()
    try:
        console.print(str(run(rt.sessions, rt.clock, seller_id=seller, enforce=enforce)))
    except SoukError as error:
        console.print(f"[red]error:[/red] {error.message}")
        raise typer.Exit(2) from None
    finally:
        rt.close()


@performance_app.command("show")
def show(
    seller_id: Annotated[str, typer.Argument(help="The seller id (A...).")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A seller's latest metrics, account health and enforcement actions."""
    from souk.performance import service
    from souk.performance.rules import BAND_LABELS, STEP_LABELS
    from souk.sellers.service import get_seller

    rt = _runtime()
    try:
        with rt.read_sessions() as session:
            try:
                seller = get_seller(session, seller_id.strip().upper())
            except SoukError as error:
                console.print(f"[red]error:[/red] {error.message}")
                raise typer.Exit(2) from None
            rows = [
                row
                for code in service.standing_marketplaces(session, seller.id)
                if (row := service.standing_row(session, seller.id, code)) is not None
            ]
            actions = service.enforcement_actions(session, seller.id)
        if as_json:
            print(
                json.dumps(
                    {
                        "seller_id": seller.id,
                        "status": seller.status,
                        "standings": [
                            {
                                "marketplace": r.marketplace,
                                "computed_at": r.computed_at.isoformat(),
                                "account_health": r.account_health,
                                "health_band": r.health_band,
                                "is_new_seller": r.is_new_seller,
                                "violation_points": r.violation_points,
                                "metrics": {
                                    name: {k: v for k, v in m.items() if k != "order_ids"}
                                    for name, m in r.metrics.items()
                                },
                            }
                            for r in rows
                        ],
                        "actions": [
                            {
                                "id": a.id,
                                "step": a.step,
                                "case_kind": a.case_kind,
                                "reason": a.reason,
                                "at": a.created_at.isoformat(),
                                "lifted_at": a.reversed_at.isoformat() if a.reversed_at else None,
                            }
                            for a in actions
                        ],
                    }
                )
            )
            return
        console.print(f"[bold]{seller.business_name}[/bold] ({seller.id}), status {seller.status}")
        if not rows:
            console.print("No metrics computed yet; run 'souk performance recompute'.")
        for r in rows:
            console.print(
                f"\n{r.marketplace}: account health {r.account_health} "
                f"({BAND_LABELS.get(r.health_band, r.health_band)})"
                + (", new seller" if r.is_new_seller else "")
                + f", computed {r.computed_at:%Y-%m-%d %H:%M} UTC"
            )
            table = Table("metric", "value", "orders", "window", "target", "status")
            for m in r.metrics.values():
                target = m["target"]
                sign = ">" if m["higher_is_better"] else "<"
                table.add_row(
                    m["label"],
                    _percent(m["rate"]),
                    f"{m['numerator']} / {m['denominator']}",
                    f"{m['window_days']} days",
                    "-" if target is None else f"{sign} {target * 100:.2f} %",
                    m["status"].replace("_", " "),
                )
            console.print(table)
        if actions:
            table = Table("action", "step", "case", "when", "reason")
            for a in actions:
                table.add_row(
                    str(a.id),
                    STEP_LABELS[a.step] + (" (lifted)" if a.reversed_at else ""),
                    a.case_kind,
                    f"{a.created_at:%Y-%m-%d}",
                    a.reason,
                )
            console.print(table)
    finally:
        rt.close()
