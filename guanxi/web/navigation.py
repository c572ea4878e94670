"""The sidebar, from what the apps declare (core.registry: sections and nav entries)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from guanxi.core import registry
from guanxi.org import rights
from guanxi.org.models import Scope
from guanxi.policies import access


def _visible(entry: registry.NavEntry, user: Any) -> bool:
    if entry.kind and access.scope_level(user, entry.kind, "read") <= Scope.NONE:
        return False
    if entry.permission and not rights.has(user, entry.permission):
        return False
    return entry.visible is None or entry.visible(user)


def sidebar(user: Any, path: str) -> list[dict[str, Any]]:
    """Sections in order, each with the entries this user may open; empty sections left out.
    An entry is active on the paths under its own (home only on "/")."""
    labels = {s.name: s.label for s in registry.sections()}
    by_section: dict[str, list[dict[str, Any]]] = {name: [] for name in labels}
    for entry in registry.nav_entries():
        if not _visible(entry, user):
            continue
        url = entry.url if entry.url.startswith("/") else reverse(entry.url)
        prefix = entry.active or url
        active = path == "/" if prefix == "/" else path.startswith(prefix)
        by_section[entry.section].append(
            {"name": entry.name, "label": entry.label, "url": url, "icon": entry.icon, "active": active}
        )
    return [
        {"name": name, "label": labels[name], "entries": entries}
        for name, entries in by_section.items()
        if entries
    ]
