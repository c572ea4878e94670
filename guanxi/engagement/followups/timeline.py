"""The engagement's sources of the records' timelines (records/timeline.py builds the pages):
follow-ups, tasks and files of accounts and contacts, declared in engagement/registry.py
(core.registry.TimelineSource). `account_timeline` and `contact_timeline` are the customers' pages.

What entries name of other records (a follow-up's contacts, a task's contact, a contact's account)
is shown only if the viewer may read those records too.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core import panels
from guanxi.customers.models import Account, Contact
from guanxi.policies import access
from guanxi.records import timeline as records_timeline
from guanxi.records.timeline import Entry, Query, TimelinePage
from guanxi.records.timeline import url as _url
from guanxi.records.timeline import user_label as _user_label

from ..files.panels import READ_SIZE as FILES_READ
from ..models import Activity, ActivityContact, ActivityKind, Attachment, Task
from .selectors import links_for

__all__ = ["TimelinePage", "account_timeline", "contact_timeline", "chips"]

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
}
# The follow-up kinds with a filter chip of their own (the others: "Follow-ups").
FOLLOWUP_CHIPS = (
    ("call", gettext_lazy("Calls")),
    ("visit", gettext_lazy("Visits")),
    ("meeting", gettext_lazy("Meetings")),
    ("email", gettext_lazy("Emails")),
    ("message", gettext_lazy("Messages")),
)
FOLLOWUP_KINDS = tuple(ActivityKind.values)
MAX_SUBSIDIARIES = 500


def __getattr__(name: str):
    if name == "RANK":  # the sources' ranks, as declared (records.timeline.ranks)
        return records_timeline.ranks()
    raise AttributeError(name)


def chips(kind: str):
    return records_timeline.chips(kind)


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


def _size(n: float) -> str:
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


def followups_source(q: Query) -> list[Entry]:
    return _contact_followups(q) if q.kind == "contact" else _account_followups(q)


def _contact_followups(q: Query) -> list[Entry]:
    qs = ActivityContact.objects.filter(contact=q.record, activity__deleted_at__isnull=True).select_related(
        "activity__owner"
    )
    if q.subkinds:
        qs = qs.filter(activity__kind__in=q.subkinds)
    links = list(q.after(qs, at_field="occurred_at", id_field="activity_id", source="activity")[: q.n])
    page_ids = [link.activity_id for link in links] or [0]  # never empty: the names' queries run for any page
    return _activity_entries(q.actor, [link.activity for link in links], on_contact=True, page=page_ids)


def _account_followups(q: Query) -> list[Entry]:
    qs = Activity._base_manager.filter(deleted_at__isnull=True, account_id__in=q.ids)
    if q.subkinds:
        qs = qs.filter(kind__in=q.subkinds)
    # The page's ids first, on activity_account_idx alone: joined with the owner in the same
    # SELECT, PostgreSQL would read all of a big customer's follow-ups and sort them.
    page_ids = q.after(qs, at_field="occurred_at", id_field="id", source="activity").values("id")[: q.n]
    rows = list(
        Activity._base_manager.filter(pk__in=page_ids).select_related("owner").order_by("-occurred_at", "-id")
    )
    return _activity_entries(
        q.actor, rows, on_contact=False, page=page_ids, known_accounts={q.record.pk: q.record}
    )


def tasks_source(q: Query) -> list[Entry]:
    link = {"account_id__in": q.ids} if q.kind == "account" else {"contact": q.record}
    qs = Task._base_manager.filter(deleted_at__isnull=True, **link).select_related("assignee")
    return _task_entries(
        q.actor,
        q.after(qs, at_field="created_at", id_field="id", source="task")[: q.n],
        on_contact=q.kind == "contact",
    )


def files_source(q: Query) -> list[Entry]:
    newest = panels.already_read(q.record, "newest_attachments")  # the attachments panel's, on the page
    if newest is not None and q.first_page_of_record and q.n <= FILES_READ:
        return _attachment_entries(newest[: q.n])
    link = {"account_id__in": q.ids} if q.kind == "account" else {"contact": q.record}
    qs = Attachment._base_manager.filter(deleted_at__isnull=True, **link).select_related("owner")
    return _attachment_entries(q.after(qs, at_field="created_at", id_field="id", source="attachment")[: q.n])


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
    """The account's timeline (the caller has checked the actor may read the account);
    `subsidiaries` rolls up the visible subsidiaries' entries."""
    ids = [account.pk, *(subsidiary_ids(actor, account) if subsidiaries else [])]
    return records_timeline.timeline(
        actor, account, kind=kind, cursor=cursor, limit=limit, ids=ids, subsidiaries=subsidiaries
    )


def contact_timeline(
    actor, contact: Contact, *, kind: str | None = None, cursor: str | None = None, limit=None
) -> TimelinePage:
    """The contact's timeline (the caller has checked the actor may read the contact)."""
    return records_timeline.timeline(actor, contact, kind=kind, cursor=cursor, limit=limit)
