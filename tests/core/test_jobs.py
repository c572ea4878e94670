import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from guanxi.core import jobs
from guanxi.core.models import JobRun
from guanxi.customers.models import Account, Contact
from guanxi.records import lifecycle
from guanxi.search.models import SearchDocument
from tests.factories import AccountFactory, ContactFactory


def test_runjob_lists_the_purge_job():
    out = StringIO()
    call_command("runjob", "--list", stdout=out)
    assert "purge-recycle-bin" in out.getvalue()


@pytest.fixture
def binned(org):
    """One account and contact deleted 31 days ago, one account deleted yesterday, one alive."""
    old = AccountFactory(owner=org["rep1"], name="旧客户有限公司")
    old_contact = ContactFactory(owner=org["rep1"], name="李四", account=old.pk)
    recent = AccountFactory(owner=org["rep1"], name="新删除有限公司")
    alive = AccountFactory(owner=org["rep1"], name="在用客户有限公司")
    for obj, days in ((old, 31), (old_contact, 31), (recent, 1)):
        model = type(obj)
        lifecycle.delete(actor=org["rep1"], obj=obj, version=obj.version)
        model._base_manager.filter(pk=obj.pk).update(deleted_at=timezone.now() - dt.timedelta(days=days))
    return old, old_contact, recent, alive


def test_purge_deletes_only_what_is_older_than_30_days_and_is_idempotent(binned):
    old, old_contact, recent, alive = binned
    out = StringIO()
    call_command("runjob", "purge-recycle-bin", stdout=out)
    assert "purged account=1 contact=1" in out.getvalue()
    assert not Account._base_manager.filter(pk=old.pk).exists()
    assert not Contact._base_manager.filter(pk=old_contact.pk).exists()
    assert Account._base_manager.filter(pk=recent.pk).exists()
    assert Account._base_manager.filter(pk=alive.pk).exists()
    assert not SearchDocument.objects.filter(object_type="account", object_id=old.pk).exists()
    out2 = StringIO()
    call_command("runjob", "purge-recycle-bin", stdout=out2)  # safe to run twice
    assert "purged nothing" in out2.getvalue()


def test_as_of_previews_a_later_day(binned):
    _old, _c, recent, _alive = binned
    call_command(
        "runjob",
        "purge-recycle-bin",
        "--as-of",
        (timezone.localdate() + dt.timedelta(days=40)).isoformat(),
        stdout=StringIO(),
    )
    assert not Account._base_manager.filter(pk=recent.pk).exists()


def test_runjob_refuses_unknown_jobs_and_bad_dates(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("runjob", "no-such-job")
    with pytest.raises(CommandError):
        call_command("runjob", "purge-recycle-bin", "--as-of", "2026-13-45")


def test_embedded_scheduler_runs_each_job_once_per_day(binned):
    at = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(4, 0)))
    assert "purge-recycle-bin" in jobs.run_due_jobs(at)
    assert "purge-recycle-bin" not in jobs.run_due_jobs(at + dt.timedelta(hours=1))  # minute jobs may run
    assert JobRun.objects.filter(name="purge-recycle-bin").count() == 1
    early = at - dt.timedelta(days=1, hours=3)  # 01:00 the day before: not due yet
    assert not {n for n in jobs.run_due_jobs(early) if not jobs.REGISTRY[n].every_minutes}


def test_celery_beat_schedule_comes_from_the_registry():
    schedule = jobs.beat_schedule()
    assert schedule["purge-recycle-bin"]["task"] == "guanxi.core.tasks.run_periodic_job"
    assert schedule["purge-recycle-bin"]["args"] == ["purge-recycle-bin"]


def test_celery_task_runs_the_job_in_embedded_mode(binned):
    from guanxi.core.background import run_periodic_job

    result = run_periodic_job.delay("purge-recycle-bin")  # eager without a broker
    assert "purged account=1" in result.get()


# --- jobs every N minutes -----------------------------------------------------------------------


@pytest.fixture
def minute_job(monkeypatch, db):
    """A job every 5 minutes that records its runs."""
    calls = []
    job = jobs.PeriodicJob(
        name="test-every-5",
        func=lambda *, as_of: calls.append(as_of) or "ok",
        hour=0,
        description="test",
        every_minutes=5,
    )
    jobs._load()
    monkeypatch.setitem(jobs.REGISTRY, "test-every-5", job)
    return calls


DAY = dt.date(2026, 3, 2)  # the scheduler is given its time: a fixed day, whatever the clock says


def _local(hour, minute, day=DAY):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def test_embedded_scheduler_runs_a_minute_job_once_per_slot(minute_job):
    assert "test-every-5" in jobs.run_due_jobs(_local(10, 5))
    assert "test-every-5" not in jobs.run_due_jobs(_local(10, 7))  # same slot 10:05–10:09
    assert "test-every-5" not in jobs.run_due_jobs(_local(10, 9))
    assert "test-every-5" in jobs.run_due_jobs(_local(10, 11))  # slot 10:10, woken late
    assert "test-every-5" in jobs.run_due_jobs(_local(23, 58))
    periods = sorted(JobRun.objects.filter(name="test-every-5").values_list("period", flat=True))
    assert periods == ["2026-03-02T10:05", "2026-03-02T10:10", "2026-03-02T23:55"]
    assert len(minute_job) == 3


def test_minute_job_slots_are_pruned_after_two_days(minute_job):
    jobs.run_due_jobs(_local(10, 5, DAY - dt.timedelta(days=3)))
    assert JobRun.objects.filter(name="test-every-5").count() == 1
    jobs.run_due_jobs(_local(10, 5))
    assert list(JobRun.objects.filter(name="test-every-5").values_list("period", flat=True)) == [
        "2026-03-02T10:05"
    ]


def test_daily_jobs_keep_their_day_period(minute_job, binned):
    jobs.run_due_jobs(_local(4, 0))
    assert JobRun.objects.get(name="purge-recycle-bin").period == "2026-03-02"


def test_beat_runs_minute_jobs_on_a_crontab_every_n_minutes(minute_job):
    schedule = jobs.beat_schedule()
    assert schedule["test-every-5"]["schedule"].minute == {0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55}
    assert schedule["test-every-5"]["schedule"].hour == set(range(24))
    assert schedule["purge-recycle-bin"]["schedule"].minute == {0}


def test_runjob_lists_minute_jobs(minute_job):
    out = StringIO()
    call_command("runjob", "--list", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if line.startswith("test-every-5"))
    assert "every 5 min" in line
    assert "daily at 03:00" in out.getvalue()


@pytest.mark.parametrize("bad", [0, 61, -5, 2.5, "5"])
def test_every_minutes_must_be_1_to_60(bad):
    with pytest.raises(ValueError):
        jobs.periodic_job("bad-job", every_minutes=bad)
    assert "bad-job" not in jobs.REGISTRY
