"""Reads for the organization screens. Only administrators reach them (the views check)."""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from guanxi.core import registry

from .models import Action, Department, Grant, Role, Scope, User


@functools.cache
def time_zones() -> list[str]:
    """IANA time zone names, for the profile's suggestions and the preferences check. Not the
    system's "localtime" link (the server's zone, not a place) nor the placeholder "Factory"."""
    return sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


def tree_sorted(departments: Iterable[Department]) -> list[Department]:
    """Departments in tree order: each one followed by its subtree, siblings by name.

    Sorting by `path` in SQL is not enough: under a locale collation (PostgreSQL with
    en_US.UTF-8, say) "/1/5/" sorts after "/10/", which tears subtrees apart.
    """
    departments = list(departments)
    names = {d.pk: d.name for d in departments}

    def key(dept: Department) -> list[tuple[str, int]]:
        ids = [int(part) for part in dept.path.strip("/").split("/") if part.isdigit()] or [dept.pk]
        return [(names.get(i, ""), i) for i in ids]

    return sorted(departments, key=key)


def department_tree() -> list[Department]:
    """All departments in tree order, with manager, the number of active members, and `indent`
    (one step per level below the first sub-level, for the list's indentation)."""
    qs = Department.objects.select_related("manager").annotate(
        member_count=Count("members", filter=Q(members__is_active=True))
    )
    departments: list[Any] = tree_sorted(qs)  # Any: `indent` is set on each for the template
    for dept in departments:
        dept.indent = range(max(dept.depth - 1, 0))
    return departments


def active_users() -> QuerySet[User]:
    """The users one may assign, share with or transfer to: active ones, by username."""
    return User.objects.filter(is_active=True).order_by("username")


def user_list() -> list[User]:
    return list(User.objects.select_related("department").prefetch_related("roles").order_by("username"))


def role_list() -> list[Role]:
    """Roles with their member count and `summary`: per object type, the actions grouped by scope,
    e.g. Account — all: read, update; self: create."""
    roles: list[Any] = list(  # Any: `summary` and `rights` are set on each for the template
        Role.objects.annotate(user_count=Count("users", filter=Q(users__is_active=True)))
        .prefetch_related(Prefetch("grants", queryset=Grant.objects.order_by("object_type", "action")))
        .order_by("name")
    )
    kinds = registry.grantable()
    type_labels = {k.name: k.plural for k in kinds}
    action_labels, scope_labels = dict(Action.choices), dict(Scope.choices)
    right_labels = {p.code: p.label for p in registry.permissions()}
    action_order = {a: i for i, a in enumerate(Action.values)}
    for role in roles:
        by_type: dict[str, dict[int, list[str]]] = {}
        for g in role.grants.all():
            by_type.setdefault(g.object_type, {}).setdefault(g.scope, []).append(g.action)
        role.summary = [
            {
                "label": type_labels.get(ot, ot),
                "scopes": [
                    {
                        "scope": sc,
                        "label": scope_labels.get(sc, sc),
                        "actions": [
                            action_labels.get(a, a)
                            for a in sorted(acts, key=lambda a: action_order.get(a, 99))
                        ],
                    }
                    for sc, acts in sorted(by_type[ot].items(), reverse=True)
                ],
            }
            for ot in type_labels
            if ot in by_type
        ]
        role.rights = [right_labels[code] for code in role.permissions if code in right_labels]
    return roles


def login_throttle_key(login: str) -> str:
    """What failed sign-ins are counted against: the account the typed login names (its
    username, or an email address only one account has), else the typed text itself. So the
    username, the email, upper or lower case, the page and the API share one budget."""
    login = (login or "").strip()[:254]
    if "@" in login:
        users = list(User.objects.filter(email__iexact=login).values_list("username", flat=True)[:2])
    else:
        users = list(User.objects.filter(username__iexact=login).values_list("username", flat=True)[:2])
    if len(users) == 1:
        return f"account:{users[0].lower()}"
    return f"login:{login.lower()}"
