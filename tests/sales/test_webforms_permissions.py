"""The permission matrix of the sales configuration APIs of web forms, scoring rules and
assignment rules: administrators only. Every other signed-in persona gets 403 on every
operation (reads included: the configuration names pools, owners and forms), the anonymous, the
deactivated and a forged token 401, and after every denial the database is unchanged."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.helpers import assert_error, module_transaction, patch_json, post_json

# The API operations whose permission matrix is in this module (tests/test_api_matrix_coverage.py).
MATRIX_OPERATIONS = {
    "lead_form_list",
    "lead_form_recycle_bin",
    "lead_form_create",
    "lead_form_get",
    "lead_form_update",
    "lead_form_delete",
    "lead_form_restore",
    "scoring_rule_list",
    "scoring_rule_create",
    "scoring_rule_get",
    "scoring_rule_update",
    "scoring_rule_delete",
    "assignment_rule_list",
    "assignment_rule_create",
    "assignment_rule_reorder",
    "assignment_rule_get",
    "assignment_rule_update",
    "assignment_rule_delete",
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


def snapshot() -> tuple:
    from guanxi.audit.models import AuditEvent
    from guanxi.core.models import IdempotencyKey
    from guanxi.sales.models import AssignmentRule, Lead, LeadForm, ScoringRule

    def digest(rows) -> str:
        return hashlib.sha256(json.dumps(list(rows), default=str, ensure_ascii=False).encode()).hexdigest()

    return (
        digest(
            LeadForm._base_manager.order_by("id").values_list(
                "id", "version", "name", "slug", "fields", "deleted_at", "active", "pool_id", "owner_id"
            )
        ),
        digest(
            ScoringRule.objects.order_by("id").values_list(
                "id", "version", "name", "points", "value", "order"
            )
        ),
        digest(
            AssignmentRule.objects.order_by("id").values_list(
                "id", "version", "name", "order", "conditions", "method", "pool_id", "capacity"
            )
        ),
        digest(
            AssignmentRule.users.through.objects.order_by("id").values_list("assignmentrule_id", "user_id")
        ),
        digest(Lead._base_manager.order_by("id").values_list("id", "score")),
        AuditEvent.objects.count(),
        IdempotencyKey.objects.count(),
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from guanxi.demo.org import ensure_demo_org
    from guanxi.org.models import ApiToken, User
    from guanxi.sales.assignment import services as assignment
    from guanxi.sales.models import Pool
    from guanxi.sales.scoring import services as scoring
    from guanxi.sales.webforms import services as webforms

    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            users = ensure_demo_org()
            users["inactive"] = User.objects.create_user("inactive", password="guanxi-demo", is_active=False)
            tokens = {name: ApiToken.issue(user)[1] for name, user in users.items()}
            tokens["forged"] = "gx_" + "z" * 43
            admin = users["admin"]
            pool = Pool.objects.create(name="线索公海", kind=Pool.Kind.LEAD)
            form = webforms.lead_form_create(
                actor=admin, data={"name": "展会", "slug": "matrix-expo", "fields": ["name", "mobile"]}
            )
            binned = webforms.lead_form_create(
                actor=admin, data={"name": "旧表单", "slug": "matrix-old", "fields": ["name"]}
            )
            webforms.lead_form_delete(actor=admin, form=binned, version=None)
            rule = scoring.scoring_rule_create(
                actor=admin,
                data={
                    "name": "制造业",
                    "field": "industry",
                    "operator": "equals",
                    "value": "manufacturing",
                    "points": 10,
                },
            )
            assign = assignment.assignment_rule_create(
                actor=admin, data={"name": "华东", "users": ["rep1", "rep2"]}
            )
            assign2 = assignment.assignment_rule_create(
                actor=admin, data={"name": "公海", "method": "pool", "pool": pool.pk}
            )
        yield {
            "users": users,
            "tokens": tokens,
            "form": form.pk,
            "binned": binned.pk,
            "rule": rule.pk,
            "assign": assign.pk,
            "assign2": assign2.pk,
            "pool": pool.pk,
        }


def client_for(world, persona):
    from django.test import Client

    if persona is None:
        return Client(HTTP_ACCEPT_LANGUAGE="en")
    return Client(HTTP_AUTHORIZATION=f"Bearer {world['tokens'][persona]}", HTTP_ACCEPT_LANGUAGE="en")


def call(client, world, op: str):
    from guanxi.sales.models import AssignmentRule, LeadForm, ScoringRule

    f, r, a = world["form"], world["rule"], world["assign"]
    fv = LeadForm._base_manager.get(pk=f).version
    rv = ScoringRule.objects.get(pk=r).version
    av = AssignmentRule.objects.get(pk=a).version
    return {
        "lead_form_list": lambda: client.get("/api/v1/lead-forms"),
        "lead_form_recycle_bin": lambda: client.get("/api/v1/lead-forms/recycle-bin"),
        "lead_form_create": lambda: post_json(
            client,
            "/api/v1/lead-forms",
            {"name": "新表单", "slug": "matrix-new", "fields": ["name", "email"], "pool": world["pool"]},
        ),
        "lead_form_get": lambda: client.get(f"/api/v1/lead-forms/{f}"),
        "lead_form_update": lambda: patch_json(
            client, f"/api/v1/lead-forms/{f}", {"name": "改名"}, HTTP_IF_MATCH=f'"{fv}"'
        ),
        "lead_form_delete": lambda: client.delete(f"/api/v1/lead-forms/{f}", HTTP_IF_MATCH=f'"{fv}"'),
        "lead_form_restore": lambda: client.post(f"/api/v1/lead-forms/{world['binned']}/restore"),
        "scoring_rule_list": lambda: client.get("/api/v1/scoring-rules"),
        "scoring_rule_create": lambda: post_json(
            client,
            "/api/v1/scoring-rules",
            {"name": "两天内回复", "kind": "activity", "operator": "inbound_reply", "value": 2, "points": 20},
        ),
        "scoring_rule_get": lambda: client.get(f"/api/v1/scoring-rules/{r}"),
        "scoring_rule_update": lambda: patch_json(
            client, f"/api/v1/scoring-rules/{r}", {"points": 15}, HTTP_IF_MATCH=f'"{rv}"'
        ),
        "scoring_rule_delete": lambda: client.delete(f"/api/v1/scoring-rules/{r}", HTTP_IF_MATCH=f'"{rv}"'),
        "assignment_rule_list": lambda: client.get("/api/v1/assignment-rules"),
        "assignment_rule_create": lambda: post_json(
            client,
            "/api/v1/assignment-rules",
            {
                "name": "华南",
                "method": "fewest_open",
                "users": ["rep3"],
                "conditions": {"province": ["广东省"]},
            },
        ),
        "assignment_rule_reorder": lambda: post_json(
            client, "/api/v1/assignment-rules/reorder", {"ids": [world["assign2"], a]}
        ),
        "assignment_rule_get": lambda: client.get(f"/api/v1/assignment-rules/{a}"),
        "assignment_rule_update": lambda: patch_json(
            client, f"/api/v1/assignment-rules/{a}", {"capacity": 5}, HTTP_IF_MATCH=f'"{av}"'
        ),
        "assignment_rule_delete": lambda: client.delete(
            f"/api/v1/assignment-rules/{a}", HTTP_IF_MATCH=f'"{av}"'
        ),
    }[op]()


SUCCESS = {
    "lead_form_create": 201,
    "scoring_rule_create": 201,
    "assignment_rule_create": 201,
    "lead_form_delete": 204,
    "scoring_rule_delete": 204,
    "assignment_rule_delete": 204,
}
CASES = [pytest.param(op, p, id=f"{op}-{p}") for op in sorted(MATRIX_OPERATIONS) for p in PERSONAS]


@pytest.mark.parametrize(("op", "persona"), CASES)
def test_matrix(world, db, op, persona):
    before = snapshot()
    response = call(client_for(world, persona), world, op)
    if persona in (None, "inactive", "forged"):
        assert_error(response, 401)
    elif persona != "admin":
        assert_error(response, 403)
    else:
        assert response.status_code == SUCCESS.get(op, 200), response.content[:400]
        if op.endswith(("_list", "_recycle_bin", "_reorder")):
            body = response.json()
            assert set(body) == {"items", "next_cursor"} and body["items"]
        return
    assert snapshot() == before, "a denied request changed the database"


@pytest.mark.parametrize(
    "path",
    ["/api/v1/lead-forms/999999999", "/api/v1/scoring-rules/999999999", "/api/v1/assignment-rules/999999999"],
)
def test_absent_is_404_for_the_admin_and_403_for_others(world, db, path):
    assert_error(client_for(world, "admin").get(path), 404)
    assert_error(client_for(world, "rep1").get(path), 403)  # no oracle: the same 403 as for a real one
