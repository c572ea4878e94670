"""One record lifecycle for every kind: to the recycle bin, back, to another owner.

Every domain's delete, restore and transfer services end here, so each of them checks permission
first, checks the version the caller started from, writes with one conditional UPDATE, records
the audit row, keeps the search index in step, applies the registry's rule for dependent records
(`Kind.parents`: protect, go to the bin with the parent, or detach) and emits the domain event
(`record_deleted`, `record_restored`, `record_transferred`) for the apps that care. A domain's
own rules (the default pipeline stays, a lead in a pool is claimed, not transferred) are checked by
its service before it calls these. The purge job is `records/purge.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.core import registry
from guanxi.core.errors import ApplicationError, ValidationFailed, VersionConflict
from guanxi.core.registry import Kind, OnParentDelete
from guanxi.core.services import check_version
from guanxi.org import rights
from guanxi.org.models import User
from guanxi.policies import access
from guanxi.search import services as search
from guanxi.search.models import SearchDocument

from . import events

MAX_DEPTH = 5  # records binned with a parent may have their own: an account's opportunity's files…


class Protected(ApplicationError):
    """The record still has live dependents that the registry says protect it."""

    status = 409
    code = "protected"


def authorize(actor: Any, action: str, obj: Any) -> None:
    """May the actor `action` this record? The kind's own rule, else its administration right, else
    the access layer's grants (PermissionDenied 403; the caller has already read it, so not 404)."""
    k = registry.of(obj)
    if k.authorize is not None:
        k.authorize(actor, action, obj)
    elif k.manage_permission:
        rights.require(actor, k.manage_permission)
    else:
        access.require(actor, action, obj)


@transaction.atomic
def delete(*, actor: Any, obj: Any, version: int | None) -> None:
    """To the recycle bin, with the records the registry sends there with it."""
    k = registry.of(obj)
    authorize(actor, "delete", obj)
    _check_version(obj, version)
    _refuse_if_protected(k, obj)
    now = timezone.now()
    _write(obj, {"deleted_at__isnull": True}, deleted_at=now, deleted_by=actor, updated_at=now)
    audit.record(actor=actor, verb="delete", obj=obj)
    if k.searchable:
        search.remove(obj)
    with_it = _bin_children(actor, k, [obj.pk], now, depth=1)
    events.emit("record_deleted", actor=actor, obj=obj, with_it=with_it)


@transaction.atomic
def restore(*, actor: Any, obj: Any, version: int | None = None) -> Any:
    """Out of the recycle bin, with the records that went there with it (same moment). A record that
    went with its parent comes back with the parent, not alone. Restoring needs the delete right."""
    k = registry.of(obj)
    authorize(actor, "delete", obj)
    _check_version(obj, version)
    if obj.deleted_at is None:
        return obj
    _refuse_if_parent_binned(k, obj)
    deleted_at = obj.deleted_at
    now = timezone.now()
    _write(obj, {"deleted_at": deleted_at}, deleted_at=None, deleted_by=None, updated_at=now)
    audit.record(actor=actor, verb="restore", obj=obj)
    if k.searchable:
        search.index(obj)
    with_it = _restore_children(actor, k, [obj.pk], deleted_at, now, depth=1)
    events.emit("record_restored", actor=actor, obj=obj, with_it=with_it)
    return obj


def resolve_owner(value: Any) -> User:
    """The new owner named in input: an active user, by username or as a User."""
    if isinstance(value, str):
        value = None if "\x00" in value else User.objects.filter(username=value, is_active=True).first()
    if not isinstance(value, User) or not value.is_active:
        raise ValidationFailed(fields={"owner": [_("Choose an active user.")]})
    return value


@transaction.atomic
def transfer(*, actor: Any, obj: Any, owner: Any, version: int | None = None, reason: str = "") -> Any:
    """Hand the record to another owner (its own right: owners are never PATCHed). The same owner
    again changes nothing."""
    k = registry.of(obj)
    authorize(actor, "transfer", obj)
    _check_version(obj, version)
    new_owner = resolve_owner(owner)
    if new_owner.pk == obj.owner_id:
        return obj
    old_owner = obj.owner
    now = timezone.now()
    extra = {"owned_since": now} if _has_field(type(obj), "owned_since") else {}
    _write(obj, {}, owner=new_owner, updated_at=now, **extra)
    changes: dict[str, tuple[Any, Any]] = {
        "owner": (old_owner.username if old_owner else None, new_owner.username)
    }
    if reason:
        changes["reason"] = (None, reason)
    audit_row = audit.record(actor=actor, verb="transfer", obj=obj, changes=changes)
    if k.searchable:
        search.set_owner(k.name, [obj.pk], new_owner.pk)
    events.emit(
        "record_transferred",
        actor=actor,
        obj=obj,
        old_owner=getattr(old_owner, "pk", None),
        new_owner=new_owner.pk,
        audit_event=audit_row.pk,
    )
    return obj


