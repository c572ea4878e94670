"""Keyset (cursor) pagination: stable and fast at any depth, unlike OFFSET.

The cursor encodes the ordering it was made for, the ordering value and the id of the last row
of the page; the next page asks for rows strictly after that pair. Cursors come back from
clients, so decoding checks every part: a tampered cursor is a 400, never a 500. Ordering
fields must be NOT NULL and indexed together with `id` (see the models' Meta.indexes).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from .errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None
    ordering: str
    limit: int


MAX_CURSOR_LENGTH = 2000
MAX_PK = 2**63 - 1


def _encode(ordering: str, value: Any, pk: int) -> str:
    if isinstance(value, dt.datetime):
        value = {"dt": value.isoformat()}
    elif isinstance(value, Decimal):
        value = str(value)
    raw = json.dumps([ordering, value, pk], ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _invalid_cursor() -> ValidationFailed:
    return ValidationFailed(_("The cursor is not valid."), fields={"cursor": [_("The cursor is not valid.")]})


def _decode(cursor: str, *, ordering: str, model_field: Any) -> tuple[Any, int]:
    """(value, pk) of a cursor made by _encode for this ordering; anything else is a 400.

    Cursors come from clients, so every part is checked before it reaches a query: the ordering
    it was made for, the type of the value for the ordering field, and the range of the id.
    """
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, value, pk = json.loads(raw.decode("utf-8"))
        if made_for != ordering or type(pk) is not int or not 0 < pk <= MAX_PK:
            raise ValueError
        return _cursor_value(value, model_field), pk
    except (
        ValueError,
        TypeError,
        ArithmeticError,  # decimal errors, and OverflowError from a date near year 1 or 9999
        ValidationError,
        binascii.Error,
    ) as exc:  # JSON and UTF-8 errors are ValueErrors
        raise _invalid_cursor() from exc


def _cursor_value(value: Any, model_field: Any) -> Any:
    if isinstance(model_field, models.DateTimeField):
        if not isinstance(value, dict) or set(value) != {"dt"} or not isinstance(value["dt"], str):
            raise ValueError
        parsed = parse_datetime(value["dt"])
        if parsed is None or parsed.tzinfo is None:
            raise ValueError
        # in UTC here, as the database adapters would convert it: 0001-01-01T00:00+14:00 overflows
        return parsed.astimezone(dt.UTC)
    if isinstance(model_field, (models.CharField, models.TextField)):
        if not isinstance(value, str) or "\x00" in value:
            raise ValueError
        value.encode("utf-8")  # lone surrogates (JSON "\ud800") raise UnicodeEncodeError, a ValueError
        return value
    if isinstance(model_field, (models.IntegerField, models.BigIntegerField)):
        if type(value) is not int or abs(value) > MAX_PK:
            raise ValueError
        return value
    if isinstance(model_field, models.DecimalField) and isinstance(value, str):
        number = Decimal(value)
        # only numbers the column holds: NaN, Infinity or 1E+999999999 would fail in the query
        DecimalValidator(model_field.max_digits, model_field.decimal_places)(number)
        return number
    raise ValueError


def parse_limit(limit: Any) -> int:
    if limit in (None, ""):
        return DEFAULT_LIMIT
    try:
        number = int(limit)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= MAX_LIMIT:
        raise ValidationFailed(
            fields={"limit": [_("Enter a number from 1 to %(max)s.") % {"max": MAX_LIMIT}]}
        )
    return number


def parse_ordering(ordering: str | None, allowed: dict[str, str], default: str) -> tuple[str, bool]:
    """Map a public ordering name (e.g. "-name") to (model field, descending)."""
    ordering = ordering or default
    desc = ordering.startswith("-")
    key = ordering[1:] if desc else ordering
    if key not in allowed:
        raise ValidationFailed(
            fields={"ordering": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(allowed))}]}
        )
    return ordering, desc


KEEP_BATCH = 200  # rows read at first when a page keeps only some (paginate's `keep`), doubling up to…
KEEP_BATCH_MAX = 6400


def paginate(
    qs: QuerySet[Any],
    *,
    ordering: str,
    allowed: dict[str, str],
    cursor: str | None,
    limit: int,
    keep: Callable[[Any], bool] | None = None,
) -> Page:
    """A page of `qs`. `keep(row)` is a last condition that SQL cannot express: rows are then
    read in batches, in order, until the page is full or the rows run out."""
    public, desc = parse_ordering(ordering, allowed, ordering)
    field = allowed[public[1:] if desc else public]
    sign = "-" if desc else ""
    op = "lt" if desc else "gt"
    qs = qs.order_by(f"{sign}{field}", f"{sign}id")
    if cursor:
        value, pk = _decode(cursor, ordering=public, model_field=_model_field(qs.model, field))
        qs = _after(qs, field, op, value, pk)
    rows = list(qs[: limit + 1]) if keep is None else _kept(qs, keep, limit + 1, field, op)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode(public, _attr(last, field), last.pk)
    return Page(items=rows, next_cursor=next_cursor, ordering=public, limit=limit)


def _after(qs: QuerySet[Any], field: str, op: str, value: Any, pk: int) -> QuerySet[Any]:
    """The rows strictly after (value, pk) in the order of `qs`."""
    return qs.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": pk}))


def _kept(qs: QuerySet[Any], keep: Callable[[Any], bool], wanted: int, field: str, op: str) -> list[Any]:
    rows: list[Any] = []
    batch = max(wanted, KEEP_BATCH)
    while True:
        chunk = list(qs[:batch])
        rows += [row for row in chunk if keep(row)]
        if len(rows) >= wanted or len(chunk) < batch:
            return rows[:wanted]
        last = chunk[-1]
        qs = _after(qs, field, op, _attr(last, field), last.pk)
        batch = min(batch * 2, KEEP_BATCH_MAX)


def _model_field(model: Any, path: str) -> Any:
    parts = path.split("__")
    for part in parts[:-1]:
        model = model._meta.get_field(part).related_model
    return model._meta.get_field(parts[-1])


def _attr(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj
