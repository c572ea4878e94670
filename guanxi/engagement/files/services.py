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

from guanxi.audit import services as audit
from guanxi.core.errors import PermissionDenied
from guanxi.engagement.models import Attachment
from guanxi.records import lifecycle as record_lifecycle

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
    """To the recycle bin (records.lifecycle; the file stays until the purge job). The parent's
    history shows it too ("update" of its attachments)."""
    parent = attachment.parent
    record_lifecycle.delete(actor=actor, obj=attachment, version=None)  # authorize() below checks
    audit.record(actor=actor, verb="update", obj=parent, changes={"attachments": (attachment.name, None)})


@transaction.atomic
def attachment_restore(*, actor, attachment: Attachment) -> Attachment:
    parent = attachment.parent
    if attachment.deleted_at is None:
        _require_delete(actor, attachment)
        return attachment
    record_lifecycle.restore(actor=actor, obj=attachment)
    audit.record(actor=actor, verb="update", obj=parent, changes={"attachments": (None, attachment.name)})
    return attachment


def _delete_stored(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # a file that cannot be deleted now is logged, never a failed purge
            log.exception("could not delete the stored attachment %s", name)


def purge_files(ids: list[int]) -> None:
    """The recycle bin's purge (records/purge.py) is about to delete these attachments: their stored
    files go once the rows are gone for good (after commit), never for a rollback."""
    names = [n for n in Attachment._base_manager.filter(pk__in=ids).values_list("file", flat=True) if n]
    if names:
        transaction.on_commit(lambda: _delete_stored(names))


def authorize(actor, action: str, attachment: Attachment) -> None:
    """The lifecycle's rule for attachments (core.registry Kind.authorize): the uploader, or whoever
    may upload to the parent, deletes and restores; attachments are never transferred."""
    if action == "transfer":
        raise PermissionDenied()
    _require_delete(actor, attachment)
