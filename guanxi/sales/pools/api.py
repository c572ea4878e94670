"""/api/v1/pools: the shared pools (公海). Parse, call one service or selector, render.

Pools are visible to their members and administrators (and superusers); anyone else gets 404.
Settings are for superusers (403 for the others who can see the pool)."""

from __future__ import annotations

from ninja import Router
from ninja.responses import Status

from guanxi.core.api import IDEMPOTENCY_KEY, idempotent
from guanxi.core.schemas import ErrorOut
from guanxi.org.api_rights import guarded, needs
from guanxi.records.api import record_routes

from ..models import Pool
from . import selectors, services, services_admin
from .schemas import (
    AssignIn,
    EventList,
    IdsIn,
    LockIn,
    MovedOut,
    PoolIn,
    PoolList,
    PoolOut,
    PoolPatch,
    RecordList,
    ReturnIn,
)

router = Router(tags=["pools"])

ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    412: ErrorOut,
    428: ErrorOut,
}


def pool_out(pool: Pool, records: int | None = None) -> dict:
    if records is None:
        records = selectors.pool_counts([pool]).get(pool.pk, 0)
    return {
        "id": pool.pk,
        "version": pool.version,
        "name": pool.name,
        "kind": pool.kind,
        "description": pool.description,
        **selectors.pool_detail(pool),
        "daily_claim_limit": pool.daily_claim_limit,
        "ownership_cap": pool.ownership_cap,
        "cap_counts_won": pool.cap_counts_won,
        "former_owner_cooldown_days": pool.former_owner_cooldown_days,
        "reminder_days": pool.reminder_days,
        "lock_limit": pool.lock_limit,
        "mask_contact_info": pool.mask_contact_info,
        "active": pool.active,
        "order": pool.order,
        "records": records,
        "created_at": pool.created_at,
        "updated_at": pool.updated_at,
        "deleted_at": pool.deleted_at,
    }


def record_out(pool: Pool, row, contacts: dict[int, list[dict]]) -> dict:
    base = {
        "id": row.pk,
        "name": row.name,
        "industry": row.industry,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "last_contact_at": row.last_contact_at,
        **row.masked,
    }
    if pool.kind == Pool.Kind.CUSTOMER:
        base.update(tier=row.tier, contacts=contacts.get(row.pk, []))
    else:
        base.update(
            company=row.company,
            source=row.source,
            province=row.province,
            city=row.city,
            status=row.status,
            score=row.score,
        )
    return base


def _moved(rows, owner) -> dict:
    return {"ids": sorted(r.pk for r in rows), "owner": owner.username if owner else None}


@router.get("", response={200: PoolList, **ERRORS}, operation_id="pool_list")
def pool_list(request, kind: str = ""):
    """Pools the caller belongs to (member, member department, administrator); superusers: all."""
    pools = selectors.pool_list(request.auth, kind=kind)
    counts = selectors.pool_counts(pools)
    return {"items": [pool_out(p, counts.get(p.pk, 0)) for p in pools], "next_cursor": None}


@router.get("/recycle-bin", response={200: PoolList, **ERRORS}, operation_id="pool_recycle_bin")
def pool_recycle_bin(request):
    pools = list(selectors.pool_queryset(request.auth, deleted=True))
    return {"items": [pool_out(p) for p in pools], "next_cursor": None}


@router.post(
    "",
    response={201: PoolOut, **ERRORS},
    operation_id="pool_create",
    auth=needs("manage_pools"),
    openapi_extra=IDEMPOTENCY_KEY,
)
@idempotent
def pool_create(request, payload: PoolIn):
    pool = services_admin.pool_create(actor=request.auth, data=payload.model_dump(exclude_unset=True))
    return Status(201, pool_out(pool))


@router.post("/lock", response={200: MovedOut, **ERRORS}, operation_id="pool_lock")
def pool_lock(request, payload: LockIn):
    """Lock (or with "locked": false unlock) records you own against automatic reclaim."""
    rows = services.pool_lock(actor=request.auth, kind=payload.kind, ids=payload.ids, locked=payload.locked)
    return {"ids": sorted(r.pk for r in rows), "owner": None}


