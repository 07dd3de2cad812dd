"""``souk global``: record exchange rates, list holidays, check the interface catalogs."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from souk.core.errors import SoukError

global_app = typer.Typer(
    help="Global selling: exchange rates, holidays, interface languages.", no_args_is_help=True
)
console = Console()


def _runtime() -> Any:
    from souk.core.runtime import Runtime

    rt = Runtime.build()
    rt.deliver_inline()
    return rt


def _fail(error: SoukError) -> None:
    console.print(f"[red]error:[/red] {error.message}")
    raise typer.Exit(2)


@global_app.command("rate")
def record_rate(
    base: Annotated[str, typer.Argument(help="The currency bought, e.g. USD.")],
    quote: Annotated[str, typer.Argument(help="The currency paid, e.g. EUR.")],
    rate: Annotated[str, typer.Argument(help="Units of QUOTE for one BASE, e.g. 0.9213.")],
    day: Annotated[
        str | None, typer.Option("--day", help="YYYY-MM-DD; today when left out.")
    ] = None,
    source: Annotated[str, typer.Option(help="Where the rate comes from.")] = "",
) -> None:
    """Record a day's exchange rate; copied offers in those currencies reprice."""
    from souk.globalselling.service import record_rate as record

    rt = _runtime()
    try:
        try:
            on = date.fromisoformat(day) if day else rt.clock.now().date()
        except ValueError:
            console.print(f"[red]error:[/red] {day!r} is not a date like 2026-11-23.")
            raise typer.Exit(2) from None
        with rt.sessions() as session:
            row = record(
                session, rt.clock, day=on, base=base, quote=quote, rate=rate, source=source
            )
            session.commit()
            console.print(f"{row.day}: 1 {row.base} = {row.rate} {row.quote}")
    except SoukError as error:
        _fail(error)
    finally:
        rt.close()


@global_app.command("rates")
def list_rates(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The most recently recorded exchange rates."""
    from souk.globalselling.service import latest_rates

    rt = _runtime()
    try:
        with rt.read_sessions() as session:
            rows = [
                {"day": r.day.isoformat(), "base": r.base, "quote": r.quote, "rate": r.rate}
                for r in latest_rates(session, limit=50)
            ]
    finally:
        rt.close()
    if as_json:
        console.print_json(json.dumps(rows))
        return
    table = Table("day", "base", "quote", "rate")
    for row in rows:
        table.add_row(row["day"], row["base"], row["quote"], row["rate"])
    console.print(table)


@global_app.command("holidays")
def holidays(
    marketplace: Annotated[str, typer.Argument(help="Marketplace code, e.g. DE.")],
    days: Annotated[int, typer.Option(help="How far ahead to look.")] = 90,
    start: Annotated[str | None, typer.Option(help="YYYY-MM-DD; today when left out.")] = None,
) -> None:
    """A marketplace country's public holidays (they are not business days)."""
    from souk.globalselling.service import holidays_between

    first = date.fromisoformat(start) if start else date.today()
    try:
        for day, name in holidays_between(marketplace, first, first + timedelta(days=days)):
            console.print(f"{day.isoformat()}  {name}")
    except SoukError as error:
        _fail(error)


@global_app.command("i18n-check")
def i18n_check() -> None:
    """Fail when a storefront string lacks a German or French translation."""
    from souk.web.locale import CATALOG_LANGUAGES, extract_messages, missing_translations

    total = len(extract_messages())
    failed = False
    for language in CATALOG_LANGUAGES:
        missing = missing_translations(language)
        console.print(f"{language}: {total - len(missing)}/{total} translated")
        for msgid in missing:
            console.print(f"  missing: {msgid!r}")
        failed = failed or bool(missing)
    if failed:
        raise typer.Exit(1)


@global_app.command("i18n-update")
def i18n_update() -> None:
    """Add the storefront templates' new strings to every catalog, untranslated."""
    from souk.web.locale import update_catalogs

    for language, added in update_catalogs().items():
        console.print(f"{language}: {added} new string(s) to translate")
