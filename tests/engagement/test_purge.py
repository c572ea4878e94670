import datetime as dt

import pytest
from django.utils import timezone

from guanxi.audit.models import AuditEvent
from guanxi.core.jobs import run_job
from guanxi.engagement.models import Activity, ActivityContact, Task
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_purge_removes_only_what_has_been_in_the_bin_long_enough(org):
    rep = org["rep1"]
    account, contact = AccountFactory(owner=rep), ContactFactory(owner=rep)
    old = Activity.objects.create(kind="call", owner=rep, account=account)
    ActivityContact.objects.create(activity=old, contact=contact, occurred_at=timezone.now())
    recent = Activity.objects.create(kind="visit", owner=rep, account=account)
    live = Activity.objects.create(kind="note", owner=rep, account=account)
    old_task = Task.objects.create(title="回访", owner=rep, assignee=rep, activity=old)
    today = timezone.localdate()
    Activity._base_manager.filter(pk=old.pk).update(deleted_at=timezone.now() - dt.timedelta(days=40))
    Activity._base_manager.filter(pk=recent.pk).update(deleted_at=timezone.now() - dt.timedelta(days=3))
    Task._base_manager.filter(pk=old_task.pk).update(deleted_at=timezone.now() - dt.timedelta(days=31))

    summary = run_job("purge-recycle-bin", as_of=today)

    assert "task=1" in summary and "activity=1" in summary
    assert set(Activity._base_manager.values_list("id", flat=True)) == {recent.pk, live.pk}
    assert not Task._base_manager.exists() and not ActivityContact.objects.exists()
    assert AuditEvent.objects.filter(verb="purge", object_type="activity", object_id=old.pk).exists()
    assert "purged nothing" in run_job("purge-recycle-bin", as_of=today)  # idempotent
