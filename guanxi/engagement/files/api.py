"""/api/v1/attachments."""

from ninja import Router

router = Router(tags=["attachments"])
