"""The permission matrix of /api/v1/targets, /api/v1/forecast(/breakdown) and /api/v1/leaderboard.

Sight follows the read scope on opportunities (reps: themselves; manager1: the East team and
department; director, agent1, marketer1 and admin: everyone). Setting targets is for
superusers and for managers inside the subtrees they manage (director: 销售部 and below;
manager1: East), never their own. After every denial the database is unchanged."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest

from tests.customers.test_api_permissions import UNAUTHENTICATED, _label
from tests.helpers import assert_error, module_transaction, patch_json, post_json, snapshot

MATRIX_OPERATIONS = {
    "target_list",
    "target_set",
    "target_get",
    "target_update",
    "target_delete",
    "forecast_get",
    "forecast_breakdown",
    "leaderboard_get",
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
SUBJECTS = ("rep1", "rep2", "rep3", "manager1", "east", "south")
EVERYONE = frozenset(SUBJECTS)
SEES = {
    "admin": EVERYONE,
    "director": EVERYONE,
    "agent1": EVERYONE,
    "marketer1": EVERYONE,
    "manager1": frozenset({"rep1", "rep2", "manager1", "east"}),
    "rep1": frozenset({"rep1"}),
    "rep2": frozenset({"rep2"}),
    "rep3": frozenset({"rep3"}),
}
MANAGES = {
    "admin": EVERYONE,
    "director": EVERYONE,  # manages 销售部 (all sales) and 华南
    "manager1": frozenset({"rep1", "rep2", "east"}),  # not their own target
}
URL = "/api/v1/targets"
ABSENT_ID = 10**9
PERIOD = "2027-Q1"


def full_snapshot() -> tuple:
    from guanxi.sales.models import Target

    rows = Target.objects.order_by("id").values_list(
        "id", "version", "user_id", "department_id", "period", "amount"
    )
    return (*snapshot(), hashlib.sha256(json.dumps(list(rows), default=str).encode()).hexdigest())


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from guanxi.demo.org import ensure_demo_org
    from guanxi.org.models import ApiToken, Department, User
    from guanxi.sales.models import Target

    from .forecast_helpers import at, opportunity

    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            users = ensure_demo_org()
            users["inactive"] = User.objects.create_user("inactive", password="guanxi-demo", is_active=False)
            tokens = {name: ApiToken.issue(user)[1] for name, user in users.items()}
            tokens["forged"] = "gx_" + "z" * 43
            depts = {
                "east": Department.objects.get(name="华东销售组"),
                "south": Department.objects.get(name="华南销售组"),
            }
            targets = {}
            for key in SUBJECTS:
                who = {"department": depts[key]} if key in depts else {"user": users[key]}
                targets[key] = Target.objects.create(
                    **who,
                    period=PERIOD,
                    kind="quarter",
                    starts_on=dt.date(2027, 1, 1),
                    ends_on=dt.date(2027, 3, 31),
                    amount=Decimal("1000.00"),
                ).pk
            for i, rep in enumerate(("rep1", "rep2", "rep3"), start=1):
                opportunity(
                    users[rep],
                    amount=f"{i}0000.00",
                    stage_type="won",
                    closed_at=at("2027-02-01T10:00:00+08:00"),
                )
        yield {
            "users": users,
            "tokens": tokens,
            "targets": targets,
            "ids": {"east": depts["east"].pk, "south": depts["south"].pk},
        }


def client_for(world, persona):
    from django.test import Client

    if persona is None:
        return Client(HTTP_ACCEPT_LANGUAGE="en")
    return Client(HTTP_AUTHORIZATION=f"Bearer {world['tokens'][persona]}", HTTP_ACCEPT_LANGUAGE="en")


def subject_params(world, subject) -> dict:
    if subject == "absent":
        return {"user": "nobody-here"}
    if subject == "absent_department":
        return {"department": ABSENT_ID}
    if subject in world["ids"]:
        return {"department": world["ids"][subject]}
    return {"user": subject}


TARGET_OPS = ("get", "patch", "delete")
TARGET_CASES = [
    pytest.param(op, persona, subject, id=f"{op}-{_label(persona)}-{subject}")
    for op in TARGET_OPS
    for persona in PERSONAS
    for subject in (*SUBJECTS, "absent")
]


@pytest.mark.parametrize(("op", "persona", "subject"), TARGET_CASES)
def test_targeted(world, db, op, persona, subject):
    from guanxi.sales.models import Target

    pk = ABSENT_ID if subject == "absent" else world["targets"][subject]
    row = Target.objects.filter(pk=pk).first()
    headers = {"HTTP_IF_MATCH": f'"{row.version if row else 1}"'}
    client = client_for(world, persona)
    before = full_snapshot()
    path = f"{URL}/{pk}"
    if op == "get":
        response = client.get(path)
    elif op == "patch":
        response = patch_json(client, path, {"amount": "2500.50"}, **headers)
    else:
        response = client.delete(path, **headers)
    if persona in UNAUTHENTICATED:
        status = 401
    elif subject == "absent" or subject not in SEES[persona]:
        status = 404
    elif op != "get" and subject not in MANAGES.get(persona, ()):
        status = 403
    else:
        status = {"delete": 204}.get(op, 200)
    if status >= 400:
        assert_error(response, status)
        assert full_snapshot() == before, "a denied request changed the database"
        return
    assert response.status_code == status, response.content[:300]
    if op == "get":
        body = response.json()
        assert body["id"] == pk and body["amount"] == "1000.00" and response["ETag"] == f'"{row.version}"'
        assert full_snapshot() == before
    elif op == "patch":
        assert response.json()["amount"] == "2500.50" and response.json()["version"] == row.version + 1
    else:
        assert not Target.objects.filter(pk=pk).exists()


SET_CASES = [
    pytest.param(persona, subject, id=f"set-{_label(persona)}-{subject}")
    for persona in PERSONAS
    for subject in (*SUBJECTS, "absent", "absent_department")
]


@pytest.mark.parametrize(("persona", "subject"), SET_CASES)
def test_set(world, db, persona, subject):
    """A new period answers 201; the same subject and period again updates it (200)."""
    from guanxi.sales.models import Target

    client = client_for(world, persona)
    before = full_snapshot()
    body = {**subject_params(world, subject), "period": "2027-Q2", "amount": "8000.80"}
    response = post_json(client, URL, body)
    if persona in UNAUTHENTICATED:
        status = 401
    elif subject.startswith("absent") or subject not in SEES[persona]:
        status = 404
    elif subject not in MANAGES.get(persona, ()):
        status = 403
    else:
        status = 201
    if status >= 400:
        assert_error(response, status)
        assert full_snapshot() == before, "a denied request changed the database"
        return
    assert response.status_code == 201, response.content[:300]
    created = response.json()
    assert created["amount"] == "8000.80" and created["period"] == "2027-Q2" and created["kind"] == "quarter"
    again = post_json(client, URL, {**body, "amount": 9000})
    assert (
        again.status_code == 200
        and again.json()["id"] == created["id"]
        and again.json()["amount"] == "9000.00"
    )
    assert Target.objects.get(pk=created["id"]).version == created["version"] + 1


@pytest.mark.parametrize("persona", PERSONAS)
def test_list(world, db, persona):
    client = client_for(world, persona)
    response = client.get(URL, {"period": PERIOD})
    if persona in UNAUTHENTICATED:
        assert_error(response, 401)
        return
    assert response.status_code == 200
    got = {i["id"] for i in response.json()["items"]}
    assert got == {world["targets"][s] for s in SEES[persona]}


FORECAST_OPS = ("forecast", "breakdown", "leaderboard")
FORECAST_CASES = [
    pytest.param(op, persona, subject, id=f"{op}-{_label(persona)}-{subject}")
    for op in FORECAST_OPS
    for persona in PERSONAS
    for subject in ("default", "rep1", "rep3", "manager1", "east", "south", "absent", "absent_department")
]
FORECAST_PATH = {
    "forecast": "/api/v1/forecast",
    "breakdown": "/api/v1/forecast/breakdown",
    "leaderboard": "/api/v1/leaderboard",
}
WON = {"rep1": Decimal("10000.00"), "rep2": Decimal("20000.00"), "rep3": Decimal("30000.00")}


@pytest.mark.parametrize(("op", "persona", "subject"), FORECAST_CASES)
def test_forecast_reads(world, db, op, persona, subject):
    client = client_for(world, persona)
    before = full_snapshot()
    params = {"period": PERIOD, **({} if subject == "default" else subject_params(world, subject))}
    response = client.get(FORECAST_PATH[op], params)
    if persona in UNAUTHENTICATED:
        assert_error(response, 401)
        return
    if subject != "default" and (subject.startswith("absent") or subject not in SEES[persona]):
        assert_error(response, 404)
        assert full_snapshot() == before
        return
    assert response.status_code == 200, response.content[:300]
    assert full_snapshot() == before  # reads write nothing
    body = response.json()
    # whose figures: the subject, or by default the company / the manager's team / oneself
    if subject == "default":
        kind, members = {
            "manager1": ("department", {"rep1", "rep2", "manager1"}),
            "rep1": ("user", {"rep1"}),
            "rep2": ("user", {"rep2"}),
            "rep3": ("user", {"rep3"}),
        }.get(persona, ("company", {"rep1", "rep2", "rep3"}))
    elif subject in ("east", "south"):
        kind, members = "department", {"east": {"rep1", "rep2", "manager1"}, "south": {"rep3"}}[subject]
    else:
        kind, members = "user", {subject}
    assert body["of"]["kind"] == kind and body["period"] == PERIOD and body["currency"] == "CNY"
    won = sum((WON.get(m, Decimal(0)) for m in members), Decimal("0.00"))
    if op == "forecast":
        assert (
            Decimal(body["won"]) == won and body["weighted"] == "0.00" and Decimal(body["best_case"]) == won
        )
    elif op == "breakdown":
        assert Decimal(body["total"]["won"]) == won
        assert [m["period"] for m in body["months"]] == ["2027-01", "2027-02", "2027-03"]
    else:
        ranked = [i["username"] for i in body["items"]]
        assert set(ranked) <= members | {"director", "manager1"} and all(
            i["rank"] == n for n, i in enumerate(body["items"], 1)
        )
        assert sum(Decimal(i["won"]) for i in body["items"]) == won


# --- bad input through the API ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user": "rep1", "period": PERIOD, "amount": "1.005"}, "amount"),
        ({"user": "rep1", "period": PERIOD, "amount": 1.005}, "amount"),
        ({"user": "rep1", "period": PERIOD, "amount": "-5"}, "amount"),
        ({"user": "rep1", "period": PERIOD, "amount": -5}, "amount"),
        ({"user": "rep1", "period": PERIOD, "amount": "<script>1</script>"}, "amount"),
        ({"user": "rep1", "period": PERIOD, "amount": "9" * 30}, "amount"),
        ({"user": "rep1", "period": PERIOD, "amount": [1]}, "amount"),
        ({"user": "rep1", "period": "2026-Q5", "amount": "1"}, "period"),
        ({"user": "rep1", "period": "2027", "amount": "1"}, "period"),
        ({"user": "rep1", "period": "'; DROP TABLE sales_target; --", "amount": "1"}, "period"),
        ({"user": "rep1", "department": 1, "period": PERIOD, "amount": "1"}, "department"),
        ({"period": PERIOD, "amount": "1"}, "user"),
        ({"user": "rep1", "period": PERIOD, "amount": "1", "version": 3}, "version"),
        ({"user": "rep1", "period": PERIOD, "amount": "1", "created_by": 1}, "created_by"),
        ({"department": "1", "period": PERIOD, "amount": "1"}, "department"),
    ],
)
def test_set_bad_input(world, db, body, field):
    client = client_for(world, "admin")
    before = full_snapshot()
    assert_error(post_json(client, URL, body), 400, field)
    assert full_snapshot() == before


def test_update_needs_if_match_and_a_fresh_version(world, db):
    client = client_for(world, "manager1")
    pk = world["targets"]["rep1"]
    before = full_snapshot()
    assert_error(patch_json(client, f"{URL}/{pk}", {"amount": "1"}), 428)
    assert_error(patch_json(client, f"{URL}/{pk}", {"amount": "1"}, HTTP_IF_MATCH='"99"'), 412)
    assert_error(client.delete(f"{URL}/{pk}", HTTP_IF_MATCH='"99"'), 412)
    assert_error(patch_json(client, f"{URL}/{pk}", {"amount": "1.001"}, HTTP_IF_MATCH='"1"'), 400, "amount")
    assert_error(
        patch_json(client, f"{URL}/{pk}", {"amount": "1", "period": "2027-Q2"}, HTTP_IF_MATCH='"1"'), 400
    )
    assert full_snapshot() == before


def test_set_is_idempotent_with_a_key(world, db):
    from guanxi.sales.models import Target

    client = client_for(world, "director")
    body = {"user": "rep3", "period": "2027-11", "amount": "77.70"}
    first = post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY="forecast-key-1")
    again = post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY="forecast-key-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert Target.objects.filter(user__username="rep3", period="2027-11").count() == 1


@pytest.mark.parametrize(
    "params",
    [
        {"period": "2026-Q5"},
        {"period": ""},
        {},
        {"period": "2026-13"},
        {"period": "=1+1"},
        {"period": PERIOD, "user": "rep1", "department": "1"},
    ],
)
def test_forecast_bad_input(world, db, params):
    client = client_for(world, "admin")
    for path in FORECAST_PATH.values():
        response = client.get(path, params)
        error = assert_error(response, 400)
        if params.get("period") and "user" not in params:
            assert "period" in error["fields"]


def test_list_filters_and_pages(world, db):
    client = client_for(world, "admin")
    body = client.get(URL, {"period": PERIOD, "user": "rep2"}).json()
    assert [i["id"] for i in body["items"]] == [world["targets"]["rep2"]]
    body = client.get(URL, {"department": world["ids"]["east"]}).json()
    assert [i["id"] for i in body["items"]] == [world["targets"]["east"]]
    first = client.get(URL, {"period": PERIOD, "limit": 4, "ordering": "id"}).json()
    rest = client.get(
        URL, {"period": PERIOD, "limit": 4, "ordering": "id", "cursor": first["next_cursor"]}
    ).json()
    assert len(first["items"]) == 4 and len(rest["items"]) == 2 and rest["next_cursor"] is None
    assert_error(client.get(URL, {"cursor": "bogus"}), 400, "cursor")
    assert_error(client.get(URL, {"ordering": "amount; DROP"}), 400, "ordering")


def test_list_query_count(world, db, django_assert_max_num_queries):
    client = client_for(world, "manager1")
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get("/api/v1/forecast/breakdown", {"period": PERIOD}).status_code == 200
