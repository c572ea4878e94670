"""The relations panels of the 360° pages (customers/partials/account_relations.html and
contact_relations.html): context under the key `relations`, read through the access layer,
a fixed number of queries whatever the size of the group."""

from __future__ import annotations

from guanxi.core import panels
from guanxi.org.models import Action
from guanxi.policies import access

from ..models import Account, Contact, ContactAccount, ContactRole, PartnerLink
from . import selectors

PANEL_LIMIT = 10  # subsidiaries, partners, customers listed on the page; the rest behind "show all"
CHOICES_LIMIT = 200  # options in the panels' selects


def account_relations(request, account: Account) -> dict:
    actor = request.user
    can_update = access.can(actor, Action.UPDATE, account)
    subsidiaries, more_subsidiaries = panels.shared(  # the timeline asks whether there are any
        account, "subsidiary_tree", selectors.subsidiary_tree(actor, account, limit=PANEL_LIMIT)
    )
    partners = selectors.partners_page(actor, account, limit=PANEL_LIMIT)
    served = selectors.customers_page(actor, account, limit=PANEL_LIMIT) if account.partner_type else None
    group_count = None
    if subsidiaries:
        group_count = selectors.group_contacts(actor, selectors.rollup_account_ids(actor, account)).count()
    partner_choices = []
    if can_update:
        taken = PartnerLink.objects.filter(customer=account).values("partner_id")
        partner_choices = list(
            access.scope(actor, Account)
            .exclude(partner_type="")
            .exclude(pk=account.pk)
            .exclude(pk__in=taken)
            .order_by("name", "id")
            .values_list("id", "name", "partner_type")[:CHOICES_LIMIT]
        )
    # Linking a contact changes the contact: offer the contacts the viewer may update.
    linked = ContactAccount.objects.filter(account=account).values("contact_id")
    contact_choices = list(
        access.scope(actor, Contact, Action.UPDATE)
        .exclude(account=account)
        .exclude(pk__in=linked)
        .order_by("-updated_at", "-id")
        .values_list("id", "name")[:CHOICES_LIMIT]
    )
    return {
        "relations": {
            "parent": selectors.visible_parent(actor, account),
            "subsidiaries": subsidiaries,
            "more_subsidiaries": more_subsidiaries,
            "partners": partners.items,
            "more_partners": partners.next_cursor is not None,
            "served": served.items if served else [],
            "more_served": bool(served and served.next_cursor),
            "group_count": group_count,
            "can_update": can_update,
            "partner_choices": partner_choices,
            "contact_choices": contact_choices,
            "roles": ContactRole.choices,
        }
    }


def contact_relations(request, contact: Contact) -> dict:
    actor = request.user
    can_update = access.can(actor, Action.UPDATE, contact)
    page = selectors.contact_accounts_page(actor, contact, limit=50)
    links = sorted((a.link for a in page.items), key=lambda link: not link.is_primary)
    account_choices = []
    if can_update:
        linked = ContactAccount.objects.filter(contact=contact).values("account_id")
        account_choices = list(
            access.scope(actor, Account)
            .exclude(pk=contact.account_id or 0)
            .exclude(pk__in=linked)
            .order_by("-updated_at", "-id")
            .values_list("id", "name")[:CHOICES_LIMIT]
        )
    return {
        "relations": {
            "links": links,
            "more_links": page.next_cursor is not None,
            "can_update": can_update,
            "account_choices": account_choices,
            "roles": ContactRole.choices,
        }
    }
