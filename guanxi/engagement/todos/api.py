"""/api/v1/tasks (and notifications)."""

from ninja import Router

router = Router(tags=["tasks"])
