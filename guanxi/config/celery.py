"""The Celery app. With REDIS_URL unset it runs tasks eagerly (embedded mode)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.config.settings")

app = Celery("guanxi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _schedule_periodic_jobs(sender, **kwargs):
    """Beat's schedule is the registry of periodic jobs (guanxi.core.jobs)."""
    from guanxi.core.jobs import beat_schedule

    sender.conf.beat_schedule = beat_schedule()
