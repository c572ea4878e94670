"""/api/v1/leads: parse, call one service or selector, render."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from ninja import Router
from ninja.responses import Status

from guanxi.core.api import IDEMPOTENCY_KEY, IF_MATCH_OPTIONAL, idempotent, if_match, with_etag
from guanxi.core.schemas import ErrorOut
from guanxi.org import rights
from guanxi.records.api import record_routes

from . import conversion, selectors, services
from .schemas import (
    LeadConvertIn,
    LeadConvertOut,
    LeadIn,
    LeadList,
    LeadOut,
    LeadPatch,
    LeadStatusIn,
    LeadTransferIn,
)

router = Router(tags=["leads"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 412: ErrorOut, 428: ErrorOut}


def leads_out(actor, leads) -> list[dict]:
    """`pool`, `form` and what a converted lead became only when the caller may see them
    (pools they belong to; web forms are administrators' settings)."""
    links = selectors.converted_links(actor, leads)
    pools = selectors.visible_pools(actor, leads)
    forms = rights.has(actor, "manage_lead_forms")
    return [
        {
            "id": x.pk,
            "version": x.version,
            "name": x.name,
            "company": x.company,
            "title": x.title,
            "mobile": x.mobile,
            "phone": x.phone,
            "email": x.email,
            "wechat": x.wechat,
            "source": x.source,
            "province": x.province,
            "city": x.city,
            "industry": x.industry,
            "status": x.status,
            "unqualified_reason": x.unqualified_reason,
            "description": x.description,
            "score": x.score,
            "score_reasons": x.score_reasons or [],
            "owner": {"id": x.owner_id, "username": x.owner.username} if x.owner_id else None,
            "pool": x.pool_id if x.pool_id in pools else None,
            "form": x.form_id if forms else None,
            "consent_text": x.consent_text,
            "consent_at": x.consent_at,
            "last_contact_at": x.last_contact_at,
            "converted": links.get(x.pk),
            "converted_at": x.converted_at,
            "created_at": x.created_at,
            "updated_at": x.updated_at,
            "deleted_at": x.deleted_at,
        }
        for x in leads
    ]


def _detail(actor, lead, status: int = 200) -> HttpResponse:
    body = leads_out(actor, [lead])[0]
    return with_etag(
        JsonResponse(
            body, status=status, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False}
        ),
        body["version"],
    )


@router.get("", response={200: LeadList, **ERRORS}, operation_id="lead_list")
def lead_list(
    request,
    q: str = "",
    ordering: str = "",
    cursor: str | None = None,
    limit: int | None = None,
    status: str = "",
    source: str = "",
    owner: str = "",
    province: str = "",
    city: str = "",
    industry: str = "",
    form: str = "",
    score_min: str = "",
):
    """Leads the caller may see (leads in a pool: GET /api/v1/pools/{id}/records). `q` searches names,
    companies, phones and emails. `ordering`: updated_at, created_at, score, name (`-` descending)."""
    filters = {
        "status": status,
        "source": source,
        "owner": owner,
        "province": province,
        "city": city,
        "industry": industry,
        "form": form,
        "score_min": score_min,
    }
    page = selectors.lead_list(
        request.auth,
        selectors.ListParams(
            q=q or "",
            ordering=ordering or selectors.DEFAULT_ORDERING,
            cursor=cursor,
            limit=limit,
            filters=filters,
        ),
    )
    return {"items": leads_out(request.auth, page.items), "next_cursor": page.next_cursor}


@router.post("", response={201: LeadOut, **ERRORS}, operation_id="lead_create", openapi_extra=IDEMPOTENCY_KEY)
@idempotent
def lead_create(request, payload: LeadIn):
    data = payload.model_dump(exclude_unset=True)
    route = data.pop("route", False)
    lead = services.lead_create(actor=request.auth, data=data, route=route)
    return Status(201, leads_out(request.auth, [lead])[0])


record_routes(
    router,
    kind="lead",
    out=LeadOut,
    page=LeadList,
    read=selectors.lead_get,
    render=leads_out,
    bin=selectors.lead_list,
    update=(LeadPatch, services.lead_update),
    delete=services.lead_delete,
    restore=services.lead_restore,
    transfer=(LeadTransferIn, services.lead_transfer),
)


@router.post(
    "/{int:lead_id}/status",
    response={200: LeadOut, **ERRORS},
    operation_id="lead_set_status",
    openapi_extra=IF_MATCH_OPTIONAL,
)
def lead_set_status(request, lead_id: int, payload: LeadStatusIn):
    """working, qualified, unqualified (`reason` required) or new. `If-Match` is optional here."""
    lead = selectors.lead_get(request.auth, lead_id)
    lead = services.lead_set_status(
        actor=request.auth,
        lead=lead,
        status=payload.status,
        reason=payload.reason or "",
        version=if_match(request, required=False),
    )
    return _detail(request.auth, lead)


@router.post("/{int:lead_id}/convert", response={200: LeadConvertOut, **ERRORS}, operation_id="lead_convert")
def lead_convert(request, lead_id: int, payload: LeadConvertIn):
    """Create or link an account and a contact (through the duplicate check), optionally an
    opportunity, in one transaction. A converted lead is read-only."""
    lead = selectors.lead_get(request.auth, lead_id)
    data = payload.model_dump(exclude_unset=True)
    opportunity = data.get("opportunity")
    if opportunity is not None:
        opportunity = {k: v for k, v in opportunity.items() if v is not None}
    return conversion.lead_convert(
        actor=request.auth, lead=lead, account=data.get("account"), opportunity=opportunity
    )
