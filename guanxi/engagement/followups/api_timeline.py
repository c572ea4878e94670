"""GET /api/v1/accounts/{id}/timeline and /api/v1/contacts/{id}/timeline: routers of their own,
mounted under the customers' prefixes by engagement/registry.py."""

from __future__ import annotations

from ninja import Router

from guanxi.core.schemas import ERRORS
from guanxi.customers.directory import selectors as customer_selectors

from . import timeline
from .schemas import TimelineOut

accounts_router = Router(tags=["accounts"])
contacts_router = Router(tags=["contacts"])


def timeline_out(page: timeline.TimelinePage) -> dict:
    return {
        "items": [
            {
                "type": e.type,
                "kind": e.kind,
                "at": e.at,
                "title": e.title,
                "summary": e.summary,
                "url": e.url,
                "ids": e.ids,
            }
            for e in page.entries
        ],
        "next_cursor": page.next_cursor,
    }


@accounts_router.get(
    "/{int:account_id}/timeline", response={200: TimelineOut, **ERRORS}, operation_id="account_timeline"
)
def account_timeline(
    request,
    account_id: int,
    kind: str = "",
    cursor: str | None = None,
    limit: int | None = None,
    subsidiaries: bool = False,
):
    """Follow-ups, tasks, files and changes of the account, newest first. `kind`: comma-separated
    follow-up kinds (call, visit, …) and/or followups, tasks, files, changes. `subsidiaries=true`
    adds the visible subsidiaries' entries."""
    account = customer_selectors.account_get(request.auth, account_id)
    return timeline_out(
        timeline.account_timeline(
            request.auth, account, kind=kind, cursor=cursor, limit=limit, subsidiaries=subsidiaries
        )
    )


@contacts_router.get(
    "/{int:contact_id}/timeline", response={200: TimelineOut, **ERRORS}, operation_id="contact_timeline"
)
def contact_timeline(
    request, contact_id: int, kind: str = "", cursor: str | None = None, limit: int | None = None
):
    """Follow-ups, tasks, files and changes of the contact, newest first (`kind` as for accounts)."""
    contact = customer_selectors.contact_get(request.auth, contact_id)
    return timeline_out(
        timeline.contact_timeline(request.auth, contact, kind=kind, cursor=cursor, limit=limit)
    )
