"""Periodic jobs of the record platform (core.jobs loads every app's `jobs` module)."""

from .purge import purge_recycle_bin  # noqa: F401  (the recycle bin's purge, every kind)
