"""Request shapes of /api/v1/custom-fields. Inputs forbid unknown fields; types and the field types
are declared here, the service checks the rest (keys, objects that take custom fields, choices,
lengths) with the message of each field."""

from __future__ import annotations

from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field, JsonValue, StrictBool, StrictInt, StrictStr

FieldTypeCode = Literal[
    "text",
    "long_text",
    "number",
    "decimal",
    "date",
    "datetime",
    "choice",
    "multi_choice",
    "boolean",
    "user",
    "url",
    "email",
    "phone",
]
# Values inside these objects are JSON values that the service checks (naming e.g. `label.en` or `choices.2`).
# A text in every language: one string for all, or {"en", "zh-hans", "zh-hant"} (any of them).
Texts = str | dict[str, JsonValue]
# A choice is a string (its value and label) or {"value": "…", "label": text or texts}.
Choices = list[str | dict[str, JsonValue]]


class CustomFieldIn(Schema):
    model_config = ConfigDict(extra="forbid")
    object: str = Field(description="a kind of record that takes custom fields, e.g. account")
    key: str
    label: Texts
    type: FieldTypeCode
    choices: Choices | None = Field(None, description="choice and multi_choice fields only")
    required: StrictBool = False
    help_text: Texts | None = None
    order: StrictInt | None = None
    active: StrictBool = True


class CustomFieldPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    object: str | None = None  # immutable: accepted only unchanged
    key: str | None = None  # immutable: accepted only unchanged
    label: Texts | None = None
    type: FieldTypeCode | None = None
    choices: Choices | None = None
    required: StrictBool | None = None
    help_text: Texts | None = None
    order: StrictInt | None = None
    active: StrictBool | None = None


class ReorderIn(Schema):
    model_config = ConfigDict(extra="forbid")
    object: StrictStr
    keys: list[StrictStr]
