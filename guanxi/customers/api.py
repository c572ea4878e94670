"""/api/v1/accounts and /api/v1/contacts: parse, call one service or selector, render."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from ninja import Router
from ninja.responses import Status

from guanxi.core.api import idempotent, if_match, with_etag

from . import exports, selectors, services
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
    ErrorOut,
    TransferIn,
)

accounts_router = Router(tags=["accounts"])
contacts_router = Router(tags=["contacts"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 412: ErrorOut, 428: ErrorOut}


def _owner(obj) -> dict:
    return {"id": obj.owner_id, "username": obj.owner.username}


def account_out(a) -> dict:
    return {
        "id": a.pk, "version": a.version, "name": a.name, "uscc": a.uscc, "industry": a.industry, "tier": a.tier,
        "phone": a.phone, "website": a.website, "address": a.address, "tags": a.tags, "description": a.description,
        "custom_fields": a.custom_fields, "owner": _owner(a), "created_at": a.created_at, "updated_at": a.updated_at,
        "deleted_at": a.deleted_at,
    }


def contact_out(c, visible_accounts: set[int]) -> dict:
    """`account` only when the reader may see that account (no oracle through a contact)."""
    return {
        "id": c.pk, "version": c.version, "name": c.name, "display_name": c.display_name,
        "family_name": c.family_name, "given_name": c.given_name,
        "account": c.account_id if c.account_id in visible_accounts else None, "title": c.title,
        "mobile": c.mobile, "phone": c.phone, "email": c.email, "wechat": c.wechat, "notes": c.notes,
        "custom_fields": c.custom_fields, "owner": _owner(c), "created_at": c.created_at,
        "updated_at": c.updated_at, "deleted_at": c.deleted_at,
    }


def contacts_out(actor, contacts) -> list[dict]:
    visible = selectors.visible_account_ids(actor, [c.account_id for c in contacts])
    return [contact_out(c, visible) for c in contacts]


def _contact_detail(actor, contact) -> HttpResponse:
    return _detail(200, contacts_out(actor, [contact])[0])


def _params(q, ordering, cursor, limit, filters) -> selectors.ListParams:
    return selectors.ListParams(q=q or "", ordering=ordering or selectors.DEFAULT_ORDERING, cursor=cursor,
                                limit=limit, filters=filters)


def _detail(status: int, body: dict) -> HttpResponse:
    return with_etag(JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False},
                                  encoder=_encoder()), body["version"])


def _encoder():
    from django.core.serializers.json import DjangoJSONEncoder
    return DjangoJSONEncoder


# --- accounts ---------------------------------------------------------------------------------

@accounts_router.get("", response={200: AccountList, **ERRORS}, operation_id="account_list")
def account_list(request, q: str = "", ordering: str = "", cursor: str | None = None, limit: int | None = None,
                 industry: str = "", tier: str = "", owner: str = ""):
    """Accounts the caller may see. `q` searches names, USCC and phones (characters, pinyin, initials, digits)."""
    page = selectors.account_list(request.auth, _params(q, ordering, cursor, limit,
                                                        {"industry": industry, "tier": tier, "owner": owner}))
    return {"items": [account_out(a) for a in page.items], "next_cursor": page.next_cursor}


@accounts_router.get("/export", response={200: None, **ERRORS}, operation_id="account_export")
def account_export(request, format: str = "csv", q: str = "", industry: str = "", tier: str = "", owner: str = ""):
    """CSV of the accounts the caller may export, with the list's filters; formulas neutralized."""
    rows = exports.account_rows(request.auth, q=q, filters={"industry": industry, "tier": tier, "owner": owner},
                                fmt=format)
    return exports.csv_response(rows, "accounts.csv")


@accounts_router.get("/recycle-bin", response={200: AccountList, **ERRORS}, operation_id="account_recycle_bin")
def account_recycle_bin(request, cursor: str | None = None, limit: int | None = None):
    page = selectors.account_list(request.auth, selectors.ListParams(cursor=cursor, limit=limit), deleted=True)
    return {"items": [account_out(a) for a in page.items], "next_cursor": page.next_cursor}


@accounts_router.post("", response={201: AccountOut, **ERRORS}, operation_id="account_create")
@idempotent
def account_create(request, payload: AccountIn):
    account = services.account_create(actor=request.auth, data=payload.model_dump(exclude_unset=True))
    return Status(201, account_out(account))


@accounts_router.get("/{int:account_id}", response={200: AccountOut, **ERRORS}, operation_id="account_get")
def account_get(request, account_id: int):
    return _detail(200, account_out(selectors.account_get(request.auth, account_id)))


@accounts_router.patch("/{int:account_id}", response={200: AccountOut, **ERRORS}, operation_id="account_update")
def account_update(request, account_id: int, payload: AccountPatch):
    account = selectors.account_get(request.auth, account_id)
    account = services.account_update(actor=request.auth, account=account, version=if_match(request),
                                      data=payload.model_dump(exclude_unset=True))
    return _detail(200, account_out(account))


