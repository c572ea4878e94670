"""Lifecycle and health in the API: POST …/stage, GET …/stage-history, list filters, read-only fields."""

from __future__ import annotations

import pytest

from guanxi.customers.models import Account, Health, Lifecycle, StageChange
from tests.factories import AccountFactory
from tests.helpers import assert_error, patch_json, post_json, snapshot

# The API operations whose permission matrix is in this module (tests/test_api_matrix_coverage.py).
MATRIX_OPERATIONS = {
    "stage_set",
    "stage_history",
}

STAGE_EXPECTED = {  # persona → status of POST /accounts/{rep1's}/stage
    "admin": 200,
    "director": 200,
    "manager1": 200,
    "rep1": 200,
    "agent1": 200,  # update rights on it
    "rep2": 404,
    "rep3": 404,  # cannot see it
    "marketer1": 403,  # reads everything, updates only its own
    "inactive": 401,
    None: 401,
}


def full_snapshot():
    return (
        snapshot(),
        list(StageChange.objects.order_by("id").values_list("id", "new")),
        list(
            Account._base_manager.order_by("id").values_list(
                "lifecycle_stage", "relationship_level", "health"
            )
        ),
    )


@pytest.fixture
def account(org):
    return AccountFactory(owner=org["rep1"], name="生命周期测试有限公司")


def path(account, suffix="stage"):
    return f"/api/v1/accounts/{account.pk}/{suffix}"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", list(STAGE_EXPECTED))
def test_stage_set_permission_matrix(api, account, persona):
    expected = STAGE_EXPECTED[persona]
    before = full_snapshot()
    response = post_json(
        api(persona), path(account), {"field": "lifecycle_stage", "value": "active", "reason": "签约"}
    )
    if expected == 200:
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["lifecycle_stage"] == "active" and body["version"] == account.version + 1
        assert response["ETag"] == f'"{body["version"]}"'
        change = StageChange.objects.get(account=account)
        assert (change.old, change.new, change.automatic, change.reason) == (
            "prospect",
            "active",
            False,
            "签约",
        )
    else:
        assert_error(response, expected)
        assert full_snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("persona", list(STAGE_EXPECTED))
def test_stage_history_permission_matrix(api, account, org, persona):
    from guanxi.customers.lifecycle import services as lifecycle

    lifecycle.stage_set(actor=org["rep1"], account=account, field="relationship_level", value="proactive")
    response = api(persona).get(path(account, "stage-history"))
    expected = {403: 200}.get(STAGE_EXPECTED[persona], STAGE_EXPECTED[persona])  # marketer1 may read
    if expected == 200:
        assert response.status_code == 200
        [item] = response.json()["items"]
        assert (item["field"], item["old"], item["new"], item["actor"], item["automatic"]) == (
            "relationship_level",
            "basic",
            "proactive",
            "rep1",
            False,
        )
    else:
        assert_error(response, expected)


@pytest.mark.django_db
def test_stage_history_newest_first_with_cursor(api, account):
    client = api("rep1")
    for value in ("reactive", "accountable", "proactive"):
        assert (
            post_json(client, path(account), {"field": "relationship_level", "value": value}).status_code
            == 200
        )
    first = client.get(path(account, "stage-history") + "?limit=2").json()
    assert [i["new"] for i in first["items"]] == ["proactive", "accountable"]
    second = client.get(path(account, "stage-history") + f"?limit=2&cursor={first['next_cursor']}").json()
    assert [i["new"] for i in second["items"]] == ["reactive"] and second["next_cursor"] is None
    assert_error(client.get(path(account, "stage-history") + "?cursor=garbage"), 400, "cursor")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"field": "health", "value": "active"}, "field"),  # health is the job's, not settable
        ({"field": "lifecycle_stage", "value": "vip"}, "value"),
        ({"field": "lifecycle_stage", "value": "<script>alert(1)</script>"}, "value"),
        ({"field": "relationship_level", "value": "basic' OR 1=1 --"}, "value"),
        ({"field": "lifecycle_stage", "value": 3}, "value"),
        ({"field": ["lifecycle_stage"], "value": "active"}, "field"),
        ({"field": "lifecycle_stage", "value": "active", "reason": "x" * 201}, "reason"),
        ({"field": "lifecycle_stage", "value": "active", "reason": "a\x00b"}, "reason"),
        ({"field": "lifecycle_stage", "value": "active", "version": 1}, "version"),
        ({"value": "active"}, "field"),
    ],
)
def test_stage_set_bad_input(api, account, body, field):
    before = full_snapshot()
    assert_error(post_json(api("rep1"), path(account), body), 400, field)
    assert full_snapshot() == before


