"""Celery tasks of sales. Celery's autodiscovery imports `guanxi.sales.background`; each feature's
background module is imported here so workers know its tasks. One line per feature."""

from .scoring.background import rescore_open_leads_task  # noqa: F401
