"""What every list shares: its parameters and allow-listed filters. Nothing from a request reaches
SQL but as a bound value of a filter the resource allows (records/lists.py adds search, owners
and the keyset page)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .errors import ValidationFailed
from .pagination import MAX_PK

DEFAULT_ORDERING = "-updated_at"

Filter = Callable[[QuerySet[Any], Any], QuerySet[Any]]


@dataclass
class ListParams:
    q: str = ""
    ordering: str = DEFAULT_ORDERING
    cursor: str | None = None
    limit: int | str | None = None
    filters: dict[str, Any] | None = None


def apply_filters(
    qs: QuerySet[Any], filters: dict[str, Any] | None, allowed: dict[str, Filter]
) -> QuerySet[Any]:
    """Apply the filters given a value; an unknown one is a 400 naming it."""
    for key, value in (filters or {}).items():
        if value in (None, ""):
            continue
        if key not in allowed:
            raise ValidationFailed(fields={key: [_("Unknown filter.")]})
        qs = allowed[key](qs, value)
    return qs


def choice_filter(field: str, choices: Iterable[tuple[str, Any]]) -> Filter:
    valid = {c for c, _label in choices}

    def apply(qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if not isinstance(value, str) or value not in valid:
            raise ValidationFailed(
                fields={field: [_("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(valid))}]}
            )
        return qs.filter(**{field: value})

    return apply


def id_filter(field: str) -> Filter:
    def apply(qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        try:
            pk = int(value)
        except (TypeError, ValueError):
            pk = 0
        if not 0 < pk <= MAX_PK:  # beyond a BIGINT the database itself would fail
            raise ValidationFailed(fields={field: [_("Enter a whole number.")]})
        return qs.filter(**{f"{field}_id": pk})

    return apply


def truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "yes")
