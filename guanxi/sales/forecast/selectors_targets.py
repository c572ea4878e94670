"""Reading targets: who may set which (managed_paths, may_manage), the yearly grid of the targets
screen, and the targets list of the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from guanxi.core.errors import NotFound
from guanxi.core.pagination import Page, paginate, parse_limit
from guanxi.org import rights
from guanxi.org.models import Department, User
from guanxi.policies import access
from guanxi.sales.models import Target

from . import periods
from .selectors import DEPARTMENT, USER, subtree_q, visible_departments, visible_user_ids


def managed_paths(actor) -> list[str]:
    """Materialized paths of the departments the actor manages (their subtrees are theirs)."""
    cache = getattr(actor, "_gx_managed_paths", None)
    if cache is None:
        cache = (
            list(Department.objects.filter(manager=actor).values_list("path", flat=True)) if actor.pk else []
        )
        actor._gx_managed_paths = cache
    return cache


def may_manage(actor, *, user: User | None = None, department: Department | None = None) -> bool:
    """Whether the actor may set the target of this user or department: superusers anyone's;
    managers those inside the subtrees they manage, not their own."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    if rights.has(actor, "manage_targets"):
        return True
    if user is not None:
        if user.pk == actor.pk or not user.department_id:
            return False
        path = user.department.path
    elif department is not None:
        path = department.path
    else:
        return False
    return any(path.startswith(p) for p in managed_paths(actor))


def may_set_any(actor) -> bool:
    """The actor may set some target (the Targets screen is theirs)."""
    return bool(
        actor
        and actor.is_authenticated
        and actor.is_active
        and (rights.has(actor, "manage_targets") or managed_paths(actor))
    )


def target_grid(actor, *, year: int, kind: str) -> dict:
    """The Targets screen: the departments and users the actor may set targets for (rows) and
    the months or quarters of a year (columns), with the targets set. Three queries."""
    from guanxi.org.selectors import tree_sorted

    columns = (
        [periods.quarter(year, q) for q in range(1, 5)]
        if kind == periods.QUARTER
        else [periods.month(year, m) for m in range(1, 13)]
    )
    if rights.has(actor, "manage_targets"):
        depts = tree_sorted(Department.objects.all())
        users = list(User.objects.filter(is_active=True).select_related("department").order_by("username"))
    else:
        paths = managed_paths(actor)
        depts = tree_sorted(Department.objects.filter(subtree_q(paths))) if paths else []
        users = list(
            User.objects.filter(is_active=True, department_id__in=[d.pk for d in depts])
            .exclude(pk=actor.pk)
            .select_related("department")
            .order_by("username")
        )
    codes = [c.code for c in columns]
    found = {}
    for t in Target.objects.filter(period__in=codes).filter(
        Q(user_id__in=[u.pk for u in users]) | Q(department_id__in=[d.pk for d in depts])
    ):
        found[("u", t.user_id) if t.user_id else ("d", t.department_id), t.period] = t
    top = min((d.depth for d in depts), default=0)
    rows = []
    for d in depts:
        rows.append(
            {
                "kind": DEPARTMENT,
                "obj": d,
                "indent": range(d.depth - top),
                "cells": [{"period": c, "target": found.get((("d", d.pk), c.code))} for c in columns],
            }
        )
        for u in users:
            if u.department_id == d.pk:
                rows.append(
                    {
                        "kind": USER,
                        "obj": u,
                        "indent": range(d.depth - top + 1),
                        "cells": [{"period": c, "target": found.get((("u", u.pk), c.code))} for c in columns],
                    }
                )
    for u in users:
        if u.department_id is None:
            rows.append(
                {
                    "kind": USER,
                    "obj": u,
                    "indent": range(0),
                    "cells": [{"period": c, "target": found.get((("u", u.pk), c.code))} for c in columns],
                }
            )
    return {"year": year, "kind": kind, "columns": columns, "rows": rows}


TARGET_ORDERINGS = {"period": "period", "id": "id"}


def target_queryset(actor):
    qs = Target.objects.select_related("user__department", "department")
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return qs.none()
    users = visible_user_ids(actor)
    if users is None:
        return qs
    depts = [d.pk for d in visible_departments(actor) or []]
    return qs.filter(Q(user_id__in=sorted(users)) | Q(department_id__in=depts))


def target_get(actor, pk) -> Target:
    pk = access.record_id(pk)
    target = target_queryset(actor).filter(pk=pk).first() if pk else None
    if target is None:
        raise NotFound()
    return target


@dataclass
class TargetFilters:
    period: str = ""
    user: str = ""
    department: str = ""
    ordering: str = "period"
    cursor: str | None = None
    limit: int | None = None


def target_list(actor, params: TargetFilters) -> Page:
    qs = target_queryset(actor)
    if params.period:
        p = periods.parse(params.period, allow_year=True)
        qs = qs.filter(starts_on__gte=p.start, ends_on__lte=p.end)
    if params.user:
        qs = qs.filter(user__username=params.user)
    if params.department:
        pk = access.record_id(params.department)
        qs = qs.filter(department_id=pk) if pk else qs.none()
    return paginate(
        qs,
        ordering=params.ordering or "period",
        allowed=TARGET_ORDERINGS,
        cursor=params.cursor,
        limit=parse_limit(params.limit),
    )
