"""/api/v1/saved-views: a user's saved list views (core/saved_views.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import JsonResponse
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, StrictBool

from guanxi.core.api import IDEMPOTENCY_KEY, IF_MATCH
from guanxi.core.types import Actor, ApiRequest

from . import saved_views
from .api import idempotent, if_match, with_etag

router = Router(tags=["saved views"])


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorOut(Schema):
    error: ErrorBody


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 412: ErrorOut, 428: ErrorOut}


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class SavedViewIn(Strict):
    object: str
    name: str
    query: dict[str, Any]
    shared: StrictBool = False


class SavedViewPatch(Strict):
    name: str | None = None
    query: dict[str, Any] | None = None
    shared: StrictBool | None = None


class SavedViewOut(Schema):
    id: int
    version: int
    object: str
    name: str
    query: dict[str, Any]
    shared: bool
    owner: str  # the creator's username
    mine: bool
    querystring: str  # apply the view: <list URL>?<querystring>
    created_at: dt.datetime
    updated_at: dt.datetime


class SavedViewList(Schema):
    items: list[SavedViewOut]


def _out(actor: Actor, v: Any) -> dict[str, Any]:
    return {
        "id": v.pk,
        "version": v.version,
        "object": v.object_type,
        "name": v.name,
        "query": v.query,
        "shared": v.shared,
        "owner": v.user.username,
        "mine": v.user_id == actor.pk,
        "querystring": saved_views.querystring(v),
        "created_at": v.created_at,
        "updated_at": v.updated_at,
    }


def _detail(status: int, body: dict[str, Any]) -> Any:
    from django.core.serializers.json import DjangoJSONEncoder

    return with_etag(
        JsonResponse(
            body, status=status, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False}
        ),
        body["version"],
    )


@router.get("", response={200: SavedViewList, **ERRORS}, operation_id="saved_view_list")
def saved_view_list(request: ApiRequest, object: str = "") -> Any:
    """The caller's own views and everyone's shared views, by name; `object` (account, contact) narrows."""
    return {
        "items": [_out(request.auth, v) for v in saved_views.saved_view_list(request.auth, object or None)]
    }


@router.post(
    "",
    response={201: SavedViewOut, **ERRORS},
    operation_id="saved_view_create",
    openapi_extra=IDEMPOTENCY_KEY,
)
@idempotent
def saved_view_create(request: ApiRequest, payload: SavedViewIn) -> Any:
    view = saved_views.saved_view_create(
        actor=request.auth,
        object_type=payload.object,
        name=payload.name,
        query=payload.query,
        shared=payload.shared,
    )
    return Status(201, _out(request.auth, view))


@router.get("/{int:view_id}", response={200: SavedViewOut, **ERRORS}, operation_id="saved_view_get")
def saved_view_get(request: ApiRequest, view_id: int) -> Any:
    return _detail(200, _out(request.auth, saved_views.saved_view_get(request.auth, view_id)))


@router.patch(
    "/{int:view_id}",
    response={200: SavedViewOut, **ERRORS},
    operation_id="saved_view_update",
    openapi_extra=IF_MATCH,
)
def saved_view_update(request: ApiRequest, view_id: int, payload: SavedViewPatch) -> Any:
    view = saved_views.saved_view_get(request.auth, view_id)
    view = saved_views.saved_view_update(
        actor=request.auth, view=view, version=if_match(request), data=payload.model_dump(exclude_unset=True)
    )
    return _detail(200, _out(request.auth, view))


@router.delete(
    "/{int:view_id}", response={204: None, **ERRORS}, operation_id="saved_view_delete", openapi_extra=IF_MATCH
)
def saved_view_delete(request: ApiRequest, view_id: int) -> Any:
    view = saved_views.saved_view_get(request.auth, view_id)
    saved_views.saved_view_delete(actor=request.auth, view=view, version=if_match(request))
    return Status(204, None)
