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


def context_for(request, record) -> dict:
    ctx: dict = {}
    for func in _PROVIDERS[record.POLICY_OBJECT_TYPE]:
        ctx.update(func(request, record))
    return ctx
