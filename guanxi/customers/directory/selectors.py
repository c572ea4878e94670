"""Reads of accounts and contacts, always through the access layer."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.pagination import Page, paginate, parse_limit
from guanxi.custom_fields import filters as custom_fields
from guanxi.org.models import Action, User
from guanxi.policies import access
from guanxi.search.selectors import matching

from ..models import Account, Contact, Health, Industry, Lifecycle, PartnerType, RelationshipLevel, Tier

ACCOUNT_ORDERING = {"name": "name", "created_at": "created_at", "updated_at": "updated_at"}
CONTACT_ORDERING = {"name": "name", "created_at": "created_at", "updated_at": "updated_at"}
DEFAULT_ORDERING = "-updated_at"


@dataclass
class ListParams:
    q: str = ""
    ordering: str = DEFAULT_ORDERING
    cursor: str | None = None
    limit: int | str | None = None
    filters: dict | None = None


def _search(qs: QuerySet, model, q: str) -> QuerySet:
    q = (q or "").strip()
    if not q:
        return qs
    condition = matching(model.POLICY_OBJECT_TYPE, q)  # qs is scoped by the access layer
    return qs.none() if condition is None else qs.filter(condition)


def _owner_filter(value: str) -> int:
    # a NUL cannot be in a username, and PostgreSQL refuses it even in a query
    user_id = (
        None if "\x00" in value else User.objects.filter(username=value).values_list("id", flat=True).first()
    )
    if user_id is None:
        raise ValidationFailed(fields={"owner": [_("No user with this username.")]})
    return user_id


def _apply_filters(qs: QuerySet, filters: dict, allowed: dict) -> QuerySet:
    for key, value in (filters or {}).items():
        if value in (None, ""):
            continue
        if key not in allowed:
            raise ValidationFailed(fields={key: [_("Unknown filter.")]})
        qs = allowed[key](qs, value)
    return qs


def _choice_filter(field: str, choices):
    valid = {c for c, _label in choices}

    def apply(qs, value):
        if value not in valid:
            raise ValidationFailed(
                fields={field: [_("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(valid))}]}
            )
        return qs.filter(**{field: value})

    return apply


def _id_filter(field: str):
    def apply(qs, value):
        try:
            pk = int(value)
        except (TypeError, ValueError):
            pk = 0
        if not 0 < pk < 2**63:  # beyond a BIGINT the database itself would fail
            raise ValidationFailed(fields={field: [_("Enter a whole number.")]})
        return qs.filter(**{f"{field}_id": pk})

    return apply


ACCOUNT_FILTERS = {
    "industry": _choice_filter("industry", Industry.choices),
    "tier": _choice_filter("tier", Tier.choices),
    "owner": lambda qs, v: qs.filter(owner_id=_owner_filter(v)),
    "parent": _id_filter("parent"),  # account_parent_idx; account_queryset keeps it to visible parents
    "partner_type": _choice_filter("partner_type", PartnerType.choices),  # account_partner_idx
    "health": _choice_filter("health", Health.choices),  # account_health_idx, account_owner_health_idx
    "lifecycle_stage": _choice_filter("lifecycle_stage", Lifecycle.choices),  # account_lifecycle_idx
    "relationship_level": _choice_filter(
        "relationship_level", RelationshipLevel.choices
    ),  # account_level_idx
}
CONTACT_FILTERS = {
    "account": _id_filter("account"),
    "owner": lambda qs, v: qs.filter(owner_id=_owner_filter(v)),
    "has_email": lambda qs, v: (
        qs.exclude(email="") if str(v).lower() in ("1", "true", "yes") else qs.filter(email="")
    ),
    "has_mobile": lambda qs, v: (
        qs.exclude(mobile="") if str(v).lower() in ("1", "true", "yes") else qs.filter(mobile="")
    ),
}


def _split_custom(filters: dict | None) -> tuple[dict, dict]:
    """(built-in filters, custom field filters `cf_<key>`: see custom_fields/filters.py)."""
    filters = filters or {}
    custom = {k: v for k, v in filters.items() if isinstance(k, str) and k.startswith("cf_")}
    return {k: v for k, v in filters.items() if k not in custom}, custom


def account_queryset(
    actor, *, q: str = "", filters: dict | None = None, deleted: bool = False, action: str = Action.READ
) -> QuerySet:
    qs = access.scope(actor, Account, action, deleted=deleted).select_related("owner")
    filters, custom = _split_custom(filters)
    qs = _apply_filters(qs, filters, ACCOUNT_FILTERS)
    qs = custom_fields.apply_filters(qs, "account", custom)
    if (filters or {}).get("parent"):  # subsidiaries of a parent the actor cannot see: none (no oracle)
        qs = qs.filter(parent__in=access.scope(actor, Account).values("pk"))
    return _search(qs, Account, q)


def _page(qs: QuerySet, params: ListParams, allowed: dict[str, str], *, rows: QuerySet) -> Page:
    """A keyset page (core.pagination). With a search, in two steps: a search may make the
    list pass over thousands of rows to fill a page (see guanxi/search/selectors.py), so the
    first step selects nothing but the ordering field and the id, which the ordering indexes
    hold, and PostgreSQL answers it from the index alone (an index-only scan); the second
    reads the page's rows by id from `rows` (the ids come from the scoped, filtered `qs`)."""
    ordering = params.ordering or DEFAULT_ORDERING
    limit = parse_limit(params.limit)
    if not (params.q or "").strip():
        return paginate(qs, ordering=ordering, allowed=allowed, cursor=params.cursor, limit=limit)
    field = allowed.get(ordering.lstrip("-"), "id")  # paginate() rejects unknown orderings
    keys = paginate(
        qs.select_related(None).only(field),
        ordering=ordering,
        allowed=allowed,
        cursor=params.cursor,
        limit=limit,
    )
    by_id = rows.in_bulk([key.pk for key in keys.items])
    keys.items = [by_id[key.pk] for key in keys.items if key.pk in by_id]
    return keys


