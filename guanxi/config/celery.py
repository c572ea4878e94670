"""The Celery app. With REDIS_URL unset it runs tasks eagerly (embedded mode)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.config.settings")

app = Celery("guanxi")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each app's Celery tasks live in its `background.py` (tasks.py would read as the users' tasks).
# The tasks keep the names they were registered with (`name=`, e.g.
# "guanxi.engagement.tasks.send_notification_email", from before the modules were renamed), so
# messages already queued still find them.
app.autodiscover_tasks(related_name="background")


@app.on_after_finalize.connect
def _schedule_periodic_jobs(sender, **kwargs):
    """Beat's schedule is the registry of periodic jobs (guanxi.core.jobs)."""
    from guanxi.core.jobs import beat_schedule

    sender.conf.beat_schedule = beat_schedule()
