"""The 360° timeline: follow-ups, tasks, files, field changes and lifecycle moves of one customer.

One stream, newest first, ordered by the key (at, rank, id) descending, where `rank` tells the
sources apart (so two entries at the same instant still have a strict order). A page is read
with keyset pagination over the merged stream: every source asks its own index for the first
`limit + 1` rows strictly after the cursor's key, the rows are merged in Python and the first
`limit` kept; the cursor is the key of the last entry shown. So a page costs one query per
source plus a fixed few (names of the contacts and accounts the viewer may see, the visibility
of the other record a task names, and for field changes that of the records they name), whether
the customer has 5 entries or 10,000.

Visibility: the timeline is only built for a record the viewer may read (callers use
access.get first). Its entries belong to that record and follow its visibility; what they name
of other records (a follow-up's contacts, a task's contact, a contact's account, a changed
parent company or a deal's contacts in the field history: audit.selectors.visible_history) is
shown only if the viewer may read those records too.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.audit.models import AuditEvent
from guanxi.audit.selectors import HISTORY_LIMIT, visible_history
from guanxi.core import panels
from guanxi.core.errors import ValidationFailed
from guanxi.core.pagination import MAX_PK
from guanxi.customers.models import Account, Contact, Lifecycle, RelationshipLevel, StageChange
from guanxi.policies import access

from ..files.panels import READ_SIZE as FILES_READ
from ..models import Activity, ActivityContact, ActivityKind, Attachment, Task
from .selectors import links_for

# Source ranks: at the same instant a follow-up comes first, then a task, a file, a change.
RANK = {"stage": 0, "change": 1, "attachment": 2, "task": 3, "activity": 4}
SOURCE_FILTERS = {
    "followups": ("activity",),
    "tasks": ("task",),
    "files": ("attachment",),
    "changes": ("change", "stage"),
}
ICONS = {
    "call": "bi-telephone",
    "visit": "bi-geo-alt",
    "meeting": "bi-people",
    "email": "bi-envelope",
    "message": "bi-chat-dots",
    "fax": "bi-printer",
    "web": "bi-globe",
    "note": "bi-journal-text",
    "task": "bi-check2-square",
    "attachment": "bi-paperclip",
    "change": "bi-pencil-square",
    "stage": "bi-signpost-split",
}
# The filter chips of the 360° page, in order: (value of ?kind=, label).
CHIPS = [
    ("", gettext_lazy("All")),
    ("followups", gettext_lazy("Follow-ups")),
    ("call", gettext_lazy("Calls")),
    ("visit", gettext_lazy("Visits")),
    ("meeting", gettext_lazy("Meetings")),
    ("email", gettext_lazy("Emails")),
    ("message", gettext_lazy("Messages")),
    ("tasks", gettext_lazy("Tasks")),
    ("files", gettext_lazy("Files")),
    ("changes", gettext_lazy("Changes")),
]
MAX_SUBSIDIARIES = 500
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
    ids: dict = field(default_factory=dict)
    actor: str = ""
    meta: list[str] = field(default_factory=list)
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    obj: object = None

    @property
    def key(self) -> tuple:
        return (self.at, RANK[self.type], self.id)


@dataclass
class TimelinePage:
    entries: list[Entry]
    next_cursor: str | None
    kind: str
    subsidiaries: bool


@dataclass
class Filter:
    sources: set[str]
    kinds: list[str] | None  # activity kinds, None = all
    value: str


def parse_kind(value: str | None) -> Filter:
    """?kind=call,visit,tasks… → the sources to read and the follow-up kinds; unknown → 400."""
    value = (value or "").strip()
    if len(value) > 200:
        raise ValidationFailed(fields={"kind": [_("Too many kinds.")]})
    tokens = [t.strip() for t in value.split(",") if t.strip()]
    if not tokens:
        return Filter(sources=set(RANK), kinds=None, value="")
    allowed = set(ActivityKind.values) | set(SOURCE_FILTERS)
    bad = [t for t in tokens if t not in allowed]
    if bad:
        raise ValidationFailed(
            fields={
                "kind": [
                    _("Choose from: %(choices)s.")
                    % {"choices": ", ".join([*SOURCE_FILTERS, *ActivityKind.values])}
                ]
            }
        )
    sources: set[str] = set()
    kinds: list[str] | None = []
    for t in tokens:
        if t in SOURCE_FILTERS:
            sources.update(SOURCE_FILTERS[t])
            if t == "followups":
                kinds = None
        else:
            sources.add("activity")
            if kinds is not None and t not in kinds:
                kinds.append(t)
    return Filter(sources=sources, kinds=kinds or None, value=",".join(dict.fromkeys(tokens)))


def encode_cursor(key: tuple) -> str:
    at, rank, pk = key
    raw = json.dumps(["tl", at.isoformat(), rank, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple | None:
    if not cursor:
        return None
    try:
        if len(cursor) > 300:
            raise ValueError
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        tag, at, rank, pk = json.loads(raw.decode("utf-8"))
        if tag != "tl" or not isinstance(at, str) or type(rank) is not int or rank not in RANK.values():
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


def _parse_limit(limit) -> int:
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
    return limit


def _after(qs, *, at_field: str, id_field: str, rank: int, cursor: tuple | None):
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


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _user_label(user, fallback: str = "") -> str:
    if user is None:
        return fallback
    return getattr(user, "display_name", "") or user.username


def _activity_entries(actor, activities, *, on_contact: bool, page=None, known_accounts=None) -> list[Entry]:
    links = links_for(actor, activities, page=page, known_accounts=known_accounts)
    entries = []
    for a in activities:
        link = links[a.pk]
        meta = []
        if a.direction:
            meta.append(a.get_direction_display())
        if a.duration_minutes is not None:
            meta.append(_("%(n)d min") % {"n": a.duration_minutes})
        if a.outcome and a.subject:
            meta.append(a.outcome)
        names = [ct.display_name for ct in link["contacts"]]
        if names:
            meta.append(", ".join(names))
        if on_contact and link["account"] is not None:
            meta.append(link["account"].name)
        if a.next_contact_at:
            meta.append(_("next contact %(when)s") % {"when": _local(a.next_contact_at)})
        entries.append(
            Entry(
                type="activity",
                at=a.occurred_at,
                id=a.pk,
                kind=a.kind,
                icon=ICONS.get(a.kind, "bi-chat"),
                title=a.subject or a.get_kind_display(),
                summary=" ".join(a.content.split())[:500],
                url=_url("followup_edit", a.pk),
                actor=_user_label(a.owner),
                meta=meta,
                obj=a,
                ids={
                    "activity": a.pk,
                    "account": link["account"].pk if link["account"] else None,
                    "contacts": [ct.pk for ct in link["contacts"]],
                },
            )
        )
    return entries


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _task_entries(actor, tasks, *, on_contact: bool) -> list[Entry]:
    """Tasks of the timeline's record; the other record a task names (a task on the account
    about a contact, on the contact about an account) only if the viewer may read it: one query,
    none when no task names one."""
    tasks = list(tasks)
    other, model = ("account", Account) if on_contact else ("contact", Contact)
    named = {getattr(t, f"{other}_id") for t in tasks} - {None}
    visible = (
        set(access.scope(actor, model).filter(pk__in=named).values_list("id", flat=True)) if named else set()
    )
    entries = []
    for t in tasks:
        links = {"account": t.account_id, "contact": t.contact_id}
        if links[other] not in visible:
            links[other] = None
        if t.done:
            state = _("done %(when)s") % {"when": _local(t.done_at)} if t.done_at else _("done")
        elif t.due_at:
            state = (_("overdue since %(when)s") if t.is_overdue else _("due %(when)s")) % {
                "when": _local(t.due_at)
            }
        else:
            state = _("open")
        entries.append(
            Entry(
                type="task",
                at=t.created_at,
                id=t.pk,
                icon=ICONS["task"],
                title=t.title,
                summary=" ".join(t.description.split())[:300],
                actor=_user_label(t.assignee),
                meta=[state, t.get_priority_display()],
                url=_url("task_edit", t.pk),
                ids={"task": t.pk, **links},
                obj=t,
            )
        )
    return entries


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024:
            return f"{n:.0f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def _attachment_entries(files) -> list[Entry]:
    return [
        Entry(
            type="attachment",
            at=f.created_at,
            id=f.pk,
            icon=ICONS["attachment"],
            title=f.name,
            summary=_size(f.size),
            actor=_user_label(f.owner),
            url=_url("attachment_download", f.pk),
            ids={"attachment": f.pk},
            obj=f,
        )
        for f in files
    ]


def _change_entries(actor, events, model) -> list[Entry]:
    """Field changes; records they name that the viewer cannot see are replaced."""
    labels = {}
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
        actor_label = _user_label(event.actor, event.actor_label)
        entries.append(
            Entry(
                type="change",
                at=event.at,
                id=event.pk,
                icon=ICONS["change"],
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


def _reason(change) -> str:
    from guanxi.customers.lifecycle import services as lifecycle

    translate = getattr(lifecycle, "reason_text", None)  # automatic reasons are message ids
    return str(translate(change)) if translate else change.reason


def _stage_entries(changes) -> list[Entry]:
    labels = {
        StageChange.Field.LIFECYCLE: dict(Lifecycle.choices),
        StageChange.Field.LEVEL: dict(RelationshipLevel.choices),
    }
    entries = []
    for s in changes:
        names = labels.get(s.field, {})
        old, new = str(names.get(s.old, s.old) or "—"), str(names.get(s.new, s.new))
        entries.append(
            Entry(
                type="stage",
                at=s.at,
                id=s.pk,
                icon=ICONS["stage"],
                title=f"{s.get_field_display()}: {old} → {new}".capitalize(),
                summary=_reason(s),
                meta=[_("automatic")] if s.automatic else [],
                actor=_user_label(s.actor),
                changes=[(str(s.get_field_display()), old, new)],
                ids={"account": s.account_id},
                obj=s,
            )
        )
    return entries


def _page(entries: list[Entry], limit: int, flt: Filter, subsidiaries: bool) -> TimelinePage:
    entries.sort(key=lambda e: e.key, reverse=True)
    next_cursor = encode_cursor(entries[limit - 1].key) if len(entries) > limit else None
    return TimelinePage(
        entries=entries[:limit], next_cursor=next_cursor, kind=flt.value, subsidiaries=subsidiaries
    )


def subsidiary_ids(actor, account: Account) -> list[int]:
    """Visible accounts whose parent company is this one (index account_parent_idx)."""
    return list(
        access.scope(actor, Account)
        .filter(parent=account)
        .order_by("name", "id")
        .values_list("id", flat=True)[:MAX_SUBSIDIARIES]
    )


def account_timeline(
    actor,
    account: Account,
    *,
    kind: str | None = None,
    cursor: str | None = None,
    limit=None,
    subsidiaries: bool = False,
) -> TimelinePage:
    """The account's timeline (the caller has checked the actor may read the account)."""
    flt, key, limit = parse_kind(kind), decode_cursor(cursor), _parse_limit(limit)
    ids = [account.pk, *(subsidiary_ids(actor, account) if subsidiaries else [])]
    n = limit + 1
    entries: list[Entry] = []
    if "activity" in flt.sources:
        qs = Activity._base_manager.filter(deleted_at__isnull=True, account_id__in=ids)
        if flt.kinds:
            qs = qs.filter(kind__in=flt.kinds)
        # The page's ids first, on activity_account_idx alone: joined with the owner in the same
        # SELECT, PostgreSQL would read all of a big customer's follow-ups and sort them.
        page_ids = _after(
            qs, at_field="occurred_at", id_field="id", rank=RANK["activity"], cursor=key
        ).values("id")[:n]
        rows = list(
            Activity._base_manager.filter(pk__in=page_ids)
            .select_related("owner")
            .order_by("-occurred_at", "-id")
        )
        entries += _activity_entries(
            actor, rows, on_contact=False, page=page_ids, known_accounts={account.pk: account}
        )
    if "task" in flt.sources:
        qs = Task._base_manager.filter(deleted_at__isnull=True, account_id__in=ids).select_related("assignee")
        entries += _task_entries(
            actor,
            _after(qs, at_field="created_at", id_field="id", rank=RANK["task"], cursor=key)[:n],
            on_contact=False,
        )
    if "attachment" in flt.sources:
        newest = panels.already_read(
            account, "newest_attachments"
        )  # the attachments panel's, on the 360° page
        if newest is not None and key is None and ids == [account.pk] and n <= FILES_READ:
            entries += _attachment_entries(newest[:n])
        else:
            qs = Attachment._base_manager.filter(deleted_at__isnull=True, account_id__in=ids).select_related(
                "owner"
            )
            entries += _attachment_entries(
                _after(qs, at_field="created_at", id_field="id", rank=RANK["attachment"], cursor=key)[:n]
            )
    if "change" in flt.sources:
        history = panels.already_read(account, "history")  # the field history's events, on the 360° page
        if history is not None and key is None and ids == [account.pk] and n <= HISTORY_LIMIT:
            events = history[:n]
        else:
            qs = AuditEvent.objects.filter(
                object_type=Account.POLICY_OBJECT_TYPE, object_id__in=ids
            ).select_related("actor")
            events = list(_after(qs, at_field="at", id_field="id", rank=RANK["change"], cursor=key)[:n])
        entries += _change_entries(actor, events, Account)
    if "stage" in flt.sources:
        # Changes by hand are audit events too (shown above); the automatic ones only live here.
        qs = StageChange.objects.filter(account_id__in=ids, automatic=True).select_related("actor")
        entries += _stage_entries(
            _after(qs, at_field="at", id_field="id", rank=RANK["stage"], cursor=key)[:n]
        )
    return _page(entries, limit, flt, subsidiaries)


