"""/api/v1/settings/customers: the company-wide customer settings (one row)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import JsonResponse
from ninja import Router, Schema
from pydantic import StrictInt

from guanxi.core.api import IF_MATCH, if_match, with_etag
from guanxi.core.schemas import Strict, enum_of
from guanxi.org.api_rights import needs

from ..directory.api import ERRORS
from ..models import CustomerSettings
from . import services

router = Router(tags=["settings"])


DuplicateModeChoice = Annotated[str, enum_of(CustomerSettings.DuplicateMode.choices, blank=False)]


class CustomerSettingsPatch(Strict):
    # The service checks each value and names the field (1–3650 days, warn|block), all at once;
    # true is not a number of days (StrictInt), a list is not a mode. Absent: unchanged; null: refused.
    dormancy_days_a: StrictInt = None  # type: ignore[assignment]
    dormancy_days_b: StrictInt = None  # type: ignore[assignment]
    dormancy_days_c: StrictInt = None  # type: ignore[assignment]
    dormancy_days_other: StrictInt = None  # type: ignore[assignment]
    duplicate_mode: DuplicateModeChoice = None  # type: ignore[assignment]


class CustomerSettingsOut(Schema):
    id: int
    version: int
    dormancy_days_a: int
    dormancy_days_b: int
    dormancy_days_c: int
    dormancy_days_other: int
    duplicate_mode: str
    updated_at: dt.datetime


def settings_out(obj) -> dict:
    return {
        "id": obj.pk,
        "version": obj.version,
        **{f: getattr(obj, f) for f in services.FIELDS},
        "updated_at": obj.updated_at,
    }


def _detail(obj) -> JsonResponse:
    from django.core.serializers.json import DjangoJSONEncoder

    return with_etag(JsonResponse(settings_out(obj), encoder=DjangoJSONEncoder), obj.version)


@router.get("/customers", response={200: CustomerSettingsOut, **ERRORS}, operation_id="customer_settings_get")
def customer_settings_get(request):
    """Dormancy thresholds per tier (days) and the duplicate mode. Any signed-in user may read them."""
    return _detail(services.customer_settings_get())


@router.patch(
    "/customers",
    response={200: CustomerSettingsOut, **ERRORS},
    operation_id="customer_settings_update",
    auth=needs("manage_customer_settings"),
    openapi_extra=IF_MATCH,
)
def customer_settings_update(request, payload: CustomerSettingsPatch):
    """Change some settings (administrators only; `If-Match` required)."""
    obj = services.customer_settings_update(
        actor=request.auth, data=payload.model_dump(exclude_unset=True), version=if_match(request)
    )
    return _detail(obj)
