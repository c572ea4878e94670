"""Reads of the shared pools (公海).

Records in a pool have no owner, so the access layer's owner condition never matches them:
what a pool holds is visible only through here, to the pool's members and administrators (and
superusers), with phones and emails masked when the pool says so. Pools a user does not belong
to are 404, like any record they may not see.

Interface the rest of sales relies on:
- record_actions(actor, record) -> dict | None — what the actor may do with this account or
  lead regarding pools (return to a pool, lock/unlock, claim, assign), for the detail pages'
  action bar (template sales/pools/record_actions.html); None when nothing applies.
- pool_stats(actor) -> list[dict] — per visible pool: records in it, claimed today, reclaimed
  this week (the dashboards).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from guanxi.core.errors import NotFound, ValidationFailed
from guanxi.core.pagination import Page, paginate, parse_limit
from guanxi.customers.models import Account, Contact, Industry, Tier
from guanxi.org.models import Action
from guanxi.policies import access, masking
from guanxi.search.selectors import matching
from guanxi.search.tokenizers import parse_query, shown_tokens, tokens_match

from ..models import LeadSource, Pool, PoolEvent
from . import services

RECORD_ORDERING = {"updated_at": "updated_at", "name": "name", "created_at": "created_at"}
DEFAULT_ORDERING = "-updated_at"
EVENT_ACTIONS = set(PoolEvent.Action.values)


@dataclass
class ListParams:
    q: str = ""
    ordering: str = DEFAULT_ORDERING
    cursor: str | None = None
    limit: int | str | None = None
    filters: dict | None = None


def _ancestor_ids(department) -> list[int]:
    if department is None:
        return []
    return [int(p) for p in department.path.strip("/").split("/") if p.isdigit()]


def pool_queryset(actor, *, deleted: bool = False) -> QuerySet:
    """Pools the actor belongs to (member, member department or one above it, administrator);
    superusers see every pool."""
    qs = Pool.objects.filter(deleted_at__isnull=not deleted)
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return qs.none()
    if actor.is_superuser:
        return qs
    if deleted:
        return qs.none()
    condition = Q(members=actor) | Q(admins=actor)
    ancestors = _ancestor_ids(actor.department)
    if ancestors:
        condition |= Q(member_departments__in=ancestors)
    return qs.filter(pk__in=Pool.objects.filter(condition).values("pk"))


def pool_list(actor, *, kind: str = "") -> list[Pool]:
    qs = pool_queryset(actor).prefetch_related("rules")
    if kind:
        if kind not in Pool.Kind.values:
            raise ValidationFailed(fields={"kind": [", ".join(Pool.Kind.values)]})
        qs = qs.filter(kind=kind)
    return list(qs.order_by("order", "id"))


def pool_get(actor, pk, *, deleted: bool = False) -> Pool:
    pk = access.record_id(pk)
    pool = pool_queryset(actor, deleted=deleted).filter(pk=pk).first() if pk else None
    if pool is None:
        raise NotFound()
    return pool


def pool_detail(pool: Pool) -> dict:
    """What the API shows of a pool's settings."""
    return {
        "members": sorted(pool.members.values_list("username", flat=True)),
        "member_departments": sorted(pool.member_departments.values_list("id", flat=True)),
        "admins": sorted(pool.admins.values_list("username", flat=True)),
        "rules": [{"kind": r.kind, "days": r.days, "tier": r.tier or None} for r in pool.rules.all()],
    }


def _records_base(pool: Pool) -> QuerySet:
    model = services.model_for(pool.kind)
    return model._base_manager.filter(pool=pool, owner__isnull=True, deleted_at__isnull=True)


RECORD_FILTERS: dict[str, dict[str, list[Any] | None]] = {
    Pool.Kind.CUSTOMER: {"industry": Industry.values, "tier": Tier.values},
    Pool.Kind.LEAD: {
        "industry": Industry.values,
        "source": LeadSource.values,
        "province": None,
        "city": None,
    },
}


