"""The database side of search: a WHERE fragment matching documents to a parsed query."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, Value
from django.db.models.expressions import RawSQL

from .tokenizers import QueryTerm


def _pg_tsquery(terms: list[QueryTerm]) -> str:
    def lexeme(token: str, prefix: bool) -> str:
        quoted = "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"
        return quoted + (":*" if prefix else "")

    parts = []
    for term in terms:
        alts = [lexeme(t, p) for t, p in term.alternatives]
        parts.append(alts[0] if len(alts) == 1 else "(" + " | ".join(alts) + ")")
    return " & ".join(parts)


def _fts5_query(terms: list[QueryTerm]) -> str:
    def phrase(token: str, prefix: bool) -> str:
        return '"' + token.replace('"', '""') + '"' + ("*" if prefix else "")

    parts = []
    for term in terms:
        alts = [phrase(t, p) for t, p in term.alternatives]
        parts.append(alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")")
    return " AND ".join(parts)


class _TokensMatch(Func):
    """array_to_tsvector(string_to_array(tokens, ' ')) @@ CAST(query AS tsquery): the GIN indexes' expression.

    With `indexed=False` the same test is written as the function behind the @@ operator,
    ts_match_vq(…), which PostgreSQL never answers from an index: for checking given rows one
    at a time (see selectors.py), where a plan through the index would be the slow one.
    """

    output_field = BooleanField()

    def __init__(self, *expressions: Any, indexed: bool = True, **extra: Any) -> None:
        super().__init__(*expressions, **extra)
        self.indexed = indexed

    # Django calls as_sql(compiler, connection) only: Func's other parameters are not needed.
    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        field_sql, field_params = compiler.compile(self.source_expressions[0])
        query_sql, query_params = compiler.compile(self.source_expressions[1])
        vector = f"array_to_tsvector(string_to_array({field_sql}, ' '))"
        query = f"CAST({query_sql} AS tsquery)"
        sql = f"{vector} @@ {query}" if self.indexed else f"ts_match_vq({vector}, {query})"
        return sql, [*field_params, *query_params]


def match_filter(terms: list[QueryTerm], *, indexed: bool = True) -> Q | _TokensMatch:
    """A filter() argument on SearchDocument matching all terms, for the current database.
    `indexed=False` (PostgreSQL): the same condition in a form no index answers."""
    if connection.vendor == "postgresql":
        return _TokensMatch(F("tokens"), Value(_pg_tsquery(terms)), indexed=indexed)
    return Q(id__in=RawSQL("SELECT rowid FROM search_fts WHERE search_fts MATCH %s", [_fts5_query(terms)]))
