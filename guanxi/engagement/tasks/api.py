"""/api/v1/tasks and /api/v1/notifications: parse, call one service or selector, render."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from ninja import Router
from ninja.responses import Status

from guanxi.core.api import IDEMPOTENCY_KEY, IF_MATCH_OPTIONAL, idempotent, if_match, with_etag
from guanxi.core.schemas import ErrorOut
from guanxi.org.models import Action
from guanxi.records.api import record_routes

from . import selectors, services
from .schemas import (
    MarkedCount,
    NotificationList,
    NotificationOut,
    TaskIn,
    TaskList,
    TaskOut,
    TaskPatch,
    UnreadCount,
)

router = Router(tags=["tasks"])
notifications_router = Router(tags=["notifications"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 412: ErrorOut, 428: ErrorOut}


def task_out(t) -> dict:
    """`account` and `contact` only for readers of those records (selectors.mark_visible_links)."""
    return {
        "id": t.pk,
        "version": t.version,
        "title": t.title,
        "description": t.description,
        "due_at": t.due_at,
        "remind_at": t.remind_at,
        "assignee": t.assignee.username,
        "account": t.account_id if getattr(t, "visible_account", None) else None,
        "contact": t.contact_id if getattr(t, "visible_contact", None) else None,
        "priority": t.priority,
        "done": t.done,
        "done_at": t.done_at,
        "is_overdue": t.is_overdue,
        "owner": {"id": t.owner_id, "username": t.owner.username},
        "created_at": t.created_at,
        "updated_at": t.updated_at,
        "deleted_at": t.deleted_at,
    }


def notification_out(n) -> dict:
    return {
        "id": n.pk,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "url": n.url,
        "object_type": n.object_type,
        "object_id": n.object_id,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


def tasks_out(actor, tasks) -> list[dict]:
    selectors.mark_visible_links(actor, tasks)
    return [task_out(t) for t in tasks]


def _read(actor, pk, *, deleted: bool = False):
    """A task for the standard endpoints; one in the bin is found by whoever may restore it."""
    return selectors.task_get(actor, pk, deleted=deleted, action=Action.DELETE if deleted else Action.READ)


def _bin(actor, params, *, deleted: bool):
    return selectors.task_list(actor, cursor=params.cursor, limit=params.limit, deleted=deleted)


def _detail(actor, task, status: int = 200) -> HttpResponse:
    selectors.mark_visible_links(actor, [task])
    body = task_out(task)
    return with_etag(
        JsonResponse(
            body, status=status, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False}
        ),
        task.version,
    )


# --- tasks ------------------------------------------------------------------------------------


@router.get("", response={200: TaskList, **ERRORS}, operation_id="task_list")
def task_list(
    request,
    cursor: str | None = None,
    limit: int | None = None,
    ordering: str = "",
    assignee: str = "",
    owner: str = "",
    account: str = "",
    contact: str = "",
    done: str = "",
    due_before: str = "",
    due_after: str = "",
    priority: str = "",
):
    """Tasks you can see: yours, those assigned to you, and those on customers you may read."""
    filters = {
        "assignee": assignee,
        "owner": owner,
        "account": account,
        "contact": contact,
        "done": done,
        "due_before": due_before,
        "due_after": due_after,
        "priority": priority,
    }
    page = selectors.task_list(request.auth, filters=filters, ordering=ordering, cursor=cursor, limit=limit)
    return {"items": [task_out(t) for t in page.items], "next_cursor": page.next_cursor}


@router.post("", response={201: TaskOut, **ERRORS}, operation_id="task_create", openapi_extra=IDEMPOTENCY_KEY)
@idempotent
def task_create(request, payload: TaskIn):
    task = services.task_create(actor=request.auth, data=payload.model_dump(exclude_unset=True))
    selectors.mark_visible_links(request.auth, [task])
    return Status(201, task_out(task))


@router.post(
    "/{int:task_id}/complete",
    response={200: TaskOut, **ERRORS},
    operation_id="task_complete",
    openapi_extra=IF_MATCH_OPTIONAL,
)
def task_complete(request, task_id: int):
    """Mark the task done (its assignee may, too). `If-Match` is optional here: completing twice changes nothing."""
    task = selectors.task_get(request.auth, task_id)
    task = services.task_complete(actor=request.auth, task=task, version=if_match(request, required=False))
    return _detail(request.auth, task)


@router.post(
    "/{int:task_id}/reopen",
    response={200: TaskOut, **ERRORS},
    operation_id="task_reopen",
    openapi_extra=IF_MATCH_OPTIONAL,
)
def task_reopen(request, task_id: int):
    task = selectors.task_get(request.auth, task_id)
    task = services.task_reopen(actor=request.auth, task=task, version=if_match(request, required=False))
    return _detail(request.auth, task)


# the standard record endpoints (records/api.py)
record_routes(
    router,
    kind="task",
    out=TaskOut,
    page=TaskList,
    read=_read,
    render=tasks_out,
    bin=_bin,
    update=(TaskPatch, services.task_update),
    delete=services.task_delete,
    restore=services.task_restore,
)


# --- notifications ----------------------------------------------------------------------------


@notifications_router.get("", response={200: NotificationList, **ERRORS}, operation_id="notification_list")
def notification_list(
    request, unread: bool | None = None, cursor: str | None = None, limit: int | None = None
):
    """Your notifications, newest first; `unread=true` for the unread ones only."""
    page = selectors.notification_list(request.auth, unread=unread, cursor=cursor, limit=limit)
    return {"items": [notification_out(n) for n in page.items], "next_cursor": page.next_cursor}


@notifications_router.get(
    "/unread-count", response={200: UnreadCount, **ERRORS}, operation_id="notification_unread_count"
)
def notification_unread_count(request):
    return {"count": selectors.unread_count(request.auth)}


@notifications_router.post(
    "/read-all", response={200: MarkedCount, **ERRORS}, operation_id="notification_read_all"
)
def notification_read_all(request):
    return {"marked": services.notification_read_all(actor=request.auth)}


@notifications_router.post(
    "/{int:notification_id}/read", response={200: NotificationOut, **ERRORS}, operation_id="notification_read"
)
def notification_read(request, notification_id: int):
    return notification_out(services.notification_read(actor=request.auth, notification_id=notification_id))
