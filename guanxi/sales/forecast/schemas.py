"""API shapes of /api/v1/targets, /api/v1/forecast and /api/v1/leaderboard.

Amounts travel as decimal strings ("150000.00"); inputs also take numbers, but never more than
two decimals (a 400 on `amount`). Inputs forbid unknown fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field, StrictInt

from guanxi.customers.directory.schemas import OwnerOut, Strict

AMOUNT: dict[str, Any] = {"example": "150000.00"}


class TargetIn(Strict):
    user: str | None = Field(None, description="a username; or give `department`")
    department: StrictInt | None = Field(None, description="a department id; or give `user`")
    period: str = Field(description='a month "2026-11" or a quarter "2026-Q4"')
    amount: str | int | float = Field(
        json_schema_extra=AMOUNT, description="at most two decimals, not negative"
    )


class TargetPatch(Strict):
    amount: str | int | float = Field(json_schema_extra=AMOUNT)


class DepartmentOut(Schema):
    id: int
    name: str


class TargetOut(Schema):
    id: int
    version: int
    user: OwnerOut | None
    department: DepartmentOut | None
    period: str
    kind: str
    starts_on: dt.date
    ends_on: dt.date
    amount: str
    created_at: dt.datetime
    updated_at: dt.datetime


class TargetList(Schema):
    items: list[TargetOut]
    next_cursor: str | None


class EntityOut(Schema):
    kind: str = Field(description="company, department or user")
    id: int | None
    name: str
    username: str | None = None


class FiguresOut(Schema):
    won: str
    won_count: int
    weighted: str
    best_case: str
    open: str
    open_count: int
    target: str = Field(description='"0.00" when no target is set (nor any to roll up): see has_target')
    has_target: bool
    attainment: str | None = Field(description="won as a percentage of the target, one decimal")
    gap: str | None = Field(description="target − won (negative when over the target)")


class ForecastOut(FiguresOut):
    period: str
    currency: str
    of: EntityOut


class BreakdownRowOut(FiguresOut):
    kind: str = Field(description="department or user")
    id: int
    name: str
    username: str | None = None


class MonthOut(FiguresOut):
    period: str


class BreakdownOut(Schema):
    period: str
    currency: str
    of: EntityOut
    total: FiguresOut
    rows: list[BreakdownRowOut]
    months: list[MonthOut]


class LeaderOut(FiguresOut):
    rank: int
    username: str
    name: str


class LeaderboardOut(Schema):
    period: str
    currency: str
    of: EntityOut
    items: list[LeaderOut]
