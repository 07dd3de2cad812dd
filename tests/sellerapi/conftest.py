"""A live souk on 127.0.0.1 (fresh database, SQLite and PostgreSQL) and the
unmodified python-amazon-sp-api client pointed at it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from souk.core.runtime import Runtime
from souk.sellerapi.service import Credentials, issue_credentials
from souk.sellers.models import Seller
from tests import factories as f


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Live:
    url: str
    port: int
    rt: Runtime
    seller: Seller
    credentials: Credentials

    def client(self, api: type, credentials: Credentials | None = None, **kwargs: Any) -> Any:
        """An SP-API client of class ``api`` talking to this souk."""
        from sp_api.auth import AccessTokenClient

        port = self.port
        creds = credentials or self.credentials

        class LocalTokens(AccessTokenClient):  # type: ignore[misc]
            scheme = "http://"
            host = f"127.0.0.1:{port}"
            path = "/auth/o2/token"

        marketplace = SimpleNamespace(
            endpoint=self.url, marketplace_id="ATVPDKIKX0DER", region="us-east-1"
        )
        return api(
            marketplace,
            refresh_token=creds.refresh_token,
            credentials={
                "lwa_app_id": creds.client_id,
                "lwa_client_secret": creds.client_secret,
            },
            auth_token_client_class=LocalTokens,
            **kwargs,
        )

    def forget_tokens(self) -> None:
        """Drop the client's cached access tokens (it keeps them for about an hour of
        real time, while tests move souk's clock past their expiry)."""
        from sp_api.auth.access_token_client import cache, grantless_cache

        cache.clear()
        grantless_cache.clear()

    def credentials_for(self, seller_id: str, name: str = "Repricer") -> Credentials:
        with self.rt.sessions() as session:
            return issue_credentials(session, self.rt.clock, seller_id=seller_id, name=name)


@pytest.fixture
def live(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    import uvicorn

    from souk.web.app import create_app

    monkeypatch.delenv("SP_API_DEFAULT_MARKETPLACE", raising=False)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    rt.settings.base_url = url
    with rt.sessions() as session:
        seller = f.seller(session, rt.clock, name="Kettle House")
        credentials = issue_credentials(session, rt.clock, seller_id=seller.id, name="Order sync")
        session.expunge(seller)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(rt, background=False), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield Live(url, port, rt, seller, credentials)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def advance(rt: Runtime) -> Callable[..., None]:
    from datetime import timedelta

    def move(**delta: float) -> None:
        rt.clock.advance(timedelta(**delta))  # type: ignore[attr-defined]

    return move
