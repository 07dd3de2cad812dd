"""``souk recs``: evaluate the recommender on public data, refresh the stored model."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from souk.core.config import get_settings

recs_app = typer.Typer(help="Recommendations.", no_args_is_help=True)
console = Console()


@recs_app.command("evaluate")
def evaluate_command(
    dataset: Annotated[str, typer.Option(help="ml-100k or instacart")] = "ml-100k",
    as_json: Annotated[bool, typer.Option("--json")] = False,
    validation: Annotated[
        bool, typer.Option(help="Score on the validation split carved from training.")
    ] = False,
) -> None:
    """Recall@10, NDCG@10, coverage and fit time of souk's model and baselines, one run."""
    from souk.recs.evaluation import evaluate

    if dataset not in ("ml-100k", "instacart"):
        console.print("[red]--dataset must be ml-100k or instacart.[/red]")
        raise typer.Exit(2)
    cache = get_settings().var_dir / "cache" / "wheels"
    result = evaluate(dataset, cache, validation=validation)
    if as_json:
        typer.echo(json.dumps(result))
        return
    table = Table(title=f"{dataset}{' (validation split)' if validation else ''}")
    for column in ("model", "recall@10", "ndcg@10", "coverage", "fit_seconds"):
        table.add_column(column, justify="left" if column == "model" else "right")
    models: dict[str, dict[str, float]] = result["models"]  # type: ignore[assignment]
    for name, figures in models.items():
        table.add_row(name, *(f"{figures[k]:.4f}" for k in list(figures)))
    console.print(table)


@recs_app.command("refresh")
def refresh_command(
    new_items_only: Annotated[
        bool, typer.Option(help="Only add products created since the last fit.")
    ] = False,
) -> None:
    """Refit the item-to-item model from recorded behaviour and store it under var/recs."""
    from souk.core.runtime import Runtime
    from souk.recs.service import add_new_products, refresh

    rt = Runtime.build()
    run = add_new_products if new_items_only else refresh
    count = run(rt.sessions, rt.clock, rt.settings.var_dir)
    console.print(f"{count} {'new products added' if new_items_only else 'models written'}.")
