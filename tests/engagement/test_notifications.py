"""Notifications (notify, notify_many) and the reminders job: in-app and by email, once."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from guanxi.core import jobs
from guanxi.engagement.background import send_notification_email
from guanxi.engagement.models import Notification, Task
from guanxi.engagement.tasks import services
from guanxi.engagement.tasks.jobs import send_due_reminders

pytestmark = pytest.mark.django_db


def make_task(actor, **data):
    data.setdefault("title", "回访客户")
    return services.task_create(actor=actor, data=data)


def test_notify_keeps_only_internal_paths(org):
    for url, kept in (
        ("/tasks/1/", "/tasks/1/"),
        ("https://evil.example/", ""),
        ("//evil.example/x", ""),
        ("/\\evil.example", ""),
        ("javascript:alert(1)", ""),
        ("/a b", ""),
        ("/ok?x=1#y", "/ok?x=1#y"),
    ):
        assert services.notify(org["rep1"], "other", "t", url=url).url == kept, url


def test_notify_many_inserts_in_bulk(org, django_assert_max_num_queries):
    rows = [
        {"user": org[u], "kind": "dormancy", "title": "客户久未联系", "url": "/customers/accounts/"}
        for u in ("rep1", "rep2", "rep3")
    ] * 50
    with django_assert_max_num_queries(2):  # one INSERT per batch (SQLite caps the parameters of one)
        created = services.notify_many(rows)
    assert len(created) == 150 and Notification.objects.filter(kind="dormancy").count() == 150
    with pytest.raises(ValueError):
        services.notify_many([{"user": org["rep1"], "kind": "nonsense", "title": "x"}])


def test_reminders_job_notifies_and_emails_once(org, django_capture_on_commit_callbacks):
    rep1, rep2 = org["rep1"], org["rep2"]
    rep2.language = "en"
    rep2.save(update_fields=["language"])
    now = timezone.now()
    due = make_task(
        rep1, title="交报价", assignee="rep2", due_at=(now + dt.timedelta(minutes=10)).isoformat()
    )
    later = make_task(rep1, title="以后", due_at=(now + dt.timedelta(days=1)).isoformat())
    done = make_task(rep1, title="已完成", due_at=(now - dt.timedelta(hours=1)).isoformat())
    services.task_complete(actor=rep1, task=done)
    none = make_task(rep1, title="无提醒", due_at=(now - dt.timedelta(hours=1)).isoformat(), remind_at=None)
    Notification.objects.all().delete()  # the assignment notice is not what we count here
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders(until=now) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders(until=now) == 0  # run twice: nothing more
    notes = list(Notification.objects.all())
    assert [(n.user, n.kind, n.title, n.object_id) for n in notes] == [(rep2, "reminder", "交报价", due.pk)]
    assert notes[0].emailed_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rep2@guanxi.example"]
    assert message.subject == "[Guanxi] Reminder: 交报价"  # in rep2's language
    assert "Due:" in message.body and "/tasks/" in message.body
    for task in (later, done, none):
        assert Task.objects.get(pk=task.pk).reminded_at is None
    # the email task itself is safe to run twice (a redelivered message)
    assert send_notification_email(notes[0].pk) == "already sent"
    assert len(mail.outbox) == 1


def test_reminders_come_in_batches_and_skip_inactive_assignees(org, django_capture_on_commit_callbacks):
    past = (timezone.now() - dt.timedelta(hours=2)).isoformat()
    for i in range(7):
        make_task(org["rep1"], title=f"批量{i}", due_at=past)
    gone = make_task(org["rep1"], title="离职", assignee="rep3", due_at=past)
    org["rep3"].is_active = False
    org["rep3"].save(update_fields=["is_active"])
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders(until=timezone.now(), batch=3) == 7
    assert Notification.objects.filter(kind="reminder").count() == 7
    assert Task.objects.get(pk=gone.pk).reminded_at is not None  # handled, without a notification
    assert len(mail.outbox) == 7


def test_rescheduling_rearms_a_sent_reminder(org, django_capture_on_commit_callbacks):
    task = make_task(org["rep1"], due_at=(timezone.now() - dt.timedelta(minutes=1)).isoformat())
    with django_capture_on_commit_callbacks(execute=True):
        send_due_reminders(until=timezone.now())
    task.refresh_from_db()
    services.task_update(
        actor=org["rep1"],
        task=task,
        version=task.version,
        data={"due_at": (timezone.now() - dt.timedelta(seconds=30)).isoformat()},
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders(until=timezone.now()) == 1
    assert Notification.objects.filter(kind="reminder").count() == 2


def test_reminders_is_a_five_minute_job_run_by_runjob(org, django_capture_on_commit_callbacks):
    make_task(org["rep1"], due_at=(timezone.now() - dt.timedelta(hours=1)).isoformat())
    jobs._load()
    assert jobs.REGISTRY["reminders"].every_minutes == 5
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("runjob", "reminders", stdout=out)
    assert out.getvalue().startswith("sent 1 reminders")
    listing = StringIO()
    call_command("runjob", "--list", stdout=listing)
    assert "reminders" in listing.getvalue() and "every 5 min" in listing.getvalue()
    schedule = jobs.beat_schedule()["reminders"]["schedule"]
    assert schedule.minute == set(range(0, 60, 5))


def test_email_without_an_address_is_skipped(org):
    org["rep1"].email = ""
    org["rep1"].save(update_fields=["email"])
    note = services.notify(org["rep1"], "reminder", "x")
    assert send_notification_email(note.pk) == "no recipient"
    assert send_notification_email(10**9) == "no such notification"
    assert mail.outbox == []
