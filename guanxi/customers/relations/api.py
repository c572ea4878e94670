"""Relations in the API: a contact's accounts, subsidiaries, partners and the customers they serve.

    GET    /api/v1/accounts/{id}/contacts                contacts of the account (visible ones)
    GET    /api/v1/contacts/{id}/accounts                accounts of the contact (visible ones)
    POST   /api/v1/contacts/{id}/accounts                link {"account", "role", "title", "is_primary"}
    PATCH  /api/v1/contacts/{id}/accounts/{account_id}   {"role", "title", "is_primary"}   If-Match
    DELETE /api/v1/contacts/{id}/accounts/{account_id}                                     If-Match
    GET    /api/v1/accounts/{id}/subsidiaries
    GET    /api/v1/accounts/{id}/partners ; POST {"partner", "note"} ; DELETE …/{partner_id} (If-Match)
    GET    /api/v1/accounts/{id}/customers               customers a partner serves

A link belongs to the contact (its accounts) or to the customer (its partners): each item's
`version` is that record's version, which a PATCH or DELETE of the link sends as If-Match,
and which every write of a link bumps (relations/services.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import JsonResponse
from ninja import Schema
from ninja.responses import Status
from pydantic import StrictBool, StrictInt

from guanxi.core.api import (
    IDEMPOTENCY_KEY,
    IF_MATCH,
    IF_MATCH_OPTIONAL,
    headers,
    idempotent,
    if_match,
    with_etag,
)
from guanxi.core.schemas import Strict, enum_of

from ..directory import selectors as customer_selectors
from ..directory.api import ERRORS, AccountList, _detail, accounts_out, accounts_router, contacts_router
from ..models import ContactRole
from . import selectors, services

# --- shapes -----------------------------------------------------------------------------------


RoleChoice = Annotated[str, enum_of(ContactRole.choices)]


class LinkIn(Strict):
    account: StrictInt
    role: RoleChoice | None = None
    title: str | None = None
    is_primary: StrictBool | None = None


class LinkPatch(Strict):
    role: RoleChoice | None = None
    title: str | None = None
    is_primary: StrictBool | None = None


class ContactRef(Schema):
    id: int
    display_name: str


class AccountRef(Schema):
    id: int
    name: str


class PartnerRef(Schema):
    id: int
    name: str
    partner_type: str


class AccountLinkOut(Schema):
    account: AccountRef
    role: str
    title: str
    is_primary: bool
    version: int  # the contact's


class ContactLinkOut(Schema):
    contact: ContactRef
    role: str
    title: str
    is_primary: bool
    version: int  # the contact's


class AccountLinkList(Schema):
    items: list[AccountLinkOut]
    next_cursor: str | None


class ContactLinkList(Schema):
    items: list[ContactLinkOut]
    next_cursor: str | None


class PartnerIn(Strict):
    partner: StrictInt
    note: str | None = None


class PartnerOut(Schema):
    partner: PartnerRef
    note: str
    created_at: dt.datetime
    version: int  # the customer's


class CustomerOut(Schema):
    customer: AccountRef
    note: str
    created_at: dt.datetime
    version: int  # the customer's


class PartnerList(Schema):
    items: list[PartnerOut]
    next_cursor: str | None


class CustomerList(Schema):
    items: list[CustomerOut]
    next_cursor: str | None


def _account_link(link, contact) -> dict:
    return {
        "account": {"id": link.account.pk, "name": link.account.name},
        "role": link.role,
        "title": link.title,
        "is_primary": link.is_primary,
        "version": contact.version,
    }


def _contact_link(link, contact) -> dict:
    return {
        "contact": {"id": contact.pk, "display_name": contact.display_name},
        "role": link.role,
        "title": link.title,
        "is_primary": link.is_primary,
        "version": contact.version,
    }


def _partner(link, customer) -> dict:
    p = link.partner
    return {
        "partner": {"id": p.pk, "name": p.name, "partner_type": p.partner_type},
        "note": link.note,
        "created_at": link.created_at,
        "version": customer.version,
    }


# --- a contact's accounts ---------------------------------------------------------------------


@accounts_router.get(
    "/{int:account_id}/contacts", response={200: ContactLinkList, **ERRORS}, operation_id="account_contacts"
)
def account_contacts(request, account_id: int, cursor: str | None = None, limit: int | None = None):
    """The account's contacts the caller may see (primary and linked), by name."""
    account = customer_selectors.account_get(request.auth, account_id)
    page = selectors.account_contacts_page(request.auth, account, cursor=cursor, limit=limit)
    return {"items": [_contact_link(c.link, c) for c in page.items], "next_cursor": page.next_cursor}


@contacts_router.get(
    "/{int:contact_id}/accounts", response={200: AccountLinkList, **ERRORS}, operation_id="contact_accounts"
)
def contact_accounts(request, contact_id: int, cursor: str | None = None, limit: int | None = None):
    """The contact's accounts the caller may see, by name; `is_primary` marks `Contact.account`."""
    contact = customer_selectors.contact_get(request.auth, contact_id)
    page = selectors.contact_accounts_page(request.auth, contact, cursor=cursor, limit=limit)
    body = {"items": [_account_link(a.link, contact) for a in page.items], "next_cursor": page.next_cursor}
    return with_etag(JsonResponse(body, json_dumps_params={"ensure_ascii": False}), contact.version)


