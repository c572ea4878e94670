"""/api/v1/activities: parse, call one service or selector, render."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from ninja import Router
from ninja.responses import Status

from guanxi.core.api import IDEMPOTENCY_KEY, IF_MATCH, idempotent, if_match, with_etag
from guanxi.core.schemas import ErrorOut

from . import selectors, services
from .schemas import ActivityIn, ActivityList, ActivityOut, ActivityPatch, ActivityTransferIn

router = Router(tags=["activities"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 412: ErrorOut, 428: ErrorOut}


def _visible_leads(actor, activities) -> set[int]:
    """The leads of these follow-ups the caller may see (no query when none names a lead)."""
    ids = {a.lead_id for a in activities if a.lead_id}
    if not ids:
        return set()
    from guanxi.policies import access
    from guanxi.sales.models import Lead

    return set(access.scope(actor, Lead).filter(pk__in=ids).values_list("pk", flat=True))


def activities_out(actor, activities, links: dict | None = None) -> list[dict]:
    """Output rows; `account` and `contacts` name only what the caller may see (2 queries, none
    when `links` is given: {activity id: {"account", "contacts"}} as selectors.links_for)."""
    if links is None:
        links = selectors.links_for(actor, activities)
    leads = _visible_leads(actor, activities)
    return [
        {
            "id": a.pk,
            "version": a.version,
            "kind": a.kind,
            "direction": a.direction,
            "subject": a.subject,
            "content": a.content,
            "occurred_at": a.occurred_at,
            "duration_minutes": a.duration_minutes,
            "outcome": a.outcome,
            "next_contact_at": a.next_contact_at,
            "account": links[a.pk]["account"].pk if links[a.pk]["account"] else None,
            "contacts": [ct.pk for ct in links[a.pk]["contacts"]],
            "lead": a.lead_id if a.lead_id in leads else None,
            "owner": {"id": a.owner_id, "username": a.owner.username},
            "created_at": a.created_at,
            "updated_at": a.updated_at,
            "deleted_at": a.deleted_at,
        }
        for a in activities
    ]


def _detail(actor, activity, status: int = 200) -> HttpResponse:
    body = activities_out(actor, [activity])[0]
    return with_etag(
        JsonResponse(
            body, status=status, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False}
        ),
        body["version"],
    )


@router.get("", response={200: ActivityList, **ERRORS}, operation_id="activity_list")
def activity_list(
    request,
    account: str = "",
    contact: str = "",
    kind: str = "",
    owner: str = "",
    occurred_after: str = "",
    occurred_before: str = "",
    ordering: str = "",
    cursor: str | None = None,
    limit: int | None = None,
):
    """Follow-ups the caller may see, newest first (`ordering=occurred_at` for oldest first)."""
    filters = {
        "account": account,
        "contact": contact,
        "kind": kind,
        "owner": owner,
        "occurred_after": occurred_after,
        "occurred_before": occurred_before,
    }
    page = selectors.activity_list(
        request.auth,
        selectors.ListParams(
            ordering=ordering or selectors.DEFAULT_ORDERING, cursor=cursor, limit=limit, filters=filters
        ),
    )
    return {"items": activities_out(request.auth, page.items), "next_cursor": page.next_cursor}


@router.get("/recycle-bin", response={200: ActivityList, **ERRORS}, operation_id="activity_recycle_bin")
def activity_recycle_bin(request, cursor: str | None = None, limit: int | None = None):
    page = selectors.activity_list(
        request.auth,
        selectors.ListParams(ordering=selectors.DEFAULT_ORDERING, cursor=cursor, limit=limit),
        deleted=True,
    )
    return {"items": activities_out(request.auth, page.items), "next_cursor": page.next_cursor}


@router.post(
    "", response={201: ActivityOut, **ERRORS}, operation_id="activity_create", openapi_extra=IDEMPOTENCY_KEY
)
@idempotent
def activity_create(request, payload: ActivityIn):
    activity = services.activity_create(actor=request.auth, data=payload.model_dump(exclude_unset=True))
    # The service resolved the account and the contacts through the caller's read scope: they
    # are what links_for would read back.
    links = {activity.pk: {"account": activity.account, "contacts": activity.visible_contacts}}  # type: ignore[attr-defined]
    return Status(201, activities_out(request.auth, [activity], links)[0])


@router.get("/{int:activity_id}", response={200: ActivityOut, **ERRORS}, operation_id="activity_get")
def activity_get(request, activity_id: int):
    return _detail(request.auth, selectors.activity_get(request.auth, activity_id))


@router.patch(
    "/{int:activity_id}",
    response={200: ActivityOut, **ERRORS},
    operation_id="activity_update",
    openapi_extra=IF_MATCH,
)
def activity_update(request, activity_id: int, payload: ActivityPatch):
    activity = selectors.activity_get(request.auth, activity_id)
    activity = services.activity_update(
        actor=request.auth,
        activity=activity,
        version=if_match(request),
        data=payload.model_dump(exclude_unset=True),
    )
    return _detail(request.auth, activity)


@router.delete(
    "/{int:activity_id}",
    response={204: None, **ERRORS},
    operation_id="activity_delete",
    openapi_extra=IF_MATCH,
)
def activity_delete(request, activity_id: int):
    activity = selectors.activity_get(request.auth, activity_id)
    services.activity_delete(actor=request.auth, activity=activity, version=if_match(request))
    return Status(204, None)


@router.post(
    "/{int:activity_id}/restore", response={200: ActivityOut, **ERRORS}, operation_id="activity_restore"
)
def activity_restore(request, activity_id: int):
    activity = selectors.activity_get(request.auth, activity_id, deleted=True)
    return _detail(request.auth, services.activity_restore(actor=request.auth, activity=activity))


@router.post(
    "/{int:activity_id}/transfer", response={200: ActivityOut, **ERRORS}, operation_id="activity_transfer"
)
def activity_transfer(request, activity_id: int, payload: ActivityTransferIn):
    activity = selectors.activity_get(request.auth, activity_id)
    activity = services.activity_transfer(actor=request.auth, activity=activity, owner=payload.owner)
    return _detail(request.auth, activity)
