"""Relations between customers: a contact's accounts, parent companies, partners.

- **Contact ↔ accounts.** A contact may work with several accounts (`ContactAccount`, each with
  a role and a title). At most one link is primary, and the primary link always mirrors
  `Contact.account`: contact_create/contact_update move it (`sync_primary_link`), and making a
  link primary here sets `Contact.account`. Every contact with an account has the row of its
  primary link (migration 0004 added the missing ones; the services and the demo loader write
  them), so the account side reads the link rows alone; a contact's own list still shows
  `Contact.account` without its row, and writes here add a missing row first.
- **Parent and subsidiaries.** `Account.parent` is set through account_create/account_update
  (`resolve_parent` checks visibility, self-parenting, cycles and the depth limit).
- **Partners.** An account with a `partner_type` (agent, wholesaler, reseller) serves customers
  (`PartnerLink`). Linking needs update rights on the customer and a visible partner.

A link is shown only when the viewer may see both of its ends. A link belongs to the record
it describes (the contact for its accounts, the customer for its partners): writing one needs
update rights on that record, bumps its `version` (the API's If-Match for the link's PATCH and
DELETE) and is audited there as an `update` with the change under `account_links` or
`partner_links` (the models' relation names: views that show histories hide the names of
accounts the viewer cannot see, and code that finds a relation there shows none).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.core import cleaning as c
from guanxi.core.errors import NotFound, ValidationFailed, VersionConflict
from guanxi.core.services import check_version
from guanxi.org.models import Action
from guanxi.policies import access

from ..models import Account, Contact, ContactAccount, ContactRole, PartnerLink

MAX_DEPTH = 10  # levels in a group of companies, the top one included


# --- cleaning ---------------------------------------------------------------------------------


def _ref(value):
    return value  # an id, resolved against the access layer by the service


def _bool(value):
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("", "0", "false", "no", "off"):
        return False
    raise ValidationError(_("Choose yes or no."))


LINK_CLEANERS = {
    "account": _ref,
    "role": c.choice(ContactRole.choices),
    "title": c.text(100),
    "is_primary": _bool,
}
PARTNER_CLEANERS = {"partner": _ref, "note": c.text(200)}


def _pk(value, field: str) -> int:
    """A record id from input: a positive whole number in BIGINT range, else a field error."""
    pk = access.record_id(value)
    if pk is None:
        raise ValidationFailed(fields={field: [_("Choose an account.")]})
    return pk


def resolve_account(actor, value, *, field: str) -> Account:
    """An account the actor may see, from an id in input; invisible is a field error (400)."""
    if isinstance(value, Account):
        return value
    pk = _pk(value, field)
    try:
        return access.get(actor, Account, pk)
    except NotFound:
        raise ValidationFailed(
            fields={field: [_("This account does not exist or you cannot see it.")]}
        ) from None


def _bump(obj, expected_version: int | None) -> None:
    """The record a link belongs to changed: version + 1 with a conditional UPDATE (a stale
    If-Match, or a concurrent link write on the same record, is a VersionConflict)."""
    check_version(obj, expected_version)
    now = timezone.now()
    if (
        not type(obj)
        ._base_manager.filter(pk=obj.pk, version=obj.version)
        .update(version=obj.version + 1, updated_at=now)
    ):
        raise VersionConflict()
    obj.version, obj.updated_at = obj.version + 1, now


def _link_label(link: ContactAccount, account: Account) -> dict:
    parts = [account.name]
    if link.role:
        parts.append(str(ContactRole(link.role).label))
    if link.title:
        parts.append(link.title)
    if link.is_primary:
        parts.append(_("primary"))
    return {"id": account.pk, "label": " · ".join(parts)}


# --- parents ----------------------------------------------------------------------------------


def _subtree_height(account_id: int) -> int:
    """Levels of subsidiaries below an account (0 for none), counted up to MAX_DEPTH."""
    height, level = 0, [account_id]
    while level and height <= MAX_DEPTH:
        level = list(Account._base_manager.filter(parent_id__in=level).values_list("id", flat=True)[:5000])
        if level:
            height += 1
    return height


def resolve_parent(actor, value, *, account: Account | None) -> Account | None:
    """The parent to set on `account` (None for a new one): visible to the actor, not the
    account itself, not one of its subsidiaries (no cycles), and the group at most MAX_DEPTH
    levels deep. Ancestors are walked without the access layer: they decide the shape of the
    tree whoever can see them, and the error names none of them."""
    if value in (None, ""):
        return None
    if account is not None and not isinstance(value, Account) and str(value).strip() == str(account.pk):
        raise ValidationFailed(fields={"parent": [_("An account cannot be its own parent.")]})
    parent = resolve_account(actor, value, field="parent")
    if account is not None and parent.pk == account.pk:
        raise ValidationFailed(fields={"parent": [_("An account cannot be its own parent.")]})
    above, current = 1, parent.parent_id  # the parent's level counts
    seen = {parent.pk}
    while current is not None:
        if account is not None and current == account.pk:
            break
        if current in seen or above >= MAX_DEPTH:
            above = MAX_DEPTH + 1
            break
        seen.add(current)
        above += 1
        current = Account._base_manager.filter(pk=current).values_list("parent_id", flat=True).first()
    if account is not None and current == account.pk:
        raise ValidationFailed(
            fields={
                "parent": [_("This account is one of its own subsidiaries; it cannot also be its parent.")]
            }
        )
    below = _subtree_height(account.pk) if account is not None else 0
    if above + 1 + below > MAX_DEPTH:
        raise ValidationFailed(
            fields={"parent": [_("A group of companies has at most %(max)d levels.") % {"max": MAX_DEPTH}]}
        )
    return parent


def check_partner_type_change(account: Account, new_type: str) -> None:
    """An account that still serves customers stays a partner until those links are removed."""
    if account.partner_type and not new_type and PartnerLink.objects.filter(partner=account).exists():
        raise ValidationFailed(
            fields={"partner_type": [_("This partner still serves customers; remove those links first.")]}
        )


# --- contact ↔ accounts: writes -----------------------------------------------------------------


def sync_primary_link(contact: Contact, old_account_id: int | None) -> None:
    """Called by contact_create/contact_update after Contact.account changed: move the
    primary link with it (keeping its role and title), or promote an existing link to the new
    account, or drop the primary link when the account was cleared."""
    new_account_id = contact.account_id
    links = ContactAccount.objects.filter(contact=contact)
    if new_account_id is None:
        links.filter(is_primary=True).delete()
        return
    if links.filter(account_id=new_account_id).exists():
        links.filter(is_primary=True).exclude(account_id=new_account_id).delete()
        links.filter(account_id=new_account_id).update(is_primary=True)
    elif not links.filter(is_primary=True).update(account_id=new_account_id):
        ContactAccount.objects.create(
            contact=contact,
            account_id=new_account_id,
            is_primary=True,
            title=contact.title if old_account_id is None else "",
        )


def _ensure_primary_row(contact: Contact) -> None:
    """Contacts loaded in bulk may lack the row of their primary link; add it before writing."""
    if contact.account_id is None:
        return
    if not ContactAccount.objects.filter(
        contact=contact, account_id=contact.account_id, is_primary=True
    ).exists():
        ContactAccount.objects.filter(contact=contact, is_primary=True).update(is_primary=False)
        ContactAccount.objects.update_or_create(
            contact=contact, account_id=contact.account_id, defaults={"is_primary": True}
        )


def _set_primary(contact: Contact, link: ContactAccount | None) -> dict:
    """Make `link` the primary one (None: no primary) and mirror it on Contact.account."""
    old_account = contact.account
    ContactAccount.objects.filter(contact=contact, is_primary=True).exclude(  # type: ignore[misc]  # pk=None: none
        pk=getattr(link, "pk", None)
    ).update(is_primary=False)
    if link is not None and not link.is_primary:
        ContactAccount.objects.filter(pk=link.pk).update(is_primary=True)
        link.is_primary = True
    new_account = link.account if link is not None else None
    if getattr(old_account, "pk", None) == getattr(new_account, "pk", None):
        return {}
    Contact._base_manager.filter(pk=contact.pk).update(account=new_account)
    contact.account = new_account
    return {"account": (old_account, new_account)}


def _get_link(actor, contact: Contact, account_id) -> ContactAccount:
    """The contact's link to a visible account (the primary one even without a row), else 404."""
    account = access.get(actor, Account, account_id)
    link = ContactAccount.objects.filter(contact=contact, account=account).select_related("account").first()
    if link is None and contact.account_id == account.pk:
        link = ContactAccount(contact=contact, account=account, is_primary=True)
    if link is None:
        raise NotFound()
    return link


