"""Field history of a record. Callers have already checked that the actor may read it."""

from __future__ import annotations

import copy

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from guanxi.core import registry
from guanxi.policies import access

from .models import AuditEvent

HISTORY_LIMIT = 50  # events on a detail page


def readable_choice(field, value):
    """A recorded value of a choice field as people read it (农业, not agriculture); any other
    value, or a field without choices (a reverse relation, a removed field), unchanged."""
    if getattr(field, "choices", None) and isinstance(value, str):
        return str(dict(field.flatchoices).get(value, value))
    return value


def history_for(obj, *, limit: int = HISTORY_LIMIT):
    return list(
        AuditEvent.objects.filter(object_type=obj.POLICY_OBJECT_TYPE, object_id=obj.pk)
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )


def logins_for(user, *, limit: int = 20):
    from .models import LoginEvent

    return list(LoginEvent.objects.filter(user=user).order_by("-at")[:limit])


def _related(model, key: str):
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


def _ids(value, out: set) -> None:
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


def _shown(value, labels: dict[int, str], hidden: str):
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return labels.get(value, hidden)
    if isinstance(value, dict) and "id" in value:
        return value if value["id"] in labels else {"id": None, "label": hidden}
    if isinstance(value, list):
        return [_shown(item, labels, hidden) for item in value]
    return value


def visible_history(actor, model, events) -> list:
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
