"""Reads of leads, always through the access layer (a lead in a pool has no owner, so only the
pools' own selectors show it)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import PermissionDenied, Throttled, ValidationFailed
from guanxi.core.pagination import Page
from guanxi.customers.directory.selectors import (
    DEFAULT_ORDERING,
    ListParams,
    _apply_filters,
    _choice_filter,
    _id_filter,
    _owner_filter,
    _page,
    _search,
)
from guanxi.customers.models import Account, Contact, Industry
from guanxi.org.models import Action
from guanxi.policies import access

from ..models import Lead, LeadSource, LeadStatus, Opportunity

__all__ = ["DEFAULT_ORDERING", "LEAD_FILTERS", "LEAD_ORDERING", "ListParams", "lead_get", "lead_list"]

LEAD_ORDERING = {"updated_at": "updated_at", "created_at": "created_at", "score": "score", "name": "name"}
MAX_TEXT_FILTER = 50


def _text_filter(field: str):
    def apply(qs, value):
        if not isinstance(value, str) or len(value) > MAX_TEXT_FILTER or "\x00" in value:
            raise ValidationFailed(
                fields={field: [_("Enter at most %(max)d characters.") % {"max": MAX_TEXT_FILTER}]}
            )
        return qs.filter(**{field: value.strip()})

    return apply


def _score_min(qs, value):
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        n = None
    if n is None or abs(n) > 10**9:
        raise ValidationFailed(fields={"score_min": [_("Enter a whole number.")]})
    return qs.filter(score__gte=n)


LEAD_FILTERS = {
    "status": _choice_filter("status", LeadStatus.choices),
    "source": _choice_filter("source", LeadSource.choices),
    "industry": _choice_filter("industry", Industry.choices),
    "owner": lambda qs, v: qs.filter(owner_id=_owner_filter(v)),
    "province": _text_filter("province"),
    "city": _text_filter("city"),
    "form": _id_filter("form"),
    "score_min": _score_min,
}


def lead_queryset(
    actor, *, q: str = "", filters: dict | None = None, deleted: bool = False, action: str = Action.READ
) -> QuerySet:
    # A lead in a pool has no owner: the access layer shows it to nobody, not even to actors whose
    # scope is "all"; only the pool's selectors do (masked).
    qs = access.scope(actor, Lead, action, deleted=deleted).select_related("owner")
    qs = _apply_filters(qs, filters or {}, LEAD_FILTERS)
    return _search(qs, Lead, q)


def lead_list(actor, params: ListParams, *, deleted: bool = False) -> Page:
    qs = lead_queryset(actor, q=params.q, filters=params.filters, deleted=deleted)
    return _page(qs, params, LEAD_ORDERING, rows=Lead._base_manager.select_related("owner"))


def lead_get(actor, pk, *, action: str = Action.READ, deleted: bool = False) -> Lead:
    """One lead the actor may see; a lead sitting in a pool is a 404 here (see lead_queryset)."""
    return access.get(
        actor, Lead, pk, action, deleted=deleted, base=Lead._base_manager.select_related("owner")
    )


def lead_activities(actor, lead: Lead, *, limit: int = 50) -> list:
    """The lead's follow-ups the actor may read, newest first (activity_lead_idx)."""
    from guanxi.engagement.models import Activity

    return list(
        access.scope(actor, Activity)
        .filter(lead=lead)
        .select_related("owner")
        .order_by("-occurred_at", "-id")[:limit]
    )


def convert_choices(actor, lead: Lead, *, q: str = "") -> dict:
    """For the convert page: the accounts the duplicate check matches (those the actor may see
    can be linked; the others are named so the rep knows why a create may be refused), accounts
    found by `q`, and the pipelines an opportunity may go in."""
    from guanxi.customers.directory.selectors import account_queryset
    from guanxi.customers.duplicates import selectors as duplicates

    from ..models import Pipeline
    from .conversion import account_data

    data = account_data(lead)
    try:
        matches = duplicates.check(actor, "account", name=data["name"], phone=data.get("phone", ""))
    except (ValidationFailed, PermissionDenied, Throttled):
        matches = []
    found = []
    if q.strip():
        try:
            found = list(account_queryset(actor, q=q).order_by("-updated_at", "-id")[:10])
        except ValidationFailed:
            found = []
    pipelines = list(
        Pipeline.objects.filter(deleted_at__isnull=True, active=True).order_by("-is_default", "order", "id")
    )
    return {"matches": matches, "found": found, "pipelines": pipelines}


def visible_pools(actor, leads) -> set[int]:
    """The pools these leads came from that the actor belongs to: one query, none when no lead
    names a pool."""
    from ..pools.selectors import pool_queryset

    ids = {lead.pool_id for lead in leads} - {None}
    return set(pool_queryset(actor).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()


def converted_links(actor, leads) -> dict[int, dict]:
    """What converted leads became, naming only the records the actor may see (3 queries at most
    for any number of leads, none when none is converted): {lead id: {account, contact, opportunity}}."""
    converted = [
        lead
        for lead in leads
        if lead.converted_at or lead.account_id or lead.contact_id or lead.opportunity_id
    ]
    if not converted:
        return {}
    visible: dict[str, set[int]] = {}
    for key, model in (("account", Account), ("contact", Contact), ("opportunity", Opportunity)):
        ids = {getattr(lead, f"{key}_id") for lead in converted} - {None}
        visible[key] = (
            set(access.scope(actor, model).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
        )
    return {
        lead.pk: {
            key: (getattr(lead, f"{key}_id") if getattr(lead, f"{key}_id") in visible[key] else None)
            for key in ("account", "contact", "opportunity")
        }
        for lead in converted
    }
