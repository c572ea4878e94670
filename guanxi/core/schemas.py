"""API shapes every resource shares: strict inputs, the error body, owners, pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field
from pydantic.fields import FieldInfo


class Strict(Schema):
    """Inputs forbid unknown fields: owner, version, created_by… are refused, never ignored."""

    model_config = ConfigDict(extra="forbid")


class OwnerOut(Schema):
    id: int
    username: str


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorOut(Schema):
    error: ErrorBody


# The error answers an operation documents: validation 400, token 401, right 403, invisible or
# absent 404, stale version 412, missing If-Match 428 (core/api.py renders them all the same way).
ERRORS: dict[int, Any] = {status: ErrorOut for status in (400, 401, 403, 404, 412, 428)}


def errors(*statuses: int) -> dict[int, Any]:
    """ERRORS plus the statuses an operation adds (409 protected, 413 too large, 422, 429…)."""
    return {**ERRORS, **{status: ErrorOut for status in statuses}}


def enum_of(choices: Iterable[tuple[Any, Any]], *, blank: bool = True) -> FieldInfo:
    """The `Annotated` metadata that documents a text field as an enum of `choices` ("" too when
    `blank` clears it), for request schemas. The service still checks the value
    (core.cleaning.choice) with its own message, and reports it together with every other field's
    error; a `Literal` would refuse it first, alone, with pydantic's generic message. A list or an
    object is refused by the schema (not a string).

        IndustryChoice = Annotated[str, enum_of(Industry.choices)]
        class AccountIn(Strict):
            industry: IndustryChoice | None = None

    Only the metadata comes from a call: `Annotated[str, ...]` written out at the alias is a type
    mypy reads (str), where a call returning the whole `Annotated` would be a variable to it.
    """
    values = [value for value, _label in choices] + ([""] if blank else [])
    info: FieldInfo = Field(json_schema_extra={"enum": values})  # Field() is typed Any, for defaults
    return info
