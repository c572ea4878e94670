"""Saved views: a list's search, filters, columns and sorting under a name (services + selectors).

A view is private to its creator or shared with everyone; shared views are visible to every
user and editable only by their creator or an administrator. What a view may hold is what its
list allows: each list registers its filter keys, columns and orderings (register(), called
from the app that owns the list, e.g. customers/saved_view_lists.py), read at validation time
so filters other features add later are accepted without a change here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.types import Actor

from .errors import NotFound, PermissionDenied, ValidationFailed, VersionConflict
from .models import SavedView
from .services import check_version
from .validators import clean_text

MAX_VIEWS = 200  # listed per user and list
MAX_TEXT = 200


@dataclass
class ListSpec:
    object_type: str
    url_name: str  # the list page
    filters: Callable[[], Iterable[str]]
    columns: Callable[[], Iterable[str]]
    orderings: Callable[[], Iterable[str]]  # field names; "-" for descending is always allowed
    filter_prefixes: tuple[str, ...] = field(default_factory=tuple)  # e.g. "cf_" for custom fields


LISTS: dict[str, ListSpec] = {}


def register(spec: ListSpec) -> None:
    LISTS[spec.object_type] = spec


def spec_for(object_type: Any) -> ListSpec:
    spec = LISTS.get(object_type) if isinstance(object_type, str) else None
    if spec is None:
        raise ValidationFailed(
            fields={"object": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(LISTS))}]}
        )
    return spec


def _bad(text: Any) -> bool:
    return not isinstance(text, str) or "\x00" in text or len(text) > MAX_TEXT


def clean_query(object_type: str, query: Any) -> dict[str, Any]:
    """{"q", "filters", "columns", "ordering"} with only what the list allows; 400 otherwise."""
    spec = spec_for(object_type)
    if not isinstance(query, dict):
        raise ValidationFailed(fields={"query": [_("Send an object with q, filters, columns and ordering.")]})
    unknown = set(query) - {"q", "filters", "columns", "ordering"}
    if unknown:
        raise ValidationFailed(
            fields={"query": [_("Unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(map(str, unknown)))}]}
        )
    q = query.get("q") or ""
    if _bad(q):
        raise ValidationFailed(fields={"query.q": [_("Enter at most 200 characters of text.")]})
    filters = query.get("filters") or {}
    if not isinstance(filters, dict):
        raise ValidationFailed(fields={"query.filters": [_("Send an object of filter names and values.")]})
    allowed_filters = set(spec.filters())
    clean_filters = {}
    for key, value in filters.items():
        if _bad(key) or not (key in allowed_filters or key.startswith(spec.filter_prefixes or ("\x00",))):
            raise ValidationFailed(
                fields={"query.filters": [_("Unknown filter: %(key)s.") % {"key": str(key)[:50]}]}
            )
        if _bad(value):
            raise ValidationFailed(
                fields={"query.filters": [_("Filter values are text of at most 200 characters.")]}
            )
        if value.strip():
            clean_filters[key] = value.strip()
    columns = query.get("columns") or []
    allowed_columns = set(spec.columns())
    prefixes = spec.filter_prefixes or ("\x00",)
    if (
        not isinstance(columns, list)
        or len(columns) > 50
        or any(_bad(c) or not (c in allowed_columns or c.startswith(prefixes)) for c in columns)
    ):
        raise ValidationFailed(
            fields={
                "query.columns": [
                    _("Choose columns among: %(columns)s.") % {"columns": ", ".join(sorted(allowed_columns))}
                ]
            }
        )
    ordering = query.get("ordering") or ""
    if not isinstance(ordering, str) or (ordering and ordering.lstrip("-") not in set(spec.orderings())):
        raise ValidationFailed(
            fields={
                "query.ordering": [
                    _("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(spec.orderings()))}
                ]
            }
        )
    return {
        "q": clean_text(q),
        "filters": clean_filters,
        "columns": list(dict.fromkeys(columns)),
        "ordering": ordering,
    }


def query_from_request(object_type: str, params: QueryDict, *, not_filters: Iterable[str]) -> dict[str, Any]:
    """A list page's query string as a view's query (the UI's "Save view")."""
    skip = set(not_filters)
    return {
        "q": params.get("q", ""),
        "filters": {k: params.get(k, "") for k in params if k not in skip and params.get(k, "")},
        "columns": [c for c in params.getlist("cols") if c],
        "ordering": params.get("ordering", ""),
    }


def querystring(view: SavedView) -> str:
    """The list's query string that applies the view."""
    query = view.query or {}
    out = QueryDict(mutable=True)
    if query.get("q"):
        out["q"] = query["q"]
    for key, value in sorted((query.get("filters") or {}).items()):
        out[key] = value
    if query.get("ordering"):
        out["ordering"] = query["ordering"]
    if query.get("columns"):
        out.setlist("cols", query["columns"])
    return out.urlencode()


def _name(value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationFailed(fields={"name": [_("Enter text.")]})
    name = clean_text(value)
    if not name:
        raise ValidationFailed(fields={"name": [_("This field is required.")]})
    if len(name) > 100:
        raise ValidationFailed(
            fields={
                "name": [_("Enter at most %(max)d characters (it has %(n)d).") % {"max": 100, "n": len(name)}]
            }
        )
    return name


def _shared(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed(fields={"shared": [_("Enter true or false.")]})
    return value


def _require_user(actor: Actor) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied()


def _require_edit(actor: Actor, view: SavedView) -> None:
    """Creator or administrator; the view must be visible to the actor (else 404 first)."""
    _require_user(actor)
    if view.user_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("Only the creator of a view or an administrator may change it."))


# --- selectors ----------------------------------------------------------------------------------


def visible(actor: Actor) -> QuerySet[SavedView]:
    _require_user(actor)
    return SavedView.objects.filter(Q(user=actor) | Q(shared=True)).select_related("user")


def saved_view_list(actor: Actor, object_type: str | None = None) -> list[SavedView]:
    qs = visible(actor)
    if object_type:
        spec_for(object_type)
        qs = qs.filter(object_type=object_type)
    return list(qs.order_by("name", "id")[:MAX_VIEWS])


def saved_view_get(actor: Actor, pk: Any) -> SavedView:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    view = visible(actor).filter(pk=pk).first() if 0 < pk < 2**63 else None
    if view is None:
        raise NotFound()
    return view


def menu(actor: Actor, object_type: str) -> dict[str, Any]:
    """The list page's "Views" dropdown: the actor's own views and the others' shared ones."""
    if actor is None or not actor.is_authenticated:
        return {"mine": [], "shared": []}
    views = saved_view_list(actor, object_type)
    return {
        "mine": [v for v in views if v.user_id == actor.pk],
        "shared": [v for v in views if v.user_id != actor.pk],
    }


# --- services -----------------------------------------------------------------------------------


@transaction.atomic
def saved_view_create(
    *, actor: Actor, object_type: str, name: Any, query: Any, shared: bool = False
) -> SavedView:
    from guanxi.audit import services as audit

    _require_user(actor)
    spec_for(object_type)
    errors: dict[str, Any] = {}
    values = {}
    for key, clean, raw in (
        ("name", _name, name),
        ("query", lambda v: clean_query(object_type, v), query),
        ("shared", _shared, shared),
    ):
        try:
            values[key] = clean(raw)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    view = SavedView.objects.create(user=actor, object_type=object_type, **values)
    audit.record(
        actor=actor,
        verb="create",
        obj=view,
        changes={"name": (None, view.name), "shared": (None, view.shared)},
    )
    return view


@transaction.atomic
def saved_view_update(
    *, actor: Actor, view: SavedView, data: dict[str, Any], version: int | None
) -> SavedView:
    from guanxi.audit import services as audit

    _require_edit(actor, view)
    check_version(view, version)
    cleaners = {"name": _name, "query": lambda v: clean_query(view.object_type, v), "shared": _shared}
    unknown = set(data) - set(cleaners)
    if unknown:
        raise ValidationFailed(fields={k: [_("Unknown field; it cannot be set here.")] for k in unknown})
    changes = {}
    for key, value in data.items():
        new = cleaners[key](value)
        if getattr(view, key) != new:
            changes[key] = (getattr(view, key), new)
    if not changes:
        return view
    now = timezone.now()
    updated = SavedView.objects.filter(pk=view.pk, version=view.version).update(
        **{k: new for k, (_old, new) in changes.items()}, version=view.version + 1, updated_at=now
    )
    if not updated:
        raise VersionConflict()
    for key, (_old, new) in changes.items():
        setattr(view, key, new)
    view.version, view.updated_at = view.version + 1, now
    audit.record(actor=actor, verb="update", obj=view, changes=changes)
    return view


@transaction.atomic
def saved_view_delete(*, actor: Actor, view: SavedView, version: int | None) -> None:
    from guanxi.audit import services as audit

    _require_edit(actor, view)
    check_version(view, version)
    if not SavedView.objects.filter(pk=view.pk, version=view.version).delete()[0]:
        raise VersionConflict()
    audit.record(actor=actor, verb="delete", obj=view)
