"""A web client on the real app and database, and helpers to fill in forms."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from souk.core.runtime import Runtime
from souk.web.app import create_app
from tests import factories as f

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A TestClient that knows how to sign in and post forms with their CSRF token."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def get(self, url: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.get(url, **kwargs)  # type: ignore[arg-type]

    def csrf(self) -> str:
        page = self.client.get("/signin")
        match = _CSRF.search(page.text)
        assert match, "the page carries a CSRF token"
        return match.group(1)

    def post(self, url: str, data: dict[str, object] | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
        form = {"csrf_token": self.csrf(), **(data or {})}
        return self.client.post(url, data=form, follow_redirects=False, **kwargs)  # type: ignore[arg-type]

    def sign_in(self, email: str, password: str = f.PASSWORD) -> None:
        answer = self.post("/signin", {"email": email, "password": password, "next": "/"})
        assert answer.status_code == 303, answer.text


@pytest.fixture
def browser(rt: Runtime) -> Iterator[Browser]:
    with TestClient(create_app(rt, background=False)) as client:
        yield Browser(client)


@pytest.fixture
def other_browser(rt: Runtime) -> Iterator[Browser]:
    with TestClient(create_app(rt, background=False)) as client:
        yield Browser(client)
