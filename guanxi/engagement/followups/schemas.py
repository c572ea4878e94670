"""API shapes of /api/v1/activities and the timelines. Inputs forbid unknown fields.

Times travel as ISO 8601 strings and are parsed by the service (followups/services.py), so an
impossible date (year 0, 1899, next century) gets the same clear message in the API and the UI."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Schema
from pydantic import Field

from guanxi.core.schemas import OwnerOut, Strict, enum_of

from ..models import ActivityKind, Direction

KindChoice = Annotated[str, enum_of(ActivityKind.choices, blank=False)]
DirectionChoice = Annotated[str, enum_of(Direction.choices)]
MOMENT: dict[str, Any] = {"format": "date-time", "example": "2026-03-01T14:30:00+08:00"}


class ActivityIn(Strict):
    kind: KindChoice
    direction: DirectionChoice | None = None
    subject: str | None = None
    content: str | None = None
    occurred_at: str | None = Field(
        None, json_schema_extra=MOMENT, description="Default: now. At most one day ahead."
    )
    duration_minutes: int | None = Field(None, description="0 to 10080")
    outcome: str | None = None
    next_contact_at: str | None = Field(None, json_schema_extra=MOMENT)
    account: int | None = Field(None, description="Default: the first contact's primary account, if visible.")
    contacts: list[int] | None = Field(None, description="At most 50 contact ids.")
    lead: int | None = Field(None, description="The lead (sales) this follow-up is about.")


class ActivityPatch(Strict):
    kind: KindChoice | None = None
    direction: DirectionChoice | None = None
    subject: str | None = None
    content: str | None = None
    occurred_at: str | None = Field(None, json_schema_extra=MOMENT)
    duration_minutes: int | None = None
    outcome: str | None = None
    next_contact_at: str | None = Field(None, json_schema_extra=MOMENT)
    account: int | None = None
    contacts: list[int] | None = None
    lead: int | None = None


class ActivityOut(Schema):
    id: int
    version: int
    kind: str
    direction: str
    subject: str
    content: str
    occurred_at: dt.datetime
    duration_minutes: int | None
    outcome: str
    next_contact_at: dt.datetime | None
    account: int | None = Field(description="null when the caller may not see the account")
    contacts: list[int] = Field(description="the contacts the caller may see")
    lead: int | None = Field(None, description="null when there is none or the caller may not see it")
    owner: OwnerOut
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None = None


class ActivityList(Schema):
    items: list[ActivityOut]
    next_cursor: str | None


class ActivityTransferIn(Strict):
    owner: str


class TimelineItemOut(Schema):
    type: str = Field(description="activity, task, attachment, change or stage")
    kind: str = Field(description="for activities: call, visit, …")
    at: dt.datetime
    title: str
    summary: str
    url: str | None
    ids: dict


class TimelineOut(Schema):
    items: list[TimelineItemOut]
    next_cursor: str | None
