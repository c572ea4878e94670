import datetime as dt

from django.conf import settings
from django.utils import timezone

from guanxi.core.jobs import periodic_job

from . import services


@periodic_job(
    "purge-recycle-bin",
    hour=3,
    description="Delete for good what has been in the recycle bin longer than RECYCLE_BIN_DAYS (30)",
)
def purge_recycle_bin(*, as_of: dt.date) -> str:
    cutoff = timezone.make_aware(dt.datetime.combine(as_of, dt.time.min)) - dt.timedelta(
        days=settings.RECYCLE_BIN_DAYS
    )
    counts = services.purge_recycle_bin(actor=None, older_than=cutoff)
    return f"purged accounts={counts.get('account', 0)} contacts={counts.get('contact', 0)} (deleted before {cutoff:%Y-%m-%d})"


@periodic_job(
    "purge-exports", hour=4, description="Delete export jobs and their files older than EXPORT_KEEP_DAYS (7)"
)
def purge_exports(*, as_of: dt.date) -> str:
    from . import exports

    cutoff = timezone.make_aware(dt.datetime.combine(as_of, dt.time.min)) - dt.timedelta(
        days=exports.keep_days()
    )
    return f"purged export jobs={exports.purge_exports(older_than=cutoff)} (created before {cutoff:%Y-%m-%d})"
