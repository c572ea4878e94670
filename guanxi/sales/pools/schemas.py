"""API shapes of /api/v1/pools. Inputs forbid unknown fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import ConfigDict


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


# Settings are checked by the service (services.POOL_CLEANERS), which names the field of every
# error; the schema only refuses unknown fields, so a wrong type gets the same field message.
class PoolIn(Strict):
    name: Any = None
    kind: Any = None
    description: Any = None
    members: Any = None
    member_departments: Any = None
    admins: Any = None
    daily_claim_limit: Any = None
    ownership_cap: Any = None
    cap_counts_won: Any = None
    former_owner_cooldown_days: Any = None
    reminder_days: Any = None
    lock_limit: Any = None
    mask_contact_info: Any = None
    active: Any = None
    order: Any = None
    rules: Any = None


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
    ids: Any


class AssignIn(Strict):
    ids: Any
    owner: Any


class ReturnIn(Strict):
    ids: Any
    reason: Any = None


class LockIn(Strict):
    kind: Any
    ids: Any
    locked: Any = True


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
