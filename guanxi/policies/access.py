"""THE access layer. Every read and write of customer data asks here.

- scope(actor, Model, action)  → the queryset of records the actor may act on;
- get(actor, Model, pk, action) → one record, or NotFound when absent *or invisible*;
- require(actor, action, obj)   → PermissionDenied (403) when the actor sees the record but may
                                  not do this to it; NotFound (404) when it cannot see it.

Data scope comes from the actor's roles (org.Grant): self, self and subordinates, department,
department and sub-departments, all. Collaborators widen it per record: read-only shares for
reading, read-write shares for updates. The result of a scope is always "owner in a set of
users, or shared with me", so lists, counts, search and exports can all use it in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.db.models import BooleanField, IntegerField, Model, Q, QuerySet, Value

from guanxi.core.errors import NotFound, PermissionDenied, ValidationFailed
from guanxi.core.pagination import MAX_PK
from guanxi.core.types import Actor
from guanxi.org.models import Action, Collaborator, Department, Grant, Scope, User

ALL = None  # owner_ids() answer meaning "every owner"


def object_type_of(model_or_obj: Any) -> str:
    object_type: str = model_or_obj.POLICY_OBJECT_TYPE
    return object_type


def _cache(actor: Actor) -> dict[Any, Any]:
    cache = getattr(actor, "_gx_policy_cache", None)
    if cache is None:
        cache = {}
        actor._gx_policy_cache = cache
    return cache


def reset(actor: Actor) -> None:
    """Forget cached grants, e.g. after the actor's roles or department changed."""
    if hasattr(actor, "_gx_policy_cache"):
        del actor._gx_policy_cache


def scope_level(actor: Actor, object_type: str, action: str) -> int:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return Scope.NONE
    if actor.is_superuser:
        return Scope.ALL
    cache = _cache(actor)
    if "grants" not in cache:
        _load_grants_and_shares(actor, cache)
    level: int = cache["grants"].get((object_type, action), Scope.NONE)
    return level


def _load_grants_and_shares(actor: Actor, cache: dict[Any, Any]) -> None:
    """The actor's grants and the kinds of records shared with them, in ONE query (a UNION ALL):
    nearly every request asks for both, once each, cached on the actor for the request."""
    grants_q = Grant.objects.filter(role__users=actor).values_list(
        "object_type", "action", "scope", Value(True, output_field=BooleanField())
    )
    shares_q = (
        Collaborator.objects.filter(user=actor)
        .values_list(
            "object_type",
            "access",
            Value(0, output_field=IntegerField()),
            Value(False, output_field=BooleanField()),
        )
        .distinct()
    )
    grants: dict[tuple[str, str], int] = {}
    kinds: set[tuple[str, str]] = set()
    for ot, act, sc, is_grant in grants_q.union(shares_q, all=True):
        if is_grant:
            grants[(ot, act)] = max(grants.get((ot, act), 0), sc)
        else:
            kinds.add((ot, act))
    cache["grants"] = grants
    cache.setdefault("share_kinds", kinds)


def _subtree_ids(departments: Iterable[Department]) -> list[int]:
    q = Q()
    for dept in departments:
        q |= Q(path__startswith=dept.path)
    return list(Department.objects.filter(q).values_list("id", flat=True)) if q else []


def owner_ids(actor: Actor, object_type: str, action: str) -> set[int] | None:
    """The users whose records the actor may `action`; None means all, empty means none."""
    level = scope_level(actor, object_type, action)
    if level == Scope.ALL:
        return ALL
    if level == Scope.NONE:
        return set()
    cache = _cache(actor)
    key = ("owners", level)
    if key in cache:
        cached: set[int] = cache[key]
        return cached
    ids = {actor.pk}
    dept = actor.department
    if level == Scope.SUBORDINATES:
        managed = list(Department.objects.filter(manager=actor))
        dept_ids = _subtree_ids(managed)
        ids |= set(User.objects.filter(department_id__in=dept_ids).values_list("id", flat=True))
    elif level == Scope.DEPARTMENT and dept:
        ids |= set(User.objects.filter(department=dept).values_list("id", flat=True))
    elif level == Scope.DEPARTMENT_TREE and dept:
        ids |= set(User.objects.filter(department_id__in=_subtree_ids([dept])).values_list("id", flat=True))
    cache[key] = ids
    return ids


def shared_ids_query(actor: Actor, object_type: str, action: str) -> QuerySet[Collaborator, Any] | None:
    """Ids of records shared with the actor for `action` (reads: any share; updates: read-write)."""
    if action == Action.READ:
        accesses = [Collaborator.Access.READ, Collaborator.Access.WRITE]
    elif action == Action.UPDATE:
        accesses = [Collaborator.Access.WRITE]
    else:
        return None
    cache = _cache(actor)
    if (
        "share_kinds" not in cache
    ):  # read with the grants (one query per request), unless they were not needed
        if actor.is_authenticated and actor.is_active and not actor.is_superuser and "grants" not in cache:
            _load_grants_and_shares(actor, cache)
        else:
            cache["share_kinds"] = set(
                Collaborator.objects.filter(user=actor).values_list("object_type", "access").distinct()
            )
    if not any((object_type, a) in cache["share_kinds"] for a in accesses):
        return None
    return Collaborator.objects.filter(user=actor, object_type=object_type, access__in=accesses).values(
        "object_id"
    )


