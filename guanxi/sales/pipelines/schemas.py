"""API shapes of opportunities, pipelines and exchange rates. Inputs forbid unknown fields (owner,
version, stage_type, amount_base… are rejected, not ignored); amounts go out as decimal strings."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import StrictBool, StrictFloat, StrictInt, StrictStr

from guanxi.core.schemas import ErrorOut  # noqa: F401  (the routers' errors)
from guanxi.customers.directory.schemas import OwnerOut, Strict

# Money in: "12500.00" (preferred), or a JSON number; the service refuses more than two decimals.
Money = StrictStr | StrictInt | StrictFloat


class ContactRoleIn(Strict):
    contact: StrictInt
    role: str = ""
    is_primary: StrictBool = False


class OpportunityIn(Strict):
    name: str
    account: StrictInt
    amount: Money | None = None
    currency: str | None = None
    pipeline: StrictInt | None = None
    stage: StrictInt | None = None
    probability: StrictInt | None = None
    expected_close: str | None = None
    next_step: str | None = None
    competitors: list[str] | None = None
    description: str | None = None
    contacts: list[ContactRoleIn] | None = None
    win_reason: str | None = None
    loss_reason: str | None = None


class OpportunityPatch(Strict):
    name: str | None = None
    account: StrictInt | None = None
    amount: Money | None = None
    currency: str | None = None
    pipeline: StrictInt | None = None
    stage: StrictInt | None = None
    probability: StrictInt | None = None  # null: back to the stage's probability
    expected_close: str | None = None
    next_step: str | None = None
    competitors: list[str] | None = None
    description: str | None = None
    contacts: list[ContactRoleIn] | None = None
    win_reason: str | None = None
    loss_reason: str | None = None


class MoveIn(Strict):
    stage: StrictInt
    reason: str = ""


class OpportunityTransferIn(Strict):
    owner: str


class ContactsIn(Strict):
    contacts: list[ContactRoleIn]


class ContactRoleOut(Schema):
    contact: int
    role: str


class ContactRoleDetailOut(Schema):
    contact: int
    name: str
    role: str
    is_primary: bool


class OpportunityOut(Schema):
    id: int
    version: int
    name: str
    account: int | None  # null when the reader may not see the account
    amount: str
    currency: str
    amount_base: str
    pipeline: int
    stage: int
    stage_name: str
    stage_type: str
    probability: int
    probability_manual: bool
    expected_close: dt.date | None
    next_step: str
    competitors: list[str]
    loss_reason: str
    win_reason: str
    description: str
    owner: OwnerOut | None
    contacts: list[ContactRoleOut]
    lead: int | None
    stage_entered_at: dt.datetime
    closed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None = None


class OpportunityList(Schema):
    items: list[OpportunityOut]
    next_cursor: str | None


class StageRefOut(Schema):
    id: int
    name: str


class StageChangeOut(Schema):
    from_stage: StageRefOut | None
    to_stage: StageRefOut
    at: dt.datetime
    actor: str | None
    seconds_in_stage: int | None
    amount: str | None
    probability: int | None
    reason: str


class StageHistoryOut(Schema):
    items: list[StageChangeOut]
    next_cursor: str | None = None


class CollaboratorIn(Strict):
    user: str
    access: Literal["read", "write"]


class CollaboratorOut(Schema):
    user: str
    access: str


# --- pipelines --------------------------------------------------------------------------------

Names = StrictStr | dict[str, StrictStr]


class StageIn(Strict):
    id: StrictInt | None = None
    name: Names | None = None
    names: dict[str, StrictStr] | None = None
    type: Literal["open", "won", "lost"] = "open"
    probability: StrictInt | None = None
    order: StrictInt | None = None
    active: StrictBool = True


class PipelineIn(Strict):
    name: Names | None = None
    names: dict[str, StrictStr] | None = None
    is_default: StrictBool | None = None
    active: StrictBool | None = None
    order: StrictInt | None = None
    stages: list[StageIn]


class PipelinePatch(Strict):
    name: Names | None = None
    names: dict[str, StrictStr] | None = None
    is_default: StrictBool | None = None
    active: StrictBool | None = None
    order: StrictInt | None = None
    stages: list[StageIn] | None = None


class StageOut(Schema):
    id: int
    name: str
    names: dict[str, str]
    type: str
    probability: int
    order: int
    active: bool


class PipelineOut(Schema):
    id: int
    version: int
    name: str
    names: dict[str, str]
    is_default: bool
    active: bool
    order: int
    stages: list[StageOut]


class PipelineList(Schema):
    items: list[PipelineOut]
    next_cursor: str | None = None


class RateIn(Strict):
    currency: str
    rate: Money


class RatePut(Strict):
    rate: Money


class RateOut(Schema):
    currency: str
    rate: str
    updated_at: dt.datetime


class RateList(Schema):
    base: str
    items: list[RateOut]
    next_cursor: str | None = None
