"""/api/v1/pipelines and /api/v1/exchange-rates: every signed-in user reads them (they shape the
forms and the board); only administrators change them (others: 403)."""

from __future__ import annotations

from django.http import JsonResponse
from ninja import Router
from ninja.responses import Status

from guanxi.core.api import IDEMPOTENCY_KEY, idempotent, with_etag
from guanxi.org import rights
from guanxi.org.api_rights import guarded, needs
from guanxi.records.api import record_routes

from ..models import localized
from . import rates, selectors, services_admin
from .schemas import (
    ErrorOut,
    PipelineIn,
    PipelineList,
    PipelineOut,
    PipelinePatch,
    RateIn,
    RateList,
    RateOut,
    RatePut,
)

pipelines_router = Router(tags=["pipelines"])
rates_router = Router(tags=["exchange rates"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 412: ErrorOut, 428: ErrorOut}


def _names(obj) -> dict[str, str]:
    return {"en": obj.name_en, "zh-hans": obj.name_zh_hans, "zh-hant": obj.name_zh_hant}


def pipeline_out(p) -> dict:
    return {
        "id": p.pk,
        "version": p.version,
        "name": localized(p),
        "names": _names(p),
        "is_default": p.is_default,
        "active": p.active,
        "order": p.order,
        "stages": [
            {
                "id": s.pk,
                "name": localized(s),
                "names": _names(s),
                "type": s.type,
                "probability": s.probability,
                "order": s.order,
                "active": s.active,
            }
            for s in p.stages.all()
        ],
    }


def _detail(p, status: int = 200):
    return with_etag(
        JsonResponse(pipeline_out(p), status=status, json_dumps_params={"ensure_ascii": False}), p.version
    )


def _fresh(pk: int):
    return selectors.pipeline_get(pk)


@pipelines_router.get("", response={200: PipelineList, **ERRORS}, operation_id="pipeline_list")
def pipeline_list(request, include_inactive: bool = False):
    """Active pipelines with their active stages, the default first; `include_inactive` (administrators)
    adds inactive pipelines and stages. Not paginated: `next_cursor` is always null."""
    if include_inactive:
        rights.require(request.auth, "manage_pipelines")
    return {
        "items": [pipeline_out(p) for p in selectors.pipeline_list(include_inactive=include_inactive)],
        "next_cursor": None,
    }


@pipelines_router.post(
    "",
    response={201: PipelineOut, **ERRORS},
    operation_id="pipeline_create",
    auth=needs("manage_pipelines"),
    openapi_extra=IDEMPOTENCY_KEY,
)
@idempotent
def pipeline_create(request, payload: PipelineIn):
    pipeline = services_admin.pipeline_create(actor=request.auth, data=payload.model_dump(exclude_unset=True))
    return Status(201, pipeline_out(_fresh(pipeline.pk)))


def _update(*, actor, pipeline, version, data):
    services_admin.pipeline_update(actor=actor, pipeline=pipeline, version=version, data=data)
    return _fresh(pipeline.pk)  # its stages as they are now


def _restore(*, actor, pipeline, version):
    services_admin.pipeline_restore(actor=actor, pipeline=pipeline, version=version)
    return _fresh(pipeline.pk)


def _read(actor, pk, *, deleted: bool = False):
    return selectors.pipeline_get(pk, deleted=deleted)  # every signed-in user reads pipelines


# get for everyone; update (`stages`, when sent, is the whole list: with `id` changed, without
# added, left out removed — refused for stages that hold opportunities: deactivate them, or
# DELETE …/stages/{id}?move_to=), delete and restore for holders of manage_pipelines
record_routes(
    guarded(pipelines_router, "manage_pipelines", methods=("patch", "delete", "post")),
    kind="pipeline",
    out=PipelineOut,
    read=_read,
    render=lambda actor, pipelines: [pipeline_out(p) for p in pipelines],
    update=(PipelinePatch, _update),
    delete=services_admin.pipeline_delete,
    restore=_restore,
)


@pipelines_router.delete(
    "/{int:pipeline_id}/stages/{int:stage_id}",
    response={200: PipelineOut, **ERRORS},
    operation_id="stage_delete",
    auth=needs("manage_pipelines"),
)
def stage_delete(request, pipeline_id: int, stage_id: int, move_to: int | None = None):
    """Remove a stage; `move_to` (a stage of the same pipeline and type) takes its opportunities first."""
    stage = selectors.stage_get(stage_id)
    if stage.pipeline_id != pipeline_id:
        from guanxi.core.errors import NotFound

        raise NotFound()
    services_admin.stage_delete(actor=request.auth, stage=stage, move_to=move_to)
    return _detail(_fresh(pipeline_id))


# --- exchange rates ---------------------------------------------------------------------------


def rate_out(r) -> dict:
    return {"currency": r.currency, "rate": format(r.rate.normalize(), "f"), "updated_at": r.updated_at}


@rates_router.get("", response={200: RateList, **ERRORS}, operation_id="exchange_rate_list")
def exchange_rate_list(request):
    """Units of the base currency one unit of each currency buys. Not paginated."""
    return {"base": rates.base_currency(), "items": [rate_out(r) for r in rates.rates()], "next_cursor": None}


@rates_router.post(
    "",
    response={200: RateOut, **ERRORS},
    operation_id="exchange_rate_set",
    auth=needs("manage_exchange_rates"),
)
def exchange_rate_set(request, payload: RateIn):
    """Create or change a rate (administrators): `{"currency": "USD", "rate": "7.1"}`."""
    return rate_out(rates.rate_set(actor=request.auth, currency=payload.currency, rate=payload.rate))


@rates_router.put(
    "/{currency}",
    response={200: RateOut, **ERRORS},
    operation_id="exchange_rate_put",
    auth=needs("manage_exchange_rates"),
)
def exchange_rate_put(request, currency: str, payload: RatePut):
    return rate_out(rates.rate_set(actor=request.auth, currency=currency, rate=payload.rate))


@rates_router.delete(
    "/{currency}",
    response={204: None, **ERRORS},
    operation_id="exchange_rate_delete",
    auth=needs("manage_exchange_rates"),
)
def exchange_rate_delete(request, currency: str):
    rates.rate_delete(actor=request.auth, currency=currency.upper()[:3])
    return Status(204, None)
