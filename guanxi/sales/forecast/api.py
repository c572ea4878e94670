"""/api/v1/targets, /api/v1/forecast, /api/v1/forecast/breakdown and /api/v1/leaderboard."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from ninja import Router
from ninja.responses import Status

from guanxi.core.api import IDEMPOTENCY_KEY, IF_MATCH, idempotent, if_match, with_etag
from guanxi.core.schemas import ErrorOut

from . import selectors, selectors_targets, services
from .schemas import BreakdownOut, ForecastOut, LeaderboardOut, TargetIn, TargetList, TargetOut, TargetPatch

targets_router = Router(tags=["targets"])
forecast_router = Router(tags=["forecast"])
leaderboard_router = Router(tags=["forecast"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 412: ErrorOut, 428: ErrorOut}


def target_out(t) -> dict:
    return {
        "id": t.pk,
        "version": t.version,
        "user": {"id": t.user.pk, "username": t.user.username} if t.user_id else None,
        "department": {"id": t.department.pk, "name": t.department.name} if t.department_id else None,
        "period": t.period,
        "kind": t.kind,
        "starts_on": t.starts_on,
        "ends_on": t.ends_on,
        "amount": str(t.amount),
        "created_at": t.created_at,
        "updated_at": t.updated_at,
    }


def _detail(target, status: int = 200) -> HttpResponse:
    body = target_out(target)
    return with_etag(
        JsonResponse(
            body, status=status, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False}
        ),
        target.version,
    )


def _plain(figures: dict) -> dict:
    """Decimals as strings ("0.00"), the rest as is."""
    return {
        k: (str(v) if v is not None and not isinstance(v, (bool, int, str, dict, list)) else v)
        for k, v in figures.items()
    }


def entity_out(entity) -> dict:
    if entity.kind == selectors.USER:
        return {
            "kind": "user",
            "id": entity.user.pk,
            "name": str(entity.user),
            "username": entity.user.username,
        }
    if entity.kind == selectors.DEPARTMENT:
        return {"kind": "department", "id": entity.department.pk, "name": entity.department.name}
    return {"kind": "company", "id": None, "name": ""}


@targets_router.get("", response={200: TargetList, **ERRORS}, operation_id="target_list")
def target_list(
    request,
    period: str = "",
    user: str = "",
    department: str = "",
    ordering: str = "",
    cursor: str | None = None,
    limit: int | None = None,
):
    """Targets the caller may see (their own, and those of the people and departments in their scope)."""
    page = selectors_targets.target_list(
        request.auth,
        selectors_targets.TargetFilters(
            period=period, user=user, department=department, ordering=ordering, cursor=cursor, limit=limit
        ),
    )
    return {"items": [target_out(t) for t in page.items], "next_cursor": page.next_cursor}


@targets_router.post(
    "",
    response={200: TargetOut, 201: TargetOut, **ERRORS},
    operation_id="target_set",
    openapi_extra=IDEMPOTENCY_KEY,
)
@idempotent
def target_set(request, payload: TargetIn):
    """Set the target of a user or a department for a month or quarter: 201 when new, 200 when an
    existing one (same user or department and period) was updated."""
    data = payload.model_dump(exclude_unset=True)
    target, created = services.target_set(
        actor=request.auth,
        user=data.get("user"),
        department=data.get("department"),
        period=data.get("period"),
        amount=data.get("amount"),
    )
    return Status(201 if created else 200, target_out(target))


@targets_router.get("/{int:target_id}", response={200: TargetOut, **ERRORS}, operation_id="target_get")
def target_get(request, target_id: int):
    return _detail(selectors_targets.target_get(request.auth, target_id))


@targets_router.patch(
    "/{int:target_id}",
    response={200: TargetOut, **ERRORS},
    operation_id="target_update",
    openapi_extra=IF_MATCH,
)
def target_update(request, target_id: int, payload: TargetPatch):
    target = selectors_targets.target_get(request.auth, target_id)
    target = services.target_update(
        actor=request.auth, target=target, amount=payload.amount, version=if_match(request)
    )
    return _detail(target)


@targets_router.delete(
    "/{int:target_id}", response={204: None, **ERRORS}, operation_id="target_delete", openapi_extra=IF_MATCH
)
def target_delete(request, target_id: int):
    target = selectors_targets.target_get(request.auth, target_id)
    services.target_delete(actor=request.auth, target=target, version=if_match(request))
    return Status(204, None)


@forecast_router.get("", response={200: ForecastOut, **ERRORS}, operation_id="forecast_get")
def forecast_get(request, period: str, user: str = "", department: str = ""):
    """Won, weighted and best case of a period against the target, for a user, a department (its
    whole subtree) or, with neither, the whole company (callers who see everything; others get
    their department, else themselves)."""
    result = selectors.forecast(request.auth, period=period, user=user, department=department)
    entity = result.pop("entity")
    return {**_plain(result), "of": entity_out(entity)}


@forecast_router.get("/breakdown", response={200: BreakdownOut, **ERRORS}, operation_id="forecast_breakdown")
def forecast_breakdown(request, period: str, user: str = "", department: str = ""):
    """The forecast one level down the tree (direct sub-departments and members) and per month."""
    result = selectors.forecast_breakdown(request.auth, period=period, user=user, department=department)
    return {
        "period": result["period"],
        "currency": result["currency"],
        "of": entity_out(result["entity"]),
        "total": _plain(result["total"]),
        "rows": [_plain(r.as_dict()) for r in result["rows"]],
        "months": [_plain(m) for m in result["months"]],
    }


@leaderboard_router.get("", response={200: LeaderboardOut, **ERRORS}, operation_id="leaderboard_get")
def leaderboard_get(request, period: str, user: str = "", department: str = "", limit: int = 100):
    """Reps ranked by won amount in the period, with target and attainment."""
    result = selectors.leaderboard(
        request.auth, period=period, user=user, department=department, limit=max(1, min(limit, 500))
    )
    items = [_plain({k: v for k, v in r.items() if k != "user"}) for r in result["items"]]
    return {
        "period": result["period"],
        "currency": result["currency"],
        "of": entity_out(result["entity"]),
        "items": items,
    }
