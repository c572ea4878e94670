"""Background work of the record platform: export jobs (records/exports.py)."""

import threading

from celery import shared_task
from django.conf import settings
from django.db import connections


@shared_task(name="guanxi.records.run_export_job", acks_late=True)
def run_export_job(job_id: int) -> str:
    """Write a queued export's file; safe to deliver twice (only one run claims the job)."""
    from .exports import run_export

    return run_export(job_id)


def start_export(job_id: int) -> None:
    """Start a queued export (called after the job's transaction has committed).

    With a broker, a Celery worker runs it. In embedded mode (no REDIS_URL) Celery runs tasks
    eagerly, i.e. inside the request that asked; an export of 100,000 rows would hold that
    request for a minute and the progress page could never show. So embedded mode runs it in
    a daemon thread of the serving process instead: the request returns at once and the page
    polls the job. (A job that dies with its process stays "running"; exports are re-asked.)
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        _in_thread(job_id)
    else:
        run_export_job.delay(job_id)


def _in_thread(job_id: int) -> None:
    def run() -> None:
        try:
            run_export_job(job_id)
        finally:
            connections.close_all()  # the thread's own database connections

    threading.Thread(target=run, name=f"export-{job_id}", daemon=True).start()
