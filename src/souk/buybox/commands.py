"""``souk buybox``: explain a product's featured offer, recompute every decision."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from souk.core.errors import SoukError

buybox_app = typer.Typer(help="The featured offer (Buy Box).", no_args_is_help=True)


def _runtime():  # type: ignore[no-untyped-def]
    from souk.core.runtime import Runtime

    rt = Runtime.build()
    rt.deliver_inline()
    return rt


def _percent(value: float) -> str:
    return f"{value:.0%}"


@buybox_app.command("explain")
def explain_command(
    asin: Annotated[str, typer.Argument(help="The product's ASIN.")],
    marketplace: Annotated[str, typer.Option("--marketplace", help="US, UK, DE...")] = "US",
    as_json: Annotated[bool, typer.Option("--json", help="Print the explanation as JSON.")] = False,
) -> None:
    """Why ASIN's featured offer is the one it is: each offer's eligibility, score
    components, and why the others lost."""
    from souk.buybox.service import explain, money_text

    rt = _runtime()
    try:
        with rt.read_sessions() as session:
            found = explain(session, asin, marketplace, rt.clock.now())
    except SoukError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from None
    finally:
        rt.close()
    if as_json:
        typer.echo(json.dumps(found.as_json(), indent=2))
        return
    decision, text = found.decision, money_text(found.marketplace)
    typer.echo(f"{found.product.asin} in {found.marketplace}: {found.product.title}")
    typer.echo(
        "lowest eligible landed price: "
        + (text(decision.lowest_landed) if decision.lowest_landed else "none")
        + " · recent selling price: "
        + (text(decision.recent_price) if decision.recent_price else "too few sales")
    )
    featured = decision.verdict(decision.featured_offer_id) if decision.featured_offer_id else None
    if decision.suppressed:
        typer.echo(f"featured: none ({found.suppression_text})")
    elif featured is None:
        typer.echo("featured: none (no eligible offer)")
    else:
        typer.echo(f"featured: {featured.offer.seller_id} / {featured.offer.sku}")
    if len(decision.candidates) > 1:
        typer.echo(
            "rotation: "
            + ", ".join(
                f"offer {v.offer.offer_id} {_percent(v.share)}"
                for v in found.verdicts()
                if v.share > 0
            )
        )
    for verdict in found.verdicts():
        offer = verdict.offer
        head = f"- {offer.seller_id} / {offer.sku}: {text(offer.landed)}"
        if verdict.score is None:
            typer.echo(f"{head} · not eligible")
        else:
            parts = ", ".join(f"{k} {v:.3f}" for k, v in verdict.components.items())
            typer.echo(f"{head} · score {verdict.score:.4f} ({parts})")
        for reason in verdict.reasons:
            typer.echo(f"    {reason}")


@buybox_app.command("recompute")
def recompute_command(
    marketplace: Annotated[
        str | None, typer.Option("--marketplace", help="One marketplace; all when left out.")
    ] = None,
) -> None:
    """Recompute and store every product's featured offer."""
    from souk.buybox.batch import recompute_all
    from souk.buybox.service import check_marketplace

    rt = _runtime()
    try:
        codes = [check_marketplace(marketplace)] if marketplace else None
        written = recompute_all(rt.sessions, rt.clock, codes)
    except SoukError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from None
    finally:
        rt.close()
    typer.echo(f"{written} decisions stored")
