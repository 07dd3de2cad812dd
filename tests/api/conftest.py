from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from souk.core.runtime import Runtime
from souk.web.app import create_app
from tests import factories as f
from tests.api.support import Shop, token_for


@pytest.fixture
def client(rt: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(rt, background=False)) as test_client:
        yield test_client


@pytest.fixture
def shop(rt: Runtime, session: Session, client: TestClient) -> Shop:
    seller = f.seller(session, rt.clock)
    product = f.product(session, rt.clock, title="Acme Steel Kettle 1.7 l")
    offer = f.offer(
        session, rt.clock, seller_id=seller.id, asin=product.asin, price="19.99", quantity=5
    )
    buyer = f.buyer(session, rt.clock)
    shop = Shop(
        client=client,
        seller_id=seller.id,
        seller_token="",
        asin=product.asin,
        offer_id=offer.id,
        buyer_id=buyer.user.id,
        address_id=buyer.address.id,
        buyer_token="",
    )
    seller_email, buyer_email = seller.email, buyer.user.email
    # The API's writers must not wait on this session's transaction (SQLite's lock).
    session.commit()
    shop.seller_token = token_for(client, seller_email)
    shop.buyer_token = token_for(client, buyer_email)
    return shop
