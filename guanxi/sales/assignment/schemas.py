"""API shapes of /api/v1/assignment-rules. Inputs forbid unknown fields; types and enums are
declared here, the service checks the rest (ranges, users and pools that exist, which conditions
exist) with the message of each field."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, StrictInt

Method = Literal["round_robin", "fewest_open", "pool"]


class AssignmentRulePatch(Schema):
    """A change of some of a rule's attributes; the others are kept."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    order: StrictInt | None = None
    active: StrictBool | None = None
    conditions: dict[str, list[str | StrictInt]] | None = Field(
        None, description="{source|province|city|industry|form: [values]}: every one given must match"
    )
    method: Method | None = Field(None, description="round_robin (default), fewest_open or pool")
    users: list[str] | None = Field(None, description="usernames (round_robin, fewest_open)")
    pool: StrictInt | None = Field(None, description="a lead pool's id (method pool)")
    capacity: StrictInt | None = Field(None, description="open leads a user may hold; null: no limit")


class AssignmentRuleIn(AssignmentRulePatch):
    """A new rule: `name` is required."""

    name: str


class AssignmentRuleReorderIn(Schema):
    model_config = ConfigDict(extra="forbid")
    ids: list[StrictInt]


class AssignmentRuleOut(Schema):
    id: int
    version: int
    name: str
    order: int
    active: bool
    conditions: dict[str, Any]
    method: str
    users: list[str]
    pool: int | None
    capacity: int | None
    last_user: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class AssignmentRuleList(Schema):
    items: list[AssignmentRuleOut]
    next_cursor: str | None
