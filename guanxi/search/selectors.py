"""matching(): the ids of records whose index entry matches a query, narrowed by owner."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .backends import match_filter
from .models import SearchDocument
from .tokenizers import parse_query


def matching_ids(object_type: str, q: str, *, owner_ids: set[int] | None, shared=None) -> QuerySet | None:
    """A values('object_id') queryset to use as `pk__in=`; None when q has nothing searchable.

    `owner_ids` (None = all) and `shared` (a subquery of shared record ids) come from the
    access layer, so the index narrows by scope before the main table is touched.
    """
    terms = parse_query(q)
    if not terms:
        return None
    qs = SearchDocument.objects.filter(match_filter(terms), object_type=object_type)
    if owner_ids is not None:
        cond = Q(owner_id__in=sorted(owner_ids))
        if shared is not None:
            cond |= Q(object_id__in=shared)
        qs = qs.filter(cond)
    return qs.values("object_id")
