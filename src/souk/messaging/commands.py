"""``souk messaging``: test the content rules, and take relay e-mail in."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from souk.core.errors import SoukError
from souk.messaging import rules

messaging_app = typer.Typer(help="Buyer-seller messaging.", no_args_is_help=True)


@messaging_app.command("check")
def check(
    text: str,
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
    sender: Annotated[
        str, typer.Option("--from", help="Who writes it: seller (strictest) or buyer.")
    ] = rules.SELLER,
) -> None:
    """Run the content rules on TEXT and print the verdict and reasons."""
    if sender not in (rules.SELLER, rules.BUYER):
        typer.echo("error: --from is 'seller' or 'buyer'", err=True)
        raise typer.Exit(2)
    verdict = rules.check_text(text, sender=sender)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "allowed": verdict.allowed,
                    "reasons": list(verdict.reasons),
                    "messages": verdict.messages,
                }
            )
        )
    elif verdict.allowed:
        typer.echo("allowed")
    else:
        typer.echo("blocked")
        for reason, message in zip(verdict.reasons, verdict.messages, strict=True):
            typer.echo(f"  {reason}: {message}")
    if not verdict.allowed:
        raise typer.Exit(1)


@messaging_app.command("receive")
def receive() -> None:
    """Post one e-mail (raw MIME on standard input) sent to a relay address into its thread."""
    from souk.core.runtime import Runtime
    from souk.messaging.mail import receive_mail

    raw = sys.stdin.buffer.read()
    if not raw.strip():
        typer.echo("error: no message on standard input", err=True)
        raise typer.Exit(2)
    rt = Runtime.build()
    rt.deliver_inline()
    try:
        result = receive_mail(rt.sessions, rt.clock, rt.media, raw)
    except SoukError as error:
        typer.echo(f"refused: {error.message}", err=True)
        raise typer.Exit(1) from error
    finally:
        rt.close()
    if result.posted is not None:
        typer.echo(f"message {result.posted.message.id}: {result.reason}")
    else:
        typer.echo(f"refused: {result.reason}", err=True)
    if not result.accepted:
        raise typer.Exit(1)
