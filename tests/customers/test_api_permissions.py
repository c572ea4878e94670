"""The permission matrix: every API operation on accounts and contacts × every persona.

Each case asserts the status the demo roles of guanxi/demo/org.py promise, and that a denied
request (401, 403, 404, or a 400 for an invisible linked account) leaves the database exactly
as it was. Records the persona cannot see answer 404, never 403.

The records are built once per module inside a transaction that is rolled back at the end;
each case runs in its own savepoint, so the ~600 cases stay quick.
"""

from __future__ import annotations

import csv
import io

import pytest

from tests.helpers import assert_error, module_transaction, patch_json, post_json, snapshot

# The API operations whose permission matrix is in this module (tests/test_api_matrix_coverage.py).
MATRIX_OPERATIONS = {
    "account_list",
    "account_get",
    "account_create",
    "account_update",
    "account_delete",
    "account_restore",
    "account_transfer",
    "account_export",
    "account_recycle_bin",
    "contact_list",
    "contact_get",
    "contact_create",
    "contact_update",
    "contact_delete",
    "contact_restore",
    "contact_transfer",
    "contact_export",
    "contact_recycle_bin",
    "account_collaborators",
    "account_share",
    "account_unshare",
    "contact_collaborators",
    "contact_share",
    "contact_unshare",
}

OWNERS = ("rep1", "rep2", "rep3")
MARK = {"rep1": "甲", "rep2": "乙", "rep3": "丙"}
ALL = frozenset(OWNERS)
NONE: frozenset[str] = frozenset()
EAST = frozenset({"rep1", "rep2"})

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

# Whose records each persona may act on (guanxi/demo/org.py): reps their own, manager1 the East
# department tree, director and admin all; agent1 reads and updates all; marketer1 reads and
# exports all but updates only its own. `None` under export: no export right at all (403).
MAY: dict[str, dict[str, frozenset[str] | None]] = {
    "admin": dict(read=ALL, update=ALL, delete=ALL, transfer=ALL, export=ALL),
    "director": dict(read=ALL, update=ALL, delete=ALL, transfer=ALL, export=ALL),
    "manager1": dict(read=EAST, update=EAST, delete=EAST, transfer=EAST, export=EAST),
    "rep1": dict(read={"rep1"}, update={"rep1"}, delete={"rep1"}, transfer={"rep1"}, export=None),
    "rep2": dict(read={"rep2"}, update={"rep2"}, delete={"rep2"}, transfer={"rep2"}, export=None),
    "rep3": dict(read={"rep3"}, update={"rep3"}, delete={"rep3"}, transfer={"rep3"}, export=None),
    "agent1": dict(read=ALL, update=ALL, delete=NONE, transfer=NONE, export=None),
    "marketer1": dict(read=ALL, update=NONE, delete=NONE, transfer=NONE, export=ALL),
}

PATH = {"account": "/api/v1/accounts", "contact": "/api/v1/contacts"}
RESOURCES = ("account", "contact")
TRANSFER_TO = "manager1"
SHARED_WITH = "agent1"  # every live record is shared read-only with agent1
SHARE_WITH = "marketer1"  # reads everything anyway, so sharing changes no expectation
TARGETED_OPS = ("get", "patch", "delete", "restore", "transfer", "collaborators", "share", "unshare")