def account_list(actor, params: ListParams, *, deleted: bool = False) -> Page:
    qs = account_queryset(actor, q=params.q, filters=params.filters, deleted=deleted)
    return _page(qs, params, ACCOUNT_ORDERING, rows=Account._base_manager.select_related("owner"))


def account_get(actor, pk, *, action: str = Action.READ, deleted: bool = False) -> Account:
    return access.get(
        actor, Account, pk, action, deleted=deleted, base=Account._base_manager.select_related("owner")
    )


def contact_queryset(
    actor, *, q: str = "", filters: dict | None = None, deleted: bool = False, action: str = Action.READ
) -> QuerySet:
    qs = access.scope(actor, Contact, action, deleted=deleted).select_related("owner", "account")
    filters, custom = _split_custom(filters)
    qs = _apply_filters(qs, filters, CONTACT_FILTERS)
    qs = custom_fields.apply_filters(qs, "contact", custom)
    return _search(qs, Contact, q)


def contact_list(actor, params: ListParams, *, deleted: bool = False) -> Page:
    qs = contact_queryset(actor, q=params.q, filters=params.filters, deleted=deleted)
    return _page(qs, params, CONTACT_ORDERING, rows=Contact._base_manager.select_related("owner", "account"))


def contact_get(actor, pk, *, action: str = Action.READ, deleted: bool = False) -> Contact:
    return access.get(
        actor,
        Contact,
        pk,
        action,
        deleted=deleted,
        base=Contact._base_manager.select_related("owner", "account"),
    )


def account_contacts(actor, account: Account, *, limit: int = 50) -> list[Contact]:
    """Contacts of an account that the actor may see (their own scope, not the account's): those
    whose primary account it is and those linked to it (customers/relations/)."""
    from ..models import ContactAccount

    linked = ContactAccount.objects.filter(account=account).values("contact_id")  # the primary link included
    return list(
        access.scope(actor, Contact)
        .filter(pk__in=linked)
        .select_related("owner")
        .order_by("name", "id")[:limit]
    )


def visible_account_ids(actor, account_ids) -> set[int]:
    """Which of these accounts the actor may see: a contact names its account only to them."""
    ids = {i for i in account_ids if i}
    if not ids:
        return set()
    return set(access.scope(actor, Account).filter(pk__in=ids).values_list("id", flat=True))


def visible_account_name(actor, account_id) -> str | None:
    """The name of a contact's account, only if the actor may see that account."""
    if not account_id:
        return None
    return access.scope(actor, Account).filter(pk=account_id).values_list("name", flat=True).first()


def global_search(actor, q: str, *, limit: int = 8) -> dict[str, list]:
    return {
        "accounts": list(account_queryset(actor, q=q).order_by("-updated_at", "-id")[:limit])
        if q.strip()
        else [],
        "contacts": list(contact_queryset(actor, q=q).order_by("-updated_at", "-id")[:limit])
        if q.strip()
        else [],
    }


def count_visible(actor) -> dict[str, int]:
    return {
        "accounts": access.scope(actor, Account).count(),
        "contacts": access.scope(actor, Contact).count(),
    }
