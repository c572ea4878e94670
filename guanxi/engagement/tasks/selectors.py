"""Reads of tasks, notifications, "My day" and the calendar, always through the access layer.

Every read costs a fixed number of queries: lists fetch their rows with select_related and
then, once per page, which linked accounts and contacts the reader may see (a task may be
visible to its assignee while its customer is not: then the link is not shown).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import NotFound, ValidationFailed
from guanxi.core.pagination import Page, paginate, parse_limit
from guanxi.customers.models import Account, Contact
from guanxi.engagement.models import Activity, ActivityKind, Notification, Priority, Task
from guanxi.org.models import Action, User
from guanxi.policies import access

from .services import parse_when, user_tz

TASK_ORDERING = {"created_at": "created_at", "updated_at": "updated_at"}
TASK_DEFAULT_ORDERING = "-created_at"
SECTION_LIMIT = 50
CALENDAR_LIMIT = 500  # per kind of event in one view
UPCOMING_DAYS = 7


# --- tasks ------------------------------------------------------------------------------------


def _user_id(field: str, value: str) -> int:
    user_id = (
        None
        if "\x00" in value or len(value) > 150
        else (User.objects.filter(username=value).values_list("id", flat=True).first())
    )
    if user_id is None:
        raise ValidationFailed(fields={field: [_("No user with this username.")]})
    return user_id


def _id_value(field: str, value) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        pk = 0
    if not 0 < pk < 2**63:
        raise ValidationFailed(fields={field: [_("Enter a whole number.")]})
    return pk


def _bool_value(field: str, value) -> bool:
    text = str(value).lower()
    if text not in ("true", "false", "1", "0", "yes", "no"):
        raise ValidationFailed(fields={field: [_("Enter true or false.")]})
    return text in ("true", "1", "yes")


def _when_value(field: str, value, actor) -> dt.datetime | None:
    from django.core.exceptions import ValidationError

    try:
        return parse_when(value, user_tz(actor), date_time=dt.time.min)  # a date alone: from midnight
    except ValidationError as exc:
        raise ValidationFailed(fields={field: exc.messages}) from None


def _priority(value) -> str:
    if value not in Priority.values:
        raise ValidationFailed(
            fields={
                "priority": [
                    _("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(Priority.values))}
                ]
            }
        )
    return value


TASK_FILTERS = {
    "assignee": lambda qs, v, actor: qs.filter(assignee_id=_user_id("assignee", v)),
    "owner": lambda qs, v, actor: qs.filter(owner_id=_user_id("owner", v)),
    "account": lambda qs, v, actor: qs.filter(account_id=_id_value("account", v)),
    "contact": lambda qs, v, actor: qs.filter(contact_id=_id_value("contact", v)),
    "done": lambda qs, v, actor: qs.filter(done=_bool_value("done", v)),
    "due_before": lambda qs, v, actor: qs.filter(due_at__lt=_when_value("due_before", v, actor)),
    "due_after": lambda qs, v, actor: qs.filter(due_at__gte=_when_value("due_after", v, actor)),
    "priority": lambda qs, v, actor: qs.filter(priority=_priority(v)),
}


def task_queryset(actor, *, filters: dict | None = None, deleted: bool = False) -> QuerySet:
    qs = access.scope(actor, Task, deleted=deleted).select_related("assignee", "owner", "account", "contact")
    for key, value in (filters or {}).items():
        if value in (None, ""):
            continue
        if key not in TASK_FILTERS:
            raise ValidationFailed(fields={key: [_("Unknown filter.")]})
        qs = TASK_FILTERS[key](qs, value, actor)
    return qs


def task_list(
    actor,
    *,
    filters: dict | None = None,
    ordering: str = "",
    cursor: str | None = None,
    limit=None,
    deleted: bool = False,
) -> Page:
    page = paginate(
        task_queryset(actor, filters=filters, deleted=deleted),
        ordering=ordering or TASK_DEFAULT_ORDERING,
        allowed=TASK_ORDERING,
        cursor=cursor,
        limit=parse_limit(limit),
    )
    mark_visible_links(actor, page.items)
    return page


def task_get(actor, pk, *, action: str = Action.READ, deleted: bool = False) -> Task:
    task = access.get(
        actor,
        Task,
        pk,
        action,
        deleted=deleted,
        base=Task._base_manager.select_related("assignee", "owner", "account", "contact"),
    )
    mark_visible_links(actor, [task])
    return task


def mark_visible_links(actor, tasks) -> None:
    """Set `visible_account` / `visible_contact` on each task: the linked record if the actor
    may read it, else None. Two queries for any number of tasks."""
    account_ids = {t.account_id for t in tasks if t.account_id}
    contact_ids = {t.contact_id for t in tasks if t.contact_id}
    accounts = (
        set(access.scope(actor, Account).filter(pk__in=account_ids).values_list("id", flat=True))
        if account_ids
        else set()
    )
    contacts = (
        set(access.scope(actor, Contact).filter(pk__in=contact_ids).values_list("id", flat=True))
        if contact_ids
        else set()
    )
    for t in tasks:
        t.visible_account = t.account if t.account_id in accounts else None
        t.visible_contact = t.contact if t.contact_id in contacts else None


def record_tasks(actor, record, *, limit: int = 20) -> list[Task]:
    """Open tasks of an account or contact (the 360° panel), soonest due first."""
    field = "account" if isinstance(record, Account) else "contact"
    # Every live task of a record the actor may read is readable through it (Task.POLICY_VIA):
    # no need for the access layer's subqueries of tasks then. The other link's visibility is an
    # EXISTS in the same query (what mark_visible_links tells, without its two queries).
    record_visible = access.can(actor, Action.READ, record)
    readable = (
        Task._base_manager.filter(deleted_at__isnull=True) if record_visible else access.scope(actor, Task)
    )
    other, other_model = ("contact", Contact) if field == "account" else ("account", Account)
    visible_other = Exists(access.scope(actor, other_model).filter(pk=OuterRef(f"{other}_id")))
    tasks = list(
        readable.filter(**{field: record}, done=False)
        .annotate(gx_other_visible=visible_other)
        .select_related("assignee", other)
        .order_by("due_at", "id")[:limit]
    )
    for t in tasks:
        setattr(t, field, record)  # the record itself, not read again with each task
        setattr(t, f"visible_{field}", record if record_visible else None)
        setattr(t, f"visible_{other}", getattr(t, other) if t.gx_other_visible else None)
    return tasks


# --- My day -----------------------------------------------------------------------------------


@dataclass
class MyDay:
    today: dt.date
    overdue: list[Task]
    due_today: list[Task]
    upcoming: list[Task]
    contacts_due: list = field(default_factory=list)  # Accounts and Contacts with next_contact_at due
    more: dict = field(default_factory=dict)  # section → True when it was cut at SECTION_LIMIT
    start: dt.datetime | None = None  # the start of `today` in the actor's time zone

    @property
    def counts(self) -> dict[str, int]:
        return {
            "overdue": len(self.overdue),
            "today": len(self.due_today),
            "upcoming": len(self.upcoming),
            "contacts": len(self.contacts_due),
        }


def day_bounds(actor, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = user_tz(actor)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


def local_today(actor) -> dt.date:
    return timezone.now().astimezone(user_tz(actor)).date()


def my_day(actor, today: dt.date | None = None) -> MyDay:
    """Open tasks assigned to the actor: overdue (due before today), due today, upcoming (the
    next 7 days); and the actor's own accounts and contacts whose next contact is due by the
    end of today. Six queries, whatever the data."""
    today = today or local_today(actor)
    start, end = day_bounds(actor, today)
    mine = (
        access.scope(actor, Task)
        .filter(assignee_id=actor.pk, done=False)
        .select_related("account", "contact", "assignee")
    )
    sections = {
        "overdue": mine.filter(due_at__lt=start).order_by("due_at", "id"),
        "today": mine.filter(due_at__gte=start, due_at__lt=end).order_by("due_at", "id"),
        "upcoming": mine.filter(due_at__gte=end, due_at__lt=end + dt.timedelta(days=UPCOMING_DAYS)).order_by(
            "due_at", "id"
        ),
    }
    rows, more = {}, {}
    for key, qs in sections.items():
        found = list(qs[: SECTION_LIMIT + 1])
        more[key] = len(found) > SECTION_LIMIT
        rows[key] = found[:SECTION_LIMIT]
    mark_visible_links(actor, [t for r in rows.values() for t in r])
    accounts = list(
        access.scope(actor, Account)
        .filter(owner_id=actor.pk, next_contact_at__lt=end)
        .order_by("next_contact_at", "id")[:SECTION_LIMIT]
    )
    contacts = list(
        access.scope(actor, Contact)
        .filter(owner_id=actor.pk, next_contact_at__lt=end)
        .order_by("next_contact_at", "id")[:SECTION_LIMIT]
    )
    due = sorted(accounts + contacts, key=lambda r: r.next_contact_at)[:SECTION_LIMIT]
    more["contacts"] = len(accounts) + len(contacts) > SECTION_LIMIT
    return MyDay(
        today=today,
        overdue=rows["overdue"],
        due_today=rows["today"],
        upcoming=rows["upcoming"],
        contacts_due=due,
        more=more,
        start=start,
    )


# --- the calendar -----------------------------------------------------------------------------


@dataclass
class Event:
    kind: str  # "task" | "meeting" | "visit" | "contact"
    uid: str  # stable across feeds: "task-12"
    title: str
    start: dt.datetime
    end: dt.datetime
    url: str
    done: bool = False
    overdue: bool = False
    detail: str = ""

    @property
    def local_day(self) -> dt.date:
        return timezone.localtime(self.start).date()


def calendar_events(actor, start: dt.datetime, end: dt.datetime) -> list[Event]:
    """What the actor's calendar shows in [start, end): tasks assigned to them (at their due
    time), their own meetings and visits (follow-ups may be logged in advance) and the planned
    next contacts of their own accounts and contacts. Four queries, each on an index."""
    events: list[Event] = []
    tasks = (
        access.scope(actor, Task)
        .filter(assignee_id=actor.pk, done__in=[False, True], due_at__gte=start, due_at__lt=end)
        .order_by("due_at", "id")
        .only(
            "id", "title", "due_at", "done", "assignee_id", "owner_id", "account_id", "contact_id", "priority"
        )[:CALENDAR_LIMIT]
    )
    now = timezone.now()
    for t in tasks:
        events.append(
            Event(
                "task",
                f"task-{t.pk}",
                t.title,
                t.due_at,
                t.due_at + dt.timedelta(minutes=15),
                f"/tasks/{t.pk}/",
                done=t.done,
                overdue=not t.done and t.due_at < now,
                detail=t.get_priority_display(),
            )
        )
    meetings = (
        access.scope(actor, Activity)
        .filter(
            owner_id=actor.pk,
            kind__in=[ActivityKind.MEETING, ActivityKind.VISIT],
            occurred_at__gte=start,
            occurred_at__lt=end,
        )
        .order_by("-occurred_at", "-id")
        .only("id", "kind", "subject", "occurred_at", "duration_minutes", "account_id", "owner_id")
        # whether the actor may still read the account (it may have gone to a colleague since)
        .annotate(account_visible=Exists(access.scope(actor, Account).filter(pk=OuterRef("account_id"))))[
            :CALENDAR_LIMIT
        ]
    )
    zone = user_tz(actor)  # the iCal feed has no request, so no active time zone of the user's
    for a in meetings:
        events.append(
            Event(
                a.kind,
                f"activity-{a.pk}",
                a.title(zone),
                a.occurred_at,
                a.occurred_at + dt.timedelta(minutes=a.duration_minutes or 60),
                f"/customers/accounts/{a.account_id}/"
                if a.account_visible
                else f"/engagement/follow-ups/{a.pk}/",
                detail=a.get_kind_display(),
            )
        )
    for model, path in ((Account, "/customers/accounts/"), (Contact, "/customers/contacts/")):
        rows = (
            access.scope(actor, model)
            .filter(owner_id=actor.pk, next_contact_at__gte=start, next_contact_at__lt=end)
            .order_by("next_contact_at", "id")[:CALENDAR_LIMIT]
        )
        for r in rows:
            events.append(
                Event(
                    "contact",
                    f"{model.POLICY_OBJECT_TYPE}-{r.pk}-next",
                    str(r),
                    r.next_contact_at,
                    r.next_contact_at + dt.timedelta(minutes=30),
                    f"{path}{r.pk}/",
                    overdue=r.next_contact_at < now,
                    detail=_("Planned contact"),
                )
            )
    events.sort(key=lambda e: (e.start, e.uid))
    return events


# --- notifications ----------------------------------------------------------------------------

NOTIFICATION_ORDERING = {"created_at": "created_at"}


def notification_list(actor, *, unread: bool | None = None, cursor: str | None = None, limit=None) -> Page:
    qs = Notification.objects.filter(user_id=actor.pk)
    if unread is True:
        qs = qs.filter(read_at__isnull=True)
    elif unread is False:
        qs = qs.filter(read_at__isnull=False)
    return paginate(
        qs, ordering="-created_at", allowed=NOTIFICATION_ORDERING, cursor=cursor, limit=parse_limit(limit)
    )


def unread_count(actor) -> int:
    return Notification.objects.filter(user_id=actor.pk, read_at__isnull=True).count()


def notification_get(actor, pk) -> Notification:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    row = Notification.objects.filter(user_id=actor.pk, pk=pk).first()
    if row is None:
        raise NotFound()
    return row