def _label(persona) -> str:
    return "anonymous" if persona is None else persona


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Personas with tokens; per rep one live and one binned account + contact, the live ones
    shared read-only with agent1 (who reads everything anyway). Rolled back after the module."""
    from guanxi.customers.directory import services
    from guanxi.demo.org import ensure_demo_org
    from guanxi.org.models import ApiToken, User
    from guanxi.records import sharing

    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            users = ensure_demo_org()
            users["inactive"] = User.objects.create_user("inactive", password="guanxi-demo", is_active=False)
            tokens = {name: ApiToken.issue(user)[1] for name, user in users.items()}
            tokens["forged"] = "gx_" + "x" * 43
            live: dict[tuple[str, str], int] = {}
            binned: dict[tuple[str, str], int] = {}
            for owner in OWNERS:
                actor = users[owner]
                account = services.account_create(
                    actor=actor, data={"name": f"矩阵{MARK[owner]}号科技有限公司"}
                )
                contact = services.contact_create(
                    actor=actor, data={"name": f"矩阵{MARK[owner]}先生", "account": account.pk}
                )
                for obj in (account, contact):
                    sharing.collaborator_set(actor=actor, obj=obj, user=users[SHARED_WITH], access="read")
                live["account", owner], live["contact", owner] = account.pk, contact.pk
                old_account = services.account_create(
                    actor=actor, data={"name": f"矩阵{MARK[owner]}号旧公司"}
                )
                old_contact = services.contact_create(actor=actor, data={"name": f"矩阵{MARK[owner]}旧人"})
                services.account_delete(actor=actor, account=old_account, version=None)
                services.contact_delete(actor=actor, contact=old_contact, version=None)
                binned["account", owner], binned["contact", owner] = old_account.pk, old_contact.pk
        yield {"users": users, "tokens": tokens, "live": live, "binned": binned}


def client_for(world, persona):
    from django.test import Client

    if persona is None:
        return Client()
    return Client(HTTP_AUTHORIZATION=f"Bearer {world['tokens'][persona]}")


def model_of(resource):
    from guanxi.customers.models import Account, Contact

    return {"account": Account, "contact": Contact}[resource]


def row(resource, pk):
    return model_of(resource)._base_manager.filter(pk=pk).first()


ABSENT_ID = 10**9


def expected_targeted(op: str, persona, target: str) -> int:
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
        "collaborators": "read",
        "share": "update",
        "unshare": "update",
    }[op]
    if target not in MAY[persona][action]:
        return 403
    return {"delete": 204}.get(op, 200)


TARGETED_CASES = [
    pytest.param(resource, op, persona, target, id=f"{resource}-{op}-{_label(persona)}-{target}")
    for resource in RESOURCES
    for op in TARGETED_OPS
    for persona in PERSONAS
    if persona != "forged"
    for target in (*OWNERS, "absent")
]


@pytest.mark.parametrize(("resource", "op", "persona", "target"), TARGETED_CASES)
def test_record_operation(world, db, resource, op, persona, target):
    records = world["binned"] if op == "restore" else world["live"]
    pk = ABSENT_ID if target == "absent" else records[resource, target]
    before_row = row(resource, pk)
    base = f"{PATH[resource]}/{pk}"
    if_match = {"HTTP_IF_MATCH": f'"{before_row.version if before_row else 1}"'}
    client = client_for(world, persona)
    before = snapshot()

    if op == "get":
        response = client.get(base)
    elif op == "patch":
        response = patch_json(client, base, {"name": "矩阵改名"}, **if_match)
    elif op == "delete":
        response = client.delete(base, **if_match)
    elif op == "restore":
        response = client.post(f"{base}/restore")
    elif op == "transfer":
        response = post_json(client, f"{base}/transfer", {"owner": TRANSFER_TO})
    elif op == "collaborators":
        response = client.get(f"{base}/collaborators")
    elif op == "share":
        response = post_json(client, f"{base}/collaborators", {"user": SHARE_WITH, "access": "write"})
    else:
        response = client.delete(f"{base}/collaborators/{SHARED_WITH}")

    expected = expected_targeted(op, persona, target)
    if expected >= 400:
        assert_error(response, expected)
        assert snapshot() == before, "a denied request changed the database"
        return

    assert response.status_code == expected, response.content[:300]
    after_row = row(resource, pk)
    if op == "get":
        assert response.json()["id"] == pk
        assert response["ETag"] == f'"{before_row.version}"'
        assert snapshot() == before
    elif op == "patch":
        assert response.json()["name"] == after_row.name == "矩阵改名"
        assert after_row.version == before_row.version + 1
    elif op == "delete":
        assert response.content == b""
        assert after_row.deleted_at is not None
        assert client.get(base).status_code == 404
    elif op == "restore":
        assert after_row.deleted_at is None
        assert response.json()["deleted_at"] is None
    elif op == "transfer":
        assert after_row.owner.username == TRANSFER_TO
        assert response.json()["owner"]["username"] == TRANSFER_TO
    elif op == "collaborators":
        assert response.json() == [{"user": SHARED_WITH, "access": "read"}]
        assert snapshot() == before
    elif op == "share":
        assert response.json() == [
            {"user": SHARED_WITH, "access": "read"},
            {"user": SHARE_WITH, "access": "write"},
        ]
    else:
        assert response.json() == []


def _ids(response) -> set[int]:
    body = response.json()
    assert set(body) == {"items", "next_cursor"}
    assert body["next_cursor"] is None
    ids = [item["id"] for item in body["items"]]
    assert len(ids) == len(set(ids))
    return set(ids)


def _visible(world, resource, owners, *, binned: bool = False) -> set[int]:
    records = world["binned"] if binned else world["live"]
    return {records[resource, owner] for owner in owners}


LIST_CASES = [
    pytest.param(resource, op, persona, id=f"{resource}-{op}-{_label(persona)}")
    for resource in RESOURCES
    for op in ("list", "search", "recycle-bin", "export", "create")
    for persona in PERSONAS
]


@pytest.mark.parametrize(("resource", "op", "persona"), LIST_CASES)
def test_collection_operation(world, db, resource, op, persona):
    client = client_for(world, persona)
    before = snapshot()
    if op == "list":
        response = client.get(PATH[resource], {"limit": 500})
    elif op == "search":
        response = client.get(PATH[resource], {"q": "矩阵", "limit": 500})
    elif op == "recycle-bin":
        response = client.get(f"{PATH[resource]}/recycle-bin", {"limit": 500})
    elif op == "export":
        response = client.get(f"{PATH[resource]}/export")
    else:
        response = post_json(client, PATH[resource], {"name": "矩阵新建"})

    if persona in UNAUTHENTICATED:
        assert_error(response, 401)
        assert snapshot() == before
        return
    may = MAY[persona]

    if op in ("list", "search"):
        assert response.status_code == 200
        assert _ids(response) == _visible(world, resource, may["read"])
    elif op == "recycle-bin":
        assert response.status_code == 200
        assert _ids(response) == _visible(world, resource, may["read"] | may["delete"], binned=True)
    elif op == "export":
        if may["export"] is None:
            assert_error(response, 403)
        else:
            assert response.status_code == 200
            assert response["Content-Type"].startswith("text/csv")
            text = b"".join(response.streaming_content).decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(text)))
            assert rows[0][0] == "id"
            assert {int(r[0]) for r in rows[1:]} == _visible(world, resource, may["export"])
    else:
        assert response.status_code == 201, response.content[:300]
        created = row(resource, response.json()["id"])
        assert created.owner.username == persona
        assert response.json()["owner"] == {"id": created.owner_id, "username": persona}
        return
    assert snapshot() == before, "a read changed the database"


SEARCH_CASES = [
    pytest.param(resource, persona, target, id=f"{resource}-{_label(persona)}-finds-{target}")
    for resource in RESOURCES
    for persona in ("director", "manager1", "rep1", "rep2", "rep3", "marketer1")
    for target in OWNERS
]


@pytest.mark.parametrize(("resource", "persona", "target"), SEARCH_CASES)
def test_search_never_returns_invisible_records(world, db, resource, persona, target):
    """A query that matches exactly one record (by characters or by pinyin) finds it only if visible."""
    from pypinyin import lazy_pinyin

    client = client_for(world, persona)
    expected = {world["live"][resource, target]} if target in MAY[persona]["read"] else set()
    mark = MARK[target]
    for q in (f"矩阵{mark}", "juzhen" + lazy_pinyin(mark)[0]):
        response = client.get(PATH[resource], {"q": q})
        assert response.status_code == 200
        assert _ids(response) == expected, q


LINK_CASES = [
    pytest.param(persona, target, id=f"contact-create-linked-{_label(persona)}-{target}")
    for persona in PERSONAS
    for target in (*OWNERS, "absent")
]


@pytest.mark.parametrize(("persona", "target"), LINK_CASES)
def test_contact_linked_to_account(world, db, persona, target):
    """A contact may only point at an account the actor can see; otherwise the field is refused
    with the same message whether the account exists or not."""
    account_id = ABSENT_ID if target == "absent" else world["live"]["account", target]
    client = client_for(world, persona)
    before = snapshot()
    response = post_json(client, PATH["contact"], {"name": "矩阵关联", "account": account_id})
    if persona in UNAUTHENTICATED:
        assert_error(response, 401)
    elif target == "absent" or target not in MAY[persona]["read"]:
        error = assert_error(response, 400, "account")
        absent = post_json(client, PATH["contact"], {"name": "矩阵关联", "account": ABSENT_ID})
        assert assert_error(absent, 400, "account") == error, "existence of an invisible account leaks"
    else:
        assert response.status_code == 201
        assert response.json()["account"] == account_id
        return
    assert snapshot() == before


FILTER_CASES = [
    pytest.param(resource, persona, target, id=f"{resource}-owner-filter-{persona}-{target}")
    for resource in RESOURCES
    for persona in ("manager1", "rep1", "rep3")
    for target in OWNERS
]


@pytest.mark.parametrize(("resource", "persona", "target"), FILTER_CASES)
def test_owner_filter_stays_in_scope(world, db, resource, persona, target):
    client = client_for(world, persona)
    response = client.get(PATH[resource], {"owner": target})
    assert response.status_code == 200
    expected = {world["live"][resource, target]} if target in MAY[persona]["read"] else set()
    assert _ids(response) == expected