def _versioned(obj: Any) -> bool:
    return _has_field(type(obj), "version")


def _check_version(obj: Any, version: int | None) -> None:
    if _versioned(obj):
        check_version(obj, version)


def _write(obj: Any, where: dict[str, Any], **values: Any) -> None:
    """One conditional UPDATE of the row as this instance read it (its version, when it has one),
    bumping the version; a row that moved meanwhile is a conflict. The instance follows."""
    if _versioned(obj):
        where = {**where, "version": obj.version}
        values["version"] = obj.version + 1
    if not type(obj)._base_manager.filter(pk=obj.pk, **where).update(**values):
        raise VersionConflict()
    for name, value in values.items():
        setattr(obj, name, value)


# --- dependents ---------------------------------------------------------------------------------


def _has_field(model: type[Model], name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


def _bump(model: type[Model]) -> dict[str, Any]:
    """The version increment of a bulk UPDATE, for models that carry a version (attachments don't)."""
    return {"version": F("version") + 1} if _has_field(model, "version") else {}


def _refuse_if_protected(k: Kind, obj: Any) -> None:
    for child, link in registry.children_of(k.name):
        if link.on_delete != OnParentDelete.PROTECT:
            continue
        count = child.model_class._base_manager.filter(
            **{link.field: obj.pk, "deleted_at__isnull": True}
        ).count()
        if count:
            raise Protected(
                _("%(count)d %(kinds)s still belong to this %(kind)s: move or delete them first.")
                % {"count": count, "kinds": child.plural, "kind": k.label},
                fields={link.field: [str(child.plural)]},
            )


def _refuse_if_parent_binned(k: Kind, obj: Any) -> None:
    for link in k.parents:
        if link.on_delete != OnParentDelete.BIN:
            continue
        parent_id = getattr(obj, f"{link.field}_id")
        parent_model: Any = type(obj)._meta.get_field(link.field).related_model
        if parent_id and parent_model._base_manager.filter(pk=parent_id, deleted_at__isnull=False).exists():
            parent = registry.of(parent_model)
            raise ValidationFailed(
                fields={
                    link.field: [
                        _("Restore the %(kind)s first: it is in the recycle bin.") % {"kind": parent.label}
                    ]
                }
            )


def _children(k: Kind, how: OnParentDelete) -> Iterable[tuple[Kind, str]]:
    for child, link in registry.children_of(k.name):
        if link.on_delete == how:
            yield child, link.field


def _bin_children(
    actor: Any, k: Kind, parent_ids: list[int], now: Any, *, depth: int
) -> dict[str, list[int]]:
    """Send the live records that go with these parents to the bin, at the parents' moment (which is
    how restore finds them again); each with its audit row, out of the search index."""
    binned: dict[str, list[int]] = {}
    if depth > MAX_DEPTH:
        return binned
    for child, field_name in _children(k, OnParentDelete.BIN):
        model = child.model_class
        rows = list(
            model._base_manager.filter(**{f"{field_name}__in": parent_ids, "deleted_at__isnull": True})
        )
        if not rows:
            continue
        ids = [r.pk for r in rows]
        model._base_manager.filter(pk__in=ids).update(
            deleted_at=now, deleted_by=actor, updated_at=now, **_bump(model)
        )
        audit.record_bulk(
            actor=actor,
            verb="delete",
            objs=rows,
            changes_for=lambda _r: {"deleted_with": (None, f"{k.name}:{','.join(map(str, parent_ids))}")},
        )
        if child.searchable:
            SearchDocument.objects.filter(object_type=child.name, object_id__in=ids).delete()
        binned[child.name] = binned.get(child.name, []) + ids
        for name, more in _bin_children(actor, child, ids, now, depth=depth + 1).items():
            binned[name] = binned.get(name, []) + more
    return binned


def _restore_children(
    actor: Any, k: Kind, parent_ids: list[int], deleted_at: Any, now: Any, *, depth: int
) -> dict[str, list[int]]:
    restored: dict[str, list[int]] = {}
    if depth > MAX_DEPTH:
        return restored
    for child, field_name in _children(k, OnParentDelete.BIN):
        model = child.model_class
        rows = list(model._base_manager.filter(**{f"{field_name}__in": parent_ids, "deleted_at": deleted_at}))
        if not rows:
            continue
        ids = [r.pk for r in rows]
        model._base_manager.filter(pk__in=ids).update(
            deleted_at=None, deleted_by=None, updated_at=now, **_bump(model)
        )
        audit.record_bulk(actor=actor, verb="restore", objs=rows)
        if child.searchable:
            search.bulk_index(model._base_manager.filter(pk__in=ids))
        restored[child.name] = restored.get(child.name, []) + ids
        for name, more in _restore_children(actor, child, ids, deleted_at, now, depth=depth + 1).items():
            restored[name] = restored.get(name, []) + more
    return restored
