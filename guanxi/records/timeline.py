"""The timeline of a record: one stream of entries from every source the registry declares for its
kind (core.registry.TimelineSource: follow-ups, tasks, files, field changes, lifecycle moves…).

Newest first, ordered by the key (at, rank, id) descending, where `rank` tells the sources apart
(so two entries at the same instant still have a strict order). A page is read with keyset
pagination over the merged stream: every source asks its own index for the first `limit + 1`
rows strictly after the cursor's key (`after`), the rows are merged here and the first `limit`
kept; the cursor is the key of the last entry shown. So a page costs one query per source plus
what each source needs to name other records, whether the record has 5 entries or 10,000.

Visibility: the timeline is only built for a record the viewer may read (callers use access.get
first). Its entries belong to that record and follow its visibility; what they name of other
records is shown only if the viewer may read those records too (each source's duty).

The field changes of the record itself (its audit rows) are a source of every kind, declared in
records/registry.py with `changes_source` below.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.audit.models import AuditEvent
from guanxi.audit.selectors import HISTORY_LIMIT
from guanxi.core import panels, registry
from guanxi.core.errors import ValidationFailed
from guanxi.core.pagination import MAX_PK

from .history import visible_history

Key = tuple[dt.datetime, int, int]  # (at, rank, id): the stream's order and the cursor
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass
class Entry:
    type: str
    at: dt.datetime
    id: int
    title: str
    summary: str = ""
    icon: str = ""
    kind: str = ""
    url: str | None = None
    ids: dict[str, Any] = field(default_factory=dict)
    actor: str = ""
    meta: list[str] = field(default_factory=list)
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    obj: object = None

    @property
    def key(self) -> Key:
        return (self.at, ranks()[self.type], self.id)


@dataclass
class TimelinePage:
    entries: list[Entry]
    next_cursor: str | None
    kind: str
    subsidiaries: bool


@dataclass
class Filter:
    sources: set[str]
    kinds: list[str] | None  # subkinds asked for (a follow-up's kinds), None = all
    value: str


@dataclass
class Query:
    """What a source reads: the entries of `record` (and of the records `ids` when the timeline
    rolls several up, e.g. an account's subsidiaries) strictly after `key`, at most `n`."""

    actor: Any
    record: Any
    kind: str  # the record's kind
    ids: list[int]
    key: Key | None
    n: int
    subkinds: list[str] | None

    def after(self, qs: QuerySet[Any], *, at_field: str, id_field: str, source: str) -> QuerySet[Any]:
        """Rows of one source strictly after the cursor in (at, rank, id) descending order."""
        return after(qs, at_field=at_field, id_field=id_field, rank=ranks()[source], cursor=self.key)

    @property
    def first_page_of_record(self) -> bool:
        """A first page of this record alone: what its page's panels read may be reused."""
        return self.key is None and self.ids == [self.record.pk]


def ranks() -> dict[str, int]:
    return {s.name: s.rank for s in registry.timeline_sources()}


def sources(kind: str) -> list[registry.TimelineSource]:
    return registry.timeline_sources(kind)


def chips(kind: str) -> list[tuple[str, Any]]:
    """The filter chips of a kind's timeline, in order: (value of ?kind=, label)."""
    found: dict[str, Any] = {"": gettext_lazy("All")}
    for s in sources(kind):
        found.setdefault(s.filter, s.label)
        for value, label in s.chips:
            found.setdefault(value, label)
    return list(found.items())


def parse_kind(kind: str, value: str | None) -> Filter:
    """?kind=call,visit,tasks… → the sources to read and the subkinds; unknown → 400."""
    declared = sources(kind)
    value = (value or "").strip()
    if len(value) > 200:
        raise ValidationFailed(fields={"kind": [_("Too many kinds.")]})
    tokens = [t.strip() for t in value.split(",") if t.strip()]
    if not tokens:
        return Filter(sources={s.name for s in declared}, kinds=None, value="")
    filters: dict[str, list[str]] = {}
    for s in declared:
        filters.setdefault(s.filter, []).append(s.name)
    subkinds = {sub: s.name for s in declared for sub in s.subkinds}
    bad = [t for t in tokens if t not in filters and t not in subkinds]
    if bad:
        choices = ", ".join([*filters, *subkinds])
        raise ValidationFailed(fields={"kind": [_("Choose from: %(choices)s.") % {"choices": choices}]})
    chosen: set[str] = set()
    kinds: list[str] = []
    whole: set[str] = set()  # sources asked for as a whole (?kind=followups): no subkind filter
    for t in tokens:
        if t in filters:
            chosen.update(filters[t])
            whole.update(filters[t])
        else:
            chosen.add(subkinds[t])
            if t not in kinds:
                kinds.append(t)
    asked = None if whole & {subkinds[k] for k in kinds} else kinds
    return Filter(sources=chosen, kinds=asked or None, value=",".join(dict.fromkeys(tokens)))


def encode_cursor(key: Key) -> str:
    at, rank, pk = key
    raw = json.dumps(["tl", at.isoformat(), rank, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Key | None:
    if not cursor:
        return None
    try:
        if len(cursor) > 300:
            raise ValueError
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        tag, at, rank, pk = json.loads(raw.decode("utf-8"))
        if tag != "tl" or not isinstance(at, str) or type(rank) is not int or rank not in ranks().values():
            raise ValueError
        if type(pk) is not int or not 0 < pk <= MAX_PK:
            raise ValueError
        moment = parse_datetime(at)
        if moment is None or moment.tzinfo is None:
            raise ValueError
        # in UTC here, as the database adapters would convert it: 0001-01-01T00:00+14:00 overflows
        return moment.astimezone(dt.UTC), rank, pk
    except (ValueError, TypeError, binascii.Error, OverflowError) as exc:
        raise ValidationFailed(
            _("The cursor is not valid."), fields={"cursor": [_("The cursor is not valid.")]}
        ) from exc


def parse_limit(limit: Any) -> int:
    if limit in (None, ""):
        return DEFAULT_LIMIT
    try:
        limit = int(limit)
    except (TypeError, ValueError):
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(
            fields={"limit": [_("Enter a number from 1 to %(max)s.") % {"max": MAX_LIMIT}]}
        )
    return int(limit)


def after(qs: QuerySet[Any], *, at_field: str, id_field: str, rank: int, cursor: Key | None) -> QuerySet[Any]:
    """Rows of one source strictly after the cursor in (at, rank, id) descending order."""
    qs = qs.order_by(f"-{at_field}", f"-{id_field}")
    if cursor is None:
        return qs
    at, c_rank, c_id = cursor
    if rank < c_rank:
        return qs.filter(**{f"{at_field}__lte": at})
    if rank > c_rank:
        return qs.filter(**{f"{at_field}__lt": at})
    return qs.filter(Q(**{f"{at_field}__lt": at}) | Q(**{at_field: at, f"{id_field}__lt": c_id}))


def timeline(
    actor: Any,
    record: Any,
    *,
    kind: str | None = None,
    cursor: str | None = None,
    limit: Any = None,
    ids: list[int] | None = None,
    subsidiaries: bool = False,
) -> TimelinePage:
    """A page of the record's timeline (the caller has checked the actor may read the record).
    `ids`: the records whose entries are rolled up (default: the record alone)."""
    name = record.POLICY_OBJECT_TYPE
    flt, key, limit = parse_kind(name, kind), decode_cursor(cursor), parse_limit(limit)
    query = Query(
        actor=actor,
        record=record,
        kind=name,
        ids=ids or [record.pk],
        key=key,
        n=limit + 1,
        subkinds=flt.kinds,
    )
    entries: list[Entry] = []
    for source in sources(name):
        if source.name in flt.sources:
            entries += source.read(query)
    rank = ranks()
    entries.sort(key=lambda e: (e.at, rank[e.type], e.id), reverse=True)
    last = entries[limit - 1] if len(entries) > limit else None
    next_cursor = encode_cursor((last.at, rank[last.type], last.id)) if last else None
    return TimelinePage(
        entries=entries[:limit], next_cursor=next_cursor, kind=flt.value, subsidiaries=subsidiaries
    )


# --- helpers for the sources ---------------------------------------------------------------------


def url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def user_label(user: Any, fallback: str = "") -> str:
    if user is None:
        return fallback
    return getattr(user, "display_name", "") or user.username


# --- the record's own field changes, a source of every kind --------------------------------------


def changes_source(query: Query) -> list[Entry]:
    """The record's audit rows; records they name that the viewer cannot see are replaced."""
    model = registry.get(query.kind).model_class
    history = panels.already_read(query.record, "history")  # the field history's, on the detail page
    if history is not None and query.first_page_of_record and query.n <= HISTORY_LIMIT:
        events = history[: query.n]
    else:
        qs = AuditEvent.objects.filter(object_type=query.kind, object_id__in=query.ids).select_related(
            "actor"
        )
        events = list(query.after(qs, at_field="at", id_field="id", source="change")[: query.n])
    return change_entries(query.actor, events, model)


def change_entries(actor: Any, events: list[Any], model: Any) -> list[Entry]:
    labels: dict[str, str] = {}
    for name in {name for event in events for name in (event.changes or {})}:
        try:
            labels[name] = str(model._meta.get_field(name).verbose_name)
        except (FieldDoesNotExist, AttributeError):  # a field since removed, or a reverse relation
            labels[name] = name
    entries = []
    for event in visible_history(actor, model, events):
        changes = []
        for name, pair in (event.changes or {}).items():
            values = []
            for v in pair if isinstance(pair, list) and len(pair) == 2 else [None, pair]:
                if isinstance(v, dict):
                    v = v.get("label", "")
                elif isinstance(v, list):
                    v = ", ".join(str(x) for x in v)
                values.append("" if v is None else str(v))
            changes.append((labels[name], values[0], values[1]))
        actor_label = user_label(event.actor, event.actor_label)
        entries.append(
            Entry(
                type="change",
                at=event.at,
                id=event.pk,
                icon="bi-pencil-square",
                title=f"{actor_label} {event.verb_label}",
                actor=actor_label,
                changes=changes,
                summary="; ".join(
                    f"{label}: {old or '—'} → {new or '—'}"
                    if event.verb != "create"
                    else f"{label}: {new or '—'}"
                    for label, old, new in changes
                )[:500],
                ids={event.object_type: event.object_id},
                obj=event,
            )
        )
    return entries
