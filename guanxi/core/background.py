from typing import Any

from celery import shared_task
from django.db import IntegrityError, transaction

from .jobs import run_job
from .models import TaskMark


@shared_task(name="guanxi.core.tasks.run_periodic_job", acks_late=True)
def run_periodic_job(name: str) -> str:
    return run_job(name)


def once(key: str) -> bool:
    """True the first time `key` is claimed; False on a repeat (tasks are delivered at least once)."""
    try:
        with transaction.atomic():
            TaskMark.objects.create(key=key[:200])
        return True
    except IntegrityError:
        return False


def enqueue_after_commit(task: Any, *args: Any) -> None:
    """Send a task only once the surrounding transaction has committed (never for a rollback)."""
    transaction.on_commit(lambda: task.delay(*args))