def contact_timeline(
    actor, contact: Contact, *, kind: str | None = None, cursor: str | None = None, limit=None
) -> TimelinePage:
    """The contact's timeline (the caller has checked the actor may read the contact)."""
    flt, key, limit = parse_kind(kind), decode_cursor(cursor), _parse_limit(limit)
    n = limit + 1
    entries: list[Entry] = []
    if "activity" in flt.sources:
        qs = ActivityContact.objects.filter(
            contact=contact, activity__deleted_at__isnull=True
        ).select_related("activity__owner")
        if flt.kinds:
            qs = qs.filter(activity__kind__in=flt.kinds)
        links = list(
            _after(qs, at_field="occurred_at", id_field="activity_id", rank=RANK["activity"], cursor=key)[:n]
        )
        page_ids = [link.activity_id for link in links] or [
            0
        ]  # never empty: the names' queries run for any page
        entries += _activity_entries(actor, [link.activity for link in links], on_contact=True, page=page_ids)
    if "task" in flt.sources:
        qs = Task._base_manager.filter(deleted_at__isnull=True, contact=contact).select_related("assignee")
        entries += _task_entries(
            actor,
            _after(qs, at_field="created_at", id_field="id", rank=RANK["task"], cursor=key)[:n],
            on_contact=True,
        )
    if "attachment" in flt.sources:
        newest = panels.already_read(
            contact, "newest_attachments"
        )  # the attachments panel's, on the 360° page
        if newest is not None and key is None and n <= FILES_READ:
            entries += _attachment_entries(newest[:n])
        else:
            qs = Attachment._base_manager.filter(deleted_at__isnull=True, contact=contact).select_related(
                "owner"
            )
            entries += _attachment_entries(
                _after(qs, at_field="created_at", id_field="id", rank=RANK["attachment"], cursor=key)[:n]
            )
    if "change" in flt.sources:
        history = panels.already_read(contact, "history")  # the field history's events, on the 360° page
        if history is not None and key is None and n <= HISTORY_LIMIT:
            events = history[:n]
        else:
            qs = AuditEvent.objects.filter(
                object_type=Contact.POLICY_OBJECT_TYPE, object_id=contact.pk
            ).select_related("actor")
            events = list(_after(qs, at_field="at", id_field="id", rank=RANK["change"], cursor=key)[:n])
        entries += _change_entries(actor, events, Contact)
    return _page(entries, limit, flt, False)
