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

1. Count the matches among a fixed sample of SAMPLE documents of the type (a few
   milliseconds). At least COMMON of them: the query is common, walk (step 3).
2. Otherwise read up to NARROW + 1 matching ids from the index. At most NARROW: the filter is
   `pk = ANY(those ids)`, exact, whatever the ordering, filters and cursor of the list.
   With several prefix terms ("wang.5234" is "wang*" and "5234*") the index is asked only
   for the rarest of them in the sample (and any exact terms), and each document it returns
   is checked for all terms: a GIN index reads every token a prefix covers, and "wang*"
   covers thousands.
3. Otherwise: the filter is "has a matching document", written in a form that no index
   answers (`match_filter(indexed=False)`), so PostgreSQL walks the list in order and checks
   row by row; with that many matches the page fills quickly.

Both ways give the same records; the choice changes only the time taken, and a wrong guess
at step 1 costs little: the walk is chosen only where 1 record in 100 or more matches.

On SQLite (small databases, FTS5) the plain subquery is always fine.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.db.models import BooleanField, Count, Exists, F, Func, OuterRef, Q
from django.urls import reverse

from guanxi.core import registry
from guanxi.core.types import Actor
from guanxi.policies import access

from .backends import match_filter
from .models import SearchDocument
from .tokenizers import QueryTerm, parse_query

NARROW = 5000  # matches up to which reading ids from the index beats walking the list
SAMPLE = 1000  # documents looked at to judge whether a query is common…
COMMON = 10  # …and matches among them from which it is (1 in 100)


def matching(object_type: str, q: str) -> Q | Exists | _IdIn | None:
    """A filter() argument for the records of `object_type` that match `q`; None when q has
    nothing searchable.

    It says only which records match: apply it to a queryset the access layer has scoped
    (access.scope), which is what keeps every search inside the actor's scope. The index is
    not narrowed by owner first: for a rep that would mean reading a quarter of the owner
    index for every search, and the scoped list does that work better.
    """
    terms = parse_query(q)
    if not terms:
        return None
    if connection.vendor != "postgresql":
        documents = SearchDocument.objects.filter(match_filter(terms), object_type=object_type)
        return Q(pk__in=documents.values("object_id"))
    matches, from_index = _sample(object_type, terms)
    if matches < COMMON:
        documents = SearchDocument.objects.filter(match_filter(from_index), object_type=object_type)
        if from_index != terms:
            documents = documents.filter(match_filter(terms, indexed=False))
        ids = list(documents.values_list("object_id", flat=True)[: NARROW + 1])
        if len(ids) <= NARROW:
            return _IdIn(ids)
    own_document = SearchDocument.objects.filter(object_type=object_type, object_id=OuterRef("pk"))
    return Exists(own_document.filter(match_filter(terms, indexed=False)))


class _IdIn(Func):
    """pk = ANY(%s): thousands of ids as one array parameter, where pk__in=[…] would make
    (and PostgreSQL parse) one parameter per id."""

    output_field = BooleanField()

    def __init__(self, ids: list[int]) -> None:
        super().__init__(F("pk"))
        self.ids = ids

    # Django calls as_sql(compiler, connection) only: Func's other parameters are not needed.
    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        pk_sql, pk_params = compiler.compile(self.source_expressions[0])
        return f"{pk_sql} = ANY(%s)", [*pk_params, self.ids]


def _sample(object_type: str, terms: list[QueryTerm]) -> tuple[int, list[QueryTerm]]:
    """Look at the first SAMPLE documents of the type (in the table's order: a sample that
    costs a few milliseconds to read and check). Returns how many match all terms, and the
    terms to ask the index for: all exact terms and, of the prefix terms, the one matching
    the fewest documents of the sample."""
    sample = SearchDocument.objects.filter(
        pk__in=SearchDocument.objects.filter(object_type=object_type).values("pk")[:SAMPLE]
    )
    prefixes = [t for t in terms if any(is_prefix for _token, is_prefix in t.alternatives)]
    counts = {"all": Count("pk", filter=match_filter(terms, indexed=False))}
    if len(prefixes) > 1:
        counts.update(
            {
                f"prefix{i}": Count("pk", filter=match_filter([t], indexed=False))
                for i, t in enumerate(prefixes)
            }
        )
    totals: dict[str, int] = sample.aggregate(**counts)
    if len(prefixes) > 1:
        rarest = min(range(len(prefixes)), key=lambda i: totals[f"prefix{i}"])
        terms = [t for t in terms if t not in prefixes or t is prefixes[rarest]]
    return totals["all"], terms


def global_search(actor: Actor, q: str, *, limit: int = 8) -> list[dict[str, Any]]:
    """The global search (Ctrl-K and its page): for every kind the registry marks searchable, the
    records the actor may read that match `q`, most recently updated first, grouped by kind. One
    query per kind, each through the access layer."""
    q = (q or "").strip()
    if not q:
        return []
    groups = []
    for kind in registry.kinds(searchable=True):
        condition = matching(kind.name, q)
        if condition is None:
            continue
        rows = list(
            access.scope(actor, kind.model_class).filter(condition).order_by("-updated_at", "-id")[:limit]
        )
        if rows:
            groups.append(
                {
                    "kind": kind,
                    "items": [
                        {
                            "obj": r,
                            "title": str(r),
                            "detail": kind.search_detail(r) if kind.search_detail else "",
                            "url": reverse(kind.detail_url, args=[r.pk]) if kind.detail_url else "",
                        }
                        for r in rows
                    ],
                    "more_url": f"{reverse(kind.list_url)}?{urlencode({'q': q})}" if kind.list_url else "",
                }
            )
    return groups
