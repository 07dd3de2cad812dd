"""``souk finance ...``: fee estimates, settlements, exchange rates, money trails."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from souk.core.errors import SoukError

finance_app = typer.Typer(
    help="Fees, the seller ledger, statements and payouts.", no_args_is_help=True
)
console = Console()


def _runtime():  # type: ignore[no-untyped-def]
    from souk.core.runtime import Runtime

    rt = Runtime.build()
    rt.deliver_inline()
    return rt


@finance_app.command("fees")
def fees(
    asin: Annotated[str, typer.Option(help="The product")],
    price: Annotated[str, typer.Option(help="Item price, e.g. 19.99")],
    marketplace: Annotated[str, typer.Option()] = "US",
    shipping: Annotated[str, typer.Option()] = "0",
    channel: Annotated[str, typer.Option(help="MERCHANT or PLATFORM")] = "PLATFORM",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Estimate the fees and proceeds of one sale."""
    from souk.core.money import Money
    from souk.finance.service import estimate_fees
    from souk.marketplaces.rules import MARKETPLACES

    rt = _runtime()
    try:
        with rt.sessions() as session:
            currency = MARKETPLACES[marketplace].currency
            est = estimate_fees(
                session,
                marketplace=marketplace,
                asin=asin,
                price=Money.parse(price, currency),
                shipping=Money.parse(shipping, currency),
                channel=channel,
                at=rt.clock.now(),
            )
    except SoukError as error:
        console.print(f"[red]error:[/red] {error.message}")
        raise typer.Exit(2) from None
    finally:
        rt.close()
    rows = [(line.name, line.amount.amount_str()) for line in est.lines]
    rows += [("Total fees", est.total.amount_str()), ("Proceeds", est.proceeds.amount_str())]
    if as_json:
        typer.echo(
            json.dumps(
                {"currency": est.total.currency, "size_tier": est.size_tier, "lines": dict(rows)}
            )
        )
        return
    table = Table("", est.total.currency)
    for name, amount in rows:
        table.add_row(name, amount)
    console.print(table)


@finance_app.command("settle")
def settle() -> None:
    """Close every ended settlement period now: reserve, payout, statement."""
    from souk.finance.service import payout_provider, settle_due

    rt = _runtime()
    try:
        with rt.sessions() as session:
            closed = settle_due(session, rt.clock, payout_provider(rt), rt.payments)
            console.print(f"{closed} statement(s)")
    finally:
        rt.close()


@finance_app.command("rate")
def rate(
    base: Annotated[str, typer.Argument()],
    quote: Annotated[str, typer.Argument()],
    value: Annotated[str, typer.Argument(help="quote units per base unit")],
    day: Annotated[str | None, typer.Option(help="YYYY-MM-DD, today when left out")] = None,
    source: Annotated[str, typer.Option()] = "command line",
) -> None:
    """Record a day's exchange rate for payouts."""
    from souk.finance.service import record_rate

    rt = _runtime()
    try:
        with rt.sessions() as session:
            when = date.fromisoformat(day) if day else rt.clock.now().date()
            row = record_rate(
                session,
                rt.clock,
                day=when,
                base=base.upper(),
                quote=quote.upper(),
                rate=value,
                source=source,
            )
            console.print(f"{row.day} 1 {row.base} = {row.rate} {row.quote}")
    except SoukError as error:
        console.print(f"[red]error:[/red] {error.message}")
        raise typer.Exit(2) from None
    finally:
        rt.close()


@finance_app.command("trail")
def trail(order_id: Annotated[str, typer.Argument()]) -> None:
    """One order's money trail: ledger postings from checkout to the payout."""
    from souk.finance.service import order_trail

    rt = _runtime()
    try:
        with rt.sessions() as session:
            rows = order_trail(session, order_id)
    except SoukError as error:
        console.print(f"[red]error:[/red] {error.message}")
        raise typer.Exit(2) from None
    finally:
        rt.close()
    table = Table("when", "kind", "account", "amount", "statement")
    for row in rows:
        table.add_row(
            row.at.isoformat(timespec="minutes") if row.at else "",
            row.kind,
            row.account,
            row.amount.amount_str(),
            row.statement,
        )
    console.print(table)
