"""API shapes of /api/v1/leads. Inputs forbid unknown fields (owner, score, pool… are rejected)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field, StrictInt

from guanxi.customers.directory.schemas import OwnerOut, Strict


class LeadIn(Strict):
    name: str
    company: str | None = None
    title: str | None = None
    mobile: str | None = None
    phone: str | None = None
    email: str | None = None
    wechat: str | None = None
    source: str | None = None
    province: str | None = None
    city: str | None = None
    industry: str | None = None
    status: str | None = Field(
        None, description="new (default), working, qualified or unqualified (with unqualified_reason)"
    )
    unqualified_reason: str | None = None
    description: str | None = None
    route: bool = Field(
        False, description="Let the assignment rules choose the owner or pool (default: you own it)."
    )


class LeadPatch(Strict):
    name: str | None = None
    company: str | None = None
    title: str | None = None
    mobile: str | None = None
    phone: str | None = None
    email: str | None = None
    wechat: str | None = None
    source: str | None = None
    province: str | None = None
    city: str | None = None
    industry: str | None = None
    status: str | None = None
    unqualified_reason: str | None = None
    description: str | None = None


class ConvertedOut(Schema):
    account: int | None
    contact: int | None
    opportunity: int | None


class LeadOut(Schema):
    id: int
    version: int
    name: str
    company: str
    title: str
    mobile: str
    phone: str
    email: str
    wechat: str
    source: str
    province: str
    city: str
    industry: str
    status: str
    unqualified_reason: str
    description: str
    score: int
    score_reasons: list[Any]
    owner: OwnerOut | None = Field(description="null while the lead sits in a pool")
    pool: int | None
    form: int | None
    consent_text: str
    consent_at: dt.datetime | None
    last_contact_at: dt.datetime | None
    converted: ConvertedOut | None = Field(description="what the lead became (ids the caller may see)")
    converted_at: dt.datetime | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None = None


class LeadList(Schema):
    items: list[LeadOut]
    next_cursor: str | None


class LeadTransferIn(Strict):
    owner: str


class LeadStatusIn(Strict):
    status: str
    reason: str | None = Field(None, description="Required for unqualified")


class OpportunityDraft(Strict):
    name: str
    amount: str | int | float | None = Field(
        None, description="Decimal string, at most two decimals, not negative"
    )
    pipeline: StrictInt | None = Field(None, description="Pipeline id; default: the default pipeline")
    currency: str | None = None
    expected_close: str | None = Field(None, description="YYYY-MM-DD")
    stage: StrictInt | None = None


class LeadConvertIn(Strict):
    account: StrictInt | None = Field(
        None, description="Link to this account; null creates one from the lead"
    )
    opportunity: OpportunityDraft | None = None


class LeadConvertOut(Schema):
    account: int
    contact: int
    opportunity: int | None
