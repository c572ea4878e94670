"""Reading relations between customers (services.py says what they are): a contact's accounts, an
account's contacts, subsidiaries and partners, the group rollup. A link is shown only when the
viewer may see both of its ends."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from guanxi.core.pagination import Page, paginate, parse_limit
from guanxi.policies import access

from ..models import Account, Contact, ContactAccount, PartnerLink

ROLLUP_LEVELS = 3  # subsidiaries below an account whose contacts and activity roll up to it
ROLLUP_CAP = 500  # accounts in a rollup, the account itself included
MAX_LINKS = 500  # accounts of one contact that its list considers
NAME_ORDERING = {"name": "name"}


def _contacts_of(account_ids, visible: QuerySet) -> QuerySet:
    """Visible contacts linked to one of these accounts, the primary link included.

    From the link rows alone, a semi-join on contact_account_acc_idx: every contact with an
    account has its primary link row (migration 0004 added them, contact_create/update and the
    demo loader keep them), and an OR with `Contact.account` would make PostgreSQL walk the
    whole contact table in name order to fill a page for a small account."""
    return visible.filter(
        pk__in=ContactAccount.objects.filter(account_id__in=account_ids).values("contact_id")
    )


def account_contacts_page(actor, account: Account, *, cursor=None, limit=None) -> Page:
    """The account's contacts the actor may see, by name, a keyset page; each with `.link`
    (its ContactAccount for this account, or an unsaved primary link)."""
    qs = _contacts_of([account.pk], access.scope(actor, Contact))
    page = paginate(qs, ordering="name", allowed=NAME_ORDERING, cursor=cursor, limit=parse_limit(limit))
    links = {
        ln.contact_id: ln
        for ln in ContactAccount.objects.filter(account=account, contact_id__in=[x.pk for x in page.items])
    }
    for contact in page.items:
        link = links.get(contact.pk) or ContactAccount(contact=contact, account=account)
        link.contact, link.account = contact, account
        link.is_primary = contact.account_id == account.pk
        contact.link = link
    return page


def contact_accounts_page(actor, contact: Contact, *, cursor=None, limit=None) -> Page:
    """The contact's accounts the actor may see, by name, a keyset page; each with `.link`."""
    ids = set(ContactAccount.objects.filter(contact=contact).values_list("account_id", flat=True)[:MAX_LINKS])
    if contact.account_id:
        ids.add(contact.account_id)  # the primary one, even without its row
    qs = access.scope(actor, Account).filter(pk__in=sorted(ids))
    page = paginate(qs, ordering="name", allowed=NAME_ORDERING, cursor=cursor, limit=parse_limit(limit))
    links = {
        ln.account_id: ln
        for ln in ContactAccount.objects.filter(contact=contact, account_id__in=[a.pk for a in page.items])
    }
    for account in page.items:
        link = links.get(account.pk) or ContactAccount(contact=contact, account=account)
        link.contact, link.account = contact, account
        link.is_primary = contact.account_id == account.pk
        account.link = link
    return page


def subsidiaries_page(actor, account: Account, *, cursor=None, limit=None) -> Page:
    """Direct subsidiaries the actor may see, by name (index account_parent_idx)."""
    qs = access.scope(actor, Account).filter(parent=account).select_related("owner")
    return paginate(qs, ordering="name", allowed=NAME_ORDERING, cursor=cursor, limit=parse_limit(limit))


def _partner_page(actor, qs: QuerySet, other: str, *, cursor=None, limit=None) -> Page:
    visible = access.scope(actor, Account)
    qs = qs.filter(**{f"{other}__in": visible.values("pk")}).select_related(other)
    return paginate(
        qs, ordering="name", allowed={"name": f"{other}__name"}, cursor=cursor, limit=parse_limit(limit)
    )


def partners_page(actor, customer: Account, *, cursor=None, limit=None) -> Page:
    """The visible partners serving a customer (PartnerLink rows with `.partner`)."""
    return _partner_page(
        actor, PartnerLink.objects.filter(customer=customer), "partner", cursor=cursor, limit=limit
    )


def customers_page(actor, partner: Account, *, cursor=None, limit=None) -> Page:
    """The visible customers a partner serves (PartnerLink rows with `.customer`)."""
    return _partner_page(
        actor, PartnerLink.objects.filter(partner=partner), "customer", cursor=cursor, limit=limit
    )


def rollup_account_ids(actor, account: Account) -> list[int]:
    """The account and its visible subsidiaries down to ROLLUP_LEVELS levels, at most
    ROLLUP_CAP ids: whose contacts and activity a parent's page rolls up. A subsidiary the
    actor cannot see hides its own subsidiaries too. One query per level."""
    ids, seen, level = [account.pk], {account.pk}, [account.pk]
    visible = access.scope(actor, Account)
    for _level in range(ROLLUP_LEVELS):
        room = ROLLUP_CAP - len(ids)
        if not level or room <= 0:
            break
        found = list(
            visible.filter(parent_id__in=level).order_by("name", "id").values_list("id", flat=True)[:room]
        )
        level = [i for i in found if i not in seen]
        seen.update(level)
        ids.extend(level)
    return ids


def group_contacts(actor, account_ids: list[int]) -> QuerySet:
    """Visible contacts of these accounts (their primary account or a link), by name."""
    return (
        _contacts_of(account_ids, access.scope(actor, Contact))
        .select_related("account")
        .order_by("name", "id")
    )


def group_contacts_page(actor, account: Account, *, cursor=None, limit=None) -> tuple[Page, set[int]]:
    """The contacts rolled up to a parent, a keyset page, and the ids of the group's accounts
    (so the page names a contact's account only when it is one of them: visible)."""
    ids = rollup_account_ids(actor, account)
    qs = _contacts_of(ids, access.scope(actor, Contact)).select_related("account")
    return paginate(qs, ordering="name", allowed=NAME_ORDERING, cursor=cursor, limit=parse_limit(limit)), set(
        ids
    )


def contact_counts(actor, account_ids: list[int]) -> dict[int, int]:
    """Visible contacts per account (primary or linked), in one aggregate query."""
    if not account_ids:
        return {}
    visible = access.scope(actor, Contact)
    return dict(
        ContactAccount.objects.filter(account_id__in=account_ids, contact__in=visible.values("pk"))
        .values_list("account_id")
        .annotate(n=Count("id"))
    )


def visible_parent(actor, account: Account) -> Account | None:
    if not account.parent_id:
        return None
    return access.scope(actor, Account).filter(pk=account.parent_id).first()


def subsidiary_tree(actor, account: Account, *, limit: int = 20) -> tuple[list[Account], bool]:
    """Visible direct subsidiaries (at most `limit`, `.children` = their visible subsidiaries,
    at most `limit` each) with `.contact_count`; and whether there are more direct ones."""
    visible = access.scope(actor, Account)
    direct = list(visible.filter(parent=account).order_by("name", "id")[: limit + 1])
    more = len(direct) > limit
    direct = direct[:limit]
    children = (
        list(
            visible.filter(parent_id__in=[a.pk for a in direct]).order_by("name", "id")[: limit * len(direct)]
        )
        if direct
        else []
    )
    counts = contact_counts(actor, [a.pk for a in direct] + [a.pk for a in children])
    by_parent: dict[int, list[Account]] = {}
    for child in children:
        child.contact_count = counts.get(child.pk, 0)
        by_parent.setdefault(child.parent_id, []).append(child)
    for sub in direct:
        sub.children = by_parent.get(sub.pk, [])[:limit]
        sub.contact_count = counts.get(sub.pk, 0)
    return direct, more


def parent_field_choices(actor, account: Account | None, *, limit: int = 200) -> list[tuple[str, str]] | None:
    """Choices for the account form's parent: visible accounts (not the account itself), the
    current parent first. None when the current parent is invisible: the form then leaves the
    parent alone (one cannot change what one cannot see)."""
    qs = access.scope(actor, Account).order_by("-updated_at", "-id")
    current = None
    if account is not None:
        qs = qs.exclude(pk=account.pk)
        if account.parent_id:
            current = (
                access.scope(actor, Account).filter(pk=account.parent_id).values_list("id", "name").first()
            )
            if current is None:
                return None
    choices = [(str(i), n) for i, n in qs.values_list("id", "name")[:limit]]
    if current is not None and str(current[0]) not in {v for v, _n in choices}:
        choices.insert(0, (str(current[0]), current[1]))
    return choices
