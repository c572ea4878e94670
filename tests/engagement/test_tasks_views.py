"""The UI of tasks: My day, the tasks list and form, quick complete, the 360° panel, the bell."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from guanxi.engagement.models import Notification, Task
from guanxi.engagement.tasks import services
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def make_task(actor, **data):
    data.setdefault("title", "回访客户")
    return services.task_create(actor=actor, data=data)


def test_my_day_shows_sections_and_quick_complete_swaps_the_row(org, web):
    rep1 = org["rep1"]
    now = timezone.now()
    overdue = make_task(rep1, title="过期的任务", due_at=now - dt.timedelta(days=3))
    make_task(rep1, title="明天的任务", due_at=now + dt.timedelta(days=1, hours=1))
    make_task(org["rep2"], title="别人的任务", due_at=now)
    client = web("rep1")
    page = client.get("/my-day/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "过期的任务" in html and "明天的任务" in html and "别人的任务" not in html
    assert 'data-testid="my-day-overdue"' in html
    response = client.post(
        f"/tasks/{overdue.pk}/toggle/", {"done": "1", "version": overdue.version}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "is-done" in response.content.decode() and f'id="task-{overdue.pk}"' in response.content.decode()
    overdue.refresh_from_db()
    assert overdue.done and overdue.done_at is not None
    assert "过期的任务" not in client.get("/my-day/").content.decode()


def test_quick_complete_with_a_stale_version_is_refused(org, web):
    task = make_task(org["rep1"])
    response = web("rep1").post(
        f"/tasks/{task.pk}/toggle/", {"done": "1", "version": task.version + 5}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 412
    task.refresh_from_db()
    assert not task.done


def test_a_rep_cannot_open_or_complete_another_reps_task(org, web):
    task = make_task(org["rep2"], title="王芳的任务")
    client = web("rep1")
    assert client.get(f"/tasks/{task.pk}/").status_code == 404
    assert client.post(f"/tasks/{task.pk}/toggle/", {"done": "1"}).status_code == 404
    task.refresh_from_db()
    assert not task.done


def test_task_form_creates_and_edits(org, web):
    client = web("rep1")
    response = client.post(
        "/tasks/new/",
        {"title": "  准备报价  ", "due_at": "2026-12-03T10:30", "assignee": "rep2", "priority": "high"},
    )
    assert response.status_code == 302
    task = Task.objects.get(title="准备报价")
    assert task.assignee == org["rep2"] and task.priority == "high"
    assert timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M") == "2026-12-03 10:30"  # Asia/Shanghai
    assert task.remind_at == task.due_at - dt.timedelta(minutes=15)
    assert Notification.objects.filter(user=org["rep2"], kind="task_assigned", object_id=task.pk).exists()
    bad = client.post(
        f"/tasks/{task.pk}/",
        {"title": "", "due_at": "明天", "assignee": "rep2", "priority": "high", "version": task.version},
    )
    assert bad.status_code == 200
    html = bad.content.decode()
    assert "This field is required." in html and "Enter a date and time such as 2026-12-01T15:30." in html
    ok = client.post(
        f"/tasks/{task.pk}/",
        {
            "title": "准备报价单",
            "due_at": "2026-12-04T09:00",
            "assignee": "rep1",
            "priority": "normal",
            "version": task.version,
        },
    )
    assert ok.status_code == 302
    task.refresh_from_db()
    assert task.title == "准备报价单" and task.assignee == org["rep1"] and task.version == 2


def test_task_list_filters_and_pages(org, web):
    for i in range(30):
        make_task(org["rep1"], title=f"任务{i:02d}")
    client = web("rep1")
    first = client.get("/tasks/")
    assert first.status_code == 200
    assert first.content.decode().count('data-testid="task-row"') == 25
    assert "Load more" in first.content.decode()
    assert client.get("/tasks/?status=done").content.decode().count('data-testid="task-row"') == 0


def test_record_panel_lists_open_tasks_and_adds_one(org, web):
    account = AccountFactory(owner=org["rep1"], name="西湖科技有限公司")
    contact = ContactFactory(owner=org["rep1"], name="王小明", account=account.pk)
    make_task(org["rep1"], title="寄样品", account=account.pk)
    client = web("rep1")
    html = client.get(f"/customers/accounts/{account.pk}/").content.decode()
    assert 'data-testid="record-tasks"' in html and "寄样品" in html
    response = client.post(
        "/tasks/quick/",
        {"title": "打电话", "contact": contact.pk, "next": f"/customers/contacts/{contact.pk}/"},
    )
    assert response.status_code == 302 and response["Location"] == f"/customers/contacts/{contact.pk}/"
    task = Task.objects.get(title="打电话")
    assert task.contact == contact and task.account == account  # the contact's account, visible to rep1
    assert "打电话" in client.get(f"/customers/contacts/{contact.pk}/").content.decode()


def test_quick_add_refuses_an_invisible_account_and_an_outside_next(org, web):
    other = AccountFactory(owner=org["rep2"])
    response = web("rep1").post(
        "/tasks/quick/", {"title": "偷看", "account": other.pk, "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/my-day/"
    assert not Task.objects.filter(title="偷看").exists()


def test_bell_counts_unread_and_the_list_marks_read(org, web):
    rep1 = org["rep1"]
    services.notify(rep1, "other", "系统通知", url="/my-day/")
    services.notify(rep1, "other", "外链", url="https://evil.example/")
    services.notify(org["rep2"], "other", "别人的")
    client = web("rep1")
    bell = client.get("/notifications/bell/")
    assert bell.status_code == 200 and 'data-testid="bell-count">2<' in bell.content.decode()
    page = client.get("/notifications/").content.decode()
    assert "系统通知" in page and "别人的" not in page
    mine = Notification.objects.get(title="系统通知")
    opened = client.post(f"/notifications/{mine.pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == "/my-day/"
    outside = Notification.objects.get(title="外链")
    assert outside.url == ""  # never an outside address
    theirs = Notification.objects.get(title="别人的")
    assert client.post(f"/notifications/{theirs.pk}/open/").status_code == 404
    client.post("/notifications/read-all/")
    assert Notification.objects.filter(user=rep1, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(user=org["rep2"], read_at__isnull=True).count() == 1
    assert 'data-testid="bell-count"' not in client.get("/notifications/bell/").content.decode()


def test_pages_have_no_inline_script_or_style(org, web):
    make_task(org["rep1"], due_at=timezone.now())
    client = web("rep1")
    for url in (
        "/my-day/",
        "/tasks/",
        "/tasks/new/",
        "/notifications/",
        "/calendar/",
        "/calendar/?view=month",
        "/calendar/feed/",
        "/my-day/summary/",
        "/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "style=" not in html and "onclick" not in html, url
        assert "<script>" not in html, url
