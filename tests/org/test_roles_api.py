"""/api/v1/roles: its permission matrix (the right to manage roles, not superuser status) and its
contract: grants by scope name, rights, If-Match."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.helpers import assert_error, module_transaction, patch_json, post_json

MATRIX_OPERATIONS = {"role_list", "role_kinds", "role_rights", "role_create", "role_get", "role_update"}
PERSONAS = ("admin", "ops", "director", "manager1", "rep1", "agent1", "marketer1", "inactive", "forged", None)
ALLOWED = {"admin", "ops"}  # ops: a sales-operations user whose role grants "manage_roles"


def snapshot() -> str:
    from guanxi.audit.models import AuditEvent
    from guanxi.org.models import Grant, Role

    rows = [
        list(Role.objects.order_by("id").values_list("id", "version", "name", "code", "permissions")),
        list(Grant.objects.order_by("id").values_list("role_id", "object_type", "action", "scope")),
        AuditEvent.objects.count(),
    ]
    return hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from guanxi.demo.org import ensure_demo_org
    from guanxi.org.models import ApiToken, Role, User

    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            users = ensure_demo_org()
            users["inactive"] = User.objects.create_user("inactive", is_active=False)
            ops_role = Role.objects.create(
                name="Sales operations", code="sales-ops", permissions=["manage_roles", "manage_pipelines"]
            )
            users["ops"] = User.objects.create_user("ops")
            users["ops"].roles.add(ops_role)
            tokens = {name: ApiToken.issue(user)[1] for name, user in users.items()}
            tokens["forged"] = "gx_" + "q" * 43
            role = Role.objects.get(code="sales-rep").pk
        yield {"users": users, "tokens": tokens, "role": role}


def client_for(world, persona):
    from django.test import Client

    if persona is None:
        return Client(HTTP_ACCEPT_LANGUAGE="en")
    return Client(HTTP_AUTHORIZATION=f"Bearer {world['tokens'][persona]}", HTTP_ACCEPT_LANGUAGE="en")


def call(client, world, op):
    from guanxi.org.models import Role

    role = Role.objects.get(pk=world["role"])
    return {
        "role_list": lambda: client.get("/api/v1/roles"),
        "role_kinds": lambda: client.get("/api/v1/roles/kinds"),
        "role_rights": lambda: client.get("/api/v1/roles/rights"),
        "role_create": lambda: post_json(
            client,
            "/api/v1/roles",
            {
                "name": "Pipeline keepers",
                "code": "keepers",
                "permissions": ["manage_pipelines"],
                "grants": [{"object": "opportunity", "action": "read", "scope": "all"}],
            },
        ),
        "role_get": lambda: client.get(f"/api/v1/roles/{role.pk}"),
        "role_update": lambda: patch_json(
            client, f"/api/v1/roles/{role.pk}", {"description": "改"}, HTTP_IF_MATCH=f'"{role.version}"'
        ),
    }[op]()


@pytest.mark.parametrize(("op", "persona"), [(op, p) for op in sorted(MATRIX_OPERATIONS) for p in PERSONAS])
def test_matrix(world, db, op, persona):
    before = snapshot()
    response = call(client_for(world, persona), world, op)
    if persona in (None, "inactive", "forged"):
        assert_error(response, 401)
    elif persona not in ALLOWED:
        assert_error(response, 403)
    else:
        assert response.status_code == (201 if op == "role_create" else 200), response.content[:300]
        return
    assert snapshot() == before


def test_a_role_reads_and_writes_scopes_by_name(world, db):
    client = client_for(world, "admin")
    body = call(client, world, "role_get").json()
    assert {"object": "account", "action": "read", "scope": "self"} in body["grants"]
    response = patch_json(
        client,
        f"/api/v1/roles/{body['id']}",
        {
            "grants": [{"object": "account", "action": "read", "scope": "department_tree"}],
            "permissions": ["manage_exchange_rates"],
        },
        HTTP_IF_MATCH=f'"{body["version"]}"',
    )
    assert response.status_code == 200 and response["ETag"] == f'"{body["version"] + 1}"'
    assert response.json()["grants"] == [{"object": "account", "action": "read", "scope": "department_tree"}]
    assert response.json()["permissions"] == ["manage_exchange_rates"]
    stale = patch_json(
        client, f"/api/v1/roles/{body['id']}", {"description": "x"}, HTTP_IF_MATCH=f'"{body["version"]}"'
    )
    assert_error(stale, 412)
    assert_error(patch_json(client, f"/api/v1/roles/{body['id']}", {"description": "x"}), 428)


@pytest.mark.parametrize(
    "grant",
    [
        {"object": "account", "action": "read", "scope": "everyone"},
        {"object": "account", "action": "fly", "scope": "all"},
        {"object": "pool", "action": "read", "scope": "all"},
        {"object": ["account"], "action": "read", "scope": "all"},
    ],
)
def test_bad_grants_are_a_400(world, db, grant):
    response = post_json(
        client_for(world, "admin"), "/api/v1/roles", {"name": "Bad", "code": "bad", "grants": [grant]}
    )
    assert_error(response, 400)


def test_ops_cannot_hand_out_rights_they_lack(world, db):
    response = post_json(
        client_for(world, "ops"),
        "/api/v1/roles",
        {"name": "Users", "code": "users", "permissions": ["manage_users"]},
    )
    assert_error(response, 403)
