"""Periodic jobs of sales. Each feature declares its own with @periodic_job; importing them here
is what registers them (core.jobs loads every app's `jobs` module)."""

from .pools import jobs as pool_jobs  # noqa: F401,E402
