from celery import shared_task

from .jobs import run_job


@shared_task(name="guanxi.core.tasks.run_periodic_job", acks_late=True)
def run_periodic_job(name: str) -> str:
    return run_job(name)