def _via_condition(actor: Actor, model: type[Model], action: str) -> Q | None:
    """Records that belong to customers the actor may read (follow-ups, tasks on an account…).

    A model declares POLICY_VIA = ("account", "contacts"): a record is readable by whoever may
    read one of the records those fields point at. POLICY_ASSIGNEE names a user field whose
    user may read and update the record (a task's assignee). Only reads (and the assignee's
    updates) widen this way: deleting or exporting stays with the owner's scope."""
    condition = None
    if action == Action.READ:
        for field_name in getattr(model, "POLICY_VIA", ()):
            field = model._meta.get_field(field_name)
            visible = scope(actor, cast("type[Model]", field.related_model), Action.READ)
            if visible.query.is_empty():
                continue
            if field.many_to_many:  # a subquery, so that a record linked twice is not listed twice
                part = Q(
                    pk__in=model._base_manager.filter(**{f"{field_name}__in": visible.values("pk")}).values(
                        "pk"
                    )
                )
            else:
                part = Q(**{f"{field_name}__in": visible.values("pk")})
            condition = part if condition is None else condition | part
    assignee = getattr(model, "POLICY_ASSIGNEE", None)
    if assignee and action in (Action.READ, Action.UPDATE):
        part = Q(**{f"{assignee}_id": actor.pk})
        condition = part if condition is None else condition | part
    return condition


def scope(
    actor: Actor,
    model: type[Model],
    action: str = Action.READ,
    *,
    deleted: bool = False,
    base: QuerySet[Any] | None = None,
) -> QuerySet[Any]:
    """Records of `model` the actor may `action`: the one entry point for every read."""
    qs = base if base is not None else model._base_manager.all()
    qs = qs.filter(deleted_at__isnull=not deleted)
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return qs.none()
    object_type = object_type_of(model)
    owners = owner_ids(actor, object_type, action)
    shared = shared_ids_query(actor, object_type, action) if not deleted else None
    if owners is ALL:
        return qs.filter(owner__isnull=False) if _poolable(model) else qs
    via = _via_condition(actor, model, action) if not deleted else None
    if not owners and shared is None and via is None:
        return qs.none()
    condition = Q(owner_id__in=sorted(owners)) if owners else Q(pk__in=[])
    if shared is not None:
        condition |= Q(pk__in=shared)
    if via is not None:
        condition |= via
    return qs.filter(condition)


def _poolable(model: Any) -> bool:
    """Accounts, their contacts and leads have no owner while they sit in a shared pool (sales/pools):
    then no scope shows them, not even "all" — only the pool's own selectors do, to its members
    and masked as the pool says, until someone claims them."""
    poolable: bool = model._meta.get_field("owner").null
    return poolable


def can(actor: Actor, action: str, obj: Any) -> bool:
    """Same answer as scope(actor, type(obj), action) containing obj, mostly without a query."""
    model = type(obj)
    object_type = object_type_of(model)
    if action == Action.CREATE:
        return scope_level(actor, object_type, action) > Scope.NONE
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    if obj.deleted_at is not None:
        return scope(actor, model, action, deleted=True).filter(pk=obj.pk).exists()
    owners = owner_ids(actor, object_type, action)
    if obj.owner_id is None and _poolable(model):
        return False
    if owners is ALL or obj.owner_id in owners:
        return True
    assignee = getattr(model, "POLICY_ASSIGNEE", None)
    if assignee and action in (Action.READ, Action.UPDATE) and getattr(obj, f"{assignee}_id") == actor.pk:
        return True
    if getattr(model, "POLICY_VIA", None) and action == Action.READ:
        return scope(actor, model, action).filter(pk=obj.pk).exists()
    shared = shared_ids_query(actor, object_type, action)
    return shared is not None and shared.filter(object_id=obj.pk).exists()


def get(
    actor: Actor,
    model: type[Model],
    pk: Any,
    action: str = Action.READ,
    *,
    deleted: bool = False,
    base: QuerySet[Any] | None = None,
) -> Any:
    """One visible record (the actor may read it), after checking `action` on it."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    obj = scope(actor, model, Action.READ, deleted=deleted, base=base).filter(pk=pk).first()
    if obj is None and deleted:
        # Records in the recycle bin are visible to whoever may delete (restore) them.
        obj = scope(actor, model, Action.DELETE, deleted=True, base=base).filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    if action != Action.READ:
        require(actor, action, obj)
    return obj


def require(actor: Actor, action: str, obj: Model | None = None, *, model: type[Model] | None = None) -> None:
    """Raise unless the actor may `action` obj (or create a `model`). Call before any write."""
    if obj is None:
        if scope_level(actor, object_type_of(model), action) <= Scope.NONE:
            raise PermissionDenied()
        return
    if not can(actor, action, obj):
        raise PermissionDenied()


def require_type(actor: Actor, action: str, model: type[Model]) -> None:
    """The actor may `action` at least some records of this type (e.g. export)."""
    if scope_level(actor, object_type_of(model), action) <= Scope.NONE:
        raise PermissionDenied()


def record_id(value: Any) -> int | None:
    """A record id from input (a whole number, or its digits as text), or None if it is not one."""
    if value is None or isinstance(value, bool):  # True is an int to Python, not an id to anyone
        return None
    try:
        pk = int(value.strip() if isinstance(value, str) else value)
        if isinstance(value, float) and value != pk:
            return None
    except (TypeError, ValueError, OverflowError):
        return None
    return pk if 0 < pk <= MAX_PK else None


def resolve(actor: Actor, model: type[Model], value: Any, *, field: str, invalid: str, missing: str) -> Any:
    """The record an input field names by id, read through the actor's read scope: empty gives
    None, a bad id the field error `invalid`, an absent or invisible record `missing` (the same
    answer for both, so input is no existence oracle). A model instance is taken as the caller's
    own, already read."""
    if value in (None, ""):
        return None
    if isinstance(value, model):
        return value
    pk = record_id(value)
    if pk is None:
        raise ValidationFailed(fields={field: [invalid]})
    try:
        return get(actor, model, pk)
    except NotFound:
        raise ValidationFailed(fields={field: [missing]}) from None
