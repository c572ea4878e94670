"""Periodic jobs of this feature (registered through guanxi/engagement/jobs.py)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from guanxi.core.jobs import periodic_job
from guanxi.engagement.models import Notification, Task

from . import services

BATCH = 500


def send_due_reminders(*, until: dt.datetime, batch: int = BATCH) -> int:
    """Reminders whose time has come (remind_at ≤ until, not done, not yet reminded): one
    notification each for the assignee, emailed after commit; `reminded_at` is set.

    Set-based, in batches along the partial index task_reminder_due_idx. Each batch claims its
    tasks with one UPDATE stamped with this run's own time, then reads back what it claimed:
    a concurrent run claims other rows (PostgreSQL re-checks `reminded_at IS NULL` after the
    other's commit), so each reminder goes out once."""
    sent = 0
    while True:
        with transaction.atomic():
            due = (
                Task._base_manager.filter(
                    deleted_at__isnull=True,
                    done=False,
                    reminded_at__isnull=True,
                    remind_at__isnull=False,
                    remind_at__lte=until,
                )
                .order_by("remind_at")
                .values_list("id", flat=True)[:batch]
            )
            ids = list(due)
            if not ids:
                break
            stamp = timezone.now()
            while Task._base_manager.filter(reminded_at=stamp).exists():  # a stamp of our own
                stamp += dt.timedelta(microseconds=1)
            Task._base_manager.filter(pk__in=ids, reminded_at__isnull=True).update(reminded_at=stamp)
            claimed = list(
                Task._base_manager.filter(pk__in=ids, reminded_at=stamp)
                .filter(assignee__is_active=True)
                .only("id", "title", "assignee_id")
            )
            rows = services.notify_many(
                [
                    {
                        "user": t.assignee_id,
                        "kind": Notification.Kind.REMINDER,
                        "title": t.title,
                        "url": services.task_url(t),
                        "obj": t,
                    }
                    for t in claimed
                ],
                email=True,
            )
            sent += len(rows)
    return sent


@periodic_job(
    "reminders",
    every_minutes=5,
    description="Task reminders that are due: a notification and an email to the assignee",
)
def reminders(*, as_of: dt.date) -> str:
    """Run for today: reminders due by now. With --as-of another day: those due by the end of that day."""
    now = timezone.now()
    if as_of == timezone.localdate(now):
        until = now
    else:
        until = timezone.make_aware(dt.datetime.combine(as_of, dt.time.max))
    return f"sent {send_due_reminders(until=until)} reminders (due by {timezone.localtime(until):%Y-%m-%d %H:%M})"
