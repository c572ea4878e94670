"""The recycle bin's reads: which kinds an actor may restore records of, and their pages."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet

from guanxi.core import registry
from guanxi.core.errors import NotFound
from guanxi.core.pagination import Page, paginate, parse_limit
from guanxi.core.registry import Kind, OnParentDelete
from guanxi.org import rights
from guanxi.org.models import Action, Scope
from guanxi.policies import access

COUNT_UP_TO = 1000  # tabs show "1000+" beyond: a bounded count stays cheap in a big bin


def scope(actor: Any, kind: Kind) -> QuerySet[Any]:
    """The records of `kind` in the bin that the actor may restore, without those that went there
    with a parent (they come back with it, not alone)."""
    model = kind.model_class
    qs: QuerySet[Any]
    if kind.bin_scope is not None:
        qs = kind.bin_scope(actor)
    elif kind.manage_permission:
        qs = model._base_manager.filter(deleted_at__isnull=False)
        if not rights.has(actor, kind.manage_permission):
            qs = qs.none()
    elif kind.grants:
        qs = access.scope(actor, model, Action.DELETE, deleted=True)
    else:
        qs = model._base_manager.none()
    for link in kind.parents:
        if link.on_delete == OnParentDelete.BIN:
            qs = qs.exclude(**{f"{link.field}__deleted_at": F("deleted_at")})
    return qs


def kinds_for(actor: Any) -> list[Kind]:
    """The kinds with a recycle bin that the actor may restore some records of."""
    found = []
    for kind in registry.kinds(recycle_bin=True):
        if kind.bin_scope is not None:  # a rule of its own: shown when it holds something
            if scope(actor, kind).exists():
                found.append(kind)
        elif kind.manage_permission:
            if rights.has(actor, kind.manage_permission):
                found.append(kind)
        elif kind.grants and access.scope_level(actor, kind.name, Action.DELETE) > Scope.NONE:
            found.append(kind)
    return found


def count(actor: Any, kind: Kind) -> int:
    return scope(actor, kind)[:COUNT_UP_TO].count()


def page(actor: Any, kind: Kind, *, cursor: str | None = None, limit: int | str | None = None) -> Page:
    """Most recently deleted first, by keyset."""
    qs = scope(actor, kind).select_related("deleted_by")
    return paginate(
        qs,
        ordering="-deleted_at",
        allowed={"deleted_at": "deleted_at"},
        cursor=cursor,
        limit=parse_limit(limit),
    )


def get(actor: Any, kind: Kind, pk: Any) -> Any:
    """One record of the actor's bin, or NotFound."""
    pk = access.record_id(pk)
    obj = scope(actor, kind).filter(pk=pk).first() if pk else None
    if obj is None:
        raise NotFound()
    return obj
