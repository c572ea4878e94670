"""Reads of opportunities and pipelines, always through the access layer.

Opportunities are read by whoever may read their account (Opportunity.POLICY_VIA) and by the
owner's scope; writes follow the owner's scope (policies.access)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.pagination import MAX_CURSOR_LENGTH, MAX_PK, Page, paginate, parse_limit, parse_ordering
from guanxi.customers.directory.selectors import ListParams, _owner_filter  # noqa: F401  (ListParams: the callers' type)
from guanxi.customers.models import Contact
from guanxi.org.models import Action
from guanxi.policies import access
from guanxi.search.selectors import matching

from ..models import Lead, Opportunity, OpportunityContact, OpportunityStageChange, Pipeline, Stage

DEFAULT_ORDERING = "-updated_at"
# public name → model field; expected_close may be empty and is paginated by _paginate_nullable
ORDERING = {
    "updated_at": "updated_at",
    "created_at": "created_at",
    "expected_close": "expected_close",
    "amount": "amount_base",
    "name": "name",
}
RELATED = ("owner", "stage", "pipeline", "account")


def _id(field: str, value) -> int:
    pk = access.record_id(value)
    if pk is None:
        raise ValidationFailed(fields={field: [_("Enter a whole number.")]})
    return pk


def _date(field: str, value) -> dt.date:
    try:
        parsed = dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationFailed(fields={field: [_("Enter a date such as 2026-11-30.")]})
    return parsed


def _amount(field: str, value):
    from .cleaning import clean_amount

    return clean_amount(value, field=field)


def _stage_type(qs, value):
    types = {t for t, _label in Stage.Type.choices}
    if value not in types:
        raise ValidationFailed(
            fields={"stage_type": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(types))}]}
        )
    return qs.filter(stage_type=value)


def _closed(field: str, op: str):
    def apply(qs, value):
        day = _date(field, value)
        if op == "gte":
            return qs.filter(closed_at__date__gte=day)
        return qs.filter(closed_at__date__lte=day)

    return apply


FILTERS = {
    "pipeline": lambda qs, v: qs.filter(pipeline_id=_id("pipeline", v)),
    "stage": lambda qs, v: qs.filter(stage_id=_id("stage", v)),
    "stage_type": _stage_type,
    "owner": lambda qs, v: qs.filter(owner_id=_owner_filter(v)),
    "account": lambda qs, v: qs.filter(account_id=_id("account", v)),
    "expected_close_after": lambda qs, v: qs.filter(expected_close__gte=_date("expected_close_after", v)),
    "expected_close_before": lambda qs, v: qs.filter(expected_close__lte=_date("expected_close_before", v)),
    "closed_after": _closed("closed_after", "gte"),
    "closed_before": _closed("closed_before", "lte"),
    "amount_min": lambda qs, v: qs.filter(amount_base__gte=_amount("amount_min", v)),
    "amount_max": lambda qs, v: qs.filter(amount_base__lte=_amount("amount_max", v)),
}


def opportunity_queryset(
    actor, *, q: str = "", filters: dict | None = None, deleted: bool = False, action: str = Action.READ
) -> QuerySet:
    qs = access.scope(actor, Opportunity, action, deleted=deleted).select_related(*RELATED)
    for key, value in (filters or {}).items():
        if value in (None, ""):
            continue
        if key not in FILTERS:
            raise ValidationFailed(fields={key: [_("Unknown filter.")]})
        if isinstance(value, str) and "\x00" in value:
            raise ValidationFailed(fields={key: [_("This value is not valid.")]})
        qs = FILTERS[key](qs, value)
    q = (q or "").strip()
    if q:
        condition = matching(Opportunity.POLICY_OBJECT_TYPE, q)
        qs = qs.none() if condition is None else qs.filter(condition)
    return qs


def opportunity_list(actor, params: ListParams, *, deleted: bool = False) -> Page:
    qs = opportunity_queryset(actor, q=params.q, filters=params.filters, deleted=deleted)
    ordering = params.ordering or DEFAULT_ORDERING
    limit = parse_limit(params.limit)
    public, _desc = parse_ordering(ordering, ORDERING, DEFAULT_ORDERING)
    if public.lstrip("-") == "expected_close":
        page = _paginate_nullable(
            qs, ordering=public, field="expected_close", cursor=params.cursor, limit=limit
        )
    else:
        page = paginate(qs, ordering=public, allowed=ORDERING, cursor=params.cursor, limit=limit)
    prefetch_contacts(actor, page.items)
    return page


def prefetch_contacts(actor, opportunities: list[Opportunity]) -> None:
    """`contact_list` on each: [(contact id, role)] of the contacts the actor may read, one
    query for the whole page (the access layer's condition as a subquery of the same query)."""
    by_id: dict[int, Any] = {o.pk: o for o in opportunities}  # Any: contact_list is set on each
    for o in opportunities:
        o.contact_list = []  # type: ignore[attr-defined]  # read by the page and the API
    if not by_id:
        return
    for opp_id, contact_id, role in (
        OpportunityContact.objects.filter(
            opportunity_id__in=list(by_id), contact_id__in=access.scope(actor, Contact).values("pk")
        )
        .order_by("opportunity_id", "id")
        .values_list("opportunity_id", "contact_id", "role")
    ):
        by_id[opp_id].contact_list.append((contact_id, role))


def visible_leads(actor, opportunities: list[Opportunity]) -> set[int]:
    """The leads these deals came from that the actor may read: one query, none when no deal
    names a lead."""
    leads = {o.lead_id for o in opportunities} - {None}
    return (
        set(access.scope(actor, Lead).filter(pk__in=leads).values_list("id", flat=True)) if leads else set()
    )


def _paginate_nullable(qs: QuerySet, *, ordering: str, field: str, cursor: str | None, limit: int) -> Page:
    """Keyset pages over a date that may be empty: dated rows first (ascending or descending),
    then the undated ones, each by id. core.pagination wants NOT NULL fields."""
    desc = ordering.startswith("-")
    sign = "-" if desc else ""
    op = "lt" if desc else "gt"
    key = F(field).desc(nulls_last=True) if desc else F(field).asc(nulls_last=True)
    qs = qs.order_by(key, f"{sign}id")
    if cursor:
        value, pk = _decode_date_cursor(cursor, ordering)
        if value is None:
            qs = qs.filter(Q(**{f"{field}__isnull": True, f"id__{op}": pk}))
        else:
            qs = qs.filter(
                Q(**{f"{field}__{op}": value})
                | Q(**{field: value, f"id__{op}": pk})
                | Q(**{f"{field}__isnull": True})
            )
    rows = list(qs[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        value = getattr(last, field)
        raw = json.dumps(
            [ordering, value.isoformat() if value else None, last.pk], separators=(",", ":")
        ).encode()
        next_cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return Page(items=rows, next_cursor=next_cursor, ordering=ordering, limit=limit)


def _decode_date_cursor(cursor: str, ordering: str):
    invalid = ValidationFailed(
        _("The cursor is not valid."), fields={"cursor": [_("The cursor is not valid.")]}
    )
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError
        made_for, value, pk = json.loads(
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
        )
        if made_for != ordering or type(pk) is not int or not 0 < pk <= MAX_PK:
            raise ValueError
        if value is not None:
            if not isinstance(value, str) or len(value) != 10:
                raise ValueError
            value = dt.date.fromisoformat(value)
        return value, pk
    except (ValueError, TypeError, binascii.Error):
        raise invalid from None


def opportunity_get(actor, pk, *, action: str = Action.READ, deleted: bool = False) -> Opportunity:
    opportunity = access.get(
        actor,
        Opportunity,
        pk,
        action,
        deleted=deleted,
        base=Opportunity._base_manager.select_related(*RELATED),
    )
    return opportunity


def opportunity_for_move(actor, pk) -> Opportunity:
    """opportunity_get for the stage move (the kanban's hot path): the owner and the stage joined, and of
    the account only what `account_visible` needs (its id, owner and deletion), not its whole row."""
    from guanxi.customers.models import Account

    keep = {"id", "owner", "deleted_at"}
    base = Opportunity._base_manager.select_related("owner", "stage", "account").defer(
        *[f"account__{f.name}" for f in Account._meta.concrete_fields if f.name not in keep]
    )
    return access.get(actor, Opportunity, pk, Action.READ, base=base)


def account_visible(actor, opportunity: Opportunity) -> bool:
    """Whether the actor may see the deal's account (what customers.directory.selectors.visible_account_ids
    answers: a live account in the actor's read scope), from the account row already read."""
    account = opportunity.account if opportunity.account_id else None
    return account is not None and account.deleted_at is None and access.can(actor, Action.READ, account)


def opportunity_contacts(opportunity: Opportunity) -> list[OpportunityContact]:
    return list(
        OpportunityContact.objects.filter(opportunity=opportunity)
        .select_related("contact")
        .order_by("-is_primary", "id")
    )


def account_opportunities(actor, account, *, limit: int = 50) -> list[Opportunity]:
    """The account's opportunities the actor may see, open ones first, newest first (the 360° panel)."""
    from django.db.models import Case, IntegerField, Value, When

    return list(
        access.scope(actor, Opportunity)
        .filter(account=account)
        .select_related("owner", "stage", "pipeline")
        .annotate(
            open_first=Case(
                When(stage_type=Stage.Type.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("open_first", "-updated_at", "-id")[:limit]
    )


def stage_history(actor, opportunity: Opportunity) -> list[OpportunityStageChange]:
    """Every stage change of a visible opportunity (the caller read it via opportunity_get), oldest first."""
    return list(
        OpportunityStageChange.objects.filter(opportunity=opportunity)
        .select_related("from_stage", "to_stage", "actor")
        .order_by("at", "id")
    )


def pipeline_list(*, include_inactive: bool = False) -> list[Pipeline]:
    """Active pipelines with their active stages in order: two queries."""
    pipelines = Pipeline.objects.filter(deleted_at__isnull=True)
    stages = Stage.objects.order_by("order", "id")
    if not include_inactive:
        pipelines = pipelines.filter(active=True)
        stages = stages.filter(active=True)
    return list(
        pipelines.order_by("-is_default", "order", "id").prefetch_related(Prefetch("stages", queryset=stages))
    )


def pipeline_get(pk, *, deleted: bool = False) -> Pipeline:
    from guanxi.core.errors import NotFound

    pk = access.record_id(pk)
    pipeline = (
        Pipeline.objects.filter(pk=pk, deleted_at__isnull=not deleted)
        .prefetch_related(Prefetch("stages", queryset=Stage.objects.order_by("order", "id")))
        .first()
        if pk
        else None
    )
    if pipeline is None:
        raise NotFound()
    return pipeline


def stage_get(pk) -> Stage:
    from guanxi.core.errors import NotFound

    pk = access.record_id(pk)
    stage = Stage.objects.select_related("pipeline").filter(pk=pk).first() if pk else None
    if stage is None:
        raise NotFound()
    return stage


def default_pipeline() -> Pipeline | None:
    from .cleaning import default_pipeline as default

    return default()


# --- administrators' pipeline screens (configuration: every deal counts, whoever owns it) ------


def open_deals_per_pipeline() -> dict[int, int]:
    """{pipeline id: open deals}, in one grouped query."""
    return dict(
        Opportunity._base_manager.filter(deleted_at__isnull=True, stage_type=Stage.Type.OPEN)
        .values("pipeline")
        .annotate(n=Count("id"))
        .values_list("pipeline", "n")
    )


def deals_per_stage(pipeline) -> dict[int, int]:
    """{stage id: deals, the recycle bin's too} of one pipeline: what holds a stage back from removal."""
    return dict(
        Opportunity._base_manager.filter(pipeline=pipeline)
        .values("stage")
        .annotate(n=Count("id"))
        .values_list("stage", "n")
    )
