"""Keyset (cursor) pagination: stable and fast at any depth, unlike OFFSET.

The cursor encodes the ordering value and the id of the last row of the page; the next page
asks for rows strictly after that pair. Ordering fields must be NOT NULL and indexed together
with `id` (see the models' Meta.indexes).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from .errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass
class Page:
    items: list
    next_cursor: str | None
    ordering: str
    limit: int


def _encode(value, pk) -> str:
    if isinstance(value, dt.datetime):
        value = {"dt": value.isoformat()}
    elif isinstance(value, Decimal):
        value = str(value)
    raw = json.dumps([value, pk], ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        if isinstance(value, dict) and "dt" in value:
            value = parse_datetime(value["dt"])
        if not isinstance(pk, int):
            raise ValueError
        return value, pk
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationFailed(_("The cursor is not valid."), fields={"cursor": [_("The cursor is not valid.")]}) from exc


def parse_limit(limit) -> int:
    if limit in (None, ""):
        return DEFAULT_LIMIT
    try:
        limit = int(limit)
    except (TypeError, ValueError):
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(fields={"limit": [_("Enter a number from 1 to %(max)s.") % {"max": MAX_LIMIT}]})
    return limit


def parse_ordering(ordering: str | None, allowed: dict[str, str], default: str) -> tuple[str, bool]:
    """Map a public ordering name (e.g. "-name") to (model field, descending)."""
    ordering = ordering or default
    desc = ordering.startswith("-")
    key = ordering.lstrip("-")
    if key not in allowed:
        raise ValidationFailed(fields={"ordering": [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(allowed))}]})
    return ordering, desc


def paginate(qs: QuerySet, *, ordering: str, allowed: dict[str, str], cursor: str | None, limit: int) -> Page:
    public, desc = parse_ordering(ordering, allowed, ordering)
    field = allowed[public.lstrip("-")]
    sign = "-" if desc else ""
    qs = qs.order_by(f"{sign}{field}", f"{sign}id")
    if cursor:
        value, pk = _decode(cursor)
        op = "lt" if desc else "gt"
        qs = qs.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": pk}))
    rows = list(qs[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode(_attr(last, field), last.pk)
    return Page(items=rows, next_cursor=next_cursor, ordering=public, limit=limit)


def _attr(obj, path: str):
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj
