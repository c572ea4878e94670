"""The attachments panel of the 360° pages (slot engagement/partials/record_attachments.html),
and the same panel for a follow-up (views.attachment_panel). Two queries: the newest
attachments with their uploaders, and the permission lookups (cached per request)."""

from __future__ import annotations

from guanxi.core import panels
from guanxi.engagement.models import Attachment

from . import selectors
from .sniff import ALLOWED, kind_of, max_bytes

PANEL_SIZE = 6  # newest files shown on a 360° page; the timeline's "files" filter lists them all
READ_SIZE = 21  # rows read: one more than the timeline's first page, which shows the same rows
ACCEPT = ",".join(
    sorted({f".{e}" for k in ALLOWED.values() for e in k.extensions})
)  # a hint to the file picker


def newest_attachments(parent, field: str) -> list[Attachment]:
    """The parent's newest READ_SIZE live attachments with their uploaders (parent read
    through the access layer by the caller); the timeline's first page shows the same rows."""
    return panels.shared(
        parent,
        "newest_attachments",
        list(
            Attachment.objects.select_related("owner")
            .filter(**{field: parent}, deleted_at__isnull=True)
            .order_by("-created_at", "-id")[:READ_SIZE]
        ),
    )


def panel_context(request, parent, field: str, **extra) -> dict:
    """The panel of `parent` (already read through the access layer)."""
    actor = request.user
    rows = newest_attachments(parent, field)
    can_upload = selectors.may_upload(actor, parent)
    items = []
    for a in rows[:PANEL_SIZE]:
        kind = kind_of(a.content_type)
        items.append(
            {
                "attachment": a,
                "icon": kind.icon if kind else "bi-file-earmark",
                "can_delete": can_upload or a.owner_id == actor.pk,
            }
        )
    return {
        "field": field,
        "parent": parent,
        "items": items,
        "more": len(rows) > PANEL_SIZE,
        "can_upload": can_upload,
        "max_bytes": max_bytes(),
        "accept": ACCEPT,
        "dom_id": f"gx-files-{field}-{parent.pk}",
        **extra,
    }


def record_attachments_panel(request, record) -> dict:
    field = record.POLICY_OBJECT_TYPE  # the attachment's link to it: account or contact
    return {"record_attachments": panel_context(request, record, field)}
