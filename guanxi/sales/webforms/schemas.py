"""Request shapes of /api/v1/lead-forms. Inputs forbid unknown fields; types are declared here, the
service checks the rest (which lead fields exist, slugs, lengths, pools and owners) with the
message of each field."""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict, Field, JsonValue, StrictBool, StrictInt

# Values inside these objects are JSON values that the service checks (naming e.g. `title.en`).
# A text in every language: one string for all, or {"en", "zh-hans", "zh-hant"} (any of them).
Texts = str | dict[str, JsonValue]


class FormFieldIn(Schema):
    """A field of the form; a bare string is the same as {"name": …}."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="a lead field: name, company, mobile, email…")
    required: StrictBool | None = Field(None, description="default: only name is required")
    label: Texts | None = None
    label_en: str | None = None
    label_zh_hans: str | None = None
    label_zh_hant: str | None = None


class LeadFormPatch(Schema):
    """A change of some of a form's settings; the others are kept."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    slug: str | None = Field(None, description="the public address /f/<slug>")
    fields: list[str | FormFieldIn] | None = None
    title: Texts | None = None
    consent_text: Texts | None = None
    success_message: Texts | None = None
    source: str | None = None
    pool: StrictInt | None = Field(None, description="new leads go to this lead pool")
    owner: str | None = Field(None, description="new leads go to this user (username)")
    active: StrictBool | None = None


class LeadFormIn(LeadFormPatch):
    """A new form: `name`, `slug` and `fields` are required."""

    name: str
    slug: str
    fields: list[str | FormFieldIn]
