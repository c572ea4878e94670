"""Writes of attachments: upload, delete (to the recycle bin), restore, purge.

The stored file gets a random name (engagement.models.attachment_path); the original name is
kept, cleaned, in the row. Audit events go on the parent record ("update" with
{"attachments": [old, new]}), so the account's or contact's field history shows them.
"""

from __future__ import annotations

import logging

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from guanxi.audit import services as audit
from guanxi.audit.models import AuditEvent
from guanxi.core.errors import PermissionDenied
from guanxi.engagement.models import Attachment

from . import selectors
from .sniff import clean_name, sniff

log = logging.getLogger(__name__)


def attachment_upload(*, actor, file, account=None, contact=None, activity=None) -> tuple[Attachment, bool]:
    """Attach `file` (a Django File / UploadedFile) to exactly one account, contact or follow-up
    (instances or ids). Returns (attachment, created): the same content already on the same
    record answers the existing attachment (created=False) instead of a second copy.

    Order: the parent (400 when not exactly one, 404 when invisible), permission (403), then the
    content (400 empty or not allowed, 413 too large); nothing is stored before all pass."""
    field, value = selectors.parent_ref(account=account, contact=contact, activity=activity)
    parent = selectors.parent_get(actor, field, value)
    if not selectors.may_upload(actor, parent):
        raise PermissionDenied()
    found = sniff(file, name=getattr(file, "name", "") or "")
    existing = (
        Attachment.objects.select_related("owner")
        .filter(**{field: parent}, sha256=found.sha256, size=found.size, deleted_at__isnull=True)
        .first()
    )
    if existing is not None:
        setattr(existing, field, parent)
        return existing, False
    name = clean_name(getattr(file, "name", "") or "", found.kind)
    attachment = Attachment(
        name=name,
        content_type=found.mime,
        size=found.size,
        sha256=found.sha256,
        owner=actor,
        **{field: parent},
    )
    path = Attachment._meta.get_field("file").generate_filename(attachment, name)
    file.seek(0)
    stored = default_storage.save(path, file if isinstance(file, File) else File(file))
    try:
        with transaction.atomic():
            attachment.file.name = stored
            attachment.save(force_insert=True)
            audit.record(actor=actor, verb="update", obj=parent, changes={"attachments": (None, name)})
    except BaseException:
        _delete_stored([stored])
        raise
    return attachment, True


def _require_delete(actor, attachment: Attachment):
    parent = attachment.parent
    if not selectors.may_delete(actor, attachment, parent):
        raise PermissionDenied()
    return parent


@transaction.atomic
def attachment_delete(*, actor, attachment: Attachment) -> None:
    """To the recycle bin (the file stays until the purge job)."""
    parent = _require_delete(actor, attachment)
    now = timezone.now()
    updated = Attachment.objects.filter(pk=attachment.pk, deleted_at__isnull=True).update(
        deleted_at=now, deleted_by=actor, updated_at=now
    )
    if updated:
        attachment.deleted_at, attachment.deleted_by = now, actor
        audit.record(actor=actor, verb="update", obj=parent, changes={"attachments": (attachment.name, None)})


@transaction.atomic
def attachment_restore(*, actor, attachment: Attachment) -> Attachment:
    parent = _require_delete(actor, attachment)
    now = timezone.now()
    updated = Attachment.objects.filter(pk=attachment.pk, deleted_at__isnull=False).update(
        deleted_at=None, deleted_by=None, updated_at=now
    )
    if updated:
        attachment.deleted_at, attachment.deleted_by = None, None
        audit.record(actor=actor, verb="update", obj=parent, changes={"attachments": (None, attachment.name)})
    return attachment


def _delete_stored(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # a file that cannot be deleted now is logged, never a failed purge
            log.exception("could not delete the stored attachment %s", name)


def attachment_purge(*, actor, older_than, batch: int = 500) -> int:
    """Delete for good the attachments in the recycle bin since before `older_than`, and those
    on records in the recycle bin since before then (before the records' own purge cascades
    over the rows and leaves the files behind), with their stored files. Set-based, in batches;
    files are deleted once the batch's rows are gone for good (after commit)."""
    from django.db.models import Q

    due = (
        Q(deleted_at__lt=older_than)
        | Q(account__deleted_at__lt=older_than)
        | Q(contact__deleted_at__lt=older_than)
        | Q(activity__deleted_at__lt=older_than)
    )
    count = 0
    while True:
        with transaction.atomic():
            rows = list(Attachment.objects.filter(due).values_list("id", "file")[:batch])
            if not rows:
                break
            ids, names = [r[0] for r in rows], [r[1] for r in rows if r[1]]
            AuditEvent.objects.bulk_create(
                [
                    AuditEvent(
                        actor=None,
                        actor_label=getattr(actor, "username", None) or "system",
                        verb="purge",
                        object_type=Attachment.POLICY_OBJECT_TYPE,
                        object_id=i,
                    )
                    for i in ids
                ]
            )
            Attachment.objects.filter(id__in=ids).delete()
            transaction.on_commit(lambda names=names: _delete_stored(names))
        count += len(ids)
    return count
