"""The permission matrix of /api/v1/activities and the timelines: operation × persona × owner.

Follow-ups are read by whoever may read their account (policies.access POLICY_VIA) and written
within the owner's scope; the demo roles grant the same scopes for follow-ups as for accounts,
so the expectations are those of the customers' matrix. After every denial the database is
unchanged (customers, follow-ups, their contacts, audit, index, idempotency keys)."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.customers.test_api_permissions import ALL, EAST, MAY, UNAUTHENTICATED, _label
from tests.helpers import assert_error, module_transaction, patch_json, post_json, snapshot

# The API operations whose permission matrix is in this module (tests/test_api_matrix_coverage.py).
MATRIX_OPERATIONS = {
    "activity_list",
    "activity_create",
    "activity_get",
    "activity_update",
    "activity_delete",
    "activity_restore",
    "activity_transfer",
    "activity_recycle_bin",
    "account_timeline",
    "contact_timeline",
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
URL = "/api/v1/activities"
ABSENT_ID = 10**9
assert ALL and EAST  # the same cast as the customers' matrix


def full_snapshot() -> tuple:
    from guanxi.customers.models import Account, Contact
    from guanxi.engagement.models import Activity, ActivityContact

    def digest(rows) -> str:
        return hashlib.sha256(json.dumps(list(rows), default=str, ensure_ascii=False).encode()).hexdigest()

    return (
        *snapshot(),
        digest(
            Activity._base_manager.order_by("id").values_list(
                "id", "version", "owner_id", "deleted_at", "subject", "account_id", "kind", "updated_at"
            )
        ),
        digest(
            ActivityContact.objects.order_by("id").values_list("activity_id", "contact_id", "occurred_at")
        ),
        digest(
            Account._base_manager.order_by("id").values_list(
                "last_contact_at", "last_followup_summary", "next_contact_at", "lifecycle_stage", "health"
            )
        ),
        digest(Contact._base_manager.order_by("id").values_list("last_contact_at", "last_followup_summary")),
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from guanxi.customers.directory import services as customers
    from guanxi.demo.org import ensure_demo_org
    from guanxi.engagement.followups import services
    from guanxi.org.models import ApiToken, User

    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            users = ensure_demo_org()
            users["inactive"] = User.objects.create_user("inactive", password="guanxi-demo", is_active=False)
            tokens = {name: ApiToken.issue(user)[1] for name, user in users.items()}
            tokens["forged"] = "gx_" + "y" * 43
            live, binned, accounts, contacts = {}, {}, {}, {}
            for owner in OWNERS:
                actor = users[owner]
                account = customers.account_create(actor=actor, data={"name": f"跟进矩阵{owner}有限公司"})
                contact = customers.contact_create(
                    actor=actor, data={"name": f"矩阵{owner}", "account": account.pk}
                )
                accounts[owner], contacts[owner] = account.pk, contact.pk
                live[owner] = services.activity_create(
                    actor=actor,
                    data={
                        "kind": "call",
                        "subject": f"live {owner}",
                        "account": account.pk,
                        "contacts": [contact.pk],
                    },
                ).pk
                old = services.activity_create(
                    actor=actor, data={"kind": "note", "subject": f"old {owner}", "account": account.pk}
                )
                services.activity_delete(actor=actor, activity=old, version=None)
                binned[owner] = old.pk
        yield {
            "users": users,
            "tokens": tokens,
            "live": live,
            "binned": binned,
            "accounts": accounts,
            "contacts": contacts,
        }


def client_for(world, persona):
    from django.test import Client

    if persona is None:
        return Client(HTTP_ACCEPT_LANGUAGE="en")
    return Client(HTTP_AUTHORIZATION=f"Bearer {world['tokens'][persona]}", HTTP_ACCEPT_LANGUAGE="en")


def expected(op: str, persona, target: str) -> int:
    if persona in UNAUTHENTICATED:
        return 401
    if target == "absent" or target not in MAY[persona]["read"]:
        return 404
    action = {
        "get": "read",
        "patch": "update",
        "delete": "delete",
        "restore": "delete",
        "transfer": "transfer",
        "account_timeline": "read",
        "contact_timeline": "read",
    }[op]
    if target not in MAY[persona][action]:
        return 403
    return {"delete": 204}.get(op, 200)


OPS = ("get", "patch", "delete", "restore", "transfer", "account_timeline", "contact_timeline")
CASES = [
    pytest.param(op, persona, target, id=f"{op}-{_label(persona)}-{target}")
    for op in OPS
    for persona in PERSONAS
    for target in (*OWNERS, "absent")
]


@pytest.mark.parametrize(("op", "persona", "target"), CASES)
def test_targeted(world, db, op, persona, target):
    from guanxi.engagement.models import Activity

    records = world["binned"] if op == "restore" else world["live"]
    pk = ABSENT_ID if target == "absent" else records[target]
    before_row = Activity._base_manager.filter(pk=pk).first()
    if_match = {"HTTP_IF_MATCH": f'"{before_row.version if before_row else 1}"'}
    client = client_for(world, persona)
    before = full_snapshot()
    path = f"{URL}/{pk}"
    if op == "get":
        response = client.get(path)
    elif op == "patch":
        response = patch_json(client, path, {"subject": "矩阵改过"}, **if_match)
    elif op == "delete":
        response = client.delete(path, **if_match)
    elif op == "restore":
        response = client.post(f"{path}/restore")
    elif op == "transfer":
        response = post_json(client, f"{path}/transfer", {"owner": "manager1"})
    elif op == "account_timeline":
        response = client.get(f"/api/v1/accounts/{world['accounts'].get(target, ABSENT_ID)}/timeline")
    else:
        response = client.get(f"/api/v1/contacts/{world['contacts'].get(target, ABSENT_ID)}/timeline")

    status = expected(op, persona, target)
    if status >= 400:
        assert_error(response, status)
        assert full_snapshot() == before, "a denied request changed the database"
        return
    assert response.status_code == status, response.content[:300]
    after = Activity._base_manager.filter(pk=pk).first()
    if op == "get":
        assert response.json()["id"] == pk and response["ETag"] == f'"{before_row.version}"'
        assert response.json()["account"] == world["accounts"][target]
        assert full_snapshot() == before
    elif op == "patch":
        assert after.subject == "矩阵改过" and after.version == before_row.version + 1
    elif op == "delete":
        assert after.deleted_at is not None and client.get(path).status_code == 404
    elif op == "restore":
        assert after.deleted_at is None and response.json()["deleted_at"] is None
    elif op == "transfer":
        assert after.owner.username == "manager1"
    else:
        titles = [i["title"] for i in response.json()["items"]]
        assert f"live {target}" in titles and f"old {target}" not in titles
        assert full_snapshot() == before


CREATE_CASES = [
    pytest.param(persona, target, id=f"create-{_label(persona)}-{target}")
    for persona in PERSONAS
    for target in (*OWNERS, "absent")
]


@pytest.mark.parametrize(("persona", "target"), CREATE_CASES)
def test_create(world, db, persona, target):
    """Anyone with the create grant may log a follow-up on a customer they can read; an
    invisible or absent account is a 400 on `account` (no oracle: both answer the same)."""
    client = client_for(world, persona)
    before = full_snapshot()
    response = post_json(
        client,
        URL,
        {"kind": "visit", "subject": "矩阵新建", "account": world["accounts"].get(target, ABSENT_ID)},
    )
    if persona in UNAUTHENTICATED:
        assert_error(response, 401)
    elif target == "absent" or target not in MAY[persona]["read"]:
        error = assert_error(response, 400, "account")
        assert error["fields"]["account"] == ["This account does not exist or you cannot see it."]
    else:
        assert response.status_code == 201, response.content[:300]
        assert response.json()["owner"]["username"] == persona
        return
    assert full_snapshot() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_list(world, db, persona):
    client = client_for(world, persona)
    response = client.get(URL)
    if persona in UNAUTHENTICATED:
        assert_error(response, 401)
        return
    body = response.json()
    assert response.status_code == 200 and body["next_cursor"] is None
    got = {i["id"] for i in body["items"]}
    assert got == {world["live"][o] for o in MAY[persona]["read"]}
    binned = {i["id"] for i in client.get(f"{URL}/recycle-bin").json()["items"]}
    assert binned == {world["binned"][o] for o in MAY[persona]["read"] | (MAY[persona]["delete"] or set())}
