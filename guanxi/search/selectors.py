"""matching(): a filter on a record table keeping the records that match a search query.

A list with `q` asks for the first page, in the list's order, of the records that match. The
two ways to answer it cost in opposite directions:

- *from the index*: read the ids of all matching documents from the GIN index, then sort
  those records. Cheap when few records match ("8000", "王芳"); costs a table row or two per
  match, so hopeless when 300,000 match ("zhang").
- *by walking the list*: go through the records in the list's order (an index scan) and
  check each one's document until the page is full. Cheap when many records match (about
  50 / share-of-records-matching checks); hopeless when few match.

PostgreSQL's planner makes this choice from its estimate of the number of matches, which is
good for common tokens but can be wrong by a factor of 100 for prefixes of phone numbers and
similar families of unique tokens ("0571", "138"), and a wrong choice costs seconds. So we
choose ourselves, with a bound on the cost of being wrong:

1. Unless the planner expects a great many matches (BROAD), read up to NARROW + 1 matching
   ids from the index. At most NARROW: the filter is `pk IN (those ids)`, exact, whatever the
   ordering, filters and cursor of the list.
2. Otherwise (expected to be very many, or found to be more than NARROW): the filter is "has a
   matching document", in a form that no index answers (`match_filter(indexed=False)`), so
   PostgreSQL walks the list in order and checks row by row; with that many matches the page
   fills quickly. The estimate alone decides only far above NARROW: a walk through a list
   where few records match is the one expensive mistake, and estimates for prefixes with no
   common token behind them are guesses (seen: 5,000 expected, 551 found).

On SQLite (small databases, FTS5) the plain subquery is always fine.
"""

from __future__ import annotations

import json

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from .backends import match_filter
from .models import SearchDocument
from .tokenizers import parse_query

NARROW = 5000  # matches up to which reading ids from the index beats walking the list
BROAD = 20 * NARROW  # expected matches from which we walk without reading the index first


def matching(object_type: str, q: str, *, owner_ids: set[int] | None, shared=None):
    """A filter() argument for the records of `object_type` that match `q`; None when q has
    nothing searchable.

    `owner_ids` (None = all) and `shared` (a subquery of shared record ids) come from the access
    layer: the index is narrowed by the same scope before any id is read. The caller's queryset
    must itself be scoped (access.scope): the walk checks only the match.
    """
    terms = parse_query(q)
    if not terms:
        return None
    documents = SearchDocument.objects.filter(match_filter(terms), object_type=object_type)
    if owner_ids is not None:
        in_scope = Q(owner_id__in=sorted(owner_ids))
        if shared is not None:
            in_scope |= Q(object_id__in=shared)
        documents = documents.filter(in_scope)
    if connection.vendor != "postgresql":
        return Q(pk__in=documents.values("object_id"))
    if _estimated_rows(documents) < BROAD:
        ids = list(documents.values_list("object_id", flat=True)[:NARROW + 1])
        if len(ids) <= NARROW:
            return Q(pk__in=ids)
    own_document = SearchDocument.objects.filter(object_type=object_type, object_id=OuterRef("pk"))
    return Exists(own_document.filter(match_filter(terms, indexed=False)))


def _estimated_rows(qs: QuerySet) -> float:
    """The planner's estimate of the number of rows of a query (EXPLAIN, nothing is run)."""
    plan = json.loads(qs.explain(format="json"))
    return plan[0]["Plan"]["Plan Rows"]
