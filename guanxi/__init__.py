"""Guanxi (关系): an open-source CRM."""

from .config.celery import app as celery_app

__all__ = ["celery_app"]
