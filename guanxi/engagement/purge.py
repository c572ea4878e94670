"""The recycle bin of follow-ups and tasks: what has been there longer than RECYCLE_BIN_DAYS
goes for good (the customers' own purge, customers/services.purge_recycle_bin, knows nothing
of the apps above it, so engagement purges its own records)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from guanxi.audit.models import AuditEvent
from guanxi.core.jobs import periodic_job

from .models import Activity, Task

BATCH = 2000


def purge_deleted(*, actor, older_than) -> dict[str, int]:
    """Delete for good the follow-ups and tasks deleted before `older_than`, in batches, each
    with a `purge` audit row. Attachments of purged follow-ups cascade with them; their stored
    files are removed by the purge-attachments job, which runs first (02:00)."""
    counts: dict[str, int] = {}
    for model in (Task, Activity):  # tasks first: a task may point at a follow-up
        while True:
            with transaction.atomic():
                ids = list(
                    model._base_manager.filter(deleted_at__lt=older_than).values_list("id", flat=True)[:BATCH]
                )
                if not ids:
                    break
                AuditEvent.objects.bulk_create(
                    [
                        AuditEvent(
                            actor=None,
                            actor_label=getattr(actor, "username", None) or "system",
                            verb="purge",
                            object_type=model.POLICY_OBJECT_TYPE,
                            object_id=i,
                        )
                        for i in ids
                    ]
                )
                model._base_manager.filter(id__in=ids).delete()
            counts[model.POLICY_OBJECT_TYPE] = counts.get(model.POLICY_OBJECT_TYPE, 0) + len(ids)
    return counts


@periodic_job(
    "purge-engagement-bin",
    hour=3,
    description="Delete for good follow-ups and tasks in the recycle bin longer than RECYCLE_BIN_DAYS",
)
def purge_engagement_bin(*, as_of: dt.date) -> str:
    cutoff = timezone.make_aware(dt.datetime.combine(as_of, dt.time.min)) - dt.timedelta(
        days=settings.RECYCLE_BIN_DAYS
    )
    counts = purge_deleted(actor=None, older_than=cutoff)
    return (
        f"purged follow-ups={counts.get('activity', 0)} tasks={counts.get('task', 0)} "
        f"(deleted before {cutoff:%Y-%m-%d})"
    )
