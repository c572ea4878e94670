"""/api/v1/custom-fields (administrators)."""

from ninja import Router

router = Router(tags=["custom fields"])
