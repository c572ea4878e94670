"""/api/v1/lead-forms: web-to-lead forms, administrators only (everyone else 403)."""

from __future__ import annotations

import datetime as dt

from django.http import JsonResponse
from django.urls import reverse
from ninja import Router, Schema
from ninja.responses import NinjaJSONEncoder, Status

from guanxi.core.api import IDEMPOTENCY_KEY, IF_MATCH, IF_MATCH_OPTIONAL, idempotent, if_match, with_etag
from guanxi.core.schemas import ErrorOut, OwnerOut
from guanxi.org.api_rights import needs
from guanxi.sales.models import LeadForm

from .. import configuration as c
from . import services
from .schemas import LeadFormIn, LeadFormPatch

router = Router(tags=["web forms"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 412: ErrorOut, 428: ErrorOut}


class FieldOut(Schema):
    name: str
    required: bool
    label: str
    labels: dict[str, str]


class LeadFormOut(Schema):
    id: int
    version: int
    name: str
    slug: str
    fields: list[FieldOut]
    title: str
    titles: dict[str, str]
    consent_text: str
    consent_texts: dict[str, str]
    success_message: str
    success_messages: dict[str, str]
    source: str
    pool: int | None
    owner: OwnerOut | None
    active: bool
    submissions: int
    url: str
    embed_url: str
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None


class LeadFormList(Schema):
    items: list[LeadFormOut]
    next_cursor: str | None


def form_out(request, form: LeadForm) -> dict:
    url = request.build_absolute_uri(reverse("lead_form_public", args=[form.slug]))
    return {
        "id": form.pk,
        "version": form.version,
        "name": form.name,
        "slug": form.slug,
        "fields": [
            {
                "name": f["name"],
                "required": bool(f.get("required")),
                "label": services.field_label(f),
                "labels": c.texts_of(f, "label"),
            }
            for f in form.fields
        ],
        "title": form.title,
        "titles": c.texts_of(form, "title"),
        "consent_text": form.consent_text,
        "consent_texts": c.texts_of(form, "consent_text"),
        "success_message": form.success_message,
        "success_messages": c.texts_of(form, "success_message"),
        "source": form.source,
        "pool": form.pool_id,
        "owner": {"id": form.owner.pk, "username": form.owner.username} if form.owner_id else None,
        "active": form.active,
        "submissions": form.submissions,
        "url": url,
        "embed_url": f"{url}?embed=1",
        "created_at": form.created_at,
        "updated_at": form.updated_at,
        "deleted_at": form.deleted_at,
    }


def _detail(request, form: LeadForm, status: int = 200):
    response = JsonResponse(
        form_out(request, form),
        status=status,
        encoder=NinjaJSONEncoder,
        json_dumps_params={"ensure_ascii": False},
    )
    return with_etag(response, form.version)


def _data(payload: Schema) -> dict:
    return payload.model_dump(exclude_unset=True)


@router.get(
    "", response={200: LeadFormList, **ERRORS}, operation_id="lead_form_list", auth=needs("manage_lead_forms")
)
def lead_form_list(
    request, q: str = "", ordering: str = "", cursor: str | None = None, limit: int | None = None
):
    """Web forms by name (`ordering=name|-created_at|updated_at…`), `q` in name or address."""
    page = services.lead_form_list(request.auth, ordering=ordering or "name", cursor=cursor, limit=limit, q=q)
    return {"items": [form_out(request, f) for f in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/recycle-bin",
    response={200: LeadFormList, **ERRORS},
    operation_id="lead_form_recycle_bin",
    auth=needs("manage_lead_forms"),
)
def lead_form_recycle_bin(request, cursor: str | None = None, limit: int | None = None):
    page = services.lead_form_list(request.auth, ordering="name", cursor=cursor, limit=limit, deleted=True)
    return {"items": [form_out(request, f) for f in page.items], "next_cursor": page.next_cursor}


@router.post(
    "",
    response={201: LeadFormOut, **ERRORS},
    operation_id="lead_form_create",
    auth=needs("manage_lead_forms"),
    openapi_extra=IDEMPOTENCY_KEY,
)
@idempotent
def lead_form_create(request, payload: LeadFormIn):
    form = services.lead_form_create(actor=request.auth, data=_data(payload))
    return Status(201, form_out(request, form))


@router.get(
    "/{int:form_id}",
    response={200: LeadFormOut, **ERRORS},
    operation_id="lead_form_get",
    auth=needs("manage_lead_forms"),
)
def lead_form_get(request, form_id: int):
    return _detail(request, services.lead_form_get(request.auth, form_id))


@router.patch(
    "/{int:form_id}",
    response={200: LeadFormOut, **ERRORS},
    operation_id="lead_form_update",
    auth=needs("manage_lead_forms"),
    openapi_extra=IF_MATCH,
)
def lead_form_update(request, form_id: int, payload: LeadFormPatch):
    form = services.lead_form_get(request.auth, form_id)  # 403 before If-Match for non-administrators
    form = services.lead_form_update(
        actor=request.auth, form=form, data=_data(payload), version=if_match(request)
    )
    return _detail(request, form)


@router.delete(
    "/{int:form_id}",
    response={204: None, **ERRORS},
    operation_id="lead_form_delete",
    auth=needs("manage_lead_forms"),
    openapi_extra=IF_MATCH,
)
def lead_form_delete(request, form_id: int):
    """To the recycle bin: the public page answers 404; leads it made stay."""
    form = services.lead_form_get(request.auth, form_id)
    services.lead_form_delete(actor=request.auth, form=form, version=if_match(request))
    return Status(204, None)


@router.post(
    "/{int:form_id}/restore",
    response={200: LeadFormOut, **ERRORS},
    operation_id="lead_form_restore",
    auth=needs("manage_lead_forms"),
    openapi_extra=IF_MATCH_OPTIONAL,
)
def lead_form_restore(request, form_id: int):
    form = services.lead_form_get(request.auth, form_id, deleted=True)
    version = if_match(request, required=False)
    return _detail(request, services.lead_form_restore(actor=request.auth, form=form, version=version))