def pool_records(actor, pool: Pool, params: ListParams) -> Page:
    """The records in a pool (read through pool_get first), newest change first, masked when the
    pool says so (see mask_rows)."""
    qs = _records_base(pool)
    allowed = RECORD_FILTERS[pool.kind]
    for key, value in (params.filters or {}).items():
        if value in ("", None):
            continue
        if key not in allowed:
            raise ValidationFailed(fields={key: ["Unknown filter."]})
        if not isinstance(value, str) or len(value) > 50:
            raise ValidationFailed(fields={key: ["This value is not valid."]})
        choices = allowed[key]
        if choices is not None and value not in choices:
            raise ValidationFailed(fields={key: [", ".join(choices)]})
        qs = qs.filter(**{key: value})
    q = (params.q or "").strip()
    keep = None
    if q:
        condition = matching(services.object_type_for(pool.kind), q)
        if condition is not None:
            qs = qs.filter(condition)
            if pool.mask_contact_info:
                keep = _matches_what_is_shown(pool, q)
    page = paginate(
        qs,
        ordering=params.ordering or DEFAULT_ORDERING,
        allowed=RECORD_ORDERING,
        cursor=params.cursor,
        limit=parse_limit(params.limit),
        keep=keep,
    )
    mask_rows(pool, page.items)
    return page


# What the pool's list shows of a record besides its masked contact details.
SHOWN_TEXT: dict[str, tuple[str, ...]] = {Pool.Kind.CUSTOMER: ("name",), Pool.Kind.LEAD: ("name", "company")}


def _matches_what_is_shown(pool: Pool, q: str):
    """keep(row) for a pool that masks: the index matches q against the whole record (the full
    phone, email, USCC…), which would let members recover masked digits one search at a time;
    of those rows, keep the ones q matches in what the list shows them (names, and the parts of
    the masked values around the stars)."""
    terms = parse_query(q)
    fields = _masked_fields(pool)
    texts = SHOWN_TEXT[pool.kind]

    def keep(row) -> bool:
        shown = masking.masked(row, fields)
        return tokens_match(terms, shown_tokens([getattr(row, f) for f in texts], shown.values()))

    return keep


def _masked_fields(pool: Pool) -> dict[str, str]:
    return masking.ACCOUNT_FIELDS if pool.kind == Pool.Kind.CUSTOMER else masking.LEAD_FIELDS


def mask_rows(pool: Pool, rows: list) -> None:
    """Each row gets `masked` = {field: shown value}; the stored values stay on the instance for
    the caller to ignore: templates and the API render `masked` only."""
    fields = _masked_fields(pool)
    for row in rows:
        row.masked = (
            masking.masked(row, fields) if pool.mask_contact_info else {f: getattr(row, f) for f in fields}
        )


def pooled_contacts(pool: Pool, account_ids: list[int]) -> dict[int, list[dict]]:
    """The contacts that sit in the pool with their accounts (owner NULL), masked as the pool says."""
    out: dict[int, list[dict]] = {}
    if pool.kind != Pool.Kind.CUSTOMER or not account_ids:
        return out
    for contact in Contact._base_manager.filter(
        account_id__in=account_ids, owner__isnull=True, deleted_at__isnull=True
    ).order_by("id")[:500]:
        values = (
            masking.masked(contact, masking.CONTACT_FIELDS)
            if pool.mask_contact_info
            else {f: getattr(contact, f) for f in masking.CONTACT_FIELDS}
        )
        out.setdefault(contact.account_id, []).append(  # type: ignore[arg-type]  # of the pool's accounts
            {"id": contact.pk, "name": contact.name, **values}
        )
    return out


def pool_events(actor, pool: Pool, *, cursor: str | None = None, limit=None, action: str = "") -> Page:
    qs = PoolEvent.objects.filter(pool=pool).select_related("actor", "from_owner", "to_owner")
    if action:
        if action not in EVENT_ACTIONS:
            raise ValidationFailed(fields={"action": [", ".join(sorted(EVENT_ACTIONS))]})
        qs = qs.filter(action=action)
    return paginate(
        qs,
        ordering="-created_at",
        allowed={"created_at": "created_at"},
        cursor=cursor,
        limit=parse_limit(limit),
    )


def shown_event_records(actor, pool: Pool, events: list) -> set[int]:
    """Of the records these events of the pool name, those the actor may still see: in the pool
    (its members see what it holds) or in the actor's read scope. One query, none without events."""
    ids = {e.object_id for e in events}
    if not ids:
        return set()
    model = services.model_for(pool.kind)
    in_pool = Q(pool=pool, owner__isnull=True, deleted_at__isnull=True)
    readable = Q(pk__in=access.scope(actor, model).values("pk"))
    return set(model._base_manager.filter(Q(pk__in=ids) & (in_pool | readable)).values_list("pk", flat=True))


