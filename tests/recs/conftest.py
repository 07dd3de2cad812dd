"""A web client for the recommendation pages (the web tests' Browser, reused)."""

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
