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
            console.print(f"{settle_due(session, rt.clock, payout_provider(rt))} statement(s)")
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
    from sqlalchemy import select

    from souk.core.money import Money
    from souk.finance.models import LedgerTransaction, Payout, Statement
    from souk.finance.service import _period_instants
    from souk.orders.models import Order

    rt = _runtime()
    try:
        with rt.sessions() as session:
            order = session.get(Order, order_id)
            if order is None:
                console.print(f"[red]error:[/red] no order {order_id}")
                raise typer.Exit(2)
            table = Table("when", "kind", "account", "amount", "statement")
            for tx in session.scalars(
                select(LedgerTransaction)
                .where(LedgerTransaction.reference == order_id)
                .order_by(LedgerTransaction.occurred_at, LedgerTransaction.id)
            ):
                statement = None
                for st in session.scalars(
                    select(Statement).where(
                        Statement.seller_id == tx.seller_id, Statement.marketplace == tx.marketplace
                    )
                ):
                    since, until = _period_instants(st.period_start, st.period_end, st.marketplace)
                    if since <= tx.occurred_at.astimezone(since.tzinfo) < until:
                        statement = st
                for entry in tx.entries:
                    table.add_row(
                        tx.occurred_at.isoformat(timespec="minutes"),
                        tx.kind,
                        entry.account,
                        Money(tx.currency, entry.amount_minor).amount_str(),
                        f"{statement.period_start}..{statement.period_end}"
                        if statement
                        else "open period",
                    )
                if statement is not None:
                    payout = session.scalar(
                        select(Payout).where(Payout.statement_id == statement.id)
                    )
                    if payout is not None and payout.status == "sent":
                        table.add_row(
                            "",
                            "payout",
                            f"bank ····{payout.account_last4}",
                            Money(payout.currency, payout.amount_minor).amount_str(),
                            payout.provider_reference,
                        )
            console.print(table)
    finally:
        rt.close()
