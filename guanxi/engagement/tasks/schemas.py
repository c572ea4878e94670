"""API shapes of tasks and notifications. Inputs forbid unknown fields."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from guanxi.core.schemas import OwnerOut, Strict, enum_of

from ..models import Priority

PriorityChoice = Annotated[str, enum_of(Priority.choices)]
WHEN = "ISO 8601 date and time, e.g. 2026-12-01T15:30:00+08:00; without an offset it is read in your time zone; a date alone is 18:00 that day. Past dates are allowed (the task is overdue)."


class TaskIn(Strict):
    title: str
    description: str | None = None
    due_at: str | None = Field(None, description=WHEN, json_schema_extra={"format": "date-time"})
    remind_at: str | None = Field(
        None,
        description="When to remind the assignee; default 15 minutes before due_at. " + WHEN,
        json_schema_extra={"format": "date-time"},
    )
    assignee: str | None = Field(None, description="Username of an active user; default: you")
    account: int | None = None
    contact: int | None = None
    lead: int | None = Field(None, description="A sales lead's id")
    priority: PriorityChoice | None = Field(None, description="low, normal (default), high or urgent")
    done: bool | None = None


class TaskPatch(Strict):
    title: str | None = None
    description: str | None = None
    due_at: str | None = Field(None, description=WHEN, json_schema_extra={"format": "date-time"})
    remind_at: str | None = Field(None, description=WHEN, json_schema_extra={"format": "date-time"})
    assignee: str | None = None
    account: int | None = None
    contact: int | None = None
    lead: int | None = None
    priority: PriorityChoice | None = None
    done: bool | None = None


class TaskOut(Schema):
    id: int
    version: int
    title: str
    description: str
    due_at: dt.datetime | None
    remind_at: dt.datetime | None
    assignee: str
    account: int | None = Field(description="null when you cannot see the account")
    contact: int | None = Field(description="null when you cannot see the contact")
    priority: str
    done: bool
    done_at: dt.datetime | None
    is_overdue: bool
    owner: OwnerOut
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None = None


class TaskList(Schema):
    items: list[TaskOut]
    next_cursor: str | None


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    object_type: str
    object_id: int | None
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationList(Schema):
    items: list[NotificationOut]
    next_cursor: str | None


class UnreadCount(Schema):
    count: int


class MarkedCount(Schema):
    marked: int