@transaction.atomic
def contact_link_account(
    *, actor, contact: Contact, data: dict, version: int | None = None
) -> ContactAccount:
    """Link a contact to another visible account with a role and title. The first link of a
    contact without an account becomes primary unless `is_primary` says otherwise."""
    access.require(actor, Action.UPDATE, contact)
    cleaned = c.clean_payload(dict(data), LINK_CLEANERS, required={"account"})
    account = resolve_account(actor, cleaned["account"], field="account")
    if (
        contact.account_id == account.pk
        or ContactAccount.objects.filter(contact=contact, account=account).exists()
    ):
        raise ValidationFailed(fields={"account": [_("This contact is already linked to this account.")]})
    _bump(contact, version)
    _ensure_primary_row(contact)
    primary = cleaned["is_primary"] if "is_primary" in data else contact.account_id is None
    try:
        with transaction.atomic():
            link = ContactAccount.objects.create(
                contact=contact, account=account, role=cleaned.get("role", ""), title=cleaned.get("title", "")
            )
    except IntegrityError:  # a concurrent request linked them first
        raise ValidationFailed(
            fields={"account": [_("This contact is already linked to this account.")]}
        ) from None
    changes = _set_primary(contact, link) if primary else {}
    audit.record(
        actor=actor,
        verb="update",
        obj=contact,
        changes={"account_links": (None, _link_label(link, account)), **changes},
    )
    return link


