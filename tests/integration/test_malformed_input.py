"""Malformed input answers 4xx, never 500: 22-digit ids in every route, huge `?page=`/`?org=`, non-object login bodies.

Rules come from `app.url_map` (as in test_route_audit.py), so a route added later is covered without touching this file.
"""

from __future__ import annotations

import pytest
from test_route_audit import IGNORED_METHODS, Fixtures
from werkzeug.routing.converters import IntegerConverter

HUGE = "9" * 22  # past PostgreSQL integer (2^31-1) and bigint (2^63-1) alike
HUGE_QUERY = {name: HUGE for name in ("page", "per_page", "limit", "org", "pairing", "group", "category")}
SCOPE_PATHS = [f"/api/v1/boards/{kind}/{HUGE}" for kind in ("org", "pairing", "joint-group")]


@pytest.fixture
def fx(app, world) -> Fixtures:
    return Fixtures(app, world)


def requests_with_huge_ids(app, fx: Fixtures) -> list[tuple[str, str]]:
    """(method, path) for every rule with an `<int:…>` parameter, each such parameter a 22-digit number."""
    cases = []
    for rule in app.url_map.iter_rules():
        ints = [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        if not ints:
            continue
        values = {name: int(HUGE) if name in ints else fx.value(name, conv) for name, conv in rule._converters.items()}
        path = rule.build({**(rule.defaults or {}), **values}, append_unknown=False)[1]
        cases.extend((method, path) for method in sorted((rule.methods or {"GET"}) - IGNORED_METHODS))
    return sorted(cases)


def test_a_22_digit_id_in_any_route_is_a_404(app, fx):
    client = fx.client_for(fx.admin)
    cases = requests_with_huge_ids(app, fx)
    assert len(cases) > 20  # /admin/members/<id>, /qb/questions/<id>, /admin/contests/<id>/…, …
    failures = [(method, path, response.status_code) for method, path in cases
                if (response := client.open(path, method=method)).status_code != 404]
    assert failures == []
    for path in SCOPE_PATHS:
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "NOT_FOUND"


def test_huge_query_numbers_are_never_a_server_error(app, fx):
    client = fx.client_for(fx.admin)
    failures = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static" or rule.endpoint.endswith("logout"):
            continue
        response = client.get(fx.path(rule), query_string=HUGE_QUERY)
        if response.status_code >= 500:
            failures.append((rule.rule, response.status_code))
    assert failures == []
    assert client.get("/me/points", query_string={"page": HUGE}).status_code == 200  # treated as absent: page 1


@pytest.mark.parametrize("body", ["[1]", '"x"', "true", "0", "[]"])
def test_a_login_body_that_is_not_a_json_object_is_a_400(client, body):
    response = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "INVALID_BODY" and error["message"] == "请求体须为 JSON 对象"