@contacts_router.post(
    "/{int:contact_id}/accounts",
    response={201: AccountLinkOut, **ERRORS},
    operation_id="contact_link_account",
    openapi_extra=headers(IF_MATCH_OPTIONAL, IDEMPOTENCY_KEY),
)
@idempotent
def contact_link_account(request, contact_id: int, payload: LinkIn):
    """Link the contact to a visible account (needs update rights on the contact). If-Match optional."""
    contact = customer_selectors.contact_get(request.auth, contact_id)
    link = services.contact_link_account(
        actor=request.auth,
        contact=contact,
        version=if_match(request, required=False),
        data=payload.model_dump(exclude_unset=True),
    )
    return Status(201, _account_link(link, contact))


@contacts_router.patch(
    "/{int:contact_id}/accounts/{int:account_id}",
    response={200: AccountLinkOut, **ERRORS},
    operation_id="contact_update_link",
    openapi_extra=IF_MATCH,
)
def contact_update_link(request, contact_id: int, account_id: int, payload: LinkPatch):
    contact = customer_selectors.contact_get(request.auth, contact_id)
    link = services.contact_update_link(
        actor=request.auth,
        contact=contact,
        account_id=account_id,
        version=if_match(request),
        data=payload.model_dump(exclude_unset=True),
    )
    return _detail(200, _account_link(link, contact))


@contacts_router.delete(
    "/{int:contact_id}/accounts/{int:account_id}",
    response={204: None, **ERRORS},
    operation_id="contact_unlink_account",
    openapi_extra=IF_MATCH,
)
def contact_unlink_account(request, contact_id: int, account_id: int):
    contact = customer_selectors.contact_get(request.auth, contact_id)
    services.contact_unlink_account(
        actor=request.auth, contact=contact, account_id=account_id, version=if_match(request)
    )
    return Status(204, None)


# --- groups and partners ----------------------------------------------------------------------


@accounts_router.get(
    "/{int:account_id}/subsidiaries",
    response={200: AccountList, **ERRORS},
    operation_id="account_subsidiaries",
)
def account_subsidiaries(request, account_id: int, cursor: str | None = None, limit: int | None = None):
    """Direct subsidiaries the caller may see, by name (their own, `?parent=` on the list)."""
    account = customer_selectors.account_get(request.auth, account_id)
    page = selectors.subsidiaries_page(request.auth, account, cursor=cursor, limit=limit)
    return {"items": accounts_out(request.auth, page.items), "next_cursor": page.next_cursor}


@accounts_router.get(
    "/{int:account_id}/partners", response={200: PartnerList, **ERRORS}, operation_id="account_partners"
)
def account_partners(request, account_id: int, cursor: str | None = None, limit: int | None = None):
    """Partners (agents, wholesalers, resellers) serving the account, those the caller may see."""
    customer = customer_selectors.account_get(request.auth, account_id)
    page = selectors.partners_page(request.auth, customer, cursor=cursor, limit=limit)
    return {"items": [_partner(ln, customer) for ln in page.items], "next_cursor": page.next_cursor}


@accounts_router.post(
    "/{int:account_id}/partners",
    response={201: PartnerOut, **ERRORS},
    operation_id="partner_link_add",
    openapi_extra=headers(IF_MATCH_OPTIONAL, IDEMPOTENCY_KEY),
)
@idempotent
def partner_link_add(request, account_id: int, payload: PartnerIn):
    """A visible partner now serves this account (needs update rights on the account). If-Match optional."""
    customer = customer_selectors.account_get(request.auth, account_id)
    link = services.partner_link_add(
        actor=request.auth,
        customer=customer,
        version=if_match(request, required=False),
        data=payload.model_dump(exclude_unset=True),
    )
    return Status(201, _partner(link, customer))


@accounts_router.delete(
    "/{int:account_id}/partners/{int:partner_id}",
    response={204: None, **ERRORS},
    operation_id="partner_link_remove",
    openapi_extra=IF_MATCH,
)
def partner_link_remove(request, account_id: int, partner_id: int):
    customer = customer_selectors.account_get(request.auth, account_id)
    services.partner_link_remove(
        actor=request.auth, customer=customer, partner_id=partner_id, version=if_match(request)
    )
    return Status(204, None)


@accounts_router.get(
    "/{int:account_id}/customers", response={200: CustomerList, **ERRORS}, operation_id="partner_customers"
)
def partner_customers(request, account_id: int, cursor: str | None = None, limit: int | None = None):
    """Customers the partner serves, those the caller may see."""
    partner = customer_selectors.account_get(request.auth, account_id)
    page = selectors.customers_page(request.auth, partner, cursor=cursor, limit=limit)
    return {
        "items": [
            {
                "customer": {"id": ln.customer.pk, "name": ln.customer.name},
                "note": ln.note,
                "created_at": ln.created_at,
                "version": ln.customer.version,
            }
            for ln in page.items
        ],
        "next_cursor": page.next_cursor,
    }