@transaction.atomic
def contact_update_link(
    *, actor, contact: Contact, account_id, data: dict, version: int | None
) -> ContactAccount:
    """Change a link's role or title, or make it primary (`is_primary: false` on the primary
    link leaves the contact without a primary account)."""
    access.require(actor, Action.UPDATE, contact)
    link = _get_link(actor, contact, account_id)
    cleaned = c.clean_payload(
        dict(data), {k: v for k, v in LINK_CLEANERS.items() if k != "account"}, partial=True
    )
    if all(
        cleaned[k] == getattr(link, k) for k in cleaned
    ):  # nothing changes: no new version (as model_update)
        check_version(contact, version)
        return link
    _bump(contact, version)
    _ensure_primary_row(contact)
    if link.pk is None:
        link = ContactAccount.objects.select_related("account").get(
            contact=contact, account_id=link.account_id
        )
    before = _link_label(link, link.account)
    fields = [f for f in ("role", "title") if f in cleaned and getattr(link, f) != cleaned[f]]
    for f in fields:
        setattr(link, f, cleaned[f])
    if fields:
        link.save(update_fields=fields)
    changes = {}
    if "is_primary" in cleaned and cleaned["is_primary"] != link.is_primary:
        changes = _set_primary(contact, link if cleaned["is_primary"] else None)
        link.is_primary = cleaned["is_primary"]
    after = _link_label(link, link.account)
    if before != after:
        changes["account_links"] = (before, after)
    if changes:
        audit.record(actor=actor, verb="update", obj=contact, changes=changes)
    return link


@transaction.atomic
def contact_set_primary(*, actor, contact: Contact, account_id, version: int | None = None) -> ContactAccount:
    return contact_update_link(
        actor=actor, contact=contact, account_id=account_id, data={"is_primary": True}, version=version
    )


@transaction.atomic
def contact_unlink_account(*, actor, contact: Contact, account_id, version: int | None) -> None:
    """Remove a link; removing the primary one leaves the contact without an account."""
    access.require(actor, Action.UPDATE, contact)
    link = _get_link(actor, contact, account_id)
    _bump(contact, version)
    before = _link_label(link, link.account)
    changes = _set_primary(contact, None) if link.is_primary else {}
    ContactAccount.objects.filter(contact=contact, account_id=link.account_id).delete()
    audit.record(
        actor=actor, verb="update", obj=contact, changes={"account_links": (before, None), **changes}
    )


# --- partners: writes ---------------------------------------------------------------------------


@transaction.atomic
def partner_link_add(*, actor, customer: Account, data: dict, version: int | None = None) -> PartnerLink:
    """A visible partner (an account with a partner type) now serves `customer`."""
    access.require(actor, Action.UPDATE, customer)
    cleaned = c.clean_payload(dict(data), PARTNER_CLEANERS, required={"partner"})
    partner = resolve_account(actor, cleaned["partner"], field="partner")
    if partner.pk == customer.pk:
        raise ValidationFailed(fields={"partner": [_("An account cannot be its own partner.")]})
    if not partner.partner_type:
        raise ValidationFailed(
            fields={
                "partner": [
                    _(
                        "This account is not a partner; give it a partner type (agent, wholesaler or reseller) first."
                    )
                ]
            }
        )
    if PartnerLink.objects.filter(partner=partner, customer=customer).exists():
        raise ValidationFailed(fields={"partner": [_("This partner already serves this customer.")]})
    _bump(customer, version)
    try:
        with transaction.atomic():
            link = PartnerLink.objects.create(
                partner=partner,
                customer=customer,
                note=cleaned.get("note", ""),
                created_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:
        raise ValidationFailed(
            fields={"partner": [_("This partner already serves this customer.")]}
        ) from None
    link.partner, link.customer = partner, customer
    audit.record(actor=actor, verb="update", obj=customer, changes={"partner_links": (None, partner)})
    return link


@transaction.atomic
def partner_link_remove(*, actor, customer: Account, partner_id, version: int | None) -> None:
    access.require(actor, Action.UPDATE, customer)
    partner = access.get(actor, Account, partner_id)
    if not PartnerLink.objects.filter(partner=partner, customer=customer).exists():
        raise NotFound()
    _bump(customer, version)
    PartnerLink.objects.filter(partner=partner, customer=customer).delete()
    audit.record(actor=actor, verb="update", obj=customer, changes={"partner_links": (partner, None)})
