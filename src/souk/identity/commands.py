"""``souk identity``: the INFORM Consumers Act review and document purge, now."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console

identity_app = typer.Typer(help="Seller identity verification (INFORM).", no_args_is_help=True)
console = Console()


def _runtime() -> Any:
    from souk.core.runtime import Runtime

    rt = Runtime.build()
    rt.deliver_inline()
    return rt


@identity_app.command("inform")
def inform() -> None:
    """Find high-volume sellers from their orders; send notices, suspend, remind."""
    from souk.identity.service import inform_job

    rt = _runtime()
    try:
        console.print(inform_job(rt.sessions, rt.clock))
    finally:
        rt.close()


@identity_app.command("purge-documents")
def purge_documents() -> None:
    """Delete identity documents past the retention period."""
    from souk.identity.service import purge_job

    rt = _runtime()
    try:
        console.print(f"{purge_job(rt.sessions, rt.clock)} documents purged.")
    finally:
        rt.close()
