"""API shapes. Inputs forbid unknown fields (owner, version, … are rejected, not ignored).

Choices are documented as enums (core.schemas.enum_of) and checked by the services; custom field
values are any JSON value, checked against their definitions by custom_fields/values.py."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import JsonValue, StrictInt

from guanxi.core.schemas import OwnerOut, Strict, enum_of

from ..models import Industry, PartnerType, Tier

# OwnerOut and Strict belong to core.schemas; sales still imports them from here (W2 moves them)

IndustryChoice = Annotated[str, enum_of(Industry.choices)]
TierChoice = Annotated[str, enum_of(Tier.choices)]
PartnerTypeChoice = Annotated[str, enum_of(PartnerType.choices)]
CustomValues = dict[str, JsonValue]


class AccountIn(Strict):
    name: str
    uscc: str | None = None
    industry: IndustryChoice | None = None
    tier: TierChoice | None = None
    phone: str | None = None
    website: str | None = None
    address: str | None = None
    tags: list[str] | None = None
    description: str | None = None
    custom_fields: CustomValues | None = None
    parent: StrictInt | None = None  # an id: true or "7" is a 400, not account 1 or 7
    partner_type: PartnerTypeChoice | None = None


class AccountPatch(Strict):
    name: str | None = None
    uscc: str | None = None
    industry: IndustryChoice | None = None
    tier: TierChoice | None = None
    phone: str | None = None
    website: str | None = None
    address: str | None = None
    tags: list[str] | None = None
    description: str | None = None
    custom_fields: CustomValues | None = None
    parent: StrictInt | None = None  # an id: true or "7" is a 400, not account 1 or 7
    partner_type: PartnerTypeChoice | None = None


class AccountOut(Schema):
    id: int
    version: int
    name: str
    uscc: str
    industry: str
    tier: str
    phone: str
    website: str
    address: str
    tags: list[str]
    description: str
    custom_fields: CustomValues
    owner: OwnerOut | None  # None while the record sits in a shared pool
    parent: int | None = None  # null when there is none or the reader cannot see it
    partner_type: str = ""
    # read-only: health from the dormancy job, stage and level from POST …/stage and follow-ups
    health: str = "active"
    health_since: dt.datetime | None = None
    lifecycle_stage: str = "prospect"
    relationship_level: str = "basic"
    last_contact_at: dt.datetime | None = None
    last_followup_summary: str = ""
    next_contact_at: dt.datetime | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None = None


class AccountList(Schema):
    items: list[AccountOut]
    next_cursor: str | None


class ContactIn(Strict):
    name: str
    family_name: str | None = None
    given_name: str | None = None
    account: int | None = None
    title: str | None = None
    mobile: str | None = None
    phone: str | None = None
    email: str | None = None
    wechat: str | None = None
    notes: str | None = None
    custom_fields: CustomValues | None = None


class ContactPatch(Strict):
    name: str | None = None
    family_name: str | None = None
    given_name: str | None = None
    account: int | None = None
    title: str | None = None
    mobile: str | None = None
    phone: str | None = None
    email: str | None = None
    wechat: str | None = None
    notes: str | None = None
    custom_fields: CustomValues | None = None


class ContactOut(Schema):
    id: int
    version: int
    name: str
    display_name: str
    family_name: str
    given_name: str
    account: int | None
    title: str
    mobile: str
    phone: str
    email: str
    wechat: str
    notes: str
    custom_fields: CustomValues
    owner: OwnerOut | None  # None while the record sits in a shared pool
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None = None


class ContactList(Schema):
    items: list[ContactOut]
    next_cursor: str | None


class TransferIn(Strict):
    owner: str
    with_contacts: bool = False


class ContactTransferIn(Strict):
    owner: str