def my_limits(actor, pool: Pool) -> dict:
    """The actor's standing against the pool's rules: claimed today, owned, locked."""
    model = services.model_for(pool.kind)
    return {
        "claimed_today": services.claimed_today(actor, pool),
        "daily_claim_limit": pool.daily_claim_limit,
        "owned": services.owned_count(actor, pool),
        "ownership_cap": pool.ownership_cap,
        "locked": model._base_manager.filter(owner=actor, pool_locked=True, deleted_at__isnull=True).count(),
        "lock_limit": pool.lock_limit,
        "is_member": services.is_member(actor, pool),
        "is_admin": services.is_admin(actor, pool),
    }


def pool_counts(pools: list[Pool]) -> dict[int, int]:
    """Records in each pool, in one query per kind."""
    counts: dict[int, int] = {}
    for kind in Pool.Kind.values:
        ids = [p.pk for p in pools if p.kind == kind]
        if not ids:
            continue
        model = services.model_for(kind)
        for row in (
            model._base_manager.filter(pool_id__in=ids, owner__isnull=True, deleted_at__isnull=True)
            .order_by()
            .values("pool_id")
            .annotate(n=Count("id"))
        ):
            counts[row["pool_id"]] = row["n"]
    return counts


def pool_stats(actor) -> list[dict]:
    """Per pool the actor belongs to: records in it, claimed (and assigned) today, reclaimed this
    week (the last 7 days). A fixed number of queries whatever the number of pools."""
    pools = pool_list(actor)
    if not pools:
        return []
    counts = pool_counts(pools)
    now = timezone.now()
    today = services._start_of_today(actor)
    events = (
        PoolEvent.objects.filter(pool__in=pools, created_at__gte=min(today, now - dt.timedelta(days=7)))
        .order_by()
        .values("pool_id")
        .annotate(
            claimed=Count(
                "id",
                filter=Q(action__in=[PoolEvent.Action.CLAIM, PoolEvent.Action.ASSIGN], created_at__gte=today),
            ),
            reclaimed=Count(
                "id", filter=Q(action=PoolEvent.Action.RECLAIM, created_at__gte=now - dt.timedelta(days=7))
            ),
        )
    )
    by_pool: dict[int, Any] = {row["pool_id"]: row for row in events}
    return [
        {
            "id": p.pk,
            "name": p.name,
            "kind": p.kind,
            "in_pool": counts.get(p.pk, 0),
            "claimed_today": by_pool.get(p.pk, {}).get("claimed", 0),
            "reclaimed_this_week": by_pool.get(p.pk, {}).get("reclaimed", 0),
        }
        for p in pools
    ]


def record_actions(actor, record) -> dict | None:
    """What the actor may do with this account or lead regarding pools, for the detail pages:
    in a pool → claim (members) / assign (pool admins); owned → return to one of the actor's
    pools of the kind (owner or who may transfer it), lock/unlock."""
    if not isinstance(record, (Account,)) and getattr(record, "POLICY_OBJECT_TYPE", "") != "lead":
        return None
    kind = Pool.Kind.CUSTOMER if isinstance(record, Account) else Pool.Kind.LEAD
    if record.deleted_at is not None:
        return None
    if record.owner_id is None:
        if record.pool_id is None:
            return None
        pool = pool_queryset(actor).filter(pk=record.pool_id).first()
        if pool is None:
            return None
        can_claim = services.is_member(actor, pool) and pool.active
        can_assign = services.is_admin(actor, pool) and pool.active
        if not (can_claim or can_assign):
            return None
        return {
            "kind": kind,
            "record": record,
            "in_pool": True,
            "pool": pool,
            "can_claim": can_claim,
            "can_assign": can_assign,
            "members": _member_choices(pool) if can_assign else [],
        }
    if not access.can(actor, Action.TRANSFER, record):
        return None
    # one query: pool_queryset already means member, member department, administrator or superuser
    pools = list(pool_queryset(actor).filter(kind=kind, active=True).order_by("order", "id"))
    return {
        "kind": kind,
        "record": record,
        "in_pool": False,
        "pools": pools,
        "can_return": bool(pools),
        "locked": record.pool_locked,
        "can_lock": True,
    }


def _member_choices(pool: Pool) -> list:
    from guanxi.org.models import User

    return list(User.objects.filter(pk__in=services.member_ids(pool)).order_by("username")[:500])
