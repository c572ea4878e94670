"""Writes of tasks, notifications (the bell) and calendar feeds. The UI, the API and jobs all
come through here.

Decisions:
- **Who may be assigned.** Any active user. Work is handed across departments (a rep asks a
  service agent to call back), so the assignee is not limited to the actor's data scope. The
  assignee may then read and update (complete) the task (Task.POLICY_ASSIGNEE), but sees its
  account and contact only if their own scope allows: the API and the pages show those links
  to readers of the customer only.
- **Due dates** may lie in the past (the task is then shown overdue). A naive date and time
  is read in the actor's time zone; a date alone means the end of that working day (18:00).
- **Reminders.** `remind_at` defaults to 15 minutes before `due_at`; moving `due_at` moves a
  default reminder along and re-arms it; sending `remind_at: null` means no reminder.
- **Notifications of assignment** go to the assignee when someone else assigns them (in the
  app only; reminders are also emailed, see tasks/jobs.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.core import cleaning as c
from guanxi.core.background import enqueue_after_commit
from guanxi.core.errors import NotFound, PermissionDenied, ValidationFailed, VersionConflict
from guanxi.core.services import check_version, full_clean, model_update
from guanxi.core.validators import clean_text
from guanxi.customers.models import Account, Contact
from guanxi.engagement.models import CalendarFeed, Notification, Priority, Task
from guanxi.org.models import Action, User
from guanxi.policies import access

DEFAULT_REMINDER = dt.timedelta(minutes=15)
DATE_ONLY_TIME = dt.time(18, 0)  # "due 2026-12-03": the end of that working day
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2999, 12, 31, tzinfo=dt.UTC)


user_tz = c.user_zone


def parse_when(value, tz, *, date_time: dt.time = DATE_ONLY_TIME) -> dt.datetime | None:
    """An aware datetime (UTC, whole seconds) from ISO 8601 text; a date alone is `date_time`
    that day; between 1970 and 2999. Raises django's ValidationError for the user."""
    parsed = c.moment(
        value, tz, date_time=date_time, message=_("Enter a date and time such as 2026-12-01T15:30.")
    )
    if parsed is None:
        return None
    if not EARLIEST <= parsed <= LATEST:
        raise ValidationError(_("Enter a date between 1970 and 2999."))
    return parsed.replace(microsecond=0)


def _when(tz):
    return lambda value: parse_when(value, tz)


def _bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "1", "yes", "on", "false", "0", "no", "off", ""):
        return value.lower() in ("true", "1", "yes", "on")
    raise ValidationError(_("Enter true or false."))


def _raw(value):
    return value


def _cleaners(tz) -> dict:
    return {
        "title": c.text(200, required=True),
        "description": c.text(5000, multiline=True),
        "due_at": _when(tz),
        "remind_at": _when(tz),
        "assignee": _raw,  # a username or a User, resolved in _resolve_assignee
        "account": _raw,  # an id, resolved through the access layer
        "contact": _raw,
        "lead": _raw,  # a sales lead's id, resolved through the access layer
        "priority": c.choice(Priority.choices),
        "done": _bool,
    }


TASK_FIELDS = [
    "title",
    "description",
    "due_at",
    "remind_at",
    "assignee",
    "account",
    "contact",
    "lead",
    "priority",
]


def _resolve_assignee(value) -> User:
    if isinstance(value, User):
        user = value if value.is_active else None
    elif isinstance(value, str) and value and len(value) <= 150 and "\x00" not in value:
        user = User.objects.filter(username=value, is_active=True).first()
    else:
        user = None
    if user is None:
        raise ValidationFailed(fields={"assignee": [_("Choose an active user (by username).")]})
    return user


def _resolve(actor, model, field: str, value):
    """A linked account or contact the actor may read; invisible and absent answer alike."""
    missing = (
        _("This account does not exist or you cannot see it.")
        if model is Account
        else _("This contact does not exist or you cannot see it.")
        if model is Contact
        else _("This lead does not exist or you cannot see it.")
    )
    return access.resolve(
        actor, model, value, field=field, invalid=_("Enter a whole number."), missing=missing
    )


def _clean(actor, data: dict, *, partial: bool) -> dict:
    errors: dict[str, list[str]] = {}
    try:
        cleaned = c.clean_payload(dict(data), _cleaners(user_tz(actor)), required={"title"}, partial=partial)
    except ValidationFailed as exc:  # go on, so that every bad field is reported at once
        errors.update(exc.fields)
        cleaned = {
            k: v
            for k, v in data.items()
            if k in ("account", "contact", "lead", "assignee") and k not in errors
        }
    from guanxi.sales.models import Lead

    for field, model in (("account", Account), ("contact", Contact), ("lead", Lead)):
        if field in cleaned:
            try:
                cleaned[field] = _resolve(actor, model, field, cleaned[field])
            except ValidationFailed as exc:
                errors.update(exc.fields)
    if "assignee" in cleaned:
        try:
            cleaned["assignee"] = _resolve_assignee(cleaned["assignee"])
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if "priority" in cleaned and not cleaned["priority"]:
        if partial:
            errors["priority"] = [_("This field is required.")]
        else:
            cleaned.pop("priority")
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return cleaned


