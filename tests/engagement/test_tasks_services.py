"""Task services and the API's answers to bad and hostile input."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from guanxi.audit.models import AuditEvent
from guanxi.core.errors import PermissionDenied, ValidationFailed, VersionConflict
from guanxi.engagement.models import Notification, Task
from guanxi.engagement.tasks import services
from tests.factories import AccountFactory, ContactFactory
from tests.helpers import assert_error, patch_json, post_json

pytestmark = pytest.mark.django_db


def make_task(actor, **data):
    data.setdefault("title", "回访客户")
    return services.task_create(actor=actor, data=data)


def test_create_defaults_and_a_due_date_in_the_past_is_allowed(org):
    due = timezone.now() - dt.timedelta(days=2)
    task = make_task(org["rep1"], due_at=due.isoformat())
    assert task.assignee == org["rep1"] and task.owner == org["rep1"] and task.priority == "normal"
    assert task.remind_at == task.due_at - dt.timedelta(minutes=15)
    assert task.is_overdue
    assert AuditEvent.objects.filter(object_type="task", object_id=task.pk, verb="create").exists()
    assert not Notification.objects.exists()  # assigning to oneself notifies nobody


def test_naive_times_are_read_in_the_actors_time_zone_and_a_date_means_18h(org):
    rep1 = org["rep1"]
    rep1.time_zone = "Europe/Berlin"
    rep1.save(update_fields=["time_zone"])
    task = make_task(rep1, due_at="2026-07-01T09:00")
    assert task.due_at == dt.datetime(2026, 7, 1, 7, 0, tzinfo=dt.UTC)
    assert make_task(rep1, due_at="2026-07-01").due_at == dt.datetime(2026, 7, 1, 16, 0, tzinfo=dt.UTC)


def test_assigning_to_someone_else_notifies_them_once(org):
    task = make_task(org["rep1"], assignee="rep2")
    note = Notification.objects.get()
    assert (note.user, note.kind, note.title, note.url, note.object_type, note.object_id) == (
        org["rep2"],
        "task_assigned",
        "回访客户",
        f"/tasks/{task.pk}/",
        "task",
        task.pk,
    )
    services.task_update(actor=org["rep1"], task=task, data={"title": "回访"}, version=task.version)
    assert Notification.objects.count() == 1  # no new assignee, no new notification
    services.task_update(actor=org["rep1"], task=task, data={"assignee": "rep3"}, version=task.version)
    assert Notification.objects.filter(user=org["rep3"], kind="task_assigned").count() == 1


def test_the_assignee_completes_but_cannot_delete(org):
    task = make_task(org["rep2"], assignee="rep1")
    services.task_complete(actor=org["rep1"], task=task)
    task.refresh_from_db()
    assert task.done and task.done_at and task.version == 2
    services.task_complete(actor=org["rep1"], task=task)  # twice: nothing more
    assert Task.objects.get(pk=task.pk).version == 2
    with pytest.raises(PermissionDenied):
        services.task_delete(actor=org["rep1"], task=task, version=task.version)
    services.task_reopen(actor=org["rep1"], task=task)
    task.refresh_from_db()
    assert not task.done and task.done_at is None


def test_moving_due_moves_a_default_reminder_and_rearms_it(org):
    task = make_task(org["rep1"], due_at="2026-12-01T10:00")
    Task.objects.filter(pk=task.pk).update(reminded_at=timezone.now())
    task.refresh_from_db()
    services.task_update(
        actor=org["rep1"], task=task, data={"due_at": "2026-12-02T10:00"}, version=task.version
    )
    task.refresh_from_db()
    assert timezone.localtime(task.remind_at).strftime("%m-%d %H:%M") == "12-02 09:45"
    assert task.reminded_at is None
    services.task_update(actor=org["rep1"], task=task, data={"remind_at": None}, version=task.version)
    task.refresh_from_db()
    assert task.remind_at is None


def test_stale_versions_conflict(org):
    task = make_task(org["rep1"])
    with pytest.raises(VersionConflict):
        services.task_update(actor=org["rep1"], task=task, data={"title": "x"}, version=task.version + 1)
    with pytest.raises(VersionConflict):
        services.task_complete(actor=org["rep1"], task=task, version=task.version + 1)


def test_links_go_through_the_access_layer(org):
    theirs = AccountFactory(owner=org["rep2"])
    with pytest.raises(ValidationFailed) as exc:
        make_task(org["rep1"], account=theirs.pk)
    assert "account" in exc.value.fields
    contact = ContactFactory(owner=org["rep1"])
    assert make_task(org["rep1"], contact=contact.pk).contact == contact


def test_an_unchanged_invisible_link_survives_the_assignees_edit(org):
    account = AccountFactory(owner=org["rep2"])
    task = make_task(org["rep2"], assignee="rep1", account=account.pk)
    services.task_update(
        actor=org["rep1"], task=task, data={"title": "改名", "account": account.pk}, version=task.version
    )
    task.refresh_from_db()
    assert task.account == account and task.title == "改名"


def test_delete_and_restore(org):
    task = make_task(org["rep1"])
    services.task_delete(actor=org["rep1"], task=task, version=task.version)
    assert Task.objects.get(pk=task.pk).deleted_at is not None
    services.task_restore(actor=org["rep1"], task=task)
    assert Task.objects.get(pk=task.pk).deleted_at is None


# --- the API with bad input ---------------------------------------------------------------------

BAD = [
    ({"title": "x", "due_at": "not a date"}, "due_at"),
    ({"title": "x", "due_at": "2026-02-30T10:00"}, "due_at"),
    ({"title": "x", "due_at": "10000-01-01T00:00"}, "due_at"),
    ({"title": "x", "due_at": "0001-01-01T00:00"}, "due_at"),
    ({"title": "x", "due_at": 1767225600}, "due_at"),
    ({"title": "x", "due_at": ["2026-12-01"]}, "due_at"),
    ({"title": "x", "remind_at": "tomorrow"}, "remind_at"),
    ({"title": "x", "assignee": "nobody"}, "assignee"),
    ({"title": "x", "assignee": "inactive"}, "assignee"),
    ({"title": "x", "assignee": "' OR 1=1 --"}, "assignee"),
    ({"title": "x", "assignee": 7}, "assignee"),
    ({"title": "x", "priority": "critical"}, "priority"),
    ({"title": "x", "priority": ""}, None),
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": "a\u0000b"}, "title"),
    ({"title": 12}, "title"),
    ({"description": "no title"}, "title"),
    ({"title": "x", "account": 10**30}, "account"),
    ({"title": "x", "account": "1; DROP TABLE"}, "account"),
    ({"title": "x", "contact": 10**9}, "contact"),
    ({"title": "x", "done": "maybe"}, "done"),
    ({"title": "x", "owner": "rep2"}, "owner"),
    ({"title": "x", "version": 9}, "version"),
    ({"title": "x", "reminded_at": "2026-01-01"}, "reminded_at"),
]


@pytest.mark.parametrize(("body", "field"), BAD, ids=[f"{i}-{f}" for i, (_b, f) in enumerate(BAD)])
def test_bad_input_is_a_400_naming_the_field(org, api, body, field):
    client = api("rep1")
    response = post_json(client, "/api/v1/tasks", body)
    if field is None:  # an empty priority on create means the default
        assert response.status_code == 201 and response.json()["priority"] == "normal"
        return
    assert_error(response, 400, field)
    assert not Task._base_manager.exists() and not AuditEvent.objects.filter(object_type="task").exists()


def test_every_bad_field_is_reported_at_once(org, api):
    response = post_json(
        api("rep1"), "/api/v1/tasks", {"title": "x", "due_at": "soon", "assignee": "nobody", "priority": "zz"}
    )
    error = assert_error(response, 400)
    assert set(error["fields"]) == {"due_at", "assignee", "priority"}


def test_markup_is_stored_as_text_and_escaped_on_pages(org, api, web):
    response = post_json(
        api("rep1"), "/api/v1/tasks", {"title": "<script>alert(1)</script>", "due_at": "2026-12-01"}
    )
    assert response.status_code == 201 and response.json()["title"] == "<script>alert(1)</script>"
    html = web("rep1").get("/tasks/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_patch_needs_if_match_and_rejects_stale(org, api):
    client = api("rep1")
    pk = post_json(client, "/api/v1/tasks", {"title": "x"}).json()["id"]
    assert_error(patch_json(client, f"/api/v1/tasks/{pk}", {"title": "y"}), 428)
    assert_error(patch_json(client, f"/api/v1/tasks/{pk}", {"title": "y"}, HTTP_IF_MATCH='"7"'), 412)
    assert_error(client.delete(f"/api/v1/tasks/{pk}"), 428)
    ok = patch_json(client, f"/api/v1/tasks/{pk}", {"title": "y", "done": True}, HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200 and ok.json()["done"] is True and ok["ETag"] == f'"{ok.json()["version"]}"'
    assert_error(
        patch_json(client, f"/api/v1/tasks/{pk}", {"due_at": "bad"}, HTTP_IF_MATCH=ok["ETag"]), 400, "due_at"
    )


def test_create_is_idempotent(org, api):
    client = api("rep1")
    first = post_json(client, "/api/v1/tasks", {"title": "一次"}, HTTP_IDEMPOTENCY_KEY="k1")
    again = post_json(client, "/api/v1/tasks", {"title": "一次"}, HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert Task.objects.count() == 1
    assert post_json(client, "/api/v1/tasks", {"title": "两次"}, HTTP_IDEMPOTENCY_KEY="k1").status_code == 422


LIST_BAD = [
    ("assignee", "nobody"),
    ("done", "perhaps"),
    ("due_before", "yesterday"),
    ("due_after", "2026-13-01"),
    ("priority", "zz"),
    ("account", "abc"),
    ("contact", str(10**30)),
    ("cursor", "garbage"),
    ("limit", "0"),
    ("ordering", "password"),
    ("owner", "a\x00b"),
]


@pytest.mark.parametrize(("name", "value"), LIST_BAD, ids=[n for n, _v in LIST_BAD])
def test_list_filters_refuse_bad_values(org, api, name, value):
    assert_error(api("rep1").get("/api/v1/tasks", {name: value}), 400, name)


def test_list_filters(org, api):
    client = api("rep1")
    account = AccountFactory(owner=org["rep1"])
    a = post_json(
        client,
        "/api/v1/tasks",
        {"title": "a", "due_at": "2026-12-01T10:00", "priority": "high", "account": account.pk},
    ).json()
    b = post_json(client, "/api/v1/tasks", {"title": "b", "due_at": "2026-12-05T10:00", "done": True}).json()

    def ids(**params):
        return [t["id"] for t in client.get("/api/v1/tasks", params).json()["items"]]

    assert ids(priority="high") == [a["id"]]
    assert ids(done="true") == [b["id"]]
    assert ids(due_before="2026-12-03") == [a["id"]]
    assert ids(due_after="2026-12-03") == [b["id"]]
    assert ids(account=account.pk) == [a["id"]]
    assert ids(assignee="rep1") == [b["id"], a["id"]]


def test_list_pages_with_a_cursor_and_a_fixed_number_of_queries(org, api, django_assert_max_num_queries):
    account = AccountFactory(owner=org["rep1"])
    contact = ContactFactory(owner=org["rep1"], account=account.pk)
    for i in range(30):
        make_task(org["rep1"], title=f"t{i}", account=account.pk, contact=contact.pk)
    client = api("rep1")
    with django_assert_max_num_queries(10):
        first = client.get("/api/v1/tasks", {"limit": 20}).json()
    second = client.get("/api/v1/tasks", {"limit": 20, "cursor": first["next_cursor"]}).json()
    assert len(first["items"]) == 20 and len(second["items"]) == 10 and second["next_cursor"] is None
    assert not {t["id"] for t in first["items"]} & {t["id"] for t in second["items"]}
    assert first["items"][0]["account"] == account.pk and first["items"][0]["contact"] == contact.pk


def test_huge_and_odd_ids_in_the_path(org, api):
    client = api("rep1")
    assert_error(client.get("/api/v1/tasks/99999999999"), 404)
    assert client.get("/api/v1/tasks/abc").status_code == 404
    assert_error(client.post("/api/v1/notifications/99999999999/read"), 404)


def test_non_json_body(org, api):
    response = api("rep1").post("/api/v1/tasks", data=b"{not json", content_type="application/json")
    assert_error(response, 400, "body")
    response = api("rep1").post("/api/v1/tasks", data=json.dumps([1, 2]), content_type="application/json")
    assert response.status_code == 400
