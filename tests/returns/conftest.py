"""A web client on the real app (the same one the page tests in tests/web use)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from souk.core.runtime import Runtime
from souk.web.app import create_app
from tests.web.conftest import Browser


@pytest.fixture
def browser(rt: Runtime) -> Iterator[Browser]:
    with TestClient(create_app(rt, background=False)) as client:
        yield Browser(client)


@pytest.fixture
def other_browser(rt: Runtime) -> Iterator[Browser]:
    with TestClient(create_app(rt, background=False)) as client:
        yield Browser(client)
