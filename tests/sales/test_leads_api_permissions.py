"""The permission matrix of /api/v1/leads: operation × persona × owner.

The demo roles grant leads like accounts (guanxi/demo/org.py): reps their own, manager1 the East
department tree, director and admin all, agent1 reads and updates all, marketer1 reads all and
creates and updates only its own. Records the persona cannot see answer 404, never 403; after
every denial the database is unchanged (leads, customers, follow-ups, audit, index, keys)."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.customers.test_api_permissions import MAY, UNAUTHENTICATED, _label
from tests.helpers import assert_error, module_transaction, patch_json, post_json, snapshot

# The API operations whose permission matrix is in this module (tests/test_api_matrix_coverage.py).
MATRIX_OPERATIONS = {
    "lead_list",
    "lead_create",
    "lead_get",
    "lead_update",
    "lead_delete",
    "lead_restore",
    "lead_transfer",
    "lead_set_status",
    "lead_convert",
    "lead_recycle_bin",
}

OWNERS = ("rep1", "rep2", "rep3")
PERSONAS = (
    "admin",
    "director",
    "manager1",
    "rep1",
    "rep2",
    "rep3",
    "agent1",
    "marketer1",
    "inactive",
    "forged",
    None,
)
URL = "/api/v1/leads"
ABSENT_ID = 10**9


def full_snapshot() -> tuple:
    from guanxi.engagement.models import Activity
    from guanxi.sales.models import Lead, Opportunity

    def digest(rows) -> str:
        return hashlib.sha256(json.dumps(list(rows), default=str, ensure_ascii=False).encode()).hexdigest()

    return (
        *snapshot(),
        digest(
            Lead._base_manager.order_by("id").values_list(
                "id",
                "version",
                "owner_id",
                "deleted_at",
                "name",
                "status",
                "unqualified_reason",
                "updated_at",
                "account_id",
                "contact_id",
                "converted_at",
                "pool_id",
            )
        ),
        digest(Activity._base_manager.order_by("id").values_list("id", "account_id", "lead_id")),
        Opportunity._base_manager.count(),
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from guanxi.demo.org import ensure_demo_org
    from guanxi.org.models import ApiToken, User
    from guanxi.sales.leads import services

    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            users = ensure_demo_org()
            users["inactive"] = User.objects.create_user("inactive", password="guanxi-demo", is_active=False)
            tokens = {name: ApiToken.issue(user)[1] for name, user in users.items()}
            tokens["forged"] = "gx_" + "z" * 43
            live, binned = {}, {}
            for owner in OWNERS:
                actor = users[owner]
                live[owner] = services.lead_create(
                    actor=actor,
                    data={
                        "name": f"线索{owner}",
                        "company": f"矩阵线索{owner}有限公司",
                        "mobile": "13800000000",
                        "status": "qualified",
                    },
                ).pk
                old = services.lead_create(actor=actor, data={"name": f"旧线索{owner}"})
                services.lead_delete(actor=actor, lead=old, version=None)
                binned[owner] = old.pk
        yield {"users": users, "tokens": tokens, "live": live, "binned": binned}


def client_for(world, persona):
    from django.test import Client

    if persona is None:
        return Client(HTTP_ACCEPT_LANGUAGE="en")
    return Client(HTTP_AUTHORIZATION=f"Bearer {world['tokens'][persona]}", HTTP_ACCEPT_LANGUAGE="en")


def expected(op: str, persona, target: str) -> int:
    if persona in UNAUTHENTICATED:
        return 401
    may = MAY[persona]
    if target == "absent" or target not in (may["read"] | may["delete"] if op == "restore" else may["read"]):
        return 404
    action = {
        "get": "read",
        "patch": "update",
        "delete": "delete",
        "restore": "delete",
        "transfer": "transfer",
        "status": "update",
        "convert": "update",
    }[op]
    if target not in may[action]:
        return 403
    return {"delete": 204}.get(op, 200)


OPS = ("get", "patch", "delete", "restore", "transfer", "status", "convert")
CASES = [
    pytest.param(op, persona, target, id=f"{op}-{_label(persona)}-{target}")
    for op in OPS
    for persona in PERSONAS
    for target in (*OWNERS, "absent")
]


@pytest.mark.parametrize(("op", "persona", "target"), CASES)
def test_targeted(world, db, op, persona, target):
    from guanxi.sales.models import Lead

    records = world["binned"] if op == "restore" else world["live"]
    pk = ABSENT_ID if target == "absent" else records[target]
    before_row = Lead._base_manager.filter(pk=pk).first()
    if_match = {"HTTP_IF_MATCH": f'"{before_row.version if before_row else 1}"'}
    client = client_for(world, persona)
    before = full_snapshot()
    path = f"{URL}/{pk}"
    if op == "get":
        response = client.get(path)
    elif op == "patch":
        response = patch_json(client, path, {"company": "矩阵改过"}, **if_match)
    elif op == "delete":
        response = client.delete(path, **if_match)
    elif op == "restore":
        response = client.post(f"{path}/restore")
    elif op == "transfer":
        response = post_json(client, f"{path}/transfer", {"owner": "manager1"})
    elif op == "status":
        response = post_json(client, f"{path}/status", {"status": "unqualified", "reason": "矩阵"})
    else:
        response = post_json(client, f"{path}/convert", {"account": None, "opportunity": None})

    status = expected(op, persona, target)
    if status >= 400:
        assert_error(response, status)
        assert full_snapshot() == before, "a denied request changed the database"
        return
    assert response.status_code == status, response.content[:300]
    after = Lead._base_manager.filter(pk=pk).first()
    if op == "get":
        assert response.json()["id"] == pk and response["ETag"] == f'"{before_row.version}"'
        assert response.json()["owner"]["username"] == target
        assert full_snapshot() == before
    elif op == "patch":
        assert after.company == "矩阵改过" and after.version == before_row.version + 1
    elif op == "delete":
        assert after.deleted_at is not None and client.get(path).status_code == 404
    elif op == "restore":
        assert after.deleted_at is None and response.json()["deleted_at"] is None
    elif op == "transfer":
        assert after.owner.username == "manager1"
    elif op == "status":
        assert after.status == "unqualified" and after.unqualified_reason == "矩阵"
    else:
        body = response.json()
        assert (
            after.status == "converted"
            and body["account"] == after.account_id
            and body["contact"] == after.contact_id
        )
        assert body["opportunity"] is None


CREATE_CASES = [pytest.param(persona, id=f"create-{_label(persona)}") for persona in PERSONAS]


@pytest.mark.parametrize("persona", PERSONAS)
def test_create(world, db, persona):
    """Every persona with the create grant (all demo roles) may create; the owner is the caller,
    whatever the payload says (owner in the payload is a 400, not ignored)."""
    client = client_for(world, persona)
    before = full_snapshot()
    response = post_json(client, URL, {"name": "矩阵新建", "owner": "rep3"})
    if persona in UNAUTHENTICATED:
        assert_error(response, 401)
        assert full_snapshot() == before
        return
    assert_error(response, 400)
    assert full_snapshot() == before
    response = post_json(client, URL, {"name": "矩阵新建"})
    assert response.status_code == 201, response.content[:300]
    assert response.json()["owner"]["username"] == persona


@pytest.mark.parametrize("persona", PERSONAS)
def test_list(world, db, persona):
    client = client_for(world, persona)
    response = client.get(URL)
    if persona in UNAUTHENTICATED:
        assert_error(response, 401)
        assert_error(client.get(f"{URL}/recycle-bin"), 401)
        return
    body = response.json()
    assert response.status_code == 200 and body["next_cursor"] is None
    assert {i["id"] for i in body["items"]} == {world["live"][o] for o in MAY[persona]["read"]}
    binned = {i["id"] for i in client.get(f"{URL}/recycle-bin").json()["items"]}
    assert binned == {world["binned"][o] for o in MAY[persona]["read"] | MAY[persona]["delete"]}
