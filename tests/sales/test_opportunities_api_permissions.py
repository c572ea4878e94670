"""The permission matrix of /api/v1/opportunities, /api/v1/pipelines and /api/v1/exchange-rates.

Opportunities: read by whoever may read their account or within the owner's read scope
(Opportunity.POLICY_VIA), written within the owner's scope; the demo roles grant opportunities
as they grant accounts, so the expectations are those of the customers' matrix (MAY). Pipelines
and exchange rates: every signed-in user reads, only administrators write. After every denial
the database is unchanged."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.customers.test_api_permissions import MAY, UNAUTHENTICATED, _label
from tests.helpers import assert_error, module_transaction, patch_json, post_json, snapshot

MATRIX_OPERATIONS = {
    "opportunity_list",
    "opportunity_create",
    "opportunity_recycle_bin",
    "opportunity_get",
    "opportunity_update",
    "opportunity_delete",
    "opportunity_restore",
    "opportunity_transfer",
    "opportunity_move",
    "opportunity_stage_history",
    "opportunity_contacts",
    "opportunity_contacts_set",
    "opportunity_collaborators",
    "opportunity_share",
    "opportunity_unshare",
    "pipeline_list",
    "pipeline_create",
    "pipeline_get",
    "pipeline_update",
    "pipeline_delete",
    "pipeline_restore",
    "stage_delete",
    "exchange_rate_list",
    "exchange_rate_set",
    "exchange_rate_put",
    "exchange_rate_delete",
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
URL = "/api/v1/opportunities"
ABSENT_ID = 10**9


def full_snapshot() -> tuple:
    from guanxi.engagement.models import Notification
    from guanxi.sales.models import (
        ExchangeRate,
        Opportunity,
        OpportunityContact,
        OpportunityStageChange,
        Pipeline,
        Stage,
    )

    def digest(rows) -> str:
        return hashlib.sha256(json.dumps(list(rows), default=str, ensure_ascii=False).encode()).hexdigest()

    return (
        *snapshot(),
        digest(
            Opportunity._base_manager.order_by("id").values_list(
                "id",
                "version",
                "owner_id",
                "deleted_at",
                "name",
                "stage_id",
                "probability",
                "loss_reason",
                "updated_at",
                "amount",
            )
        ),
        digest(OpportunityContact.objects.order_by("id").values_list("opportunity_id", "contact_id", "role")),
        OpportunityStageChange.objects.count(),
        digest(
            Pipeline.objects.order_by("id").values_list(
                "id", "version", "name_en", "deleted_at", "is_default"
            )
        ),
        digest(
            Stage.objects.order_by("id").values_list(
                "id", "name_en", "type", "probability", "order", "active"
            )
        ),
        digest(ExchangeRate.objects.order_by("id").values_list("currency", "rate")),
        Notification.objects.count(),
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from guanxi.customers.directory import services as customers
    from guanxi.demo.org import ensure_demo_org
    from guanxi.org.models import ApiToken, User
    from guanxi.sales.models import ExchangeRate, Pipeline
    from guanxi.sales.pipelines import services, services_admin

    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            users = ensure_demo_org()
            users["inactive"] = User.objects.create_user("inactive", password="guanxi-demo", is_active=False)
            tokens = {name: ApiToken.issue(user)[1] for name, user in users.items()}
            tokens["forged"] = "gx_" + "y" * 43
            pipeline = Pipeline.objects.get(is_default=True)
            stages = {s.name_en: s.pk for s in pipeline.stages.all()}
            live, binned, accounts, contacts = {}, {}, {}, {}
            for owner in OWNERS:
                actor = users[owner]
                account = customers.account_create(actor=actor, data={"name": f"商机矩阵{owner}有限公司"})
                contact = customers.contact_create(
                    actor=actor, data={"name": f"商机{owner}", "account": account.pk}
                )
                accounts[owner], contacts[owner] = account.pk, contact.pk
                live[owner] = services.opportunity_create(
                    actor=actor, data={"name": f"live {owner}", "account": account.pk, "amount": "1000.00"}
                ).pk
                old = services.opportunity_create(
                    actor=actor, data={"name": f"old {owner}", "account": account.pk}
                )
                services.opportunity_delete(actor=actor, opportunity=old, version=None)
                binned[owner] = old.pk
            spare = services_admin.pipeline_create(
                actor=users["admin"],
                data={
                    "name": "矩阵管道",
                    "stages": [
                        {"name": "A", "type": "open", "probability": 20},
                        {"name": "B", "type": "open", "probability": 40},
                        {"name": "W", "type": "won"},
                        {"name": "L", "type": "lost"},
                    ],
                },
            )
            ExchangeRate.objects.create(currency="USD", rate="7.10000000")
            spare_stages = list(spare.stages.order_by("order").values_list("pk", flat=True))
        yield {
            "users": users,
            "tokens": tokens,
            "live": live,
            "binned": binned,
            "accounts": accounts,
            "contacts": contacts,
            "stages": stages,
            "spare": spare.pk,
            "spare_stages": spare_stages,
        }


def client_for(world, persona):
    from django.test import Client

    if persona is None:
        return Client(HTTP_ACCEPT_LANGUAGE="en")
    return Client(HTTP_AUTHORIZATION=f"Bearer {world['tokens'][persona]}", HTTP_ACCEPT_LANGUAGE="en")


ACTION = {
    "get": "read",
    "stage_history": "read",
    "contacts": "read",
    "collaborators": "read",
    "patch": "update",
    "move": "update",
    "contacts_set": "update",
    "share": "update",
    "unshare": "update",
    "delete": "delete",
    "restore": "delete",
    "transfer": "transfer",
}


def expected(op: str, persona, target: str) -> int:
    if persona in UNAUTHENTICATED:
        return 401
    if target == "absent" or target not in MAY[persona]["read"]:
        return 404
    if target not in MAY[persona][ACTION[op]]:
        return 403
    return {"delete": 204}.get(op, 200)


CASES = [
    pytest.param(op, persona, target, id=f"{op}-{_label(persona)}-{target}")
    for op in ACTION
    for persona in PERSONAS
    for target in (*OWNERS, "absent")
]


@pytest.mark.parametrize(("op", "persona", "target"), CASES)
def test_targeted(world, db, op, persona, target):
    from guanxi.sales.models import Opportunity

    records = world["binned"] if op == "restore" else world["live"]
    pk = ABSENT_ID if target == "absent" else records[target]
    before_row = Opportunity._base_manager.filter(pk=pk).first()
    if_match = {"HTTP_IF_MATCH": f'"{before_row.version if before_row else 1}"'}
    client = client_for(world, persona)
    before = full_snapshot()
    path = f"{URL}/{pk}"
    contact = world["contacts"].get(target, ABSENT_ID)
    if op == "get":
        response = client.get(path)
    elif op == "stage_history":
        response = client.get(f"{path}/stage-history")
    elif op == "contacts":
        response = client.get(f"{path}/contacts")
    elif op == "collaborators":
        response = client.get(f"{path}/collaborators")
    elif op == "patch":
        response = patch_json(client, path, {"name": "矩阵改过"}, **if_match)
    elif op == "move":
        response = post_json(client, f"{path}/move", {"stage": world["stages"]["Proposal"]})
    elif op == "contacts_set":
        response = client.put(
            f"{path}/contacts",
            data=json.dumps({"contacts": [{"contact": contact, "role": "buyer"}]}),
            content_type="application/json",
        )
    elif op == "share":
        response = post_json(client, f"{path}/collaborators", {"user": "marketer1", "access": "read"})
    elif op == "unshare":
        response = client.delete(f"{path}/collaborators/marketer1")
    elif op == "delete":
        response = client.delete(path, **if_match)
    elif op == "restore":
        response = client.post(f"{path}/restore")
    else:
        response = post_json(client, f"{path}/transfer", {"owner": "manager1"})

    status = expected(op, persona, target)
    if status >= 400:
        assert_error(response, status)
        assert full_snapshot() == before, "a denied request changed the database"
        return
    assert response.status_code == status, response.content[:300]
    after = Opportunity._base_manager.filter(pk=pk).first()
    if op == "get":
        body = response.json()
        assert body["id"] == pk and response["ETag"] == f'"{before_row.version}"'
        assert body["account"] == world["accounts"][target] and body["amount"] == "1000.00"
        assert full_snapshot() == before
    elif op in ("stage_history", "contacts", "collaborators"):
        assert full_snapshot() == before
        if op == "stage_history":
            assert [i["to_stage"]["id"] for i in response.json()["items"]] == [
                world["stages"]["Qualification"]
            ]
    elif op == "patch":
        assert after.name == "矩阵改过" and after.version == before_row.version + 1
    elif op == "move":
        assert after.stage_id == world["stages"]["Proposal"] and after.probability == 50
    elif op == "contacts_set":
        assert response.json() == [
            {"contact": contact, "name": f"商机{target}", "role": "buyer", "is_primary": False}
        ]
    elif op == "share":
        assert response.json() == [{"user": "marketer1", "access": "read"}]
    elif op == "unshare":
        assert response.json() == []
    elif op == "delete":
        assert after.deleted_at is not None and client.get(path).status_code == 404
    elif op == "restore":
        assert after.deleted_at is None and response.json()["deleted_at"] is None
    elif op == "transfer":
        assert after.owner.username == "manager1"


CREATE_CASES = [
    pytest.param(persona, target, id=f"create-{_label(persona)}-{target}")
    for persona in PERSONAS
    for target in (*OWNERS, "absent")
]


@pytest.mark.parametrize(("persona", "target"), CREATE_CASES)
def test_create(world, db, persona, target):
    """Every demo role may create opportunities, on accounts it can read; an invisible or absent
    account is a 400 on `account`, the same answer for both."""
    client = client_for(world, persona)
    before = full_snapshot()
    response = post_json(
        client,
        URL,
        {"name": "矩阵新建", "account": world["accounts"].get(target, ABSENT_ID), "amount": "10.00"},
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
        assert_error(client.get(f"{URL}/recycle-bin"), 401)
        return
    body = response.json()
    assert response.status_code == 200 and body["next_cursor"] is None
    assert {i["id"] for i in body["items"]} == {world["live"][o] for o in MAY[persona]["read"]}
    binned = {i["id"] for i in client.get(f"{URL}/recycle-bin").json()["items"]}
    assert binned == {world["binned"][o] for o in MAY[persona]["read"] | (MAY[persona]["delete"] or set())}


# --- pipelines and exchange rates -------------------------------------------------------------

CONFIG_OPS = (
    "pipeline_list",
    "pipeline_get",
    "pipeline_create",
    "pipeline_update",
    "pipeline_delete",
    "pipeline_restore",
    "stage_delete",
    "exchange_rate_list",
    "exchange_rate_set",
    "exchange_rate_put",
    "exchange_rate_delete",
)
READS = {"pipeline_list", "pipeline_get", "exchange_rate_list"}


@pytest.mark.parametrize(
    ("op", "persona"), [pytest.param(op, p, id=f"{op}-{_label(p)}") for op in CONFIG_OPS for p in PERSONAS]
)
def test_configuration(world, db, op, persona):
    from guanxi.sales.models import Pipeline
    from guanxi.sales.pipelines import services_admin

    client = client_for(world, persona)
    spare = world["spare"]
    if op == "pipeline_restore":  # a binned pipeline to restore
        pipeline = Pipeline.objects.get(pk=spare)
        services_admin.pipeline_delete(actor=world["users"]["admin"], pipeline=pipeline, version=None)
    version = Pipeline.objects.get(pk=spare).version
    before = full_snapshot()
    stages = world["spare_stages"]
    if op == "pipeline_list":
        response = client.get("/api/v1/pipelines")
    elif op == "pipeline_get":
        response = client.get(f"/api/v1/pipelines/{spare}")
    elif op == "pipeline_create":
        response = post_json(
            client,
            "/api/v1/pipelines",
            {
                "name": "新管道",
                "stages": [
                    {"name": "Open", "type": "open", "probability": 10},
                    {"name": "Won", "type": "won"},
                    {"name": "Lost", "type": "lost"},
                ],
            },
        )
    elif op == "pipeline_update":
        response = patch_json(
            client,
            f"/api/v1/pipelines/{spare}",
            {"name": {"en": "Renamed", "zh-hans": "改名"}},
            HTTP_IF_MATCH=f'"{version}"',
        )
    elif op == "pipeline_delete":
        response = client.delete(f"/api/v1/pipelines/{spare}", HTTP_IF_MATCH=f'"{version}"')
    elif op == "pipeline_restore":
        response = client.post(f"/api/v1/pipelines/{spare}/restore")
    elif op == "stage_delete":
        response = client.delete(f"/api/v1/pipelines/{spare}/stages/{stages[1]}")
    elif op == "exchange_rate_list":
        response = client.get("/api/v1/exchange-rates")
    elif op == "exchange_rate_set":
        response = post_json(client, "/api/v1/exchange-rates", {"currency": "EUR", "rate": "7.8"})
    elif op == "exchange_rate_put":
        response = client.put(
            "/api/v1/exchange-rates/USD", data=json.dumps({"rate": "7.2"}), content_type="application/json"
        )
    else:
        response = client.delete("/api/v1/exchange-rates/USD")

    if persona in UNAUTHENTICATED:
        assert_error(response, 401)
    elif op not in READS and persona != "admin":
        assert_error(response, 403)
    else:
        assert response.status_code in (200, 201, 204), response.content[:300]
        if op == "pipeline_list":
            names = [p["name"] for p in response.json()["items"]]
            assert names[0] == "Sales pipeline" and "矩阵管道" in names
        elif op == "pipeline_get":
            assert [s["probability"] for s in response.json()["stages"]] == [20, 40, 100, 0]
        elif op == "exchange_rate_list":
            assert response.json()["base"] == "CNY" and response.json()["items"][0]["rate"] == "7.1"
        elif op == "pipeline_update":
            assert Pipeline.objects.get(pk=spare).name_zh_hans == "改名"
        elif op == "pipeline_delete":
            assert Pipeline.objects.get(pk=spare).deleted_at is not None
        elif op == "pipeline_restore":
            assert Pipeline.objects.get(pk=spare).deleted_at is None
        if op in READS:
            assert full_snapshot() == before
        else:
            assert full_snapshot() != before
        return
    assert full_snapshot() == before, "a denied request changed the database"
