"""Writes to accounts and contacts. The UI, the API and jobs all come through here."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.core import cleaning as c
from guanxi.core.errors import ValidationFailed
from guanxi.core.services import check_version, full_clean, model_update
from guanxi.core.validators import split_chinese_name
from guanxi.custom_fields import values as custom_fields
from guanxi.org.models import Action, User
from guanxi.policies import access
from guanxi.search import services as search

from ..duplicates import selectors as duplicates
from ..models import Account, Contact, Industry, PartnerType, Tier
from ..relations import services as relations
from .names import company_key, person_key

ACCOUNT_CLEANERS = {
    "name": c.text(200, required=True),
    "uscc": c.uscc,
    "industry": c.choice(Industry.choices),
    "tier": c.choice(Tier.choices),
    "phone": c.phone,
    "website": c.url,
    "address": c.text(500),
    "tags": c.tags,
    "description": c.text(5000, multiline=True),
    "parent": lambda v: v,  # resolved against the access layer, cycles refused: relations.resolve_parent
    "partner_type": c.choice(PartnerType.choices),
}

CONTACT_CLEANERS = {
    "name": c.text(100, required=True),
    "family_name": c.text(50),
    "given_name": c.text(50),
    "account": lambda v: v,  # resolved against the access layer in _resolve_account
    "title": c.text(100),
    "mobile": c.phone,
    "phone": c.phone,
    "email": c.email,
    "wechat": c.text(50),
    "notes": c.text(5000, multiline=True),
}


def _clean_custom_fields(data: dict, object_type: str, instance=None) -> dict | None:
    """Pop `custom_fields` and check it against the definitions (custom_fields/values.py): the
    record's new values (merged into the current ones), or None for an update that leaves them."""
    if instance is not None and "custom_fields" not in data:
        data.pop("custom_fields", None)
        return None
    return custom_fields.clean_values(
        object_type,
        data.pop("custom_fields", None),
        current=instance.custom_fields if instance is not None else None,
        creating=instance is None,
    )


def _clean(data: dict, cleaners: dict, object_type: str, instance=None, **kwargs) -> tuple[dict, dict | None]:
    """clean_payload() and the custom fields, with the errors of both reported at once."""
    errors: dict = {}
    custom: dict[str, Any] | None = None
    cleaned: dict[str, Any] = {}
    try:
        custom = _clean_custom_fields(data, object_type, instance)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    try:
        cleaned = c.clean_payload(data, cleaners, **kwargs)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return cleaned, custom


def _resolve_account(actor, value) -> Account | None:
    return access.resolve(
        actor,
        Account,
        value,
        field="account",
        invalid=_("Choose an account."),
        missing=_("This account does not exist or you cannot see it."),
    )


def _fill_name_parts(data: dict, instance: Contact | None = None) -> None:
    """Chinese names are stored as given; family/given parts derived when not sent."""
    name = data.get("name", instance.name if instance else "")
    if "name" in data and not data.get("family_name") and not data.get("given_name"):
        family, given = split_chinese_name(name)
        data["family_name"], data["given_name"] = family, given


def _changed(obj, cleaned: dict) -> dict:
    """The cleaned values that differ from the record's: what an update's duplicate check looks at."""
    return {k: v for k, v in cleaned.items() if getattr(obj, k, None) != v}


def _set_name_key(obj, key: str) -> None:
    """Keep the duplicate check's name key in step with the name (directory/names.py)."""
    if obj.name_key != key:
        type(obj)._base_manager.filter(pk=obj.pk).update(name_key=key)
        obj.name_key = key


# --- accounts ---------------------------------------------------------------------------------


