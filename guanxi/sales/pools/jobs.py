"""Periodic jobs of the shared pools (registered through guanxi/sales/jobs.py)."""

from __future__ import annotations

import datetime as dt

from guanxi.core.jobs import periodic_job

from . import reclaim


@periodic_job(
    "pool-reclaim",
    hour=2,
    description="Return neglected customers and leads to their shared pools, remind owners before",
)
def pool_reclaim(*, as_of: dt.date) -> str:
    return reclaim.reclaim(as_of=as_of).summary(as_of)
