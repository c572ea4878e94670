"""/api/v1/activities and the timelines: the contract of CONTRACT.md, bad and hostile input."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from guanxi.customers.models import Account
from guanxi.engagement.models import Activity
from tests.factories import AccountFactory, ContactFactory
from tests.helpers import assert_error, patch_json, post_json

pytestmark = pytest.mark.django_db
URL = "/api/v1/activities"


@pytest.fixture
def world(org):
    account = AccountFactory(owner=org["rep1"], name="接口测试有限公司")
    contact = ContactFactory(owner=org["rep1"], name="周九", account=account.pk)
    return {"account": account, "contact": contact}


def _create(client, world, **data):
    body = {"kind": "call", "account": world["account"].pk, **data}
    if not body.keys() & {"subject", "content", "outcome"}:  # a follow-up says what happened
        body["content"] = "谈了续约"
    return post_json(client, URL, body)


def test_create_get_patch_delete_restore(api, world, org):
    client = api("rep1")
    when = (timezone.now() - dt.timedelta(hours=1)).replace(microsecond=0)
    r = _create(
        client,
        world,
        direction="outbound",
        subject="电话沟通",
        content="内容",
        occurred_at=when.isoformat(),
        duration_minutes=12,
        outcome="有意向",
        next_contact_at="2030-01-02T10:00:00+08:00",
        contacts=[world["contact"].pk],
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert set(body) == {
        "id",
        "version",
        "kind",
        "direction",
        "subject",
        "content",
        "occurred_at",
        "duration_minutes",
        "outcome",
        "next_contact_at",
        "account",
        "contacts",
        "lead",
        "owner",
        "created_at",
        "updated_at",
        "deleted_at",
    }
    assert (
        body["version"] == 1
        and body["account"] == world["account"].pk
        and body["contacts"] == [world["contact"].pk]
    )
    assert body["owner"] == {"id": org["rep1"].pk, "username": "rep1"}
    assert dt.datetime.fromisoformat(body["next_contact_at"]) == dt.datetime(2030, 1, 2, 2, 0, tzinfo=dt.UTC)
    assert Account.objects.get(pk=world["account"].pk).last_followup_summary == "电话沟通"
    path = f"{URL}/{body['id']}"
    got = client.get(path)
    assert got.status_code == 200 and got["ETag"] == '"1"'
    assert_error(patch_json(client, path, {"subject": "x"}), 428)
    assert_error(patch_json(client, path, {"subject": "x"}, HTTP_IF_MATCH='"7"'), 412)
    r = patch_json(client, path, {"subject": "改过", "duration_minutes": None}, HTTP_IF_MATCH='"1"')
    assert (
        r.status_code == 200
        and r["ETag"] == '"2"'
        and r.json()["subject"] == "改过"
        and r.json()["duration_minutes"] is None
    )
    assert_error(client.delete(path), 428)
    assert client.delete(path, HTTP_IF_MATCH='"2"').status_code == 204
    assert_error(client.get(path), 404)
    assert Account.objects.get(pk=world["account"].pk).last_contact_at is None
    binned = client.get(f"{URL}/recycle-bin").json()["items"]
    assert [b["id"] for b in binned] == [body["id"]]
    r = client.post(f"{path}/restore")
    assert r.status_code == 200 and r.json()["version"] == 4
    assert Account.objects.get(pk=world["account"].pk).last_followup_summary == "改过"


def test_idempotency_key(api, world):
    client = api("rep1")
    body = {"kind": "note", "account": world["account"].pk, "subject": "一次"}
    a = post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY="k1")
    b = post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY="k1")
    assert a.status_code == b.status_code == 201 and a.json() == b.json()
    assert Activity.objects.count() == 1
    c = post_json(client, URL, {**body, "subject": "两次"}, HTTP_IDEMPOTENCY_KEY="k1")
    assert c.status_code == 422


def test_an_expired_idempotency_key_is_forgotten(api, world, settings):
    from guanxi.core.models import IdempotencyKey

    client = api("rep1")
    body = {"kind": "note", "account": world["account"].pk, "subject": "一次"}
    first = post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY="k1").json()
    IdempotencyKey.objects.update(
        created_at=timezone.now() - dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS + 1)
    )
    again = post_json(client, URL, {**body, "subject": "两次"}, HTTP_IDEMPOTENCY_KEY="k1")
    assert again.status_code == 201 and again.json()["id"] != first["id"]
    assert Activity.objects.count() == 2
    assert list(IdempotencyKey.objects.values_list("response__id", flat=True)) == [again.json()["id"]]


def test_list_filters_and_cursor(api, world, org):
    client = api("rep1")
    other = ContactFactory(owner=org["rep1"], name="吴十")
    for i in range(5):
        _create(
            client,
            world,
            kind="visit" if i % 2 else "call",
            subject=f"#{i}",
            occurred_at=f"2025-01-0{i + 1}T10:00:00+08:00",
            contacts=[other.pk] if i == 4 else [],
        )
    items = client.get(URL + "?limit=2").json()
    assert [i["subject"] for i in items["items"]] == ["#4", "#3"] and items["next_cursor"]
    rest = client.get(URL + f"?limit=10&cursor={items['next_cursor']}").json()
    assert [i["subject"] for i in rest["items"]] == ["#2", "#1", "#0"] and rest["next_cursor"] is None
    assert [i["subject"] for i in client.get(URL + "?kind=visit").json()["items"]] == ["#3", "#1"]
    assert [i["subject"] for i in client.get(URL + f"?contact={other.pk}").json()["items"]] == ["#4"]
    assert len(client.get(URL + f"?account={world['account'].pk}&owner=rep1").json()["items"]) == 5
    got = client.get(URL + "?occurred_after=2025-01-02&occurred_before=2025-01-04T10:00:00%2B08:00").json()[
        "items"
    ]
    assert [i["subject"] for i in got] == ["#2", "#1"]
    assert [i["subject"] for i in client.get(URL + "?ordering=occurred_at&limit=1").json()["items"]] == ["#0"]
    for query, field in [
        ("kind=pigeon", "kind"),
        ("owner=nobody", "owner"),
        ("account=abc", "account"),
        ("contact=-1", "contact"),
        ("occurred_after=soon", "occurred_after"),
        ("ordering=subject", "ordering"),
        ("cursor=%00", "cursor"),
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("account=99999999999999999999999", "account"),
    ]:
        assert_error(client.get(f"{URL}?{query}"), 400, field)


def test_list_query_count_is_fixed(api, world, django_assert_max_num_queries):
    client = api("rep1")
    for _ in range(30):
        _create(client, world, contacts=[world["contact"].pk])
    with django_assert_max_num_queries(12):
        assert len(client.get(URL + "?limit=30").json()["items"]) == 30


def test_create_query_count_and_the_links_it_answers(api, world, django_assert_max_num_queries):
    """The answer names the account and contacts the service resolved, without reading them back;
    an account that is already active reads no customer settings."""
    client = api("rep1")
    assert _create(client, world).status_code == 201  # the token's last use and the health are written
    with django_assert_max_num_queries(13):
        r = _create(client, world, contacts=[world["contact"].pk])
    assert r.status_code == 201, r.content
    body = r.json()
    got = client.get(f"{URL}/{body['id']}").json()
    assert body["account"] == got["account"] == world["account"].pk
    assert body["contacts"] == got["contacts"] == [world["contact"].pk]
    assert body["owner"] == got["owner"] and body["version"] == got["version"] == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "call", "occurred_at": "1899-12-31T00:00:00Z"}, "occurred_at"),
        ({"kind": "call", "occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at"),
        ({"kind": "call", "occurred_at": 20240101}, "occurred_at"),
        ({"kind": "call", "next_contact_at": "2300-01-01T00:00:00Z"}, "next_contact_at"),
        ({"kind": "call", "duration_minutes": 99999}, "duration_minutes"),
        ({"kind": "call", "duration_minutes": "ten"}, "duration_minutes"),
        ({"kind": "call", "duration_minutes": 10**40}, "duration_minutes"),
        ({"kind": "<b>call</b>"}, "kind"),
        ({"kind": "call", "subject": "\x00"}, "subject"),
        ({"kind": "call", "content": "\ud800"}, "content"),
        ({"kind": "call", "subject": "s" * 5000}, "subject"),
        ({"kind": "call", "contacts": [1, "a"]}, "contacts"),
        ({"kind": "call", "contacts": list(range(1, 52))}, "contacts"),
        ({"kind": "call", "account": "1 OR 1=1"}, "account"),
        ({"kind": "call", "owner": 1}, "owner"),
        ({"kind": "call", "version": 9}, "version"),
        ({"subject": "no kind"}, "kind"),
        ({"kind": "call"}, "content"),  # nothing says what happened
        ({"kind": "call", "subject": " ", "content": "\n", "outcome": ""}, "content"),
    ],
)
def test_bad_input_is_400_naming_the_field(api, world, data, field):
    data.setdefault("account", world["account"].pk)
    before = Activity._base_manager.count()
    body = json.dumps(data)  # ASCII escapes, so that a lone surrogate travels as "\\ud800"
    assert_error(api("rep1").post(URL, data=body, content_type="application/json"), 400, field)
    assert Activity._base_manager.count() == before


def test_a_patch_that_empties_a_follow_up_is_400(api, world):
    client = api("rep1")
    path = f"{URL}/{_create(client, world, subject='报价').json()['id']}"
    error = assert_error(patch_json(client, path, {"subject": ""}, HTTP_IF_MATCH='"1"'), 400, "content")
    assert error["fields"]["content"] == ["Enter a subject, what happened or an outcome."]
    assert client.get(path).json()["subject"] == "报价"


def test_bad_bodies(api, world):
    client = api("rep1")
    assert_error(client.post(URL, data="{not json", content_type="application/json"), 400, "body")
    assert_error(client.post(URL, data=json.dumps([1, 2]), content_type="application/json"), 400)
    assert_error(
        client.post(URL, data='{"kind": "call", "duration_minutes": NaN}', content_type="application/json"),
        400,
    )
    assert not Activity._base_manager.exists()


def test_timeline_endpoints(api, world, org):
    client = api("rep1")
    for i in range(3):
        _create(
            client,
            world,
            subject=f"T{i}",
            contacts=[world["contact"].pk],
            occurred_at=f"2025-02-0{i + 1}T09:00:00Z",
        )
    r = client.get(f"/api/v1/accounts/{world['account'].pk}/timeline?kind=followups&limit=2")
    assert r.status_code == 200
    body = r.json()
    assert [i["title"] for i in body["items"]] == ["T2", "T1"] and body["next_cursor"]
    item = body["items"][0]
    assert (
        set(item) == {"type", "kind", "at", "title", "summary", "url", "ids"} and item["type"] == "activity"
    )
    assert item["ids"]["contacts"] == [world["contact"].pk]
    more = client.get(
        f"/api/v1/accounts/{world['account'].pk}/timeline?kind=followups&limit=2&cursor={body['next_cursor']}"
    )
    assert [i["title"] for i in more.json()["items"]] == ["T0"]
    everything = client.get(f"/api/v1/contacts/{world['contact'].pk}/timeline").json()["items"]
    assert {i["type"] for i in everything} == {"activity", "change"}
    assert_error(client.get(f"/api/v1/accounts/{world['account'].pk}/timeline?kind=pigeon"), 400, "kind")
    assert_error(client.get(f"/api/v1/accounts/{world['account'].pk}/timeline?cursor=zzz"), 400, "cursor")
    assert_error(client.get(f"/api/v1/accounts/{world['account'].pk}/timeline?limit=1000"), 400, "limit")
    for persona in ("rep2", "rep3"):
        assert_error(api(persona).get(f"/api/v1/accounts/{world['account'].pk}/timeline"), 404)
        assert_error(api(persona).get(f"/api/v1/contacts/{world['contact'].pk}/timeline"), 404)
    assert api("manager1").get(f"/api/v1/accounts/{world['account'].pk}/timeline").status_code == 200
    assert_error(api(None).get(f"/api/v1/accounts/{world['account'].pk}/timeline"), 401)