@transaction.atomic
def account_create(*, actor, data: dict) -> Account:
    access.require(actor, Action.CREATE, model=Account)
    data = dict(data)
    cleaned, custom = _clean(data, ACCOUNT_CLEANERS, "account", required={"name"})
    if "parent" in cleaned:
        cleaned["parent"] = relations.resolve_parent(actor, cleaned["parent"], account=None)
    duplicates.enforce(Account, cleaned)
    account = Account(
        **cleaned,
        custom_fields=custom,
        owner=actor,
        created_by=actor,
        owned_since=timezone.now(),
        name_key=company_key(cleaned["name"]),
    )
    full_clean(account)
    account.save()
    audit.record(
        actor=actor,
        verb="create",
        obj=account,
        changes={
            **{k: (None, v) for k, v in cleaned.items() if v not in ("", [], None)},
            **custom_fields.audit_changes({"custom_fields": ({}, custom)}),
        },
    )
    search.index(account)
    return account


@transaction.atomic
def account_update(*, actor, account: Account, data: dict, version: int | None) -> Account:
    access.require(actor, Action.UPDATE, account)
    data = dict(data)
    cleaned, custom = _clean(data, ACCOUNT_CLEANERS, "account", account, partial=True)
    if "parent" in cleaned:  # unchanged: kept even if the actor cannot see it
        same = (cleaned["parent"] in (None, "") and account.parent_id is None) or str(
            cleaned["parent"]
        ) == str(account.parent_id)
        cleaned["parent"] = (
            account.parent if same else relations.resolve_parent(actor, cleaned["parent"], account=account)
        )
    if "partner_type" in cleaned:
        relations.check_partner_type_change(account, cleaned["partner_type"])
    duplicates.enforce(Account, _changed(account, cleaned), exclude_id=account.pk)
    if custom is not None:
        cleaned["custom_fields"] = custom
    changes = model_update(
        account, fields=[*ACCOUNT_CLEANERS, "custom_fields"], data=cleaned, expected_version=version
    )
    if "name" in changes:
        _set_name_key(account, company_key(account.name))
    if changes:
        audit.record(
            actor=actor, verb="update", obj=account, changes=custom_fields.audit_changes(dict(changes))
        )
        search.index(account)
    return account


def _soft_delete(actor, obj, version: int | None) -> None:
    access.require(actor, Action.DELETE, obj)
    check_version(obj, version)
    now = timezone.now()
    updated = (
        type(obj)
        ._base_manager.filter(pk=obj.pk, version=obj.version, deleted_at__isnull=True)
        .update(deleted_at=now, deleted_by=actor, version=obj.version + 1, updated_at=now)
    )
    if not updated:
        from guanxi.core.errors import VersionConflict

        raise VersionConflict()
    obj.deleted_at, obj.deleted_by, obj.version = now, actor, obj.version + 1
    audit.record(actor=actor, verb="delete", obj=obj)
    search.remove(obj)


def _restore(actor, obj) -> None:
    access.require(actor, Action.DELETE, obj)
    now = timezone.now()
    type(obj)._base_manager.filter(pk=obj.pk).update(
        deleted_at=None, deleted_by=None, version=obj.version + 1, updated_at=now
    )
    obj.deleted_at, obj.deleted_by, obj.version = None, None, obj.version + 1
    audit.record(actor=actor, verb="restore", obj=obj)
    search.index(obj)


def _transfer(actor, obj, new_owner) -> None:
    access.require(actor, Action.TRANSFER, obj)
    if isinstance(new_owner, str):
        new_owner = User.objects.filter(username=new_owner, is_active=True).first()
    if new_owner is None or not new_owner.is_active:
        raise ValidationFailed(fields={"owner": [_("Choose an active user.")]})
    if new_owner.pk == obj.owner_id:
        return
    old = obj.owner
    now = timezone.now()
    extra = {"owned_since": now} if hasattr(obj, "owned_since") else {}
    type(obj)._base_manager.filter(pk=obj.pk).update(
        owner=new_owner, version=obj.version + 1, updated_at=now, **extra
    )
    obj.owner, obj.version, obj.updated_at = new_owner, obj.version + 1, now
    event = audit.record(
        actor=actor,
        verb="transfer",
        obj=obj,
        changes={"owner": (old.username if old else None, new_owner.username)},
    )
    search.set_owner(obj.POLICY_OBJECT_TYPE, [obj.pk], new_owner.pk)
    if new_owner.pk != getattr(actor, "pk", None):
        from guanxi.core.background import enqueue_after_commit

        from ..background import send_transfer_notice

        enqueue_after_commit(send_transfer_notice, event.pk)


