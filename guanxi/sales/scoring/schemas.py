"""API shapes of /api/v1/scoring-rules. Inputs forbid unknown fields; types and enums are declared
here, the service checks the rest (ranges, which operator suits which kind and field, the value an
operator takes) with the message of each field."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, StrictInt

RuleKind = Literal["field", "activity"]
Operator = Literal[
    "equals", "in", "contains", "not_empty", "followup_within_days", "followups_at_least", "inbound_reply"
]
# equals/contains: a text; in: a list of texts; the activity operators: a whole number (none for
# inbound_reply and not_empty)
RuleValue = str | StrictInt | list[str] | None


class ScoringRulePatch(Schema):
    """A change of some of a rule's attributes; the others are kept."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    kind: RuleKind | None = Field(None, description="field (default) or activity")
    field: str | None = Field(None, description="for field rules: source, industry, province, city, title…")
    operator: Operator | None = None
    value: RuleValue = None
    points: StrictInt | None = Field(None, description="-1000 to 1000, not 0")
    active: StrictBool | None = None
    order: StrictInt | None = None


class ScoringRuleIn(ScoringRulePatch):
    """A new rule: `name` and `points` are required."""

    name: str
    points: StrictInt = Field(description="-1000 to 1000, not 0")


class ScoringRuleOut(Schema):
    id: int
    version: int
    name: str
    kind: str
    field: str
    operator: str
    value: Any
    points: int
    active: bool
    order: int
    description: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ScoringRuleList(Schema):
    items: list[ScoringRuleOut]
    next_cursor: str | None
