"""``souk fulfilment ...``: the network's centres and the outbound conveyor."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

fulfilment_app = typer.Typer(help="The platform fulfilment network.", no_args_is_help=True)
console = Console()


def _runtime():  # type: ignore[no-untyped-def]
    from souk.core.runtime import Runtime

    rt = Runtime.build()
    rt.deliver_inline()
    return rt


@fulfilment_app.command("seed")
def seed() -> None:
    """Create souk's default fulfilment centres and transit lanes (idempotent)."""
    from souk.fulfillment.network import seed_network

    rt = _runtime()
    try:
        with rt.sessions() as session:
            console.print(f"{seed_network(session)} centre(s) created")
    finally:
        rt.close()


@fulfilment_app.command("centres")
def list_centres() -> None:
    """Every centre with its cut-off and capacity."""
    from souk.fulfillment.network import centres

    rt = _runtime()
    try:
        with rt.sessions() as session:
            table = Table("code", "marketplace", "site", "cut-off", "capacity")
            for c in centres(session):
                table.add_row(
                    c.code,
                    c.marketplace,
                    f"{c.name}, {c.city} {c.postal_code}",
                    f"{c.cutoff_hour:02d}:{c.cutoff_minute:02d} {c.time_zone}",
                    f"{c.capacity_units:,}",
                )
            console.print(table)
    finally:
        rt.close()


@fulfilment_app.command("ship")
def ship() -> None:
    """Pick, pack and ship every outbound shipment due today."""
    from souk.fulfillment.network import run_outbound

    rt = _runtime()
    try:
        with rt.sessions() as session:
            console.print(f"{run_outbound(session, rt.clock)} shipment(s) shipped")
    finally:
        rt.close()