@transaction.atomic
def account_delete(*, actor, account: Account, version: int | None) -> None:
    _soft_delete(actor, account, version)


@transaction.atomic
def account_restore(*, actor, account: Account) -> Account:
    _restore(actor, account)
    return account


@transaction.atomic
def account_transfer(*, actor, account: Account, owner, with_contacts: bool = False) -> Account:
    _transfer(actor, account, owner)
    if with_contacts:
        for contact in (
            access.scope(actor, Contact, Action.TRANSFER).filter(account=account).exclude(owner=account.owner)
        ):
            _transfer(actor, contact, account.owner)
    return account


# --- contacts ---------------------------------------------------------------------------------


@transaction.atomic
def contact_create(*, actor, data: dict) -> Contact:
    access.require(actor, Action.CREATE, model=Contact)
    data = dict(data)
    cleaned, custom = _clean(data, CONTACT_CLEANERS, "contact", required={"name"})
    cleaned["account"] = _resolve_account(actor, cleaned.get("account"))
    _fill_name_parts(cleaned)
    duplicates.enforce(Contact, cleaned)
    contact = Contact(
        **cleaned, custom_fields=custom, owner=actor, created_by=actor, name_key=person_key(cleaned["name"])
    )
    full_clean(contact)
    contact.save()
    if contact.account_id:
        relations.sync_primary_link(contact, None)
    audit.record(
        actor=actor,
        verb="create",
        obj=contact,
        changes={
            **{k: (None, v) for k, v in cleaned.items() if v not in ("", None)},
            **custom_fields.audit_changes({"custom_fields": ({}, custom)}),
        },
    )
    search.index(contact)
    return contact


@transaction.atomic
def contact_update(*, actor, contact: Contact, data: dict, version: int | None) -> Contact:
    access.require(actor, Action.UPDATE, contact)
    data = dict(data)
    cleaned, custom = _clean(data, CONTACT_CLEANERS, "contact", contact, partial=True)
    if "account" in cleaned:
        new_account = cleaned["account"]
        if new_account in ("", None) or str(getattr(new_account, "pk", new_account)) != str(
            contact.account_id
        ):
            cleaned["account"] = _resolve_account(actor, new_account)
        else:
            cleaned["account"] = contact.account
    _fill_name_parts(cleaned, contact)
    duplicates.enforce(Contact, _changed(contact, cleaned), exclude_id=contact.pk)
    old_account_id = contact.account_id
    if custom is not None:
        cleaned["custom_fields"] = custom
    changes = model_update(
        contact, fields=[*CONTACT_CLEANERS, "custom_fields"], data=cleaned, expected_version=version
    )
    if "account" in changes:
        relations.sync_primary_link(contact, old_account_id)  # the primary link mirrors Contact.account
    if "name" in changes:
        _set_name_key(contact, person_key(contact.name))
    if changes:
        audit.record(
            actor=actor, verb="update", obj=contact, changes=custom_fields.audit_changes(dict(changes))
        )
        search.index(contact)
    return contact


@transaction.atomic
def contact_delete(*, actor, contact: Contact, version: int | None) -> None:
    _soft_delete(actor, contact, version)


@transaction.atomic
def contact_restore(*, actor, contact: Contact) -> Contact:
    _restore(actor, contact)
    return contact


@transaction.atomic
def contact_transfer(*, actor, contact: Contact, owner) -> Contact:
    _transfer(actor, contact, owner)
    return contact
