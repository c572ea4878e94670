"""API shapes of /api/v1/pools. Inputs forbid unknown fields."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, StrictInt


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


PoolKind = Literal["customer", "lead"]
RuleKind = Literal["no_followup", "no_opportunity", "not_won"]
# Whole numbers and flags are strict (no "5", no 1 for true), as the services are; limits (how
# many ids, how long a text, which range) stay with the services and their messages.
Ids = Annotated[list[StrictInt], Field(description="record ids, at most 500")]


class PoolRuleIn(Strict):
    kind: RuleKind
    days: StrictInt = Field(description="1 to 3650")
    tier: Literal["A", "B", "C", ""] | None = Field(None, description="null or empty: every tier")


# Types, enums and which fields are required are declared here; the service
# (services_admin.POOL_CLEANERS) checks the rest (ranges, users and departments that exist…) with
# the message of each field.
class PoolPatch(Strict):
    """A change of some settings: the fields sent are changed, the others kept."""

    name: str | None = None
    kind: PoolKind | None = None
    description: str | None = None
    members: list[str] | None = Field(None, description="usernames")
    member_departments: list[StrictInt] | None = Field(None, description="department ids")
    admins: list[str] | None = Field(None, description="usernames")
    daily_claim_limit: StrictInt | None = Field(None, description="claims per member and day; null: none")
    ownership_cap: StrictInt | None = Field(None, description="records a member may own; null: none")
    cap_counts_won: StrictBool | None = None
    former_owner_cooldown_days: StrictInt | None = None
    reminder_days: StrictInt | None = None
    lock_limit: StrictInt | None = None
    mask_contact_info: StrictBool | None = None
    active: StrictBool | None = None
    order: StrictInt | None = None
    rules: list[PoolRuleIn] | None = Field(None, description="at most 50")


class PoolIn(PoolPatch):
    """A new pool: `name` and `kind` are required."""

    name: str
    kind: PoolKind


class RuleOut(Schema):
    kind: str
    days: int
    tier: str | None


class PoolOut(Schema):
    id: int
    version: int
    name: str
    kind: str
    description: str
    members: list[str]
    member_departments: list[int]
    admins: list[str]
    daily_claim_limit: int | None
    ownership_cap: int | None
    cap_counts_won: bool
    former_owner_cooldown_days: int
    reminder_days: int
    lock_limit: int | None
    mask_contact_info: bool
    active: bool
    order: int
    rules: list[RuleOut]
    records: int
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None = None


class PoolList(Schema):
    items: list[PoolOut]
    next_cursor: str | None


class IdsIn(Strict):
    ids: Ids


class AssignIn(Strict):
    ids: Ids
    owner: str = Field(description="username of an active member of the pool")


class ReturnIn(Strict):
    ids: Ids
    reason: str = Field(description="why the records go back")


class LockIn(Strict):
    kind: PoolKind
    ids: Ids
    locked: StrictBool = True


class MovedOut(Schema):
    ids: list[int]
    owner: str | None


class RecordList(Schema):
    items: list[dict[str, Any]]
    next_cursor: str | None


class EventOut(Schema):
    id: int
    object_type: str
    object_id: int | None  # None: a record the caller may no longer see (claimed by someone else)
    action: str
    actor: str | None
    from_owner: str | None
    to_owner: str | None
    reason: str
    created_at: dt.datetime


class EventList(Schema):
    items: list[EventOut]
    next_cursor: str | None
