"""``souk policy``: measure the red-line rules on the catalog, run the linking job."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

policy_app = typer.Typer(
    help="Prohibited conduct: red lines, linked accounts.", no_args_is_help=True
)
console = Console()


def _runtime() -> Any:
    from souk.core.runtime import Runtime

    rt = Runtime.build()
    rt.deliver_inline()
    return rt


@policy_app.command("scan-catalog")
def scan_catalog(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Check every product page and active offer against the red-line rules and print
    the findings per rule (on an honest catalog every count is zero)."""
    from souk.policy import rules
    from souk.policy.service import scan_catalog as run

    rt = _runtime()
    try:
        with rt.read_sessions() as session:
            scan = run(session, rt.clock)
    finally:
        rt.close()
    names = {
        **rules.RULE_NAMES,
        "excessive_shipping": "Excessive shipping charge",
        "media_rules": "Media handling time or pre-order",
    }
    if as_json:
        print(
            json.dumps(
                {
                    "products": scan.products,
                    "offers": scan.offers,
                    "findings": scan.findings,
                    "per_rule": scan.per_rule,
                    "examples": scan.examples,
                },
                indent=2,
            )
        )
        return
    table = Table(title=f"Red lines on {scan.products} products and {scan.offers} active offers")
    table.add_column("rule")
    table.add_column("findings", justify="right")
    for rule, count in scan.per_rule.items():
        table.add_row(names.get(rule, rule), str(count))
    console.print(table)
    for rule, lines in scan.examples.items():
        for line in lines:
            console.print(f"  {names.get(rule, rule)}: {line}")
    console.print(f"{scan.findings} findings in all.")


@policy_app.command("link-accounts")
def link_accounts() -> None:
    """Run the linked-account job now: build the graph, flag members for review."""
    from souk.policy.service import run_linking

    rt = _runtime()
    try:
        with rt.sessions() as session:
            result = run_linking(session, rt.clock)
    finally:
        rt.close()
    console.print(
        f"{result.pairs} pairs share signals; {result.clusters} linked clusters; "
        f"{result.flagged} sellers flagged for review."
    )