def task_url(task: Task) -> str:
    return f"/tasks/{task.pk}/"


def _notify_assigned(actor, task: Task) -> None:
    if task.assignee_id != getattr(actor, "pk", None):
        notify(
            task.assignee,
            Notification.Kind.TASK_ASSIGNED,
            task.title,
            body=_("Assigned by %(name)s") % {"name": str(actor)} if actor else "",
            url=task_url(task),
            obj=task,
        )


# --- tasks ------------------------------------------------------------------------------------


@transaction.atomic
def task_create(*, actor, data: dict) -> Task:
    access.require(actor, Action.CREATE, model=Task)
    cleaned = _clean(actor, data, partial=False)
    cleaned.setdefault("assignee", actor)
    done = cleaned.pop("done", False)
    if (
        cleaned.get("contact") is not None
        and cleaned.get("account") is None
        and cleaned["contact"].account_id
    ):
        # a task about a contact also shows on the contact's account, if the actor sees it
        cleaned["account"] = access.scope(actor, Account).filter(pk=cleaned["contact"].account_id).first()
    if "remind_at" not in cleaned and cleaned.get("due_at"):
        cleaned["remind_at"] = cleaned["due_at"] - DEFAULT_REMINDER
    task = Task(**cleaned, owner=actor, created_by=actor)
    if done:
        task.done, task.done_at = True, timezone.now()
    full_clean(task)
    task.save()
    audit.record(
        actor=actor,
        verb="create",
        obj=task,
        changes={k: (None, v) for k, v in cleaned.items() if v not in ("", None)},
    )
    _notify_assigned(actor, task)
    return task


@transaction.atomic
def task_update(*, actor, task: Task, data: dict, version: int | None) -> Task:
    access.require(actor, Action.UPDATE, task)
    data = dict(data)
    for field in ("account", "contact", "lead"):  # an unchanged link stays, even one the actor cannot see
        value = data.get(field)
        if (
            field in data
            and not isinstance(value, (Account, Contact, bool))
            and not hasattr(value, "pk")
            and str(value if value is not None else "") == str(getattr(task, f"{field}_id") or "")
        ):
            del data[field]
    cleaned = _clean(actor, data, partial=True)
    if "due_at" in cleaned and "remind_at" not in cleaned:
        was_default = (
            task.due_at is not None
            and task.remind_at is not None
            and task.due_at - task.remind_at == DEFAULT_REMINDER
        )
        if task.remind_at is None or was_default:
            cleaned["remind_at"] = cleaned["due_at"] - DEFAULT_REMINDER if cleaned["due_at"] else None
    done = cleaned.pop("done", None)
    old_assignee = task.assignee_id
    old_remind = task.remind_at
    changes = model_update(task, fields=TASK_FIELDS, data=cleaned, expected_version=version)
    if done is not None and done != task.done:
        changes.update(_set_done(task, done))
    if "remind_at" in changes and task.remind_at != old_remind and task.reminded_at is not None:
        Task._base_manager.filter(pk=task.pk).update(reminded_at=None)  # a new reminder time re-arms it
        task.reminded_at = None
    if changes:
        audit.record(actor=actor, verb="update", obj=task, changes=changes)
    if task.assignee_id != old_assignee:
        _notify_assigned(actor, task)
    return task


def _set_done(task: Task, done: bool) -> dict:
    """Flip done with a conditional UPDATE on the version the caller saw (after model_update)."""
    now = timezone.now()
    done_at = now if done else None
    updated = Task._base_manager.filter(pk=task.pk, version=task.version).update(
        done=done, done_at=done_at, version=task.version + 1, updated_at=now
    )
    if not updated:
        raise VersionConflict()
    old = task.done
    task.done, task.done_at, task.version, task.updated_at = done, done_at, task.version + 1, now
    return {"done": (old, done)}


@transaction.atomic
def task_complete(*, actor, task: Task, version: int | None = None) -> Task:
    """Mark done (the assignee may, even when someone else owns the task). Done twice: no change."""
    access.require(actor, Action.UPDATE, task)
    check_version(task, version)
    if not task.done:
        audit.record(actor=actor, verb="update", obj=task, changes=_set_done(task, True))
    return task


