"""The permission matrix of /api/v1/tasks and /api/v1/notifications: every operation × persona.

Tasks follow policies.access: the owner's data scope (guanxi/demo/org.py grants on "task"),
widened for reads to whoever may read the task's account or contact (POLICY_VIA) and, for
reads and updates, to the assignee (POLICY_ASSIGNEE). Invisible is 404, visible but not
allowed 403, and a denied request leaves the database as it was.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.helpers import assert_error, module_transaction, patch_json, post_json

# The API operations whose permission matrix is in this module (tests/test_api_matrix_coverage.py).
MATRIX_OPERATIONS = {
    "task_list",
    "task_create",
    "task_get",
    "task_update",
    "task_delete",
    "task_restore",
    "task_complete",
    "task_reopen",
    "task_recycle_bin",
    "notification_list",
    "notification_read",
    "notification_read_all",
    "notification_unread_count",
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
UNAUTHENTICATED = {"inactive", "forged", None}
EVERYONE = {"admin", "director", "manager1", "rep1", "rep2", "rep3", "agent1", "marketer1"}
EAST = {"manager1", "rep1", "rep2"}

# The owners whose tasks (and accounts) each persona may act on by data scope.
SCOPE: dict[str, dict[str, set[str]]] = {
    "admin": dict(read=EVERYONE, update=EVERYONE, delete=EVERYONE),
    "director": dict(read=EVERYONE, update=EVERYONE, delete=EVERYONE),
    "manager1": dict(read=EAST, update=EAST, delete=EAST),
    "rep1": dict(read={"rep1"}, update={"rep1"}, delete={"rep1"}),
    "rep2": dict(read={"rep2"}, update={"rep2"}, delete={"rep2"}),
    "rep3": dict(read={"rep3"}, update={"rep3"}, delete={"rep3"}),
    "agent1": dict(read=EVERYONE, update=EVERYONE, delete=set()),
    "marketer1": dict(read=EVERYONE, update={"marketer1"}, delete=set()),
}

# target → (task owner, assignee, owner of its account or None)
TASKS = {
    "own-rep1": ("rep1", "rep1", "rep1"),
    "own-rep2": ("rep2", "rep2", "rep2"),
    "own-rep3": ("rep3", "rep3", None),
    "assigned": ("rep2", "rep1", None),  # rep2 asked rep1: rep1 may read and complete, not delete
    "via": ("rep3", "rep3", "rep1"),  # rep3's task on rep1's account: rep1 reads it only
}
ABSENT_ID = 10**9


def may(persona: str, action: str, target: str) -> bool:
    owner, assignee, account_owner = TASKS[target]
    if owner in SCOPE[persona][action]:
        return True
    if action in ("read", "update") and persona == assignee:
        return True
    return action == "read" and account_owner is not None and account_owner in SCOPE[persona]["read"]


def snapshot() -> tuple:
    from guanxi.audit.models import AuditEvent
    from guanxi.core.models import IdempotencyKey
    from guanxi.engagement.models import Notification, Task

    def digest(rows) -> str:
        return hashlib.sha256(json.dumps(list(rows), default=str).encode()).hexdigest()

    return (
        digest(
            Task._base_manager.order_by("id").values_list(
                "id", "version", "title", "done", "deleted_at", "assignee_id", "account_id", "owner_id"
            )
        ),
        digest(Notification.objects.order_by("id").values_list("id", "user_id", "read_at")),
        AuditEvent.objects.count(),
        IdempotencyKey.objects.count(),
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from guanxi.customers.directory import services as customers
    from guanxi.demo.org import ensure_demo_org
    from guanxi.engagement.tasks import services
    from guanxi.org.models import ApiToken, User

    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            users = ensure_demo_org()
            users["inactive"] = User.objects.create_user("inactive", password="x", is_active=False)
            tokens = {name: ApiToken.issue(user)[1] for name, user in users.items()}
            tokens["forged"] = "gx_" + "x" * 43
            accounts = {
                rep: customers.account_create(actor=users[rep], data={"name": f"任务矩阵{rep}公司"})
                for rep in ("rep1", "rep2", "rep3")
            }
            live, binned = {}, {}
            for target, (owner, assignee, account_owner) in TASKS.items():
                data = {"title": f"矩阵任务 {target}", "assignee": assignee}
                if account_owner:
                    data["account"] = accounts[account_owner]
                if target == "via":  # rep3 cannot see rep1's account: link it as the system would
                    data.pop("account")
                task = services.task_create(actor=users[owner], data=data)
                if target == "via":
                    type(task)._base_manager.filter(pk=task.pk).update(account=accounts["rep1"])
                live[target] = task.pk
            for rep in ("rep1", "rep2", "rep3"):
                task = services.task_create(actor=users[rep], data={"title": f"回收站任务 {rep}"})
                services.task_delete(actor=users[rep], task=task, version=task.version)
                binned[rep] = task.pk
            notes = {rep: services.notify(users[rep], "other", f"通知 {rep}").pk for rep in ("rep1", "rep2")}
            from guanxi.engagement.models import Notification

            inbox = {
                name: set(Notification.objects.filter(user=user).values_list("id", flat=True))
                for name, user in users.items()
            }
            assert len(inbox["rep1"]) == 2  # "通知 rep1" and rep2's assignment of a task
        yield {
            "users": users,
            "tokens": tokens,
            "live": live,
            "binned": binned,
            "notes": notes,
            "inbox": inbox,
            "accounts": {k: v.pk for k, v in accounts.items()},
        }


def client_for(world, persona):
    from django.test import Client

    headers = {"HTTP_ACCEPT_LANGUAGE": "en"}
    if persona is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {world['tokens'][persona]}"
    return Client(**headers)


def _label(persona) -> str:
    return "anonymous" if persona is None else persona


def task_row(pk):
    from guanxi.engagement.models import Task

    return Task._base_manager.filter(pk=pk).first()


def expected(op: str, persona, target: str) -> int:
    if persona in UNAUTHENTICATED:
        return 401
    if target == "absent":
        return 404
    if op == "restore":
        owner = target  # binned tasks are keyed by their owner
        if owner not in SCOPE[persona]["read"] | SCOPE[persona]["delete"]:
            return 404
        return 200 if owner in SCOPE[persona]["delete"] else 403
    if not may(persona, "read", target):
        return 404
    action = {"get": "read", "patch": "update", "complete": "update", "reopen": "update", "delete": "delete"}[
        op
    ]
    if not may(persona, action, target):
        return 403
    return 204 if op == "delete" else 200


TARGETED = [
    pytest.param(op, persona, target, id=f"{op}-{_label(persona)}-{target}")
    for op in ("get", "patch", "complete", "reopen", "delete")
    for persona in PERSONAS
    if persona != "forged"
    for target in (*TASKS, "absent")
] + [
    pytest.param("restore", persona, target, id=f"restore-{_label(persona)}-{target}")
    for persona in PERSONAS
    if persona != "forged"
    for target in ("rep1", "rep2", "rep3", "absent")
]


@pytest.mark.parametrize(("op", "persona", "target"), TARGETED)
def test_task_operation(world, db, op, persona, target):
    records = world["binned"] if op == "restore" else world["live"]
    pk = ABSENT_ID if target == "absent" else records[target]
    before_row = task_row(pk)
    base = f"/api/v1/tasks/{pk}"
    if_match = {"HTTP_IF_MATCH": f'"{before_row.version if before_row else 1}"'}
    client = client_for(world, persona)
    if op == "reopen" and before_row is not None:
        type(before_row)._base_manager.filter(pk=pk).update(done=True)
    before = snapshot()
    if op == "get":
        response = client.get(base)
    elif op == "patch":
        response = patch_json(client, base, {"title": "矩阵改名", "priority": "high"}, **if_match)
    elif op == "complete":
        response = client.post(f"{base}/complete")
    elif op == "reopen":
        response = client.post(f"{base}/reopen", **if_match)
    elif op == "delete":
        response = client.delete(base, **if_match)
    else:
        response = client.post(f"{base}/restore")

    status = expected(op, persona, target)
    if status >= 400:
        assert_error(response, status)
        assert snapshot() == before, "a denied request changed the database"
        return
    assert response.status_code == status, response.content[:300]
    after = task_row(pk)
    if op == "get":
        assert response.json()["id"] == pk and response["ETag"] == f'"{before_row.version}"'
        assert snapshot() == before
    elif op == "patch":
        assert (
            response.json()["title"] == after.title == "矩阵改名" and after.version == before_row.version + 1
        )
    elif op == "complete":
        assert after.done and response.json()["done"] is True and response.json()["done_at"]
    elif op == "reopen":
        assert not after.done and response.json()["done"] is False
    elif op == "delete":
        assert after.deleted_at is not None and client.get(base).status_code == 404
    else:
        assert after.deleted_at is None and response.json()["deleted_at"] is None


def test_links_are_hidden_from_readers_who_cannot_see_the_account(world, db):
    """The assignee reads a task on an account it cannot see: the account is not named to it."""
    from guanxi.engagement.models import Task

    pk = world["live"]["assigned"]
    Task._base_manager.filter(pk=pk).update(account_id=world["accounts"]["rep2"])
    assert client_for(world, "rep1").get(f"/api/v1/tasks/{pk}").json()["account"] is None
    assert client_for(world, "rep2").get(f"/api/v1/tasks/{pk}").json()["account"] == world["accounts"]["rep2"]
    assert (
        client_for(world, "manager1").get(f"/api/v1/tasks/{pk}").json()["account"]
        == world["accounts"]["rep2"]
    )


COLLECTION = [
    pytest.param(op, persona, id=f"{op}-{_label(persona)}")
    for op in ("list", "recycle-bin", "create", "notifications", "unread-count", "read-all")
    for persona in PERSONAS
]


@pytest.mark.parametrize(("op", "persona"), COLLECTION)
def test_collection_operation(world, db, op, persona):
    client = client_for(world, persona)
    before = snapshot()
    if op == "list":
        response = client.get("/api/v1/tasks", {"limit": 500})
    elif op == "recycle-bin":
        response = client.get("/api/v1/tasks/recycle-bin", {"limit": 500})
    elif op == "create":
        response = post_json(client, "/api/v1/tasks", {"title": "矩阵新建"})
    elif op == "notifications":
        response = client.get("/api/v1/notifications")
    elif op == "unread-count":
        response = client.get("/api/v1/notifications/unread-count")
    else:
        response = client.post("/api/v1/notifications/read-all")
    if persona in UNAUTHENTICATED:
        assert_error(response, 401)
        assert snapshot() == before
        return
    assert response.status_code == (201 if op == "create" else 200), response.content[:300]
    body = response.json()
    mine = world["inbox"][persona]
    if op == "list":
        assert {t["id"] for t in body["items"]} == {
            world["live"][t] for t in TASKS if may(persona, "read", t)
        }
    elif op == "recycle-bin":
        visible = SCOPE[persona]["read"] | SCOPE[persona]["delete"]
        assert {t["id"] for t in body["items"]} == {
            world["binned"][r] for r in ("rep1", "rep2", "rep3") if r in visible
        }
    elif op == "create":
        created = task_row(body["id"])
        assert created.owner.username == persona == created.assignee.username
        assert body["assignee"] == persona and body["owner"]["username"] == persona
        return
    elif op == "notifications":
        assert {n["id"] for n in body["items"]} == mine
    elif op == "unread-count":
        assert body == {"count": len(mine)}
    else:
        assert body == {"marked": len(mine)}
        return
    assert snapshot() == before, "a read changed the database"


NOTE_CASES = [
    pytest.param(persona, owner, id=f"read-{_label(persona)}-note-of-{owner}")
    for persona in PERSONAS
    if persona != "forged"
    for owner in ("rep1", "rep2", "absent")
]


@pytest.mark.parametrize(("persona", "owner"), NOTE_CASES)
def test_mark_one_notification_read(world, db, persona, owner):
    pk = ABSENT_ID if owner == "absent" else world["notes"][owner]
    client = client_for(world, persona)
    before = snapshot()
    response = client.post(f"/api/v1/notifications/{pk}/read")
    if persona in UNAUTHENTICATED:
        assert_error(response, 401)
    elif persona != owner:
        assert_error(response, 404)  # someone else's notification is not found, never forbidden
    else:
        assert response.status_code == 200 and response.json()["read_at"]
        count = client.get("/api/v1/notifications/unread-count").json()["count"]
        assert count == len(world["inbox"][persona]) - 1
        return
    assert snapshot() == before


def test_assignee_filter_stays_in_scope(world, db):
    client = client_for(world, "rep1")
    response = client.get("/api/v1/tasks", {"assignee": "rep3"})
    assert {t["id"] for t in response.json()["items"]} == {world["live"]["via"]}  # via rep1's account only
    response = client.get("/api/v1/tasks", {"assignee": "rep1"})
    assert {t["id"] for t in response.json()["items"]} == {
        world["live"]["own-rep1"],
        world["live"]["assigned"],
    }
