"""Schema fuzzing of the seller API with schemathesis against souk's published
OpenAPI: whatever the input, no 5xx, and every refusal in the SP-API envelope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from souk.core.runtime import Runtime
from souk.sellerapi.service import Credentials, exchange_token, issue_credentials
from souk.web.app import create_app
from tests import factories as f
from tests.reviews import support as s

PATHS = (
    r"^/(orders/v0|catalog/2022-04-01|listings/2021-08-01|products/pricing/v0|products/fees/v0"
    r"|fba/inventory/v1|sellers/v1|messaging/v1|solicitations/v1|reports/2021-06-30"
    r"|feeds/2021-06-30|notifications/v1)/"
)


@dataclass
class Shop:
    app: Any
    rt: Runtime
    seller: Credentials
    grantless: bool = False


@pytest.fixture
def shop(rt: Runtime) -> Shop:
    with rt.sessions() as session:
        seller = f.seller(session, rt.clock)
        product = f.product(session, rt.clock)
        offer = f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin, sku="A/1")
        s.delivered_order(rt, session, f.buyer(session, rt.clock), offer)
        credentials = issue_credentials(session, rt.clock, seller_id=seller.id, name="fuzz")
    return Shop(create_app(rt, background=False), rt, credentials)


def _call(shop: Shop, case: Any) -> None:
    rt = shop.rt
    # A minute between calls refills every usage plan; a fresh token never expires mid-run.
    rt.clock.advance(timedelta(seconds=61))  # type: ignore[attr-defined]
    form = {"client_id": shop.seller.client_id, "client_secret": shop.seller.client_secret}
    if case.path.startswith("/notifications/v1/destinations"):
        form |= {"grant_type": "client_credentials", "scope": "sellingpartnerapi::notifications"}
    else:
        form |= {"grant_type": "refresh_token", "refresh_token": shop.seller.refresh_token}
    with rt.sessions() as session:
        token = exchange_token(session, rt.clock, form)["access_token"]
    response = case.call(headers={"x-amz-access-token": token})
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"errors"}, body
        assert {"code", "message"} <= set(body["errors"][0])


def test_no_server_errors_and_errors_in_the_envelope(shop: Shop) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", shop.app).include(path_regex=PATHS)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=3,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: Any) -> None:
            _call(shop, case)

        fuzz()
