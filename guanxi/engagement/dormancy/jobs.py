"""Periodic jobs of this feature (registered through guanxi/engagement/jobs.py)."""

from __future__ import annotations

import datetime as dt

from guanxi.core.jobs import periodic_job

from . import services


@periodic_job(
    "dormancy", hour=2, description="Mark customers drifting or dormant after a silence, tell their owners"
)
def dormancy(*, as_of: dt.date) -> str:
    return services.dormancy_check(as_of=as_of).summary(as_of)
