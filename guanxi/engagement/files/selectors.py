"""Reads of attachments. An attachment is visible to whoever may read the record it is on (the
account, the contact or the follow-up): every read starts from access.scope/access.get on the
parent, so an attachment on an invisible record is a 404 like the record itself."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import NotFound, ValidationFailed
from guanxi.core.pagination import Page, paginate, parse_limit
from guanxi.customers.models import Account, Contact
from guanxi.engagement.models import Activity, Attachment
from guanxi.org.models import Action
from guanxi.policies import access

PARENTS: dict[str, type] = {"account": Account, "contact": Contact, "activity": Activity}
ORDERING = {"created_at": "created_at"}
DEFAULT_ORDERING = "-created_at"


def parent_field(attachment: Attachment) -> str:
    return next(f for f in PARENTS if getattr(attachment, f"{f}_id") is not None)


def parent_ref(*, account=None, contact=None, activity=None) -> tuple[str, object]:
    """(field, value) of the one parent given; a 400 naming the fields when none or several are."""
    given = {
        k: v
        for k, v in (("account", account), ("contact", contact), ("activity", activity))
        if v not in (None, "")
    }
    if len(given) != 1:
        message = _("Give exactly one of account, contact or activity.")
        raise ValidationFailed(message, fields={f: [message] for f in (given or PARENTS)})
    return next(iter(given.items()))


def _parent_pk(field: str, value) -> int:
    if isinstance(value, PARENTS[field]):
        return value.pk  # type: ignore[attr-defined]  # a model instance
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, str))
        or (isinstance(value, str) and not (value.isascii() and value.isdigit()))
    ):
        raise ValidationFailed(fields={field: [_("Enter the id of a record (a whole number).")]})
    pk = int(value)
    if not 0 < pk < 2**63:
        raise ValidationFailed(fields={field: [_("Enter the id of a record (a whole number).")]})
    return pk


def parent_get(actor, field: str, value):
    """The visible parent record (404 when absent or invisible), from an instance or an id."""
    return access.get(actor, PARENTS[field], _parent_pk(field, value))


def may_upload(actor, parent) -> bool:
    """Accounts and contacts: update rights on them. Follow-ups: their owner, or update rights."""
    if isinstance(parent, Activity) and parent.owner_id == getattr(actor, "pk", None):
        return bool(actor.is_active)
    return access.can(actor, Action.UPDATE, parent)


def may_delete(actor, attachment: Attachment, parent) -> bool:
    """The uploader, or whoever may upload to the parent."""
    return (attachment.owner_id == getattr(actor, "pk", None) and actor.is_active) or may_upload(
        actor, parent
    )


def _parent_of(actor, attachment: Attachment):
    field = parent_field(attachment)
    parent = access.scope(actor, PARENTS[field]).filter(pk=getattr(attachment, f"{field}_id")).first()
    if parent is None:
        raise NotFound()
    setattr(attachment, field, parent)
    return parent


def attachment_get(actor, pk, *, deleted: bool = False) -> Attachment:
    """A live attachment on a record the actor may read; with deleted=True one in the recycle
    bin that the actor may restore (uploader or upload rights on the parent). Else NotFound."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    attachment = (
        (Attachment.objects.select_related("owner").filter(pk=pk, deleted_at__isnull=not deleted).first())
        if 0 < pk < 2**63
        else None
    )
    if attachment is None:
        raise NotFound()
    parent = _parent_of(actor, attachment)
    if deleted and not may_delete(actor, attachment, parent):
        raise NotFound()
    return attachment


def attachment_list(
    actor, *, field: str, value, cursor: str | None = None, limit=None, deleted: bool = False
) -> tuple[object, Page]:
    """(parent, page of its attachments), newest first. The recycle bin (deleted=True) lists
    only what the actor may restore."""
    parent = parent_get(actor, field, value)
    qs = Attachment.objects.select_related("owner").filter(**{field: parent}, deleted_at__isnull=not deleted)
    if deleted and not may_upload(actor, parent):
        qs = qs.filter(owner=actor)
    page = paginate(qs, ordering=DEFAULT_ORDERING, allowed=ORDERING, cursor=cursor, limit=parse_limit(limit))
    for item in page.items:
        setattr(item, field, parent)
    return parent, page


def live_attachments() -> QuerySet:
    return (
        Attachment.objects.filter(deleted_at__isnull=True)
        .select_related("owner")
        .order_by("-created_at", "-id")
    )


def prefetch_activity_attachments() -> Prefetch:
    """For lists of follow-ups the actor may already read (the timeline):
    `activities.prefetch_related(prefetch_activity_attachments())` sets `activity.live_attachments`
    in one query, which engagement/files/activity_attachments.html shows."""
    return Prefetch("attachments", queryset=live_attachments(), to_attr="live_attachments")


def binned(actor):
    """Attachments in the recycle bin that the actor may restore: on a record the actor may read,
    uploaded by the actor or on a record the actor may upload to (as attachment_get(deleted=True))."""
    readable, may_restore = Q(), Q(owner_id=getattr(actor, "pk", None))
    for field, model in PARENTS.items():
        readable |= Q(**{f"{field}__in": access.scope(actor, model).values("pk")})
        may_restore |= Q(**{f"{field}__in": access.scope(actor, model, Action.UPDATE).values("pk")})
    return Attachment._base_manager.filter(deleted_at__isnull=False).filter(readable & may_restore)
