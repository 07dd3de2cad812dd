from __future__ import annotations

from fastapi.testclient import TestClient

from souk.core.runtime import Runtime
from tests import factories as f
from tests.api.support import Shop, assert_error, bearer, database_state


def test_token_opens_the_buyer_api(shop: Shop) -> None:
    answer = shop.client.get("/api/v1/addresses", headers=shop.buyer)
    assert answer.status_code == 200
    assert [a["id"] for a in answer.json()] == [shop.address_id]


def test_wrong_password_or_unknown_email_gets_401_and_no_token(shop: Shop, rt: Runtime) -> None:
    email = shop.client.get("/api/v1/auth/me", headers=shop.buyer)
    before = database_state(rt)
    for body in [
        {"email": email.json()["email"], "password": f.PASSWORD + "x"},
        {"email": "nobody@example.com", "password": f.PASSWORD},
    ]:
        answer = shop.client.post("/api/v1/auth/token", json=body)
        assert_error(answer, 401, "Unauthorized", "password")
    assert database_state(rt) == before


def test_calls_without_or_with_a_bad_token_are_refused(client: TestClient) -> None:
    assert_error(client.get("/api/v1/cart"), 401, "Unauthorized")
    assert_error(client.get("/api/v1/cart", headers=bearer("souk_nope")), 401, "Unauthorized")
    assert_error(
        client.get("/api/v1/cart", headers={"Authorization": "Basic abc"}), 401, "Unauthorized"
    )


def test_signup_creates_a_buyer_who_can_get_a_token(client: TestClient) -> None:
    answer = client.post(
        "/api/v1/auth/signup",
        json={"email": "New@Example.com", "name": "Nia", "password": f.PASSWORD},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["email"] == "new@example.com"
    token = client.post(
        "/api/v1/auth/token", json={"email": "new@example.com", "password": f.PASSWORD}
    )
    assert token.status_code == 200
    assert token.json()["token_type"] == "bearer"


def test_bad_signups_change_nothing(shop: Shop, rt: Runtime) -> None:
    before = database_state(rt)
    client = shop.client
    ok = {"email": "a@example.com", "name": "N", "password": f.PASSWORD}
    for change in [
        {"email": "not-an-email"},
        {"password": "short"},
        {"password": None},
        {"marketplace": "XX"},
        {"name": "N\x00"},
        {"name": "N" * 500},
    ]:
        body = {k: v for k, v in {**ok, **change}.items() if v is not None}
        assert_error(client.post("/api/v1/auth/signup", json=body), 400, "InvalidInput")
    taken = client.get("/api/v1/addresses", headers=shop.buyer)
    assert taken.status_code == 200
    assert database_state(rt) == before


def test_signup_with_a_taken_email_is_a_conflict(client: TestClient) -> None:
    body = {"email": "twice@example.com", "name": "Twice", "password": f.PASSWORD}
    assert client.post("/api/v1/auth/signup", json=body).status_code == 201
    assert_error(client.post("/api/v1/auth/signup", json=body), 409, "Conflict", "email")


def test_malformed_json_is_a_400(client: TestClient) -> None:
    answer = client.post(
        "/api/v1/auth/token",
        content=b'{"email": "a@example.com", "password": ',
        headers={"Content-Type": "application/json"},
    )
    assert_error(answer, 400, "InvalidInput")


def test_addresses_are_validated_and_bad_ones_change_nothing(shop: Shop, rt: Runtime) -> None:
    good = {
        "full_name": "Ada Buyer",
        "line1": "2 Side St",
        "city": "Austin",
        "state": "TX",
        "postal_code": "73301",
        "country": "US",
    }
    before = database_state(rt)
    for change, field in [
        ({"postal_code": "ABCDE"}, "postal_code"),
        ({"state": "ZZ"}, "state"),
        ({"country": "XX"}, "country"),
        ({"city": ""}, "city"),
        ({"line1": "x" * 500}, "line1"),
    ]:
        answer = shop.client.post("/api/v1/addresses", json={**good, **change}, headers=shop.buyer)
        assert_error(answer, 400, "InvalidInput", field)
    assert database_state(rt) == before
    created = shop.client.post(
        "/api/v1/addresses", json={**good, "make_default": True}, headers=shop.buyer
    )
    assert created.status_code == 201
    listed = shop.client.get("/api/v1/addresses", headers=shop.buyer).json()
    assert listed[0]["id"] == created.json()["id"] and listed[0]["is_default"]
