from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.api.support import assert_error

EXPECTED = {
    "/api/v1/auth/token": {"post"},
    "/api/v1/auth/signup": {"post"},
    "/api/v1/products/{asin}": {"get"},
    "/api/v1/products": {"get"},
    "/api/v1/categories": {"get"},
    "/api/v1/addresses": {"get", "post"},
    "/api/v1/cart": {"get"},
    "/api/v1/cart/lines": {"post"},
    "/api/v1/cart/lines/{line_id}": {"patch", "delete"},
    "/api/v1/checkout": {"post"},
    "/api/v1/orders": {"get"},
    "/api/v1/orders/{order_id}": {"get"},
    "/api/v1/orders/{order_id}/cancel": {"post"},
    "/api/v1/seller/offers": {"get"},
    "/api/v1/seller/offers/{sku}": {"put", "patch"},
    "/api/v1/seller/orders": {"get"},
    "/api/v1/seller/orders/{order_id}": {"get"},
    "/api/v1/seller/orders/{order_id}/shipment": {"post"},
    "/api/v1/seller/orders/{order_id}/cancel": {"post"},
}


def test_openapi_document_lists_every_endpoint_with_summaries_and_errors(
    client: TestClient,
) -> None:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    document = json.loads(answer.text)
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for path, methods in EXPECTED.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))
        for method in methods:
            operation = paths[path][method]
            assert operation["summary"], (path, method)
            assert "400" in operation["responses"], (path, method)
            error = operation["responses"]["400"]["content"]["application/json"]["schema"]
            assert error["$ref"].endswith("/ErrorBody")
    checkout = paths["/api/v1/checkout"]["post"]
    headers = {p["name"]: p for p in checkout["parameters"] if p["in"] == "header"}
    assert headers["Idempotency-Key"]["required"] is True
    assert "MoneyOut" in document["components"]["schemas"]


def test_unknown_api_paths_and_methods_answer_in_the_error_format(client: TestClient) -> None:
    assert_error(client.get("/api/v1/nothing/here"), 404, "NotFound")
    answer = client.delete("/api/v1/checkout")
    assert_error(answer, 405, "MethodNotAllowed")
    assert "POST" in answer.headers["Allow"]
