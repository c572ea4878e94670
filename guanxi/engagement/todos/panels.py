"""The tasks panel of the 360° pages (slot engagement/partials/record_tasks.html)."""

from __future__ import annotations

from guanxi.customers import panels
from guanxi.engagement.models import Task
from guanxi.org.models import Action
from guanxi.policies import access

from . import selectors


def _panel(request, record) -> dict:
    return {"todo_panel": {
        "tasks": selectors.record_tasks(request.user, record),
        "can_create": access.scope_level(request.user, Task.POLICY_OBJECT_TYPE, Action.CREATE) > 0,
        "field": record.POLICY_OBJECT_TYPE,
    }}


@panels.provider("account")
def account_tasks(request, account) -> dict:
    return _panel(request, account)


@panels.provider("contact")
def contact_tasks(request, contact) -> dict:
    return _panel(request, contact)
