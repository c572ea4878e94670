"""/api/v1/duplicates/check."""

from ninja import Router

router = Router(tags=["duplicates"])
