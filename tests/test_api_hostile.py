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

    from guanxi.custom_fields.models import CustomFieldDef
    from guanxi.customers.models import Account, Contact, PartnerType
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
            account = busiest(Account, "activities")
            owned = Account._base_manager.filter(owner__isnull=False, deleted_at__isnull=True)
            partner = owned.exclude(pk=account).order_by("id").first()
            Account._base_manager.filter(pk=partner.pk).update(partner_type=PartnerType.AGENT)
            ids = {
                "account_id": account,
                "contact_id": busiest(Contact, "activity_links"),
                "activity_id": first(Activity),
                "task_id": first(Task),
                "attachment_id": first(Attachment),
                "notification_id": first(Notification),
                "lead_id": Lead._base_manager.filter(owner__isnull=False, status="new")
                .order_by("id")
                .first()
                .pk,
                "opportunity_id": first(Opportunity),
                "pool_id": first(Pool),
                "pipeline_id": first(Pipeline),
                "stage_id": first(Stage),
                "form_id": first(LeadForm),
                "rule_id": first(ScoringRule),
                "assignment_rule_id": first(AssignmentRule),
                "target_id": first(Target),
                "username": "rep1",
                "currency": "USD",
                "account_field_keys": list(
                    CustomFieldDef.objects.filter(object_type="account")
                    .order_by("order")
                    .values_list("key", flat=True)
                ),
                "other_account_id": partner.pk,
                "spare_account_id": owned.exclude(pk=account).order_by("-id").first().pk,
                "pooled_account_id": Account._base_manager.filter(pool__isnull=False, owner__isnull=True)
                .order_by("id")
                .first()
                .pk,
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
    """The path with the ids of live records; `{pk}` is the record of the path's resource."""
    resource = path.removeprefix("/api/v1/").split("/")[0]
    ids = {**ids, "pk": ids.get({"accounts": "account_id", "contacts": "contact_id"}.get(resource, ""), 1)}
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


# --- values of the wrong type -------------------------------------------------------------------

# What a JSON body may hold where a field expects something else: a list or an object where a
# choice or a text belongs, text where a number belongs, a fraction, a boolean, a huge number.
WRONG = [[], {}, [[]], [{}], "x", 1.5, True, 10**20]


def _bases(ids: dict) -> dict[str, dict]:
    """A valid body per operation (those not listed get {}), so that a wrong value of one field
    meets the cleaners that run only once the others are valid (a scoring rule's value is read
    by its field and operator), and valid elements for the fields that hold lists of objects."""
    return {
        "account_create": {"name": "类型测试公司"},
        "account_transfer": {"owner": "rep1"},
        "stage_set": {"field": "lifecycle_stage", "value": "active"},
        "partner_link_add": {"partner": ids["other_account_id"]},
        "account_share": {"user": "rep2", "access": "read"},
        "contact_create": {"name": "类型测试", "account": ids["account_id"]},
        "contact_link_account": {"account": ids["other_account_id"]},
        "contact_share": {"user": "rep2", "access": "read"},
        "activity_create": {
            "kind": "call",
            "subject": "s",
            "account": ids["account_id"],
            "contacts": [ids["contact_id"]],
        },
        "task_create": {"title": "t", "account": ids["account_id"]},
        "custom_field_create": {
            "object": "account",
            "key": "type_probe",
            "label": "Probe",
            "type": "choice",
            "choices": [{"value": "a", "label": "A"}],
        },
        "custom_field_reorder": {"object": "account", "keys": ids["account_field_keys"]},
        "saved_view_create": {"object": "account", "name": "v", "query": {"q": "", "filters": {}}},
        "lead_create": {"name": "类型测试"},
        "lead_set_status": {"status": "working", "reason": "r"},
        "pool_create": {
            "name": "类型测试",
            "kind": "customer",
            "members": ["rep1"],
            "rules": [{"kind": "no_followup", "days": 30, "tier": "A"}],
        },
        "pool_lock": {"kind": "customer", "ids": [ids["account_id"]]},
        "pool_assign": {"ids": [ids["pooled_account_id"]], "owner": "rep1"},
        "pool_return": {"ids": [ids["spare_account_id"]], "reason": "r"},
        "opportunity_create": {
            "name": "类型测试",
            "account": ids["account_id"],
            "amount": "100",
            "contacts": [{"contact": ids["contact_id"], "role": "buyer"}],
        },
        "opportunity_move": {"stage": ids["stage_id"]},
        "opportunity_share": {"user": "rep2", "access": "read"},
        "opportunity_contacts_set": {"contacts": [{"contact": ids["contact_id"], "role": "buyer"}]},
        "pipeline_create": {
            "name": "类型测试",
            "stages": [
                {"name": "A", "type": "open", "probability": 10},
                {"name": "W", "type": "won"},
                {"name": "L", "type": "lost"},
            ],
        },
        "exchange_rate_set": {"currency": "USD", "rate": "7.1"},
        "exchange_rate_put": {"rate": "7.1"},
        "lead_form_create": {"name": "类型测试", "slug": "type-probe", "fields": [{"name": "name"}]},
        "scoring_rule_create": {
            "name": "r",
            "field": "industry",
            "operator": "equals",
            "value": "it",
            "points": 5,
        },
        "assignment_rule_create": {
            "name": "r",
            "method": "round_robin",
            "users": ["rep1"],
            "conditions": {"province": ["广东省"]},
        },
        "target_set": {"user": "rep1", "period": "2031-01", "amount": "100"},
        "role_create": {"name": "类型测试角色", "code": "type-probe"},
    }


def _variants(base: dict, properties: list[str]):
    """(field, body) with one value, or one value inside a list or object, of the wrong type."""
    for name in properties:
        for wrong in WRONG:
            yield name, {**base, name: wrong}
        value = base.get(name)
        inner = value[0] if isinstance(value, list) and value else value
        if isinstance(inner, dict):
            for key in inner:
                for wrong in WRONG:
                    changed = {**inner, key: wrong}
                    yield name, {**base, name: [changed, *value[1:]] if isinstance(value, list) else changed}


# A pipeline's `names` (per language) and `name` are one value: errors may name `name`.
ALIASES = {"names": "name"}
UNIQUE = {"name": "_", "slug": "-", "key": "_", "code": "-"}  # what joins a number to each


def _unique(body: dict, n: int, *, keep: str = "") -> dict:
    """The body with its unique texts made unique: a create that went through must not make the
    next one a duplicate."""
    return {**body, **{k: f"{body[k]}{sep}{n}" for k, sep in UNIQUE.items() if k != keep and k in body}}


def test_the_valid_bodies_are_valid(world, db):
    """The bases of the next test are accepted as they are (else its 400s would say nothing)."""
    client = _client(world)
    bases = _bases(world["ids"])
    refused = []
    for verb in ("post", "patch", "put"):
        for path, operation, _schema in _operations(verb):
            base = bases.get(operation["operationId"])
            if base is None:
                continue
            response = getattr(client, verb)(
                _url(path, world["ids"]), json.dumps(_unique(base, 0)), content_type="application/json"
            )
            if response.status_code >= 300:
                refused.append(f"{operation['operationId']}: {response.status_code} {response.content[:300]}")
    assert refused == [], "\n".join(refused)


def test_a_value_of_the_wrong_type_is_a_400_naming_its_field(world, db):
    """Every field of every JSON body, and every key of its lists of objects, given a list, an
    object, text, a fraction, a boolean or a huge number: never a 500, and a 400 names the
    field. (A fuzzer of the whole API found `{"duplicate_mode": []}`, `{"kind": {}}` and
    `{"field": []}` answering 500.)"""
    client = _client(world)
    bases = _bases(world["ids"])
    failures, sent = [], 0
    for verb in ("post", "patch", "put"):
        for path, operation, schema in _operations(verb):
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if not content or operation["operationId"] == "auth_token":
                continue
            properties = list(
                schema["components"]["schemas"][content["schema"]["$ref"].split("/")[-1]]["properties"]
            )
            url = _url(path, world["ids"])
            for n, (name, body) in enumerate(_variants(bases.get(operation["operationId"], {}), properties)):
                body = _unique(body, n, keep=name)
                response = getattr(client, verb)(
                    url, json.dumps(body), content_type="application/json", HTTP_IF_MATCH='"1"'
                )
                sent += 1
                if response.status_code >= 500:
                    failures.append(f"{verb} {url} {json.dumps(body)[:150]}: {response.status_code}")
                elif response.status_code == 400:
                    fields = assert_error(response, 400)["fields"]
                    named = {name, ALIASES.get(name, name)}
                    if not any(f.split(".")[0].split("[")[0] in named for f in fields):
                        failures.append(f"{verb} {url} {json.dumps(body)[:150]}: 400 naming {sorted(fields)}")
    assert failures == [], "\n".join(failures)
    assert sent > 2000


def test_a_nul_in_any_query_parameter_is_a_400_naming_it(world, db):
    """PostgreSQL refuses text with NUL: from a filter that compares text (?q= of the lead forms,
    ?user= of the targets) it was a 500."""
    client = _client(world)
    failures, sent = [], 0
    for path, operation, _schema in _operations("get"):
        url = _url(path, world["ids"])
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            response = client.get(url, {parameter["name"]: "a\x00b"})
            sent += 1
            if response.status_code != 400:
                failures.append(f"{url}?{parameter['name']}: {response.status_code}")
            else:
                assert parameter["name"] in assert_error(response, 400)["fields"], (url, parameter["name"])
    assert failures == [], "\n".join(failures)
    assert sent > 100
