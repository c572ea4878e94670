"""/api/v1/attachments: parse, call one service or selector, render.

Attachments have no `version`: a file never changes after upload (a new file is a new
attachment), so DELETE needs no If-Match. Uploads accept Idempotency-Key; the key's body is the
form fields and the file's content (uploads.fingerprint).
"""

from __future__ import annotations

from django.urls import reverse
from ninja import File, Form, Router, UploadedFile
from ninja.decorators import decorate_view
from ninja.responses import Status

from guanxi.core.api import IDEMPOTENCY_KEY, idempotent
from guanxi.core.schemas import ErrorOut
from guanxi.records.api import record_routes

from . import selectors, services, uploads
from .schemas import AttachmentList, AttachmentOut

router = Router(tags=["attachments"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 413: ErrorOut, 422: ErrorOut}


def attachment_out(a) -> dict:
    return {
        "id": a.pk,
        "name": a.name,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "account": a.account_id,
        "contact": a.contact_id,
        "activity": a.activity_id,
        "owner": {"id": a.owner_id, "username": a.owner.username},
        "created_at": a.created_at,
        "deleted_at": a.deleted_at,
        "download_url": reverse("api-v1:attachment_download", kwargs={"attachment_id": a.pk}),
    }


@router.post(
    "",
    response={201: AttachmentOut, 200: AttachmentOut, **ERRORS},
    operation_id="attachment_upload",
    openapi_extra=IDEMPOTENCY_KEY,
)
@decorate_view(uploads.api_upload_limits)
@idempotent(fingerprint=uploads.fingerprint)
def attachment_upload(
    request,
    file: File[UploadedFile | None] = None,
    account: Form[str | None] = None,
    contact: Form[str | None] = None,
    activity: Form[str | None] = None,
):
    """Upload one file (multipart/form-data: `file`, and exactly one of `account`, `contact`,
    `activity`). The type is read from the content; 413 over ATTACHMENT_MAX_MB. The same content
    already on the same record answers that attachment with 200 instead of a copy."""
    uploads.check_form(request)
    attachment, created = services.attachment_upload(
        actor=request.auth, file=request.FILES["file"], account=account, contact=contact, activity=activity
    )
    return Status(201 if created else 200, attachment_out(attachment))


@router.get("", response={200: AttachmentList, **ERRORS}, operation_id="attachment_list")
def attachment_list(
    request,
    account: str | None = None,
    contact: str | None = None,
    activity: str | None = None,
    cursor: str | None = None,
    limit: str | None = None,
    deleted: bool = False,
):
    """The attachments of one record (`?account=`, `?contact=` or `?activity=`), newest first;
    `deleted=true`: its recycle bin (what the caller may restore)."""
    field, value = selectors.parent_ref(account=account, contact=contact, activity=activity)
    _parent, page = selectors.attachment_list(
        request.auth, field=field, value=value, cursor=cursor, limit=limit, deleted=deleted
    )
    return {"items": [attachment_out(a) for a in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/{int:attachment_id}/download",
    response={200: None, **ERRORS},
    operation_id="attachment_download",
    url_name="attachment_download",
)
def attachment_download(request, attachment_id: int):
    """The file itself, as an attachment (never rendered inline), with its sniffed type."""
    return uploads.download_response(selectors.attachment_get(request.auth, attachment_id))


def attachments_out(_actor, attachments) -> list[dict]:
    return [attachment_out(a) for a in attachments]


def _delete(*, actor, attachment) -> None:
    """To the recycle bin: the uploader, or whoever may update the record it is on."""
    services.attachment_delete(actor=actor, attachment=attachment)


# the standard record endpoints (records/api.py): a file never changes, so no version, no If-Match;
# its bin is listed per record (GET ?account=…&deleted=true) and on the /recycle-bin/ page
record_routes(
    router,
    kind="attachment",
    out=AttachmentOut,
    read=selectors.attachment_get,
    render=attachments_out,
    delete=_delete,
    restore=services.attachment_restore,
    versioned=False,
)
