"""Field history of a record. Callers have already checked that the actor may read it.

What a history may show of the records its changes name depends on the reader's access:
records.history.visible_history, above the access layer."""

from __future__ import annotations

from typing import Any

from .models import AuditEvent, LoginEvent

HISTORY_LIMIT = 50  # events on a detail page


def readable_choice(field: Any, value: Any) -> Any:
    """A recorded value of a choice field as people read it (农业, not agriculture); any other
    value, or a field without choices (a reverse relation, a removed field), unchanged."""
    if getattr(field, "choices", None) and isinstance(value, str):
        return str(dict(field.flatchoices).get(value, value))
    return value


def history_for(obj: Any, *, limit: int = HISTORY_LIMIT) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type=obj.POLICY_OBJECT_TYPE, object_id=obj.pk)
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )


def logins_for(user: Any, *, limit: int = 20) -> list[LoginEvent]:
    return list(LoginEvent.objects.filter(user=user).order_by("-at")[:limit])
