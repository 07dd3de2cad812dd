"""``souk seller-api``: credentials for a seller's software on the seller API."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from souk.core.errors import SoukError

seller_api_app = typer.Typer(help="The SP-API-compatible seller API.", no_args_is_help=True)


@seller_api_app.command("credentials")
def credentials_command(
    seller: Annotated[str, typer.Option("--seller", help="The seller id (A...).")],
    name: Annotated[str, typer.Option("--name", help="What the application is.")] = "Command line",
    as_json: Annotated[bool, typer.Option("--json", help="Print the credentials as JSON.")] = False,
) -> None:
    """Create and authorise an application for SELLER: prints the client id, client secret,
    refresh token and selling partner id (shown this once)."""
    from souk.core.config import get_settings
    from souk.core.runtime import Runtime
    from souk.sellerapi.service import issue_credentials

    rt = Runtime.build()
    try:
        with rt.sessions() as session:
            issued = issue_credentials(session, rt.clock, seller_id=seller.strip(), name=name)
    except SoukError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from None
    finally:
        rt.close()
    base = get_settings().base_url.rstrip("/")
    answer = {
        "client_id": issued.client_id,
        "client_secret": issued.client_secret,
        "refresh_token": issued.refresh_token,
        "selling_partner_id": issued.selling_partner_id,
        "notification_signing_key": issued.notification_signing_key,
        "endpoint": base,
        "token_url": f"{base}/auth/o2/token",
    }
    if as_json:
        typer.echo(json.dumps(answer))
        return
    width = max(len(k) for k in answer)
    for key, value in answer.items():
        typer.echo(f"{key.replace('_', ' '):<{width}}  {value}")
