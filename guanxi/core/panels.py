"""Panels of the records' detail pages (the 360° pages), contributed by the apps that own their data.

A detail view knows nothing of follow-ups, tasks, files or opportunities: each app declares its
panels in its own `registry.py` (core.registry.Panel: the kinds it applies to, a slot, a template
and a provider), the view calls `context_for(request, record)` once, and the detail template
renders each slot with `{% panels record "side" %}` (web/templatetags/gx.py).

    registry.panel(Panel(name="tasks", kinds=("account", "contact"), slot="side",
                         template="engagement/partials/record_tasks.html", provider=tasks_panel))

Providers run in the panels' order (slot by slot does not matter: the page's panels run once, in
`Panel.order`), so a provider may reuse what an earlier one read for the same page (`shared` /
`already_read`). Each reads through the access layer and costs a fixed number of queries.
"""

from __future__ import annotations

from typing import Any

from guanxi.core import registry


def shared(record: Any, key: str, value: Any) -> Any:
    """Keep what a panel read for other panels of the same page (see already_read): on the record
    instance, which the detail view read for this request alone. Returns value."""
    record.__dict__.setdefault("_panels_shared", {})[key] = value
    return value


def already_read(record: Any, key: str) -> Any:
    """What another panel of this page read under `key` (see shared), or None."""
    return record.__dict__.get("_panels_shared", {}).get(key)


def context_for(request: Any, record: Any) -> dict[str, Any]:
    """The context of every panel of the record's kind, providers run in the panels' order."""
    ctx: dict[str, Any] = {}
    for panel in registry.panels(record.POLICY_OBJECT_TYPE):
        if panel.provider is not None:
            ctx.update(panel.provider(request, record))
    return ctx
