"""Periodic jobs of this feature (registered through guanxi/engagement/jobs.py)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from guanxi.core.jobs import periodic_job

from . import services


# hour=2: before the records' own purge (03:00), which would cascade over the rows and leave
# the stored files of attachments on purged records behind.
@periodic_job(
    "purge-attachments",
    hour=2,
    description="Delete for good attachments (and their files) in the recycle bin longer than RECYCLE_BIN_DAYS",
)
def purge_attachments(*, as_of: dt.date) -> str:
    cutoff = timezone.make_aware(dt.datetime.combine(as_of, dt.time.min)) - dt.timedelta(
        days=settings.RECYCLE_BIN_DAYS
    )
    count = services.attachment_purge(actor=None, older_than=cutoff)
    return f"purged attachments={count} (deleted, or on records deleted, before {cutoff:%Y-%m-%d})"
