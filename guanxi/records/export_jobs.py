"""Queueing an export job: checked now, run after commit by records/background.py (which runs
records/exports.run_export). Its own module so that the engine never imports the Celery tasks
(import-linter: no cycle inside records)."""

from __future__ import annotations

from django.db import transaction

from guanxi.core.models import ExportJob
from guanxi.core.types import Actor

from . import exports
from .background import start_export


@transaction.atomic
def export_job_create(
    *, actor: Actor, object_type: str, fmt: str, q: str = "", filters: dict[str, str] | None = None
) -> ExportJob:
    """Queue an export of a list; checks the export permission and the filters now, runs later."""
    exports.check_format(fmt)
    export = exports.build(actor, object_type, q=q, filters=filters)  # PermissionDenied, ValidationFailed
    q, filters = exports.clean_params(q, filters or {})
    job = ExportJob.objects.create(
        user=actor,
        object_type=object_type,
        format=fmt,
        params={"q": q, "filters": filters},
        total=export.queryset.count(),
    )
    transaction.on_commit(lambda: start_export(job.pk))
    return job
