"""/api/v1/openapi.json tells an integrator the truth: one schema per name, the headers each
operation reads, the answers of the token endpoint; and every path under /api/ answers in the
API's error shape."""

from __future__ import annotations

import inspect
import json
import re

import pytest
from django.test import Client

from tests.helpers import assert_error


def _operations():
    """(path as documented, method, ninja Operation) of every operation of the API."""
    from ninja.utils import normalize_path

    from guanxi.config.api import api

    for router in api._get_bound_routers():
        for path, path_view in router.path_operations.items():
            documented = re.sub(
                r"{[^}:]+:", "{", normalize_path("/api/v1/" + "/".join(p for p in (router.prefix, path) if p))
            )
            for operation in path_view.operations:
                for method in operation.methods:
                    yield documented, method.lower(), operation


def _idempotent(view) -> bool:
    """The view is core.api.idempotent's wrapper around the endpoint."""
    from guanxi.core import api

    return view.__code__.co_filename == api.__file__ and view.__code__.co_name == "wrapper"


def test_no_two_different_schemas_share_a_name(monkeypatch):
    """ninja files every schema under its class name and the last one wins: two classes of one
    name made POST /accounts/{id}/stage document the pipelines' StageIn."""
    from ninja.openapi.schema import OpenAPISchema

    from guanxi.config.api import api

    seen: dict[str, set[str]] = {}
    add = OpenAPISchema.add_schema_definitions

    def record(self, definitions):
        for name, definition in definitions.items():
            seen.setdefault(name, set()).add(json.dumps(definition, sort_keys=True, default=str))
        return add(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", record)
    api.get_openapi_schema()
    assert len(seen) > 50
    assert sorted(name for name, shapes in seen.items() if len(shapes) > 1) == []


def test_the_account_stage_operation_documents_its_own_body():
    from guanxi.config.api import api

    schema = api.get_openapi_schema()
    body = schema["paths"]["/api/v1/accounts/{account_id}/stage"]["post"]["requestBody"]
    name = body["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    assert set(schema["components"]["schemas"][name]["properties"]) == {"field", "value", "reason"}


def test_operations_declare_the_headers_they_read():
    from guanxi.config.api import api

    schema = api.get_openapi_schema()
    checked = {"If-Match": 0, "Idempotency-Key": 0}
    for path, method, operation in _operations():
        documented = {
            p["name"]: p["required"]
            for p in schema["paths"][path][method]["parameters"]
            if p["in"] == "header"
        }
        source = inspect.getsource(inspect.unwrap(operation.view_func))
        if "if_match(request)" in source or "if_match(request, required=True)" in source:
            expected_if_match = True
        elif "if_match(request, required=False)" in source:
            expected_if_match = False
        else:
            expected_if_match = None
        assert documented.get("If-Match") == expected_if_match, (method, path)
        idempotent = _idempotent(operation.view_func)
        assert ("Idempotency-Key" in documented) == idempotent, (method, path)
        checked["If-Match"] += expected_if_match is not None
        checked["Idempotency-Key"] += idempotent
    assert checked["If-Match"] >= 30 and checked["Idempotency-Key"] >= 15, checked


def test_the_token_endpoint_documents_its_errors():
    from guanxi.config.api import api

    responses = api.get_openapi_schema()["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert {"200", "400", "401", "429"} <= {str(status) for status in responses}


@pytest.mark.parametrize(
    "path",
    ["/api/v1/nope", "/api/v1/accounts/abc", "/api/v1/accounts/1/nope", "/api/v2/accounts", "/api/"],
)
def test_unknown_api_paths_answer_the_json_404(db, path):
    for client in (Client(), Client(HTTP_AUTHORIZATION="Bearer whatever")):
        assert assert_error(client.get(path), 404)["code"] == "not_found"


@pytest.mark.parametrize("method", ["post", "patch", "put", "delete"])
def test_writes_to_unknown_api_paths_answer_the_json_404_without_csrf(db, method):
    """A client of the API sends no CSRF token: a write to /api/v1/accounts/abc was Django's HTML 403
    "CSRF verification failed" (schemathesis, on every operation with an id), not the API's 404."""
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION="Bearer whatever")
    response = getattr(client, method)("/api/v1/accounts/abc", "{}", content_type="application/json")
    assert assert_error(response, 404)["code"] == "not_found"
