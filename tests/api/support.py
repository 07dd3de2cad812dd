"""Helpers for the API tests: a marketplace with one seller, one product and one
buyer, bearer headers, and a snapshot of every table to prove nothing changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from souk.core.models import metadata
from souk.core.runtime import Runtime
from tests import factories as f

GOOD_CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_for(client: TestClient, email: str) -> str:
    answer = client.post("/api/v1/auth/token", json={"email": email, "password": f.PASSWORD})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def database_state(rt: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to compare before and after a refused request."""
    with rt.read_sessions() as session:
        return {
            table.name: sorted((tuple(row) for row in session.execute(select(table))), key=repr)
            for table in metadata.sorted_tables
        }


def assert_error(answer: Any, status: int, code: str, field: str | None = None) -> None:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code, error
    assert error["message"]
    if field is not None:
        assert error["field"] == field, error


@dataclass
class Shop:
    """One seller selling one product to one signed-up buyer, with API tokens."""

    client: TestClient
    seller_id: str
    seller_token: str
    asin: str
    offer_id: int
    buyer_id: int
    address_id: int
    buyer_token: str

    @property
    def buyer(self) -> dict[str, str]:
        return bearer(self.buyer_token)

    @property
    def seller(self) -> dict[str, str]:
        return bearer(self.seller_token)

    def checkout(self, key: str, lines: list[dict[str, int]] | None = None, **changes: Any) -> Any:
        body: dict[str, Any] = {
            "marketplace": "US",
            "address_id": self.address_id,
            "delivery_speed": "standard",
            "card": GOOD_CARD,
        }
        if lines is not None:
            body["lines"] = lines
        body.update(changes)
        return self.client.post(
            "/api/v1/checkout", json=body, headers={**self.buyer, "Idempotency-Key": key}
        )
