"""The tasks panel of the 360° pages (slot engagement/partials/record_tasks.html)."""

from __future__ import annotations

from guanxi.engagement.models import Task
from guanxi.org.models import Action
from guanxi.policies import access

from . import selectors

PANEL_SIZE = 6  # open tasks on a 360° page, soonest due first; "All tasks" lists the rest


def _panel(request, record) -> dict:
    tasks = selectors.record_tasks(request.user, record, limit=PANEL_SIZE + 1)
    return {
        "todo_panel": {
            "tasks": tasks[:PANEL_SIZE],
            "more": len(tasks) > PANEL_SIZE,
            "can_create": access.scope_level(request.user, Task.POLICY_OBJECT_TYPE, Action.CREATE) > 0,
            "field": record.POLICY_OBJECT_TYPE,
        }
    }


def record_tasks_panel(request, record) -> dict:
    return _panel(request, record)
