"""The permission matrix of /api/v1/pools: operation × persona → status, and after every denial
the database is unchanged (customers, pools, pool events, audit, index, idempotency keys).

The cast: one customer pool with members rep1 and rep2 (East) and manager1 as pool
administrator; a binned pool; a pooled account; an account owned by rep1. Pools are visible to
members, administrators and superusers (others: 404); settings are for superusers (403 for the
members and pool administrators); claiming is for members, assigning for pool administrators."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.customers.test_api_permissions import MAY, UNAUTHENTICATED, _label
from tests.helpers import assert_error, module_transaction, patch_json, post_json, snapshot

MATRIX_OPERATIONS = {
    "pool_list",
    "pool_recycle_bin",
    "pool_create",
    "pool_lock",
    "pool_get",
    "pool_update",
    "pool_delete",
    "pool_restore",
    "pool_claim",
    "pool_assign",
    "pool_return",
    "pool_records",
    "pool_events",
}

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
URL = "/api/v1/pools"
SEES = {"admin", "manager1", "rep1", "rep2"}  # members, the pool administrator, the superuser
MEMBERS = {"rep1", "rep2"}
POOL_ADMINS = {"admin", "manager1"}


def full_snapshot() -> tuple:
    from guanxi.customers.models import Account
    from guanxi.engagement.models import Notification
    from guanxi.sales.models import Pool, PoolEvent, PoolRule

    def digest(rows) -> str:
        return hashlib.sha256(json.dumps(list(rows), default=str, ensure_ascii=False).encode()).hexdigest()

    return (
        *snapshot(),
        digest(
            Account._base_manager.order_by("id").values_list("id", "pool_id", "pool_locked", "owned_since")
        ),
        digest(
            Pool.objects.order_by("id").values_list(
                "id", "version", "name", "deleted_at", "daily_claim_limit"
            )
        ),
        digest(PoolRule.objects.order_by("id").values_list("pool_id", "kind", "days", "tier")),
        PoolEvent.objects.count(),
        Notification.objects.count(),
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from guanxi.customers.directory import services as customers
    from guanxi.customers.models import Account
    from guanxi.demo.org import ensure_demo_org
    from guanxi.org.models import ApiToken, User
    from guanxi.sales.pools import services_admin

    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            users = ensure_demo_org()
            users["inactive"] = User.objects.create_user("inactive", password="guanxi-demo", is_active=False)
            tokens = {name: ApiToken.issue(user)[1] for name, user in users.items()}
            tokens["forged"] = "gx_" + "z" * 43
            admin = users["admin"]
            pool = services_admin.pool_create(
                actor=admin,
                data={
                    "name": "矩阵公海",
                    "kind": "customer",
                    "members": ["rep1", "rep2"],
                    "admins": ["manager1"],
                    "rules": [{"kind": "no_followup", "days": 30, "tier": None}],
                },
            )
            binned = services_admin.pool_create(actor=admin, data={"name": "回收站里的公海", "kind": "lead"})
            services_admin.pool_delete(actor=admin, pool=binned, version=binned.version)
            pooled = customers.account_create(
                actor=users["rep3"], data={"name": "矩阵池中客户", "phone": "13812345678"}
            )
            Account._base_manager.filter(pk=pooled.pk).update(owner=None, pool=pool)
            owned = customers.account_create(actor=users["rep1"], data={"name": "矩阵自有客户"})
        yield {
            "users": users,
            "tokens": tokens,
            "pool": pool.pk,
            "binned": binned.pk,
            "pooled": pooled.pk,
            "owned": owned.pk,
        }


def client_for(world, persona):
    from django.test import Client

    if persona is None:
        return Client(HTTP_ACCEPT_LANGUAGE="en")
    return Client(HTTP_AUTHORIZATION=f"Bearer {world['tokens'][persona]}", HTTP_ACCEPT_LANGUAGE="en")


def expected(op: str, persona) -> int:
    if persona in UNAUTHENTICATED:
        return 401
    if op == "create":
        return 201 if persona == "admin" else 403
    if op in ("list", "recycle_bin"):
        return 200
    if op == "lock":
        return 200 if "rep1" in MAY[persona]["transfer"] else 400
    if op in ("update", "delete", "restore") and persona != "admin":
        return 403  # the right to manage pools is checked first (org/api_rights.py): no 404 to learn from
    if op == "restore":
        return 200
    if persona not in SEES:
        return 404
    if op in ("get", "records", "events"):
        return 200
    if op in ("update", "delete"):
        return {"update": 200, "delete": 204}[op] if persona == "admin" else 403
    if op == "claim":
        return 200 if persona in MEMBERS else 403
    if op == "assign":
        return 200 if persona in POOL_ADMINS else 403
    if op == "return":  # members and pool administrators, for records they may transfer
        return 200 if "rep1" in MAY[persona]["transfer"] else 400
    raise AssertionError(op)


OPS = (
    "create",
    "list",
    "recycle_bin",
    "lock",
    "get",
    "records",
    "events",
    "update",
    "delete",
    "restore",
    "claim",
    "assign",
    "return",
)
CASES = [pytest.param(op, persona, id=f"{op}-{_label(persona)}") for op in OPS for persona in PERSONAS]


@pytest.mark.parametrize(("op", "persona"), CASES)
def test_matrix(world, db, op, persona):
    from guanxi.customers.models import Account
    from guanxi.sales.models import Pool

    client = client_for(world, persona)
    pool_id = world["pool"]
    pool = Pool.objects.get(pk=pool_id)
    path = f"{URL}/{pool_id}"
    if_match = {"HTTP_IF_MATCH": f'"{pool.version}"'}
    before = full_snapshot()
    if op == "create":
        response = post_json(client, URL, {"name": "新公海", "kind": "lead", "members": ["rep3"]})
    elif op == "list":
        response = client.get(URL)
    elif op == "recycle_bin":
        response = client.get(f"{URL}/recycle-bin")
    elif op == "lock":
        response = post_json(client, f"{URL}/lock", {"kind": "customer", "ids": [world["owned"]]})
    elif op == "get":
        response = client.get(path)
    elif op == "records":
        response = client.get(f"{path}/records")
    elif op == "events":
        response = client.get(f"{path}/events")
    elif op == "update":
        response = patch_json(client, path, {"daily_claim_limit": 9}, **if_match)
    elif op == "delete":
        response = client.delete(path, **if_match)
    elif op == "restore":
        response = client.post(f"{URL}/{world['binned']}/restore")
    elif op == "claim":
        response = post_json(client, f"{path}/claim", {"ids": [world["pooled"]]})
    elif op == "assign":
        response = post_json(client, f"{path}/assign", {"ids": [world["pooled"]], "owner": "rep1"})
    else:
        response = post_json(client, f"{path}/return", {"ids": [world["owned"]], "reason": "矩阵退回"})

    status = expected(op, persona)
    if status >= 400:
        assert_error(response, status)
        assert full_snapshot() == before, "a denied request changed the database"
        return
    assert response.status_code == status, response.content[:300]
    pooled = Account._base_manager.get(pk=world["pooled"])
    owned = Account._base_manager.get(pk=world["owned"])
    if op == "list":
        names = {i["name"] for i in response.json()["items"]}
        assert names == ({"矩阵公海"} if persona in SEES else set())
    elif op == "recycle_bin":
        assert [i["id"] for i in response.json()["items"]] == (
            [world["binned"]] if persona == "admin" else []
        )
    elif op == "get":
        assert response.json()["members"] == ["rep1", "rep2"] and response["ETag"] == f'"{pool.version}"'
    elif op == "records":
        assert [(i["id"], i["phone"]) for i in response.json()["items"]] == [(world["pooled"], "138****5678")]
    elif op in ("get", "events", "records"):
        assert full_snapshot() == before
    elif op == "update":
        assert Pool.objects.get(pk=pool_id).daily_claim_limit == 9
    elif op == "delete":
        assert Pool.objects.get(pk=pool_id).deleted_at is not None and client.get(path).status_code == 404
    elif op == "restore":
        assert Pool.objects.get(pk=world["binned"]).deleted_at is None
    elif op == "claim":
        assert pooled.owner.username == persona and pooled.pool_id is None
    elif op == "assign":
        assert pooled.owner.username == "rep1"
    elif op == "return":
        assert owned.owner_id is None and owned.pool_id == pool_id
    elif op == "lock":
        assert owned.pool_locked is True
    elif op == "create":
        assert response.json()["members"] == ["rep3"]
