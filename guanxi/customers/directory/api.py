"""/api/v1/accounts and /api/v1/contacts: parse, call one service or selector, render."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from ninja import Router
from ninja.responses import Status

from guanxi.core.api import IDEMPOTENCY_KEY, idempotent, with_etag
from guanxi.core.schemas import ErrorOut
from guanxi.custom_fields import filters as custom_field_filters
from guanxi.records import exports
from guanxi.records.api import record_routes

from . import selectors, services
from .schemas import (
    AccountIn,
    AccountList,
    AccountOut,
    AccountPatch,
    ContactIn,
    ContactList,
    ContactOut,
    ContactPatch,
    ContactTransferIn,
    TransferIn,
)

accounts_router = Router(tags=["accounts"])
contacts_router = Router(tags=["contacts"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 412: ErrorOut, 428: ErrorOut}


def _owner(obj) -> dict | None:
    """None while the record sits in a shared pool (sales/pools)."""
    return {"id": obj.owner_id, "username": obj.owner.username} if obj.owner_id else None


def account_out(a, visible_parents: set[int] | frozenset = frozenset()) -> dict:
    """`parent` only when the reader may see that account (see accounts_out)."""
    return {
        "id": a.pk,
        "version": a.version,
        "name": a.name,
        "uscc": a.uscc,
        "industry": a.industry,
        "tier": a.tier,
        "phone": a.phone,
        "website": a.website,
        "address": a.address,
        "tags": a.tags,
        "description": a.description,
        "custom_fields": a.custom_fields,
        "owner": _owner(a),
        "created_at": a.created_at,
        "updated_at": a.updated_at,
        "deleted_at": a.deleted_at,
        "parent": a.parent_id if a.parent_id in visible_parents else None,
        "partner_type": a.partner_type,
        # health and lifecycle (read-only: set by follow-ups, the dormancy job and POST …/stage)
        "health": a.health,
        "health_since": a.health_since,
        "lifecycle_stage": a.lifecycle_stage,
        "relationship_level": a.relationship_level,
        "last_contact_at": a.last_contact_at,
        "last_followup_summary": a.last_followup_summary,
        "next_contact_at": a.next_contact_at,
    }


def accounts_out(actor, accounts) -> list[dict]:
    visible = selectors.visible_account_ids(actor, [a.parent_id for a in accounts])
    return [account_out(a, visible) for a in accounts]


def contact_out(c, visible_accounts: set[int]) -> dict:
    """`account` only when the reader may see that account (no oracle through a contact)."""
    return {
        "id": c.pk,
        "version": c.version,
        "name": c.name,
        "display_name": c.display_name,
        "family_name": c.family_name,
        "given_name": c.given_name,
        "account": c.account_id if c.account_id in visible_accounts else None,
        "title": c.title,
        "mobile": c.mobile,
        "phone": c.phone,
        "email": c.email,
        "wechat": c.wechat,
        "notes": c.notes,
        "custom_fields": c.custom_fields,
        "owner": _owner(c),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "deleted_at": c.deleted_at,
    }


def contacts_out(actor, contacts) -> list[dict]:
    visible = selectors.visible_account_ids(actor, [c.account_id for c in contacts])
    return [contact_out(c, visible) for c in contacts]


def _params(q, ordering, cursor, limit, filters) -> selectors.ListParams:
    return selectors.ListParams(
        q=q or "",
        ordering=ordering or selectors.DEFAULT_ORDERING,
        cursor=cursor,
        limit=limit,
        filters=filters,
    )


def _detail(status: int, body: dict) -> HttpResponse:
    return with_etag(
        JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False}, encoder=_encoder()),
        body["version"],
    )


def _encoder():
    from django.core.serializers.json import DjangoJSONEncoder

    return DjangoJSONEncoder


# --- accounts ---------------------------------------------------------------------------------


@accounts_router.get("", response={200: AccountList, **ERRORS}, operation_id="account_list")
def account_list(
    request,
    q: str = "",
    ordering: str = "",
    cursor: str | None = None,
    limit: int | None = None,
    industry: str = "",
    tier: str = "",
    owner: str = "",
    parent: str = "",
    partner_type: str = "",
    health: str = "",
    lifecycle_stage: str = "",
    relationship_level: str = "",
):
    """Accounts the caller may see. `q` searches names, USCC and phones (characters, pinyin, initials, digits).
    `parent` lists a visible parent's subsidiaries; `partner_type` the partners of one type.
    `health` (active, drifting, dormant), `lifecycle_stage` and `relationship_level` filter by health and lifecycle.
    `cf_<key>=value` filters by a custom field (exact value; see GET /api/v1/custom-fields)."""
    page = selectors.account_list(
        request.auth,
        _params(
            q,
            ordering,
            cursor,
            limit,
            {
                "industry": industry,
                "tier": tier,
                "owner": owner,
                "parent": parent,
                "partner_type": partner_type,
                "health": health,
                "lifecycle_stage": lifecycle_stage,
                "relationship_level": relationship_level,
                **custom_field_filters.filter_params(request.GET),
            },
        ),
    )
    return {"items": accounts_out(request.auth, page.items), "next_cursor": page.next_cursor}


@accounts_router.get("/export", response={200: None, **ERRORS}, operation_id="account_export")
def account_export(request, format: str = "csv", q: str = ""):
    """CSV or XLSX of the accounts the caller may export (the export scope), with every filter of
    the list as the same query parameters (industry, tier, owner, …, cf_<key>); formulas neutralized.
    For big lists prefer POST /api/v1/accounts/export-jobs."""
    return exports.response(
        exports.build(request.auth, "account", q=q, filters=exports.list_filters(request.GET)),
        exports.check_format(format),
    )


@accounts_router.post(
    "", response={201: AccountOut, **ERRORS}, operation_id="account_create", openapi_extra=IDEMPOTENCY_KEY
)
@idempotent
def account_create(request, payload: AccountIn):
    account = services.account_create(actor=request.auth, data=payload.model_dump(exclude_unset=True))
    return Status(201, accounts_out(request.auth, [account])[0])


# --- contacts ---------------------------------------------------------------------------------


@contacts_router.get("", response={200: ContactList, **ERRORS}, operation_id="contact_list")
def contact_list(
    request,
    q: str = "",
    ordering: str = "",
    cursor: str | None = None,
    limit: int | None = None,
    account: str = "",
    owner: str = "",
    has_email: str = "",
    has_mobile: str = "",
):
    """Contacts the caller may see. `q` searches names (characters, pinyin, initials), phones and emails.
    `cf_<key>=value` filters by a custom field (exact value; see GET /api/v1/custom-fields)."""
    filters = {
        "account": account,
        "owner": owner,
        "has_email": has_email,
        "has_mobile": has_mobile,
        **custom_field_filters.filter_params(request.GET),
    }
    page = selectors.contact_list(request.auth, _params(q, ordering, cursor, limit, filters))
    return {"items": contacts_out(request.auth, page.items), "next_cursor": page.next_cursor}


@contacts_router.get("/export", response={200: None, **ERRORS}, operation_id="contact_export")
def contact_export(request, format: str = "csv", q: str = ""):
    """CSV or XLSX of the contacts the caller may export, with every filter of the list; see account_export."""
    return exports.response(
        exports.build(request.auth, "contact", q=q, filters=exports.list_filters(request.GET)),
        exports.check_format(format),
    )


@contacts_router.post(
    "", response={201: ContactOut, **ERRORS}, operation_id="contact_create", openapi_extra=IDEMPOTENCY_KEY
)
@idempotent
def contact_create(request, payload: ContactIn):
    contact = services.contact_create(actor=request.auth, data=payload.model_dump(exclude_unset=True))
    return Status(201, contacts_out(request.auth, [contact])[0])


# --- the standard record endpoints (records/api.py) ------------------------------------------

record_routes(
    accounts_router,
    kind="account",
    out=AccountOut,
    page=AccountList,
    read=selectors.account_get,
    render=accounts_out,
    bin=selectors.account_list,
    update=(AccountPatch, services.account_update),
    delete=services.account_delete,
    restore=services.account_restore,
    transfer=(TransferIn, services.account_transfer),
    collaborators=True,
)
record_routes(
    contacts_router,
    kind="contact",
    out=ContactOut,
    page=ContactList,
    read=selectors.contact_get,
    render=contacts_out,
    bin=selectors.contact_list,
    update=(ContactPatch, services.contact_update),
    delete=services.contact_delete,
    restore=services.contact_restore,
    transfer=(ContactTransferIn, services.contact_transfer),
    collaborators=True,
)
