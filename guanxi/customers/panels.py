"""Panels of the 360° pages, contributed by the apps that own their data.

The account and contact detail views stay thin and know nothing of follow-ups, tasks or
attachments: each app registers a provider that returns the context of its panel, and the
detail templates include the panels' templates (customers/templates/customers/account_detail.html
lists the slots). Providers run in registration order; each must read through the access layer
and cost a fixed number of queries.

    @panels.provider("account")
    def tasks_panel(request, account) -> dict:
        return {"record_tasks": ...}
"""

from __future__ import annotations

from collections.abc import Callable

Provider = Callable[..., dict]
_PROVIDERS: dict[str, list[Provider]] = {"account": [], "contact": []}


def provider(object_type: str):
    def decorator(func: Provider) -> Provider:
        if func not in _PROVIDERS[object_type]:
            _PROVIDERS[object_type].append(func)
        return func

    return decorator


def shared(record, key: str, value):
    """Keep what a panel read for other panels of the same page (see already_read): on the record
    instance, which the detail view read for this request alone. Returns value."""
    record.__dict__.setdefault("_panels_shared", {})[key] = value
    return value


def already_read(record, key: str):
    """What another panel of this page read under `key` (see shared), or None."""
    return record.__dict__.get("_panels_shared", {}).get(key)


def context_for(request, record) -> dict:
    ctx: dict = {}
    for func in _PROVIDERS[record.POLICY_OBJECT_TYPE]:
        ctx.update(func(request, record))
    return ctx
