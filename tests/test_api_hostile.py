"""Hostile input on every API operation, found from the OpenAPI document so that a new operation
is covered as soon as it exists: crafted cursors, and values of the wrong type in every body
field. Each case answers with the error shape (400 naming what was wrong, or the 403/404/409/
412/428 the operation has anyway), never a 500."""

from __future__ import annotations

import base64
import json
import re

import pytest
from django.test import Client, override_settings

from tests.helpers import assert_error, module_transaction


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo organization with a few customers and the sales demo: a row or more behind every
    list and a record behind every path id."""
    from django.db.models import Count

    from guanxi.customers.models import Account, Contact
    from guanxi.demo import generate
    from guanxi.demo.org import ensure_demo_org
    from guanxi.demo.sales import make_sales_demo
    from guanxi.engagement.models import Activity, Attachment, Notification, Task
    from guanxi.org.models import ApiToken
    from guanxi.sales.models import (
        AssignmentRule,
        Lead,
        LeadForm,
        Opportunity,
        Pipeline,
        Pool,
        ScoringRule,
        Stage,
        Target,
    )

    def first(model) -> int:
        row = model._base_manager.order_by("id").first()
        return row.pk if row else 1

    def busiest(model, related: str) -> int:  # the customer with the longest timeline
        owned = model._base_manager.filter(owner__isnull=False, deleted_at__isnull=True)
        return owned.annotate(n=Count(related)).order_by("-n", "id").first().pk

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        with module_transaction(django_db_blocker), django_db_blocker.unblock():
            users = ensure_demo_org()
            generate.generate(12, validate=False, activities_per_account=3)
            make_sales_demo(users)
            token = ApiToken.issue(users["admin"])[1]
            ids = {
                "account_id": busiest(Account, "activities"),
                "contact_id": busiest(Contact, "activity_links"),
                "activity_id": first(Activity),
                "task_id": first(Task),
                "attachment_id": first(Attachment),
                "notification_id": first(Notification),
                "lead_id": first(Lead),
                "opportunity_id": first(Opportunity),
                "pool_id": first(Pool),
                "pipeline_id": first(Pipeline),
                "stage_id": first(Stage),
                "form_id": first(LeadForm),
                "rule_id": first(ScoringRule),
                "assignment_rule_id": first(AssignmentRule),
                "target_id": first(Target),
                "username": "rep1",
            }
            yield {"token": token, "ids": ids}


def _client(world) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {world['token']}", raise_request_exception=False)


def _operations(method: str):
    from guanxi.config.api import api

    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for verb, operation in operations.items():
            if verb == method:
                yield path, operation, schema


def _url(path: str, ids: dict) -> str:
    return re.sub(r"\{([a-z_]+)\}", lambda m: str(ids.get(m.group(1), 1)), path)


def _encode(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _decode(cursor: str):
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))


# Values that decode and have the right JSON type, but that no database can compare with.
BAD_DECIMALS = ["NaN", "Infinity", "-Infinity", "sNaN", "1E+999999999", "1E-999999999"]
BAD_MOMENTS = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]
ORDERINGS = ["", "amount", "-amount", "updated_at", "created_at", "name", "score", "occurred_at"]


def _tampered(cursor: str) -> list[tuple[list, bool]]:
    """(cursor, whether it must be refused): "NaN" is a fine cursor for an ordering by name."""
    raw = _decode(cursor)
    if raw[0] == "tl":  # the timeline's (at, rank, id)
        return [(["tl", moment, *raw[2:]], True) for moment in BAD_MOMENTS]
    if isinstance(raw[1], dict):
        return [([raw[0], {"dt": moment}, raw[2]], True) for moment in BAD_MOMENTS]
    if isinstance(raw[1], str):
        return [([raw[0], number, raw[2]], raw[0].endswith("amount")) for number in BAD_DECIMALS]
    return []


def test_a_crafted_cursor_is_a_400_on_every_list(world, db):
    """Cursors made from a real page's cursor with the value replaced: a decimal that is not a
    number or does not fit the column, an instant that overflows when converted to UTC."""
    client = _client(world)
    paged, failures = set(), []
    for path, operation, _schema in _operations("get"):
        params = {p["name"] for p in operation.get("parameters", [])}
        if "cursor" not in params:
            continue
        url = _url(path, world["ids"])
        for ordering in ORDERINGS if "ordering" in params else [""]:
            query = {"limit": 1, **({"ordering": ordering} if ordering else {})}
            response = client.get(url, query)
            if response.status_code != 200 or not response.json().get("next_cursor"):
                continue
            paged.add(path)
            for bad, refused in _tampered(response.json()["next_cursor"]):
                answer = client.get(url, {**query, "cursor": _encode(bad)})
                if answer.status_code not in ((400,) if refused else (200, 400)):
                    failures.append((url, query, bad, answer.status_code))
                elif answer.status_code == 400:
                    assert_error(answer, 400, "cursor")
    assert failures == []
    # the lists the attack found answering 500, at least, had a cursor to tamper with
    assert {
        "/api/v1/accounts",
        "/api/v1/contacts",
        "/api/v1/activities",
        "/api/v1/tasks",
        "/api/v1/leads",
        "/api/v1/opportunities",
        "/api/v1/pools/{pool_id}/records",
        "/api/v1/pools/{pool_id}/events",
        "/api/v1/scoring-rules",
        "/api/v1/assignment-rules",
        "/api/v1/accounts/{account_id}/stage-history",
        "/api/v1/accounts/{account_id}/timeline",
        "/api/v1/contacts/{contact_id}/timeline",
    } <= paged
