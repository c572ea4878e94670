"""The fields of an opportunity: one cleaner per field, and the records a payload names (account,
pipeline, stage, contacts) resolved through the access layer. services.py writes what these return."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from guanxi.core import cleaning as c
from guanxi.core.errors import ValidationFailed
from guanxi.customers.models import Account, Contact, ContactRole
from guanxi.policies import access

from ..models import Pipeline, Stage
from . import rates

MAX_CONTACTS = 50
MAX_COMPETITORS = 20
EARLIEST_CLOSE = dt.date(1900, 1, 1)
LATEST_CLOSE = dt.date(2199, 12, 31)


def clean_amount(value, *, field: str = "amount") -> Decimal:
    """A money amount (cleaning.money(): empty gives 0.00). The error keeps the generic message
    the other field errors of opportunities and their filters have."""
    try:
        return c.money(value, field=field)
    except ValidationFailed as exc:
        raise ValidationFailed(fields=exc.fields) from None


def clean_probability(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 3:
        value = int(value.strip())
    if type(value) is not int or not 0 <= value <= 100:
        raise ValidationError(_("Enter a whole percentage from 0 to 100."))
    return value


def clean_close_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        text = value.strip()
        try:
            value = parse_date(text) if len(text) == 10 else None
        except ValueError:
            value = None
    if not isinstance(value, dt.date):
        raise ValidationError(_("Enter a date such as 2026-11-30."))
    if not EARLIEST_CLOSE <= value <= LATEST_CLOSE:
        raise ValidationError(_("Enter a date between 1900 and 2199."))
    return value


def clean_competitors(value) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.replace("，", ",").split(",")
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("Enter a list of competitor names."))
    cleaned: list[str] = []
    for item in value:
        name = c.text(100)(item)
        if name and name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > MAX_COMPETITORS:
        raise ValidationError(_("Name at most %(max)d competitors.") % {"max": MAX_COMPETITORS})
    return cleaned


_keep = lambda v: v  # noqa: E731  resolved below (records named by id, money, currency)


CLEANERS = {
    "name": c.text(200, required=True),
    "account": _keep,
    "amount": _keep,
    "currency": _keep,
    "pipeline": _keep,
    "stage": _keep,
    "probability": clean_probability,
    "expected_close": clean_close_date,
    "next_step": c.text(300),
    "competitors": clean_competitors,
    "description": c.text(5000, multiline=True),
    "contacts": _keep,
    "win_reason": c.text(500),
    "loss_reason": c.text(500),
}


def clean(data: dict, *, partial: bool) -> dict:
    """clean_payload() plus the money fields, every error reported at once."""
    errors: dict = {}
    cleaned: dict = {}
    try:
        cleaned = c.clean_payload(data, CLEANERS, required={"name", "account"}, partial=partial)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    cleaned.update(c.collect(data, {"amount": clean_amount, "currency": rates.clean_currency}, errors))
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return cleaned


def resolve_account(actor, value) -> Account:
    account = access.resolve(
        actor,
        Account,
        value,
        field="account",
        invalid=_("Choose an account."),
        missing=_("This account does not exist or you cannot see it."),
    )
    if account is None:
        raise ValidationFailed(fields={"account": [_("This field is required.")]})
    return account


def resolve_pipeline(value) -> Pipeline:
    if value in (None, ""):
        pipeline = default_pipeline()
        if pipeline is None:
            raise ValidationFailed(
                fields={"pipeline": [_("There is no active pipeline; an administrator adds one.")]}
            )
        return pipeline
    if isinstance(value, Pipeline):
        return value
    pk = access.record_id(value)
    pipeline = Pipeline.objects.filter(pk=pk, active=True, deleted_at__isnull=True).first() if pk else None
    if pipeline is None:
        raise ValidationFailed(fields={"pipeline": [_("Choose an active pipeline.")]})
    return pipeline


def default_pipeline() -> Pipeline | None:
    live = Pipeline.objects.filter(active=True, deleted_at__isnull=True)
    return live.filter(is_default=True).first() or live.order_by("order", "id").first()


def resolve_stage(pipeline_id: int, value) -> Stage:
    """An active stage of this pipeline; anything else (another pipeline's stage, an inactive
    or absent one, not an id) is the field error `stage`."""
    if isinstance(value, Stage):
        stage = value if value.pipeline_id == pipeline_id and value.active else None
    else:
        pk = access.record_id(value)
        stage = Stage.objects.filter(pk=pk, pipeline_id=pipeline_id, active=True).first() if pk else None
    if stage is None:
        raise ValidationFailed(
            fields={"stage": [_("Choose an active stage of this opportunity's pipeline.")]}
        )
    return stage


def first_open_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.filter(active=True, type=Stage.Type.OPEN).order_by("order", "id").first()
    if stage is None:
        raise ValidationFailed(fields={"stage": [_("This pipeline has no active open stage.")]})
    return stage


def resolve_contacts(actor, value) -> list[tuple[Contact, str, bool]]:
    """[{"contact": id, "role": "decision_maker", "is_primary": false}, …] of visible contacts."""
    if value in (None, "", []):
        return []
    message = _('Enter a list such as [{"contact": 12, "role": "decision_maker"}].')
    if not isinstance(value, (list, tuple)):
        raise ValidationFailed(fields={"contacts": [message]})
    if len(value) > MAX_CONTACTS:
        raise ValidationFailed(
            fields={"contacts": [_("Choose at most %(max)d contacts.") % {"max": MAX_CONTACTS}]}
        )
    roles = {r for r, _label in ContactRole.choices}
    wanted: dict[int, tuple[str, bool]] = {}
    for item in value:
        if isinstance(item, (Contact, int, str)) and not isinstance(item, bool):
            item = {"contact": item}
        if not isinstance(item, dict) or set(item) - {"contact", "role", "is_primary"}:
            raise ValidationFailed(fields={"contacts": [message]})
        contact = item.get("contact")
        pk = contact.pk if isinstance(contact, Contact) else access.record_id(contact)
        role = item.get("role") or ""
        primary = item.get("is_primary", False)
        if (
            pk is None
            or not isinstance(role, str)
            or (role and role not in roles)
            or not isinstance(primary, bool)
        ):
            raise ValidationFailed(fields={"contacts": [message]})
        wanted[pk] = (role, primary)
    found = access.scope(actor, Contact).in_bulk(list(wanted))
    if len(found) != len(wanted):
        raise ValidationFailed(fields={"contacts": [_("A contact does not exist or you cannot see it.")]})
    return [(found[pk], role, primary) for pk, (role, primary) in wanted.items()]
