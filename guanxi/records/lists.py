"""Lists of records: owners by username, search through the index, keyset pages (core/lists.py
holds the parameters and filters that need none of these)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.lists import DEFAULT_ORDERING, ListParams
from guanxi.core.pagination import Page, paginate, parse_limit
from guanxi.org.models import User
from guanxi.search.selectors import matching

__all__ = ["ListParams", "owner_filter", "owner_id", "page", "search"]


def owner_id(value: Any) -> int:
    """The id of the user a filter names by username; an unknown one is a 400 on `owner`."""
    # a NUL cannot be in a username, and PostgreSQL refuses it even in a query
    user_id = None
    if isinstance(value, str) and "\x00" not in value:
        user_id = User.objects.filter(username=value).values_list("id", flat=True).first()
    if user_id is None:
        raise ValidationFailed(fields={"owner": [_("No user with this username.")]})
    return int(user_id)


def owner_filter(qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
    return qs.filter(owner_id=owner_id(value))


def search(qs: QuerySet[Any], q: str) -> QuerySet[Any]:
    """The records of `qs` (already scoped by the access layer) that match `q` in the index."""
    q = (q or "").strip()
    if not q:
        return qs
    condition = matching(qs.model.POLICY_OBJECT_TYPE, q)
    return qs.none() if condition is None else qs.filter(condition)


def page(qs: QuerySet[Any], params: ListParams, allowed: dict[str, str], *, rows: QuerySet[Any]) -> Page:
    """A keyset page (core.pagination). With a search, in two steps: a search may make the list
    pass over thousands of rows to fill a page (search/selectors.py), so the first step selects
    nothing but the ordering field and the id, which the ordering indexes hold (PostgreSQL answers
    from the index alone); the second reads the page's rows by id from `rows`."""
    ordering = params.ordering or DEFAULT_ORDERING
    limit = parse_limit(params.limit)
    if not (params.q or "").strip():
        return paginate(qs, ordering=ordering, allowed=allowed, cursor=params.cursor, limit=limit)
    field = allowed.get(ordering.lstrip("-"), "id")  # paginate() rejects unknown orderings
    keys = paginate(
        qs.select_related(None).only(field),
        ordering=ordering,
        allowed=allowed,
        cursor=params.cursor,
        limit=limit,
    )
    by_id = rows.in_bulk([key.pk for key in keys.items])
    keys.items = [by_id[key.pk] for key in keys.items if key.pk in by_id]
    return keys
