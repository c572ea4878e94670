"""Celery tasks of sales. Celery's autodiscovery imports `guanxi.sales.tasks`; each feature's
tasks module is imported here so workers know its tasks. One line per feature."""

from .scoring.tasks import rescore_open_leads_task  # noqa: F401