@transaction.atomic
def task_reopen(*, actor, task: Task, version: int | None = None) -> Task:
    access.require(actor, Action.UPDATE, task)
    check_version(task, version)
    if task.done:
        audit.record(actor=actor, verb="update", obj=task, changes=_set_done(task, False))
    return task


@transaction.atomic
def task_delete(*, actor, task: Task, version: int | None) -> None:
    access.require(actor, Action.DELETE, task)
    check_version(task, version)
    now = timezone.now()
    updated = Task._base_manager.filter(pk=task.pk, version=task.version, deleted_at__isnull=True).update(
        deleted_at=now, deleted_by=actor, version=task.version + 1, updated_at=now
    )
    if not updated:
        raise VersionConflict()
    task.deleted_at, task.deleted_by, task.version = now, actor, task.version + 1
    audit.record(actor=actor, verb="delete", obj=task)


@transaction.atomic
def task_restore(*, actor, task: Task) -> Task:
    access.require(actor, Action.DELETE, task)
    now = timezone.now()
    Task._base_manager.filter(pk=task.pk).update(
        deleted_at=None, deleted_by=None, version=task.version + 1, updated_at=now
    )
    task.deleted_at, task.deleted_by, task.version, task.updated_at = None, None, task.version + 1, now
    audit.record(actor=actor, verb="restore", obj=task)
    return task


# --- notifications ----------------------------------------------------------------------------


def safe_url(url: str) -> str:
    """Only a path inside Guanxi ("/tasks/3/"); anything else (a scheme, "//host", "\\") is dropped."""
    url = (url or "").strip()
    if (
        not url.startswith("/")
        or url.startswith("//")
        or "\\" in url
        or len(url) > 300
        or any(ch.isspace() or ord(ch) < 32 for ch in url)
    ):
        return ""
    return url


def _notification(
    user,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    obj=None,
    object_type: str = "",
    object_id: int | None = None,
) -> Notification:
    if kind not in Notification.Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    if obj is not None:
        object_type, object_id = obj.POLICY_OBJECT_TYPE, obj.pk
    return Notification(
        user_id=getattr(user, "pk", user),
        kind=kind,
        title=clean_text(str(title))[:200] or str(Notification.Kind(kind).label)[:200],
        body=clean_text(str(body or ""), multiline=True)[:1000],
        url=safe_url(url),
        object_type=object_type or "",
        object_id=object_id,
    )


def notify(
    user, kind: str, title: str, body: str = "", url: str = "", obj=None, *, email: bool = False
) -> Notification:
    """One in-app notification (the bell); with `email`, also sent by email after commit."""
    row = _notification(user, kind, title, body, url, obj)
    row.save()
    if email:
        from guanxi.engagement.background import send_notification_email

        enqueue_after_commit(send_notification_email, row.pk)
    return row


def notify_many(
    rows: Iterable[dict[str, Any]], *, email: bool = False, batch_size: int = 1000
) -> list[Notification]:
    """Many notifications in one INSERT per batch (jobs such as dormancy and reminders).

    Each row is a dict with `user` (a User or a user id), `kind`, `title`, and optionally
    `body`, `url`, `obj` (or `object_type` and `object_id`)."""
    built = [
        _notification(
            r["user"],
            r["kind"],
            r["title"],
            r.get("body", ""),
            r.get("url", ""),
            r.get("obj"),
            r.get("object_type", ""),
            r.get("object_id"),
        )
        for r in rows
    ]
    created = Notification.objects.bulk_create(built, batch_size=batch_size)
    if email:
        from guanxi.engagement.background import send_notification_email

        for row in created:  # PostgreSQL and SQLite ≥ 3.35 return the new ids
            enqueue_after_commit(send_notification_email, row.pk)
    return created


def notification_read(*, actor, notification_id) -> Notification:
    """Mark one of the actor's own notifications read; someone else's is 404."""
    try:
        pk = int(notification_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    row = Notification.objects.filter(user=actor, pk=pk).first() if getattr(actor, "pk", None) else None
    if row is None:
        raise NotFound()
    if row.read_at is None:
        row.read_at = timezone.now()
        Notification.objects.filter(pk=row.pk, read_at__isnull=True).update(read_at=row.read_at)
    return row


def notification_read_all(*, actor) -> int:
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())


# --- the iCal feed ----------------------------------------------------------------------------


@transaction.atomic
def calendar_feed_issue(*, actor) -> tuple[CalendarFeed, str]:
    """A new secret feed URL token; an older one stops working (one feed per user)."""
    if not getattr(actor, "is_active", False):
        raise PermissionDenied()
    CalendarFeed.objects.filter(user=actor).delete()
    return CalendarFeed.issue(actor)


def calendar_feed_revoke(*, actor) -> int:
    deleted, _rows = CalendarFeed.objects.filter(user=actor).delete()
    return deleted
