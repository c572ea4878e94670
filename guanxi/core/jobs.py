"""The registry of periodic jobs: one definition serves Celery beat, the embedded scheduler
and `guanxi runjob NAME`.

A job runs daily at a local hour (`hour=3`), or every N minutes (`every_minutes=5`): then its
periods are the N-minute slots of each hour, as Celery's crontab(minute="*/N") counts them
(minutes 0, N, 2N, … of every hour), and the embedded scheduler runs each slot once, whenever
it wakes inside it. A `JobRun` row per (name, period) makes a period run once: the day
("2026-12-01") for daily jobs, the slot's start ("2026-12-01T10:05") for minute jobs.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

log = logging.getLogger(__name__)


@dataclass
class PeriodicJob:
    name: str
    func: Callable[..., str]  # func(as_of: date) -> a one-line summary
    hour: int  # local hour (settings.TIME_ZONE) at which the daily run is due
    description: str
    every_minutes: int | None = None  # when set: runs every N minutes instead of daily

    def period(self, now: dt.datetime) -> str | None:
        """The JobRun period `now` (local time) falls in, or None when the job is not due yet."""
        if self.every_minutes:
            slot = now.replace(
                minute=now.minute // self.every_minutes * self.every_minutes, second=0, microsecond=0
            )
            return slot.strftime("%Y-%m-%dT%H:%M")
        if now.hour < self.hour:
            return None
        return now.date().isoformat()

    @property
    def schedule_label(self) -> str:
        return f"every {self.every_minutes} min" if self.every_minutes else f"daily at {self.hour:02d}:00"


REGISTRY: dict[str, PeriodicJob] = {}
JobFunc = TypeVar("JobFunc", bound=Callable[..., str])


# Minute jobs leave a JobRun row per slot; rows older than this are deleted as the job runs.
MINUTE_RUNS_KEPT = dt.timedelta(days=2)


def periodic_job(
    name: str, *, hour: int = 3, every_minutes: int | None = None, description: str = ""
) -> Callable[[JobFunc], JobFunc]:
    """Declare a job: daily at `hour` (local time), or every `every_minutes` minutes (1–60)."""
    if every_minutes is not None and not (isinstance(every_minutes, int) and 1 <= every_minutes <= 60):
        raise ValueError("every_minutes must be a whole number from 1 to 60")

    def decorator(func: JobFunc) -> JobFunc:
        REGISTRY[name] = PeriodicJob(
            name=name,
            func=func,
            hour=hour,
            every_minutes=every_minutes,
            description=description or (func.__doc__ or "").strip().splitlines()[0],
        )
        return func

    return decorator


def run_job(name: str, *, as_of: dt.date | None = None) -> str:
    """Run a job now. Jobs are idempotent: running one twice for a day changes nothing more."""
    _load()
    job = REGISTRY[name]
    return job.func(as_of=as_of or timezone.localdate())


def beat_schedule() -> dict[str, dict[str, Any]]:
    from celery.schedules import crontab

    _load()
    return {
        name: {
            "task": "guanxi.core.tasks.run_periodic_job",
            "schedule": (
                crontab(minute=f"*/{job.every_minutes}")
                if job.every_minutes
                else crontab(minute=0, hour=job.hour)
            ),
            "args": [name],
        }
        for name, job in REGISTRY.items()
    }


def _load() -> None:
    """Import every app's jobs module so its @periodic_job definitions register."""
    import importlib

    from django.apps import apps
    from django.utils.module_loading import module_has_submodule

    for config in apps.get_app_configs():
        if config.name.startswith("guanxi.") and module_has_submodule(config.module, "jobs"):
            importlib.import_module(f"{config.name}.jobs")


def run_due_jobs(now: dt.datetime | None = None) -> list[str]:
    """Run every job whose period has come and has not run yet (embedded mode): daily jobs once
    a day from their hour on, minute jobs once per N-minute slot."""
    from .models import JobRun

    _load()
    now = timezone.localtime(now)
    ran = []
    for name, job in REGISTRY.items():
        period = job.period(now)
        if period is None:
            continue
        if job.every_minutes:  # forget old slots: (name, period) is the unique index
            JobRun.objects.filter(
                name=name, period__lt=(now - MINUTE_RUNS_KEPT).strftime("%Y-%m-%dT%H:%M")
            ).delete()
        try:
            with transaction.atomic():
                run = JobRun.objects.create(name=name, period=period)
        except IntegrityError:
            continue  # another process took this period
        try:
            run.result = job.func(as_of=now.date())[:2000]
        except Exception as exc:  # one failing job must not stop the scheduler
            log.exception("periodic job %s failed", name)
            run.result = f"failed: {exc}"[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["result", "finished_at"])
        ran.append(name)
    return ran


def start_embedded_scheduler(interval: float = 60.0) -> threading.Thread:
    """A daemon thread that plays Celery beat when there is no broker."""

    def loop() -> None:
        while True:
            try:
                close_old_connections()
                run_due_jobs()
            except Exception:
                log.exception("embedded scheduler")
            finally:
                close_old_connections()
            time.sleep(interval)

    thread = threading.Thread(target=loop, name="guanxi-scheduler", daemon=True)
    thread.start()
    return thread


@periodic_job(
    "purge-idempotency-keys", hour=4, description="Forget Idempotency-Keys older than IDEMPOTENCY_TTL_HOURS"
)
def purge_idempotency_keys(*, as_of: dt.date) -> str:
    from django.conf import settings

    from .models import IdempotencyKey

    cutoff = timezone.make_aware(dt.datetime.combine(as_of, dt.time.min)) - dt.timedelta(
        hours=settings.IDEMPOTENCY_TTL_HOURS
    )
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return f"forgot {deleted} idempotency keys (older than {cutoff:%Y-%m-%d %H:%M})"
