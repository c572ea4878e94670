"""Periodic jobs of the record platform (core.jobs loads every app's `jobs` module)."""

import datetime as dt

from django.utils import timezone

from guanxi.core.jobs import periodic_job

from .purge import purge_recycle_bin  # noqa: F401  (the recycle bin's purge, every kind)


@periodic_job(
    "purge-exports", hour=4, description="Delete export jobs and their files older than EXPORT_KEEP_DAYS (7)"
)
def purge_exports(*, as_of: dt.date) -> str:
    from . import exports

    cutoff = timezone.make_aware(dt.datetime.combine(as_of, dt.time.min)) - dt.timedelta(
        days=exports.keep_days()
    )
    return f"purged export jobs={exports.purge_exports(older_than=cutoff)} (created before {cutoff:%Y-%m-%d})"