def pools_out(actor, pools) -> list[dict]:
    return [pool_out(p) for p in pools]


# get for the pool's members; its settings (update, delete, restore) for holders of manage_pools
record_routes(
    guarded(router, "manage_pools", methods=("patch", "delete", "post")),
    kind="pool",
    out=PoolOut,
    read=selectors.pool_get,
    render=pools_out,
    update=(PoolPatch, services_admin.pool_update),
    delete=services_admin.pool_delete,
    restore=services_admin.pool_restore,
)


@router.post("/{int:pool_id}/claim", response={200: MovedOut, **ERRORS}, operation_id="pool_claim")
def pool_claim(request, pool_id: int, payload: IdsIn):
    """Take records out of the pool (members): all of them or none; the pool's limits apply."""
    pool = selectors.pool_get(request.auth, pool_id)
    return _moved(services.pool_claim(actor=request.auth, pool=pool, ids=payload.ids), request.auth)


@router.post("/{int:pool_id}/assign", response={200: MovedOut, **ERRORS}, operation_id="pool_assign")
def pool_assign(request, pool_id: int, payload: AssignIn):
    """Hand records to a member (pool administrators); the member's ownership cap applies."""
    pool = selectors.pool_get(request.auth, pool_id)
    rows = services.pool_assign(actor=request.auth, pool=pool, ids=payload.ids, owner=payload.owner)
    return _moved(rows, rows[0].owner if rows else None)


@router.post("/{int:pool_id}/return", response={200: MovedOut, **ERRORS}, operation_id="pool_return")
def pool_return(request, pool_id: int, payload: ReturnIn):
    """Give records you own back to the pool; `reason` is required."""
    pool = selectors.pool_get(request.auth, pool_id)
    return _moved(
        services.pool_return(actor=request.auth, pool=pool, ids=payload.ids, reason=payload.reason), None
    )


@router.get("/{int:pool_id}/records", response={200: RecordList, **ERRORS}, operation_id="pool_records")
def pool_records(
    request,
    pool_id: int,
    q: str = "",
    ordering: str = "",
    cursor: str | None = None,
    limit: int | None = None,
    industry: str = "",
    tier: str = "",
    source: str = "",
    province: str = "",
    city: str = "",
):
    """What is in the pool, phones and emails masked when the pool says so. Filters: customers
    `industry`, `tier`; leads `industry`, `source`, `province`, `city`."""
    pool = selectors.pool_get(request.auth, pool_id)
    filters = {
        k: v
        for k, v in {
            "industry": industry,
            "tier": tier,
            "source": source,
            "province": province,
            "city": city,
        }.items()
        if v
    }
    page = selectors.pool_records(
        request.auth,
        pool,
        selectors.ListParams(
            q=q, ordering=ordering or selectors.DEFAULT_ORDERING, cursor=cursor, limit=limit, filters=filters
        ),
    )
    contacts = selectors.pooled_contacts(pool, [r.pk for r in page.items])
    return {"items": [record_out(pool, r, contacts) for r in page.items], "next_cursor": page.next_cursor}


@router.get("/{int:pool_id}/events", response={200: EventList, **ERRORS}, operation_id="pool_events")
def pool_events(request, pool_id: int, cursor: str | None = None, limit: int | None = None, action: str = ""):
    pool = selectors.pool_get(request.auth, pool_id)
    page = selectors.pool_events(request.auth, pool, cursor=cursor, limit=limit, action=action)
    shown = selectors.shown_event_records(request.auth, pool, page.items)
    name = lambda u: u.username if u else None  # noqa: E731
    return {
        "items": [
            {
                "id": e.pk,
                "object_type": e.object_type,
                "object_id": e.object_id if e.object_id in shown else None,
                "action": e.action,
                "actor": name(e.actor),
                "from_owner": name(e.from_owner),
                "to_owner": name(e.to_owner),
                "reason": e.reason,
                "created_at": e.created_at,
            }
            for e in page.items
        ],
        "next_cursor": page.next_cursor,
    }