@accounts_router.delete("/{int:account_id}", response={204: None, **ERRORS}, operation_id="account_delete")
def account_delete(request, account_id: int):
    account = selectors.account_get(request.auth, account_id)
    services.account_delete(actor=request.auth, account=account, version=if_match(request))
    return Status(204, None)


@accounts_router.post("/{int:account_id}/restore", response={200: AccountOut, **ERRORS}, operation_id="account_restore")
def account_restore(request, account_id: int):
    account = selectors.account_get(request.auth, account_id, deleted=True)
    return _detail(200, account_out(services.account_restore(actor=request.auth, account=account)))


@accounts_router.post("/{int:account_id}/transfer", response={200: AccountOut, **ERRORS}, operation_id="account_transfer")
def account_transfer(request, account_id: int, payload: TransferIn):
    account = selectors.account_get(request.auth, account_id)
    account = services.account_transfer(actor=request.auth, account=account, owner=payload.owner,
                                        with_contacts=payload.with_contacts)
    return _detail(200, account_out(account))


# --- contacts ---------------------------------------------------------------------------------

@contacts_router.get("", response={200: ContactList, **ERRORS}, operation_id="contact_list")
def contact_list(request, q: str = "", ordering: str = "", cursor: str | None = None, limit: int | None = None,
                 account: str = "", owner: str = "", has_email: str = "", has_mobile: str = ""):
    """Contacts the caller may see. `q` searches names (characters, pinyin, initials), phones and emails."""
    filters = {"account": account, "owner": owner, "has_email": has_email, "has_mobile": has_mobile}
    page = selectors.contact_list(request.auth, _params(q, ordering, cursor, limit, filters))
    return {"items": contacts_out(request.auth, page.items), "next_cursor": page.next_cursor}


@contacts_router.get("/export", response={200: None, **ERRORS}, operation_id="contact_export")
def contact_export(request, format: str = "csv", q: str = "", account: str = "", owner: str = ""):
    rows = exports.contact_rows(request.auth, q=q, filters={"account": account, "owner": owner}, fmt=format)
    return exports.csv_response(rows, "contacts.csv")


@contacts_router.get("/recycle-bin", response={200: ContactList, **ERRORS}, operation_id="contact_recycle_bin")
def contact_recycle_bin(request, cursor: str | None = None, limit: int | None = None):
    page = selectors.contact_list(request.auth, selectors.ListParams(cursor=cursor, limit=limit), deleted=True)
    return {"items": contacts_out(request.auth, page.items), "next_cursor": page.next_cursor}


@contacts_router.post("", response={201: ContactOut, **ERRORS}, operation_id="contact_create")
@idempotent
def contact_create(request, payload: ContactIn):
    contact = services.contact_create(actor=request.auth, data=payload.model_dump(exclude_unset=True))
    return Status(201, contacts_out(request.auth, [contact])[0])


@contacts_router.get("/{int:contact_id}", response={200: ContactOut, **ERRORS}, operation_id="contact_get")
def contact_get(request, contact_id: int):
    return _contact_detail(request.auth, selectors.contact_get(request.auth, contact_id))


@contacts_router.patch("/{int:contact_id}", response={200: ContactOut, **ERRORS}, operation_id="contact_update")
def contact_update(request, contact_id: int, payload: ContactPatch):
    contact = selectors.contact_get(request.auth, contact_id)
    contact = services.contact_update(actor=request.auth, contact=contact, version=if_match(request),
                                      data=payload.model_dump(exclude_unset=True))
    return _contact_detail(request.auth, contact)


@contacts_router.delete("/{int:contact_id}", response={204: None, **ERRORS}, operation_id="contact_delete")
def contact_delete(request, contact_id: int):
    contact = selectors.contact_get(request.auth, contact_id)
    services.contact_delete(actor=request.auth, contact=contact, version=if_match(request))
    return Status(204, None)


@contacts_router.post("/{int:contact_id}/restore", response={200: ContactOut, **ERRORS}, operation_id="contact_restore")
def contact_restore(request, contact_id: int):
    contact = selectors.contact_get(request.auth, contact_id, deleted=True)
    return _contact_detail(request.auth, services.contact_restore(actor=request.auth, contact=contact))


@contacts_router.post("/{int:contact_id}/transfer", response={200: ContactOut, **ERRORS}, operation_id="contact_transfer")
def contact_transfer(request, contact_id: int, payload: ContactTransferIn):
    contact = selectors.contact_get(request.auth, contact_id)
    contact = services.contact_transfer(actor=request.auth, contact=contact, owner=payload.owner)
    return _contact_detail(request.auth, contact)

