"""Reads of follow-ups, always through the access layer."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.pagination import Page, paginate, parse_limit
from guanxi.customers.directory.selectors import (
    ListParams,
    _apply_filters,
    _choice_filter,
    _id_filter,
    _owner_filter,
)
from guanxi.customers.models import Account, Contact
from guanxi.org.models import Action
from guanxi.policies import access

from ..models import Activity, ActivityContact, ActivityKind
from .services import actor_zone, parse_moment

ACTIVITY_ORDERING = {"occurred_at": "occurred_at"}
DEFAULT_ORDERING = "-occurred_at"

__all__ = ["ListParams", "activity_list", "activity_get", "activity_queryset", "links_for"]


def _contact_filter(qs: QuerySet, value) -> QuerySet:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        pk = 0
    if not 0 < pk < 2**63:
        raise ValidationFailed(fields={"contact": [_("Enter a whole number.")]})
    return qs.filter(pk__in=ActivityContact.objects.filter(contact_id=pk).values("activity_id"))


def _moment_filter(field: str, lookup: str, zone):
    def apply(qs, value):
        try:
            moment = parse_moment(value, zone)
        except ValidationError as exc:
            raise ValidationFailed(fields={field: exc.messages}) from None
        return qs.filter(**{f"occurred_at__{lookup}": moment})

    return apply


ACTIVITY_FILTERS = {
    "account": _id_filter("account"),
    "contact": _contact_filter,
    "kind": _choice_filter("kind", ActivityKind.choices),
    "owner": lambda qs, v: qs.filter(owner_id=_owner_filter(v)),
}


def activity_queryset(
    actor, *, filters: dict | None = None, deleted: bool = False, action: str = Action.READ
) -> QuerySet:
    qs = access.scope(actor, Activity, action, deleted=deleted).select_related("owner")
    zone = actor_zone(actor)  # naive times in filters are in the actor's zone
    allowed = {
        **ACTIVITY_FILTERS,
        "occurred_after": _moment_filter("occurred_after", "gte", zone),
        "occurred_before": _moment_filter("occurred_before", "lt", zone),
    }
    return _apply_filters(qs, filters or {}, allowed)


def activity_list(actor, params: ListParams, *, deleted: bool = False) -> Page:
    qs = activity_queryset(actor, filters=params.filters, deleted=deleted)
    return paginate(
        qs,
        ordering=params.ordering or DEFAULT_ORDERING,
        allowed=ACTIVITY_ORDERING,
        cursor=params.cursor,
        limit=parse_limit(params.limit),
    )


def activity_get(actor, pk, *, action: str = Action.READ, deleted: bool = False) -> Activity:
    return access.get(
        actor, Activity, pk, action, deleted=deleted, base=Activity._base_manager.select_related("owner")
    )


def links_for(actor, activities, *, page=None, known_accounts=None) -> dict[int, dict]:
    """For each follow-up: its contacts and its account, as far as the actor may see them.

    Two queries for any number of follow-ups. {activity id: {"contacts": [Contact],
    "account": Account | None}}; an invisible account or contact is simply absent.
    `page` (a queryset of the follow-ups' ids) makes both queries run whatever the page holds,
    so that a page costs the same number of queries at any size, even empty; `known_accounts`
    ({id: Account}) are accounts the caller has read through the access layer already (the
    record of a 360° page): they are not read again."""
    activities = list(activities)
    ids = [a.pk for a in activities]
    out: dict[int, dict] = {a.pk: {"contacts": [], "account": None} for a in activities}
    if not ids and page is None:
        return out
    contacts = (
        access.scope(actor, Contact)
        .filter(activity_links__activity_id__in=ids if page is None else page)
        .annotate(gx_activity=F("activity_links__activity_id"))
        .only("id", "name", "family_name", "given_name", "account_id")
        .order_by("activity_links__id")
    )
    for contact in contacts:
        if (
            contact.gx_activity in out
        ):  # `page` is read again: a follow-up logged meanwhile is not on this page
            out[contact.gx_activity]["contacts"].append(contact)
    accounts = dict(known_accounts or {})
    account_ids = {a.account_id for a in activities if a.account_id and a.account_id not in accounts}
    if page is not None and not accounts:
        of_page = Activity._base_manager.filter(pk__in=page).values("account_id")
        accounts.update(access.scope(actor, Account).filter(pk__in=of_page).only("id", "name").in_bulk())
    elif account_ids:
        accounts.update(access.scope(actor, Account).filter(pk__in=account_ids).only("id", "name").in_bulk())
    for a in activities:
        out[a.pk]["account"] = accounts.get(a.account_id)
    return out
    contacts = (
        access.scope(actor, Contact)
        .filter(activity_links__activity_id__in=ids)
        .annotate(gx_activity=F("activity_links__activity_id"))
        .only("id", "name", "family_name", "given_name", "account_id")
        .order_by("activity_links__id")
    )
    for contact in contacts:
        out[contact.gx_activity]["contacts"].append(contact)
    account_ids = {a.account_id for a in activities if a.account_id}
    if account_ids:
        accounts = access.scope(actor, Account).filter(pk__in=account_ids).only("id", "name").in_bulk()
        for a in activities:
            out[a.pk]["account"] = accounts.get(a.account_id)
    return out
