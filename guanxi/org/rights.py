"""Administration rights: what a role may manage (users, pipelines, pools…), beyond data scopes.

The rights themselves are declared by the apps (`core.registry.permission()`); a role grants them
by code (`Role.permissions`). Superusers have every right; inactive and anonymous users none.
Checked in one way everywhere: `require(actor, "manage_pipelines")` before any write."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from guanxi.core import registry
from guanxi.core.errors import PermissionDenied

from .models import Role


def codes(actor: Any) -> frozenset[str]:
    """The rights the actor's roles grant (cached on the actor for the request)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return frozenset()
    if actor.is_superuser:
        return frozenset(p.code for p in registry.permissions())
    cached: frozenset[str] | None = getattr(actor, "_gx_rights", None)
    if cached is None:
        found: set[str] = set()
        for granted in Role.objects.filter(users=actor).values_list("permissions", flat=True):
            found.update(granted or ())
        cached = frozenset(found)
        actor._gx_rights = cached
    return cached


def has(actor: Any, code: str) -> bool:
    if registry.find_permission(code) is None:
        raise ValueError(f"undeclared administration right {code!r}")
    return code in codes(actor)


def require(actor: Any, code: str) -> None:
    if not has(actor, code):
        raise PermissionDenied(_("You do not have the right to do this: ask an administrator."))


def reset(actor: Any) -> None:
    """Forget the cached rights, e.g. after the actor's roles changed."""
    actor.__dict__.pop("_gx_rights", None)
