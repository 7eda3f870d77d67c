"""The body guard covers every route that takes a body, present and future: size (413)
and JSON nesting depth (422), each error naming the limit passed; and validation errors
anywhere are concise (no echoed input)."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

MAX_BYTES = 5_000
MAX_DEPTH = 8
AS_OF = "2025-06-01"


@pytest.fixture
def client(tmp_path, make_client):
    return make_client(f"sqlite:///{tmp_path / 'eligo.db'}", max_request_bytes=MAX_BYTES, max_json_depth=MAX_DEPTH)


def routes_of(app):
    """(path, methods) of every route, through included routers."""
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:  # an included router (FastAPI >= 0.16x)
            yield from ((c.path, c.methods or set()) for c in contexts())
        elif isinstance(route, APIRoute) or hasattr(route, "methods"):
            yield route.path, route.methods or set()


def body_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every route that accepts a body, with a trial id in its path."""
    found = []
    for path, methods in routes_of(app):
        for method in sorted(set(methods) & {"POST", "PUT", "PATCH"}):
            found.append((method, re.sub(r"\{[^}]+\}", "NCT06599346", path)))
    return found


def test_the_app_has_json_and_form_routes_to_guard(client):
    paths = {path for _, path in body_routes(client.app)}
    assert {"/v1/match", "/v1/extract", "/v1/trials/NCT06599346/evaluate", "/screen"} <= paths


def test_every_body_route_refuses_a_body_over_the_size_limit(client):
    for method, path in body_routes(client.app):
        response = client.request(method, path, content=b'{"note": "' + b"x" * MAX_BYTES + b'"}',
                                  headers={"content-type": "application/json"})
        assert response.status_code == 413, (method, path, response.text)
        (error,) = response.json()["detail"]
        assert error["type"] == "body_too_large" and f"{MAX_BYTES} bytes" in error["msg"]
        assert "max_request_bytes" in error["msg"]


def test_a_chunked_body_is_counted_while_reading(client):
    """No Content-Length: the guard counts what arrives, on a form route as on a JSON one."""
    def chunks():
        for _ in range(3):
            yield b"note=" + b"x" * 2_000 + b"&"
    for path, content_type in (("/screen", "application/x-www-form-urlencoded"), ("/v1/match", "application/json")):
        response = client.post(path, content=chunks(), headers={"content-type": content_type})
        assert response.status_code == 413, (path, response.text)


def test_every_body_route_refuses_json_nested_past_the_limit(client):
    deep = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    for method, path in body_routes(client.app):
        response = client.request(method, path, content='{"profile": ' + deep + "}",
                                  headers={"content-type": "application/json"})
        assert response.status_code == 422, (method, path, response.text)
        (error,) = response.json()["detail"]
        assert error["type"] == "json_too_deep" and f"{MAX_DEPTH} levels" in error["msg"]
        assert "max_json_depth" in error["msg"]


def test_bodies_within_the_limits_pass_unchanged(client):
    matched = client.post("/v1/match", json={"profile": {"age_years": 40, "sex": "female",
                                                         "conditions": [{"text": "oral mucositis"}]},
                                             "as_of": AS_OF})
    assert matched.status_code == 200 and matched.json()["trials"]
    page = client.post("/screen", data={"age": "40", "sex": "female", "conditions": "oral mucositis"})
    assert page.status_code == 200 and "<html" in page.text.lower()


def test_form_posts_are_not_depth_checked(client):
    """Brackets in a form value are text, not nesting."""
    response = client.post("/screen", data={"age": "40", "conditions": "[" * 50})
    assert response.status_code == 200


def test_validation_errors_outside_the_match_routes_are_concise(client):
    response = client.get("/v1/trials", params={"age": "forty-something"})
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert errors and all(set(e) == {"loc", "msg", "type"} for e in errors)
    assert "forty-something" not in response.text
