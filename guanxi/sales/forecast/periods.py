"""Sales periods: "2026-11" (a month), "2026-Q4" (a quarter), "2026" (a year).

A period is a range of calendar days (`start`, `end` inclusive). Close dates of won deals are
date-times in UTC; they count in the period by the company's calendar (settings.TIME_ZONE):
from midnight of `start` there to midnight after `end` there (`bounds()`)."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed

MONTH, QUARTER, YEAR = "month", "quarter", "year"
_PATTERN = re.compile(r"([0-9]{4})(?:-(?:([0-9]{2})|[Qq]([0-9])))?")
MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass(frozen=True)
class Period:
    code: str  # normalized: "2026-11", "2026-Q4", "2026"
    kind: str
    start: dt.date
    end: dt.date  # inclusive

    @property
    def year(self) -> int:
        return self.start.year

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[from, to) as aware datetimes: the period's days in the company's time zone."""
        zone = company_zone()
        start = dt.datetime.combine(self.start, dt.time.min, tzinfo=zone)
        stop = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        return start.astimezone(dt.UTC), stop.astimezone(dt.UTC)

    def months(self) -> list[Period]:
        """The months of this period, in order (one for a month)."""
        first = self.start.month
        count = {MONTH: 1, QUARTER: 3, YEAR: 12}[self.kind]
        return [month(self.year, m) for m in range(first, first + count)]

    def quarters(self) -> list[Period]:
        if self.kind != YEAR:
            return []
        return [quarter(self.year, q) for q in range(1, 5)]

    def previous(self) -> Period:
        return shift(self, -1)

    def next(self) -> Period:
        return shift(self, 1)

    def __str__(self) -> str:
        return self.code


def company_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _last_day(year: int, m: int) -> dt.date:
    return dt.date(year + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)


def month(year: int, m: int) -> Period:
    return Period(f"{year:04d}-{m:02d}", MONTH, dt.date(year, m, 1), _last_day(year, m))


def quarter(year: int, q: int) -> Period:
    first = 3 * (q - 1) + 1
    return Period(f"{year:04d}-Q{q}", QUARTER, dt.date(year, first, 1), _last_day(year, first + 2))


def year(y: int) -> Period:
    return Period(f"{y:04d}", YEAR, dt.date(y, 1, 1), dt.date(y, 12, 31))


def _invalid(field: str) -> ValidationFailed:
    message = _(
        "Enter a month such as 2026-11, a quarter such as 2026-Q4 or a year such as 2026 "
        "(years %(min)s to %(max)s)."
    ) % {"min": MIN_YEAR, "max": MAX_YEAR}
    return ValidationFailed(message, fields={field: [message]})


def parse(value, *, field: str = "period", allow_year: bool = True) -> Period:
    """The Period a text names; anything else is a 400 on `field`."""
    if not isinstance(value, str) or len(value) > 10:
        raise _invalid(field)
    match = _PATTERN.fullmatch(value.strip())
    if not match:
        raise _invalid(field)
    y = int(match.group(1))
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise _invalid(field)
    if match.group(2):
        m = int(match.group(2))
        if not 1 <= m <= 12:
            raise _invalid(field)
        return month(y, m)
    if match.group(3):
        q = int(match.group(3))
        if not 1 <= q <= 4:
            raise _invalid(field)
        return quarter(y, q)
    if not allow_year:
        raise _invalid(field)
    return year(y)


def containing(day: dt.date, kind: str = QUARTER) -> Period:
    """The month, quarter or year a day falls in."""
    if kind == MONTH:
        return month(day.year, day.month)
    if kind == YEAR:
        return year(day.year)
    return quarter(day.year, (day.month - 1) // 3 + 1)


def current(kind: str = QUARTER) -> Period:
    from django.utils import timezone

    return containing(timezone.now().astimezone(company_zone()).date(), kind)


def shift(period: Period, steps: int) -> Period:
    """The period `steps` periods of the same kind away (clamped to the years allowed)."""
    if period.kind == YEAR:
        return year(min(max(period.year + steps, MIN_YEAR), MAX_YEAR))
    size = 1 if period.kind == MONTH else 3
    index = period.year * 12 + period.start.month - 1 + steps * size
    y, m0 = divmod(index, 12)
    if y < MIN_YEAR or y > MAX_YEAR:
        return period
    if period.kind == MONTH:
        return month(y, m0 + 1)
    return quarter(y, m0 // 3 + 1)
