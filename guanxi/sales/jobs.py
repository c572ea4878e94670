"""Periodic jobs of sales. Each feature declares its own with @periodic_job; importing them here
is what registers them (core.jobs loads every app's `jobs` module)."""
