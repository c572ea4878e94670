"""Field histories that name only the records the reader may read.

A change of a relation records the related record's id and label; shown as it was recorded, it
would name a contact or a deal the reader cannot see. Here, not in audit, because it reads
through the access layer, which is above audit."""

from __future__ import annotations

import copy
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from guanxi.core import registry
from guanxi.core.types import Actor
from guanxi.policies import access


def _related(model: Any, key: str) -> Any:
    """The kind of record (guarded by the access layer) that a change of `key` names, if any:
    a relation field's, or for a key that is not a field the model's AUDIT_REFS {key: "app.Model"}."""
    refs = getattr(model, "AUDIT_REFS", {})
    if key in refs:
        return apps.get_model(refs[key])
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    related = field.related_model if field.is_relation and not field.auto_created else None
    kind = registry.find(getattr(related, "POLICY_OBJECT_TYPE", ""))
    return related if kind is not None and kind.grants else None


def _ids(value: Any, out: set[Any]) -> None:
    """Ids a recorded change of a relation holds: {"id", "label"}, an id, lists of either (a
    deal's contacts are [[id, role], …])."""
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        out.add(value)
    elif isinstance(value, dict) and isinstance(value.get("id"), int):
        out.add(value["id"])
    elif isinstance(value, list):
        for item in value:
            _ids(item, out)


def _shown(value: Any, labels: dict[int, str], hidden: str) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return labels.get(value, hidden)
    if isinstance(value, dict) and "id" in value:
        return value if value["id"] in labels else {"id": None, "label": hidden}
    if isinstance(value, list):
        return [_shown(item, labels, hidden) for item in value]
    return value


def visible_history(actor: Actor, model: Any, events: Any) -> list[Any]:
    """Copies of `events` (of records of `model`) whose changes name only records the actor may
    read: a related record ({"id", "label"} or an id, alone or in lists) that the actor may not
    read shows as "(a record you cannot see)", one the actor may read by its name. One query
    per kind of related record named, whatever the number of events."""
    wanted: dict[type, set[int]] = {}
    for event in events:
        for key, pair in (event.changes or {}).items():
            related = _related(model, key)
            if related is not None:
                _ids(pair, wanted.setdefault(related, set()))
    labels = {
        related: {obj.pk: str(obj) for obj in access.scope(actor, related).filter(pk__in=ids)}
        for related, ids in wanted.items()
        if ids
    }
    hidden = _("(a record you cannot see)")
    out = []
    for event in events:
        event = copy.copy(event)
        event.changes = {
            key: pair
            if _related(model, key) is None
            else _shown(pair, labels.get(_related(model, key), {}), hidden)
            for key, pair in (event.changes or {}).items()
        }
        out.append(event)
    return out
