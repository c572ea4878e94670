"""The customers' parts of the home page (declared in customers/registry.py)."""

from __future__ import annotations

from typing import Any


def counts(request: Any) -> dict[str, Any]:
    from .directory.selectors import count_visible

    return {"counts": count_visible(request.user)}


def health(request: Any) -> dict[str, Any]:
    from .lifecycle.selectors import home_widget

    return {"health": home_widget(request.user)}


def recent(request: Any) -> dict[str, Any]:
    from .directory.selectors import account_queryset, contact_queryset

    return {
        "recent_accounts": account_queryset(request.user).order_by("-updated_at", "-id")[:6],
        "recent_contacts": contact_queryset(request.user).order_by("-updated_at", "-id")[:6],
    }
