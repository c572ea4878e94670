"""/api/v1/custom-fields: every signed-in user reads the definitions (they shape the forms);
only administrators create, change, archive and reorder them (others: 403)."""

from __future__ import annotations

from django.http import JsonResponse
from ninja import Router, Schema
from ninja.responses import Status

from guanxi.core.api import IDEMPOTENCY_KEY, IF_MATCH, idempotent, if_match, with_etag
from guanxi.core.schemas import ErrorOut
from guanxi.org.api_rights import needs

from . import selectors, services
from .labels import choice_label, help_of, label_of, labels_of
from .models import CustomFieldDef
from .schemas import CustomFieldIn, CustomFieldPatch, ReorderIn

router = Router(tags=["custom fields"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 412: ErrorOut, 428: ErrorOut}


class ChoiceOut(Schema):
    value: str
    label: str
    labels: dict[str, str]


class CustomFieldOut(Schema):
    id: int
    version: int
    object: str
    key: str
    label: str
    labels: dict[str, str]
    type: str
    choices: list[ChoiceOut]
    required: bool
    help_text: str
    help_texts: dict[str, str]
    order: int
    active: bool


class CustomFieldList(Schema):
    items: list[CustomFieldOut]
    next_cursor: str | None


def field_out(d: CustomFieldDef) -> dict:
    """Labels in the request's language, and in every language under `labels`."""
    return {
        "id": d.pk,
        "version": d.version,
        "object": d.object_type,
        "key": d.key,
        "label": label_of(d),
        "labels": labels_of(d, "label"),
        "type": d.type,
        "choices": [
            {"value": ch["value"], "label": choice_label(ch), "labels": labels_of(ch, "label")}
            for ch in d.choices
        ],
        "required": d.required,
        "help_text": help_of(d),
        "help_texts": labels_of(d, "help"),
        "order": d.order,
        "active": d.active,
    }


def _detail(status: int, d: CustomFieldDef):
    return with_etag(
        JsonResponse(field_out(d), status=status, json_dumps_params={"ensure_ascii": False}), d.version
    )


def _payload(payload: Schema) -> dict:
    return payload.model_dump(exclude_unset=True)


@router.get("", response={200: CustomFieldList, **ERRORS}, operation_id="custom_field_list")
def custom_field_list(request, object: str = "", include_archived: bool = False):
    """The definitions of one object (`object=account|contact`…) or of all, in display order.
    Not paginated: an object has at most 500 (200 active); `next_cursor` is always null."""
    objects = [object] if object else selectors.object_types()
    if object:
        selectors.check_object(object)
    items = [
        field_out(d) for o in objects for d in selectors.definitions(o, include_archived=include_archived)
    ]
    return {"items": items, "next_cursor": None}


@router.post(
    "",
    response={201: CustomFieldOut, **ERRORS},
    operation_id="custom_field_create",
    auth=needs("manage_custom_fields"),
    openapi_extra=IDEMPOTENCY_KEY,
)
@idempotent
def custom_field_create(request, payload: CustomFieldIn):
    defn = services.custom_field_create(actor=request.auth, data=_payload(payload))
    return Status(201, field_out(defn))


@router.post(
    "/reorder",
    response={200: CustomFieldList, **ERRORS},
    operation_id="custom_field_reorder",
    auth=needs("manage_custom_fields"),
)
def custom_field_reorder(request, payload: ReorderIn):
    """Put the named fields first, in this order; the object's other fields follow as they were."""
    ordered = services.custom_field_reorder(actor=request.auth, object_type=payload.object, keys=payload.keys)
    return {"items": [field_out(d) for d in ordered], "next_cursor": None}


@router.get("/{int:field_id}", response={200: CustomFieldOut, **ERRORS}, operation_id="custom_field_get")
def custom_field_get(request, field_id: int):
    return _detail(200, selectors.custom_field_get(request.auth, field_id))


@router.patch(
    "/{int:field_id}",
    response={200: CustomFieldOut, **ERRORS},
    operation_id="custom_field_update",
    auth=needs("manage_custom_fields"),
    openapi_extra=IF_MATCH,
)
def custom_field_update(request, field_id: int, payload: CustomFieldPatch):
    defn = selectors.custom_field_get(request.auth, field_id)
    data = {k: v for k, v in _payload(payload).items() if v is not None or k in ("help_text", "choices")}
    defn = services.custom_field_update(actor=request.auth, field=defn, data=data, version=if_match(request))
    return _detail(200, defn)


@router.delete(
    "/{int:field_id}",
    response={204: None, **ERRORS},
    operation_id="custom_field_archive",
    auth=needs("manage_custom_fields"),
    openapi_extra=IF_MATCH,
)
def custom_field_archive(request, field_id: int):
    """Archives: the field leaves forms, lists and filters; records keep their values."""
    defn = selectors.custom_field_get(request.auth, field_id)
    services.custom_field_archive(actor=request.auth, field=defn, version=if_match(request))
    return Status(204, None)
