"""API shapes of attachments. Uploads are multipart forms (see api.py), not JSON schemas."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from guanxi.core.schemas import OwnerOut


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    account: int | None
    contact: int | None
    activity: int | None
    owner: OwnerOut
    created_at: dt.datetime
    deleted_at: dt.datetime | None
    download_url: str


class AttachmentList(Schema):
    items: list[AttachmentOut]
    next_cursor: str | None
