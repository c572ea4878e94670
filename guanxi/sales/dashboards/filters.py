"""What a dashboard shows: the period, the departments, the pipeline (parse_filters() from the query
string), and the viewer's kind of dashboard (view_of: rep, manager or director)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.cleaning import user_zone
from guanxi.core.errors import NotFound, ValidationFailed
from guanxi.org.models import Department, Scope
from guanxi.policies import access

from ..models import Pipeline

MAX_RANGE_DAYS = 3 * 366  # a custom period longer than this is refused (3 years)


PERIODS = {
    "month": gettext_lazy("This month"),
    "quarter": gettext_lazy("This quarter"),
    "last_quarter": gettext_lazy("Last quarter"),
    "year": gettext_lazy("This year"),
    "custom": gettext_lazy("Custom dates"),
}


# The viewer's kind of dashboard, from the read scope of opportunities.
REP, MANAGER, DIRECTOR = "rep", "manager", "director"


@dataclass
class Period:
    key: str
    start: dt.date  # first day
    end: dt.date  # last day (inclusive)
    zone: dt.tzinfo

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=self.zone)

    @property
    def end_at(self) -> dt.datetime:  # exclusive: the start of the day after the last
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=self.zone)

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"

    @property
    def target_period(self) -> str | None:
        """The Target.period this period is exactly ("2026-11", "2026-Q4"), if it is one."""
        if self.start.day == 1 and self.end == _month_end(self.start):
            return f"{self.start:%Y-%m}"
        if self.start.day == 1 and self.start.month % 3 == 1 and self.end == _quarter_end(self.start):
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return None


@dataclass
class Filters:
    period: Period
    department: Department | None
    pipeline: Pipeline | None
    pipelines: list[Pipeline]
    departments: list[Department]  # the ones the viewer may pick
    view: str  # REP, MANAGER or DIRECTOR

    def query(self, **extra) -> str:
        """The dashboard's own query string (panels are loaded with it)."""
        params: dict[str, Any] = {"period": self.period.key}
        if self.period.key == "custom":
            params.update(start=self.period.start.isoformat(), end=self.period.end.isoformat())
        if self.department:
            params["department"] = self.department.pk
        if self.pipeline:
            params["pipeline"] = self.pipeline.pk
        params.update(extra)
        return urlencode(params)


def _month_end(day: dt.date) -> dt.date:
    nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _quarter_end(day: dt.date) -> dt.date:
    start = _quarter_start(day)
    return _month_end(dt.date(start.year, start.month + 2, 1))


def today_for(actor) -> dt.date:
    return timezone.now().astimezone(user_zone(actor)).date()


def parse_period(
    actor, key: str | None, start: str | None = None, end: str | None = None, *, today: dt.date | None = None
) -> Period:
    zone = user_zone(actor)
    today = today or today_for(actor)
    key = (key or "quarter").strip()
    if key == "month":
        return Period(key, today.replace(day=1), _month_end(today), zone)
    if key == "quarter":
        return Period(key, _quarter_start(today), _quarter_end(today), zone)
    if key == "last_quarter":
        last = _quarter_start(today) - dt.timedelta(days=1)
        return Period(key, _quarter_start(last), _quarter_end(last), zone)
    if key == "year":
        return Period(key, dt.date(today.year, 1, 1), dt.date(today.year, 12, 31), zone)
    if key == "custom":
        errors: dict[str, list[str]] = {}
        days: dict[str, Any] = {}  # dates, once the errors are raised
        for name, value in (("start", start), ("end", end)):
            try:
                days[name] = (
                    dt.date.fromisoformat((value or "").strip()[:10]) if (value or "").strip() else None
                )
            except ValueError:
                days[name] = None
            if days[name] is None:
                errors[name] = [_("Enter a date as YYYY-MM-DD.")]
        if errors:
            raise ValidationFailed(_("Choose the first and last day of the period."), fields=errors)
        if days["end"] < days["start"]:
            raise ValidationFailed(fields={"end": [_("The last day comes before the first.")]})
        if (days["end"] - days["start"]).days > MAX_RANGE_DAYS:
            raise ValidationFailed(fields={"end": [_("Choose a period of at most three years.")]})
        return Period(key, days["start"], days["end"], zone)
    raise ValidationFailed(fields={"period": [_("Choose one of the listed periods.")]})


def view_of(actor) -> str:
    level = access.scope_level(actor, "opportunity", "read")
    if level >= Scope.ALL:
        return DIRECTOR
    if level > Scope.SELF:
        return MANAGER
    return REP


def visible_departments(actor) -> list[Department]:
    """The departments whose numbers the viewer may filter by: all of them for company-wide
    readers, the viewer's own subtree (or the ones they manage) for managers, none for reps."""
    level = access.scope_level(actor, "opportunity", "read")
    qs = Department.objects.order_by("path")
    if level >= Scope.ALL:
        return list(qs)
    if level <= Scope.SELF:
        return []
    if level == Scope.SUBORDINATES:
        roots = list(Department.objects.filter(manager=actor))
    else:
        roots = [actor.department] if actor.department_id else []
    if not roots:
        return []
    if level == Scope.DEPARTMENT:
        return roots
    cond = Q()
    for root in roots:
        cond |= Q(path__startswith=root.path)
    return list(qs.filter(cond))


def parse_filters(actor, params, *, today: dt.date | None = None) -> Filters:
    """The dashboard's filters from a query dict. Bad values are a ValidationFailed naming the
    parameter; a department the viewer may not see is a NotFound (404), like any record."""
    period = parse_period(actor, params.get("period"), params.get("start"), params.get("end"), today=today)
    departments = visible_departments(actor)
    department = None
    raw = (params.get("department") or "").strip()
    if raw:
        pk = access.record_id(raw)
        if pk is None:
            raise ValidationFailed(fields={"department": [_("Enter a whole number.")]})
        department = next((d for d in departments if d.pk == pk), None)
        if department is None:
            raise NotFound()
    pipelines = list(
        Pipeline.objects.filter(deleted_at__isnull=True, active=True).order_by("-is_default", "order", "id")
    )
    pipeline = pipelines[0] if pipelines else None
    raw = (params.get("pipeline") or "").strip()
    if raw:
        pk = access.record_id(raw)
        if pk is None:
            raise ValidationFailed(fields={"pipeline": [_("Enter a whole number.")]})
        pipeline = next((p for p in pipelines if p.pk == pk), None)
        if pipeline is None:
            raise ValidationFailed(fields={"pipeline": [_("Choose one of the listed pipelines.")]})
    return Filters(
        period=period,
        department=department,
        pipeline=pipeline,
        pipelines=pipelines,
        departments=departments,
        view=view_of(actor),
    )
