"""Reading definitions. Reading them needs no right: every user fills in the forms they shape."""

from __future__ import annotations

import time
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from guanxi.core import registry
from guanxi.core.errors import NotFound, ValidationFailed

from .models import CustomFieldDef


def object_types() -> list[str]:
    """The kinds of record that take custom fields: those declared with `custom_fields=True`."""
    return [k.name for k in registry.kinds(custom_fields=True)]


def object_choices() -> list[tuple[str, Any]]:
    """[(name, label)] of the kinds that take custom fields, for the screens' tabs and selects."""
    return [(k.name, k.label) for k in registry.kinds(custom_fields=True)]


def model_of(object_type: str) -> type[Model]:
    return registry.get(object_type).model_class


def check_object(object_type: str, field: str = "object") -> type[Model]:
    names = object_types()
    if not isinstance(object_type, str) or object_type not in names:
        raise ValidationFailed(
            fields={field: [_("Choose one of: %(choices)s.") % {"choices": ", ".join(names)}]}
        )
    return model_of(object_type)


def definitions(object_type: str, *, include_archived: bool = False) -> list[CustomFieldDef]:
    """The definitions of an object in display order (one query)."""
    qs = CustomFieldDef.objects.filter(object_type=object_type)
    if not include_archived:
        qs = qs.filter(active=True)
    return list(qs.order_by("order", "id"))


def definitions_by_key(object_type: str, *, include_archived: bool = False) -> dict[str, CustomFieldDef]:
    return {d.key: d for d in definitions(object_type, include_archived=include_archived)}


def custom_field_get(actor, pk) -> CustomFieldDef:
    if not (actor and actor.is_authenticated and actor.is_active):
        raise NotFound()
    try:
        return CustomFieldDef.objects.get(pk=int(pk))
    except (CustomFieldDef.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None


# A {key: type} map per object for the search index, which runs inside model code without an
# actor or a request. Cached briefly per process and dropped whenever a definition changes here;
# another process sees a change within the TTL (only what the index holds may lag).
_TYPE_CACHE: dict[str, tuple[float, dict[str, str]]] = {}
_TYPE_TTL = 30.0


def types(object_type: str) -> dict[str, str]:
    hit = _TYPE_CACHE.get(object_type)
    if hit and time.monotonic() - hit[0] < _TYPE_TTL:
        return hit[1]
    found = dict(CustomFieldDef.objects.filter(object_type=object_type).values_list("key", "type"))
    _TYPE_CACHE[object_type] = (time.monotonic(), found)
    return found


def forget_types() -> None:
    _TYPE_CACHE.clear()
