"""Periodic jobs of engagement. Each feature declares its own with @periodic_job; importing
them here is what registers them (core.jobs loads every app's `jobs` module). The recycle bin's
purge, attachments and their files included, is the record platform's (records/purge.py)."""

from .dormancy import jobs as dormancy_jobs  # noqa: F401
from .tasks import jobs as tasks_jobs  # noqa: F401