@pytest.mark.django_db
def test_stage_set_if_match(api, account):
    client = api("rep1")
    before = full_snapshot()
    stale = post_json(
        client,
        path(account),
        {"field": "lifecycle_stage", "value": "new"},
        HTTP_IF_MATCH=f'"{account.version + 5}"',
    )
    assert_error(stale, 412)
    assert full_snapshot() == before
    ok = post_json(
        client,
        path(account),
        {"field": "lifecycle_stage", "value": "new"},
        HTTP_IF_MATCH=f'"{account.version}"',
    )
    assert ok.status_code == 200 and ok.json()["lifecycle_stage"] == "new"


@pytest.mark.django_db
def test_stage_set_same_value_writes_nothing(api, account):
    before = full_snapshot()
    response = post_json(api("rep1"), path(account), {"field": "lifecycle_stage", "value": "prospect"})
    assert response.status_code == 200 and response.json()["version"] == account.version
    assert full_snapshot() == before


@pytest.mark.django_db
def test_stage_set_is_audited_and_markup_kept_as_text(api, account):
    from guanxi.audit.models import AuditEvent

    response = post_json(
        api("rep1"),
        path(account),
        {"field": "lifecycle_stage", "value": "lost", "reason": "<b>价格</b>   太高"},
    )
    assert response.status_code == 200
    assert StageChange.objects.get(account=account).reason == "<b>价格</b> 太高"
    event = AuditEvent.objects.filter(object_type="account", object_id=account.pk).latest("id")
    assert event.changes == {"lifecycle_stage": ["prospect", "lost"]}


@pytest.mark.django_db
def test_health_fields_in_output_and_read_only(api, account):
    client = api("rep1")
    body = client.get(f"/api/v1/accounts/{account.pk}").json()
    for key in (
        "health",
        "health_since",
        "lifecycle_stage",
        "relationship_level",
        "last_contact_at",
        "last_followup_summary",
        "next_contact_at",
    ):
        assert key in body
    assert (body["health"], body["lifecycle_stage"], body["relationship_level"]) == (
        "active",
        "prospect",
        "basic",
    )
    assert_error(
        post_json(client, "/api/v1/accounts", {"name": "新客户有限公司", "health": "dormant"}), 400, "health"
    )
    before = full_snapshot()
    assert_error(
        patch_json(
            client,
            f"/api/v1/accounts/{account.pk}",
            {"lifecycle_stage": "lost"},
            HTTP_IF_MATCH=f'"{account.version}"',
        ),
        400,
        "lifecycle_stage",
    )
    assert full_snapshot() == before


@pytest.fixture
def mixed(org):
    rep1 = org["rep1"]
    rows = {}
    for name, health, stage, level in [
        ("甲", Health.ACTIVE, Lifecycle.ACTIVE, "basic"),
        ("乙", Health.DRIFTING, Lifecycle.AT_RISK, "proactive"),
        ("丙", Health.DORMANT, Lifecycle.DORMANT, "partnership"),
        ("丁", Health.DRIFTING, Lifecycle.AT_RISK, "basic"),
    ]:
        a = AccountFactory(owner=rep1, name=f"健康{name}有限公司")
        Account._base_manager.filter(pk=a.pk).update(
            health=health, lifecycle_stage=stage, relationship_level=level
        )
        rows[name] = a.pk
    AccountFactory(owner=org["rep2"], name="别人的客户有限公司")  # rep2's: never in rep1's lists
    Account._base_manager.filter(owner=org["rep2"]).update(health=Health.DRIFTING)
    return rows


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("health=drifting", {"乙", "丁"}),
        ("health=dormant", {"丙"}),
        ("health=active", {"甲"}),
        ("lifecycle_stage=at_risk", {"乙", "丁"}),
        ("relationship_level=partnership", {"丙"}),
        ("health=drifting&relationship_level=proactive", {"乙"}),
    ],
)
def test_list_filters(api, mixed, query, expected, django_assert_max_num_queries):
    client = api("rep1")
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/accounts?{query}")
    assert response.status_code == 200
    names = {item["name"][2] for item in response.json()["items"]}
    assert names == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("health=sleepy", "health"),
        ("health=%3Cb%3E", "health"),
        ("health=active%27--", "health"),
        ("health=%00", "health"),
        ("lifecycle_stage=vip", "lifecycle_stage"),
        ("relationship_level=9", "relationship_level"),
    ],
)
def test_list_filters_bad_values(api, mixed, query, field):
    assert_error(api("rep1").get(f"/api/v1/accounts?{query}"), 400, field)
