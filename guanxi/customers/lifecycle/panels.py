"""The lifecycle panel of the account 360° page (declared in customers/registry.py): stage, level, history."""

from __future__ import annotations

from typing import Any

from guanxi.org.models import Action
from guanxi.policies import access

from ..models import Lifecycle, RelationshipLevel, StageChange
from . import services

HISTORY_SHOWN = 10
LABELS: dict[str, dict[str, Any]] = {
    StageChange.Field.LIFECYCLE: dict(Lifecycle.choices),
    StageChange.Field.LEVEL: dict(RelationshipLevel.choices),
}


def lifecycle_panel(request, account) -> dict:
    """One query: the latest stage changes (with their actors)."""
    changes = services.history(account, limit=HISTORY_SHOWN)
    rows = [
        {
            "change": c,
            "field": StageChange.Field(c.field).label,
            "old": LABELS[c.field].get(c.old, c.old),
            "new": LABELS[c.field].get(c.new, c.new),
            "reason": services.reason_text(c),
        }
        for c in changes
    ]
    return {
        "lifecycle_panel": {
            "history": rows,
            "can_change": access.can(request.user, Action.UPDATE, account),
            "stages": Lifecycle.choices,
            "levels": RelationshipLevel.choices,
        }
    }
