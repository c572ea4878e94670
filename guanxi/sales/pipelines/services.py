"""Writes to opportunities (商机) and pipelines. The UI, the API, lead conversion and jobs all
come through here.

Stage rules, the same for a move (kanban, POST …/move) and for an update naming a stage:
- the stage must be an active stage of the opportunity's pipeline (field error `stage`);
- entering a lost stage needs a reason (the move's `reason` or a loss_reason already given:
  field error `loss_reason`); the reason is kept as loss_reason (lost) or win_reason (won);
- the probability follows the stage, unless it was set by hand (probability_manual), which
  survives moves between open stages; won is always 100 and lost 0 (and clears the override);
- `closed_at` is set on entering won or lost and cleared when the deal is reopened;
- every change writes an OpportunityStageChange with the seconds spent in the stage left.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.core import cleaning as c
from guanxi.core.errors import PermissionDenied, ValidationFailed, VersionConflict
from guanxi.core.services import check_version, full_clean, model_update, restore, soft_delete
from guanxi.customers.models import Account, Contact, ContactRole
from guanxi.org.models import Action, User
from guanxi.policies import access
from guanxi.search import services as search

from ..models import Lead, Opportunity, OpportunityContact, OpportunityStageChange, Pipeline, Stage
from . import rates

MAX_CONTACTS = 50
MAX_COMPETITORS = 20
EARLIEST_CLOSE = dt.date(1900, 1, 1)
LATEST_CLOSE = dt.date(2199, 12, 31)


# --- cleaners ---------------------------------------------------------------------------------


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
# What model_update may write (owner never: opportunity_transfer).
WRITABLE = [
    "name",
    "account",
    "amount",
    "currency",
    "amount_base",
    "pipeline",
    "stage",
    "stage_type",
    "probability",
    "probability_manual",
    "expected_close",
    "next_step",
    "competitors",
    "description",
    "win_reason",
    "loss_reason",
    "stage_entered_at",
    "closed_at",
]


def _clean(data: dict, *, partial: bool) -> dict:
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


def _resolve_account(actor, value) -> Account:
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


def _resolve_pipeline(value) -> Pipeline:
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


def _resolve_contacts(actor, value) -> list[tuple[Contact, str, bool]]:
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


def _write_contacts(opportunity: Opportunity, contacts: list[tuple[Contact, str, bool]]) -> tuple[list, list]:
    """Replace the contact roles; (old, new) as [[contact id, role], …] for the audit."""
    old = list(
        OpportunityContact.objects.filter(opportunity=opportunity)
        .order_by("contact_id")
        .values_list("contact_id", "role")
    )
    new = sorted((contact.pk, role) for contact, role, _primary in contacts)
    if [tuple(o) for o in old] != new:
        OpportunityContact.objects.filter(opportunity=opportunity).delete()
        OpportunityContact.objects.bulk_create(
            [
                OpportunityContact(opportunity=opportunity, contact=contact, role=role, is_primary=primary)
                for contact, role, primary in contacts
            ]
        )
    return [list(o) for o in old], [list(n) for n in new]


# --- the stage rules --------------------------------------------------------------------------


def _stage_values(opportunity: Opportunity, stage: Stage, *, reason: str, now) -> dict:
    """The fields a move to `stage` sets (not yet applied); checks the lost-reason rule."""
    values: dict = {"stage": stage, "stage_type": stage.type, "stage_entered_at": now}
    if stage.type == Stage.Type.LOST:
        loss_reason = reason or opportunity.loss_reason
        if not loss_reason:
            raise ValidationFailed(
                _("Say why the deal was lost."), fields={"loss_reason": [_("A lost deal needs a reason.")]}
            )
        values.update(loss_reason=loss_reason, probability=0, probability_manual=False)
    elif stage.type == Stage.Type.WON:
        values.update(probability=100, probability_manual=False)
        if reason:
            values["win_reason"] = reason
    elif not opportunity.probability_manual:
        values["probability"] = stage.probability
    if stage.type == Stage.Type.OPEN:
        values["closed_at"] = None
    elif opportunity.stage_type != stage.type or opportunity.closed_at is None:
        values["closed_at"] = now
    return values


def _seconds_since(moment, now) -> int | None:
    if moment is None:
        return None
    return max(0, int((now - moment).total_seconds()))


def _notify_closed(actor, opportunity: Opportunity) -> None:
    """Tell the owner and the collaborators (not the actor) that a deal was won or lost."""
    from guanxi.engagement.models import Notification
    from guanxi.engagement.todos.services import notify_many
    from guanxi.org.models import Collaborator

    if opportunity.stage_type == Stage.Type.OPEN:
        return
    users = set(
        Collaborator.objects.filter(
            object_type=Opportunity.POLICY_OBJECT_TYPE, object_id=opportunity.pk
        ).values_list("user_id", flat=True)
    )
    if opportunity.owner_id:
        users.add(opportunity.owner_id)
    users.discard(getattr(actor, "pk", None))
    if not users:
        return
    title = (_("Won: %(name)s") if opportunity.stage_type == Stage.Type.WON else _("Lost: %(name)s")) % {
        "name": opportunity.name
    }
    body = opportunity.win_reason if opportunity.stage_type == Stage.Type.WON else opportunity.loss_reason
    notify_many(
        [
            {
                "user": u,
                "kind": Notification.Kind.OPPORTUNITY,
                "title": title[:200],
                "body": body,
                "url": f"/sales/opportunities/{opportunity.pk}/",
                "obj": opportunity,
            }
            for u in sorted(users)
        ]
    )


# --- opportunities ----------------------------------------------------------------------------


@transaction.atomic
def opportunity_create(*, actor, data: dict, lead: Lead | None = None) -> Opportunity:
    access.require(actor, Action.CREATE, model=Opportunity)
    cleaned = _clean(dict(data), partial=False)
    account = _resolve_account(actor, cleaned.pop("account"))
    pipeline = _resolve_pipeline(cleaned.pop("pipeline", None))
    stage_value = cleaned.pop("stage", None)
    stage = (
        first_open_stage(pipeline) if stage_value in (None, "") else resolve_stage(pipeline.pk, stage_value)
    )
    contacts = _resolve_contacts(actor, cleaned.pop("contacts", None))
    amount = cleaned.pop("amount", Decimal("0.00"))
    currency = cleaned.pop("currency", rates.base_currency())
    probability = cleaned.pop("probability", None)
    now = timezone.now()
    opportunity = Opportunity(
        **cleaned,
        account=account,
        pipeline=pipeline,
        amount=amount,
        currency=currency,
        amount_base=rates.to_base(amount, currency),
        probability=stage.probability if probability is None else probability,
        probability_manual=probability is not None,
        stage_type=Stage.Type.OPEN,
        owner=actor,
        created_by=actor,
        lead=lead if isinstance(lead, Lead) else None,
    )
    if lead is not None and not isinstance(lead, Lead):
        opportunity.lead_id = access.record_id(lead)
    for key, value in _stage_values(
        opportunity,
        stage,
        reason=cleaned.get("loss_reason", "") if stage.type == "lost" else cleaned.get("win_reason", ""),
        now=now,
    ).items():
        setattr(opportunity, key, value)
    if probability is not None and stage.type == Stage.Type.OPEN:
        opportunity.probability, opportunity.probability_manual = probability, True
    full_clean(opportunity, exclude=["owner", "created_by", "deleted_by", "lead"])
    opportunity.save()
    _write_contacts(opportunity, contacts)
    OpportunityStageChange.objects.create(
        opportunity=opportunity,
        from_stage=None,
        to_stage=stage,
        at=now,
        actor=actor if getattr(actor, "pk", None) else None,
        amount=opportunity.amount,
        probability=opportunity.probability,
    )
    audit.record(
        actor=actor,
        verb="create",
        obj=opportunity,
        changes={
            **{k: (None, v) for k, v in cleaned.items() if v not in ("", [], None)},
            "account": (None, account),
            "pipeline": (None, pipeline.pk),
            "stage": (None, stage),
            "amount": (None, amount),
            "currency": (None, currency),
            "probability": (None, opportunity.probability),
            **({"contacts": (None, [[ct.pk, role] for ct, role, _p in contacts])} if contacts else {}),
        },
    )
    search.index(opportunity)
    return opportunity


@transaction.atomic
def opportunity_update(*, actor, opportunity: Opportunity, data: dict, version: int | None) -> Opportunity:
    """Any field but the owner. A new stage follows the move's rules; a new pipeline needs a
    stage of it (its first open stage when none is named). `probability: null` goes back to
    the stage's probability."""
    access.require(actor, Action.UPDATE, opportunity)
    check_version(opportunity, version)
    data = dict(data)
    cleaned = _clean(data, partial=True)
    values: dict = {
        k: v
        for k, v in cleaned.items()
        if k not in ("account", "pipeline", "stage", "contacts", "probability")
    }
    if "account" in cleaned:
        same = str(getattr(cleaned["account"], "pk", cleaned["account"])) == str(opportunity.account_id)
        values["account"] = opportunity.account if same else _resolve_account(actor, cleaned["account"])
    pipeline = opportunity.pipeline
    if (
        cleaned.get("pipeline") not in (None, "")
        and access.record_id(cleaned["pipeline"]) != opportunity.pipeline_id
    ):
        pipeline = _resolve_pipeline(cleaned["pipeline"])
        values["pipeline"] = pipeline
    elif "pipeline" in cleaned and cleaned["pipeline"] in (None, ""):
        raise ValidationFailed(fields={"pipeline": [_("Choose an active pipeline.")]})
    stage = None
    if cleaned.get("stage") not in (None, ""):
        stage = resolve_stage(pipeline.pk, cleaned["stage"])
    elif "stage" in cleaned:
        raise ValidationFailed(
            fields={"stage": [_("Choose an active stage of this opportunity's pipeline.")]}
        )
    elif pipeline.pk != opportunity.pipeline_id:
        stage = first_open_stage(pipeline)
    if "probability" in cleaned:
        current_stage = stage or opportunity.stage
        if cleaned["probability"] is None:
            values.update(probability=current_stage.probability, probability_manual=False)
        else:
            values.update(probability=cleaned["probability"], probability_manual=True)
    if "amount" in values or "currency" in values:
        values["amount_base"] = rates.to_base(
            values.get("amount", opportunity.amount), values.get("currency", opportunity.currency)
        )
    contacts = _resolve_contacts(actor, cleaned["contacts"]) if "contacts" in cleaned else None
    now = timezone.now()
    old_stage, old_entered = opportunity.stage, opportunity.stage_entered_at
    moved = stage is not None and stage.pk != opportunity.stage_id
    if moved:
        probe = _Probe(opportunity, values)
        reason = (
            values.get("loss_reason", "") if stage.type == Stage.Type.LOST else values.get("win_reason", "")
        )
        stage_values = _stage_values(probe, stage, reason=reason, now=now)
        if values.get("probability_manual") and stage.type == Stage.Type.OPEN:
            stage_values.pop("probability", None)  # the new override wins over the stage's
        values.update(stage_values)
    elif opportunity.stage_type == Stage.Type.LOST and "loss_reason" in values and not values["loss_reason"]:
        raise ValidationFailed(fields={"loss_reason": [_("A lost deal needs a reason.")]})
    changes = dict(model_update(opportunity, fields=WRITABLE, data=values, expected_version=version))
    if contacts is not None:
        old, new = _write_contacts(opportunity, contacts)
        if old != new:
            changes["contacts"] = (old, new)
            if not any(k in changes for k in WRITABLE):  # only the contacts changed: still a new version
                _bump(opportunity, now)
    if moved:
        OpportunityStageChange.objects.create(
            opportunity=opportunity,
            from_stage=old_stage,
            to_stage=stage,
            at=now,
            actor=actor if getattr(actor, "pk", None) else None,
            seconds_in_stage=_seconds_since(old_entered, now),
            amount=opportunity.amount,
            probability=opportunity.probability,
            reason=values.get("loss_reason" if stage.type == Stage.Type.LOST else "win_reason", "") or "",
        )
    for derived in ("stage_type", "stage_entered_at", "probability_manual", "amount_base"):
        changes.pop(derived, None)
    if changes:
        audit.record(actor=actor, verb="update", obj=opportunity, changes=changes)
        if {"name", "competitors"} & set(changes):
            search.index(opportunity)
    if moved:
        _notify_closed(actor, opportunity)
    return opportunity


class _Probe:
    """The opportunity as it will be after the update's other values: what the stage rules read."""

    def __init__(self, opportunity: Opportunity, values: dict):
        self._opportunity, self._values = opportunity, values

    def __getattr__(self, name):
        if name in self._values:
            return self._values[name]
        return getattr(self._opportunity, name)


def _bump(record: Opportunity | Pipeline, now) -> None:
    """A new version of this opportunity or pipeline (its own table: a pipeline whose stages alone
    changed must not touch the opportunity that happens to share its id)."""
    updated = (
        type(record)
        ._base_manager.filter(pk=record.pk, version=record.version)
        .update(version=record.version + 1, updated_at=now)
    )
    if not updated:
        raise VersionConflict()
    record.version, record.updated_at = record.version + 1, now


@transaction.atomic
def opportunity_move(
    *, actor, opportunity: Opportunity, stage, reason: str = "", version: int | None = None
) -> Opportunity:
    """Move to another stage of the same pipeline (the kanban's drag and drop). Few queries:
    the stage, one conditional UPDATE, the stage change and the audit row."""
    access.require(actor, Action.UPDATE, opportunity)
    check_version(opportunity, version)
    try:
        reason = c.text(500)(reason)
    except ValidationError as exc:
        raise ValidationFailed(fields={"reason": list(exc.messages)}) from None
    stage = resolve_stage(opportunity.pipeline_id, stage)
    if stage.pk == opportunity.stage_id and not reason:
        return opportunity
    now = timezone.now()
    old_stage_id, old_entered = opportunity.stage_id, opportunity.stage_entered_at
    values = _stage_values(opportunity, stage, reason=reason, now=now)
    if stage.pk == old_stage_id:  # the same stage with a new reason: only the reason changes
        values = {k: v for k, v in values.items() if k in ("loss_reason", "win_reason")}
    old = {k: getattr(opportunity, k) for k in values}
    updated = Opportunity._base_manager.filter(
        pk=opportunity.pk, version=opportunity.version, deleted_at__isnull=True
    ).update(
        **{("stage_id" if k == "stage" else k): (v.pk if k == "stage" else v) for k, v in values.items()},
        version=opportunity.version + 1,
        updated_at=now,
    )
    if not updated:
        raise VersionConflict()
    for key, value in values.items():
        setattr(opportunity, key, value)
    opportunity.version, opportunity.updated_at = opportunity.version + 1, now
    if stage.pk != old_stage_id:
        OpportunityStageChange.objects.create(
            opportunity=opportunity,
            from_stage_id=old_stage_id,
            to_stage=stage,
            at=now,
            actor=actor if getattr(actor, "pk", None) else None,
            seconds_in_stage=_seconds_since(old_entered, now),
            amount=opportunity.amount,
            probability=opportunity.probability,
            reason=reason,
        )
    changes = {
        k: (old[k], v)
        for k, v in values.items()
        if k not in ("stage_type", "stage_entered_at", "probability_manual") and old[k] != v
    }
    if "stage" in changes:
        changes["stage"] = (old_stage_id, stage)
    audit.record(actor=actor, verb="update", obj=opportunity, changes=changes)
    if stage.pk != old_stage_id:
        _notify_closed(actor, opportunity)
    return opportunity


@transaction.atomic
def opportunity_delete(*, actor, opportunity: Opportunity, version: int | None) -> None:
    access.require(actor, Action.DELETE, opportunity)
    soft_delete(opportunity, actor=actor, version=version)
    audit.record(actor=actor, verb="delete", obj=opportunity)
    search.remove(opportunity)


@transaction.atomic
def opportunity_restore(*, actor, opportunity: Opportunity) -> Opportunity:
    access.require(actor, Action.DELETE, opportunity)
    if opportunity.deleted_at is None:
        return opportunity
    if (
        not access.scope(actor, Account).filter(pk=opportunity.account_id).exists()
        and not Account._base_manager.filter(pk=opportunity.account_id, deleted_at__isnull=True).exists()
    ):
        raise ValidationFailed(
            fields={"account": [_("Restore the account first: it is in the recycle bin.")]}
        )
    restore(opportunity)
    audit.record(actor=actor, verb="restore", obj=opportunity)
    search.index(opportunity)
    return opportunity


@transaction.atomic
def opportunity_transfer(*, actor, opportunity: Opportunity, owner) -> Opportunity:
    access.require(actor, Action.TRANSFER, opportunity)
    if isinstance(owner, str):
        owner = None if "\x00" in owner else User.objects.filter(username=owner, is_active=True).first()
    if owner is None or not getattr(owner, "is_active", False):
        raise ValidationFailed(fields={"owner": [_("Choose an active user.")]})
    if owner.pk == opportunity.owner_id:
        return opportunity
    old = opportunity.owner
    now = timezone.now()
    Opportunity._base_manager.filter(pk=opportunity.pk).update(
        owner=owner, version=opportunity.version + 1, updated_at=now
    )
    opportunity.owner, opportunity.version, opportunity.updated_at = owner, opportunity.version + 1, now
    audit.record(
        actor=actor,
        verb="transfer",
        obj=opportunity,
        changes={"owner": (old.username if old else None, owner.username)},
    )
    search.set_owner(Opportunity.POLICY_OBJECT_TYPE, [opportunity.pk], owner.pk)
    if owner.pk != getattr(actor, "pk", None):
        from guanxi.engagement.models import Notification
        from guanxi.engagement.todos.services import notify

        notify(
            owner,
            Notification.Kind.OPPORTUNITY,
            (_("Opportunity transferred to you: %(name)s") % {"name": opportunity.name})[:200],
            url=f"/sales/opportunities/{opportunity.pk}/",
            obj=opportunity,
        )
    return opportunity


@transaction.atomic
def opportunity_contacts_set(*, actor, opportunity: Opportunity, contacts) -> Opportunity:
    """Replace the contact roles ([{"contact": id, "role": …, "is_primary": …}])."""
    access.require(actor, Action.UPDATE, opportunity)
    old, new = _write_contacts(opportunity, _resolve_contacts(actor, contacts))
    if old != new:
        _bump(opportunity, timezone.now())
        audit.record(actor=actor, verb="update", obj=opportunity, changes={"contacts": (old, new)})
    return opportunity


# --- pipelines (administrators) ---------------------------------------------------------------


def require_admin(actor) -> None:
    if not (actor and actor.is_authenticated and actor.is_active and actor.is_superuser):
        raise PermissionDenied(_("Only administrators manage pipelines."))


LANGS = (("en", "en"), ("zh-hans", "zh_hans"), ("zh-hant", "zh_hant"))
STAGE_KEYS = {"id", "name", "names", "type", "probability", "order", "active"}
MAX_STAGES = 30


def _names(value, field: str) -> dict[str, str]:
    """A name in every language: a string (English, used for all), or {"en", "zh-hans", "zh-hant"}
    (also name_en… keys); English is required."""
    if isinstance(value, str):
        value = {"en": value}
    if not isinstance(value, dict) or not value:
        raise ValidationFailed(
            fields={field: [_("Enter a name, or names per language (en, zh-hans, zh-hant).")]}
        )
    out: dict[str, str] = {}
    for key, text in value.items():
        suffix = next((s for lang, s in LANGS if key in (lang, s, f"name_{s}")), None)
        if suffix is None:
            raise ValidationFailed(fields={field: [_("Use the languages en, zh-hans and zh-hant.")]})
        try:
            out[suffix] = c.text(100)(text)
        except ValidationError as exc:
            raise ValidationFailed(fields={field: list(exc.messages)}) from None
    if not out.get("en"):
        out["en"] = out.get("zh_hans") or out.get("zh_hant") or ""
    if not out["en"]:
        raise ValidationFailed(fields={field: [_("This field is required.")]})
    return {f"name_{s}": out.get(s, "") for _lang, s in LANGS}


def _stage_rows(value) -> list[dict]:
    """The cleaned stage list of a pipeline: [{"id"?, name_en…, type, probability, order, active}]."""
    if not isinstance(value, (list, tuple)) or not value:
        raise ValidationFailed(fields={"stages": [_("Enter the list of stages.")]})
    if len(value) > MAX_STAGES:
        raise ValidationFailed(fields={"stages": [_("Use at most %(max)d stages.") % {"max": MAX_STAGES}]})
    rows = []
    types = {t for t, _label in Stage.Type.choices}
    for index, item in enumerate(value):
        if not isinstance(item, dict) or set(item) - STAGE_KEYS:
            raise ValidationFailed(
                fields={"stages": [_("Each stage has a name, a type, a probability and an order.")]}
            )
        row = _names(item.get("names") if item.get("names") is not None else item.get("name"), "stages")
        kind = item.get("type", Stage.Type.OPEN)
        if kind not in types:
            raise ValidationFailed(fields={"stages": [_("A stage's type is open, won or lost.")]})
        try:
            probability = clean_probability(item.get("probability"))
        except ValidationError as exc:
            raise ValidationFailed(fields={"stages": list(exc.messages)}) from None
        if probability is None:
            probability = {"won": 100, "lost": 0}.get(kind, 0)
        order = item.get("order", index)
        active = item.get("active", True)
        if type(order) is not int or not 0 <= order <= 10000 or not isinstance(active, bool):
            raise ValidationFailed(
                fields={"stages": [_("A stage's order is a whole number and active is true or false.")]}
            )
        if "id" in item and item["id"] is not None and access.record_id(item["id"]) is None:
            raise ValidationFailed(fields={"stages": [_("A stage id is a whole number.")]})
        rows.append(
            {
                **row,
                "id": access.record_id(item.get("id")),
                "type": kind,
                "probability": probability,
                "order": order,
                "active": active,
            }
        )
    live = {r["type"] for r in rows if r["active"]}
    if not {Stage.Type.OPEN, Stage.Type.WON, Stage.Type.LOST} <= live:
        raise ValidationFailed(
            fields={"stages": [_("A pipeline needs at least one open, one won and one lost stage.")]}
        )
    return rows


def _pipeline_fields(data: dict, *, partial: bool) -> dict:
    unknown = set(data) - {"name", "names", "is_default", "active", "order", "stages"}
    if unknown:
        raise ValidationFailed(fields={k: [_("Unknown field; it cannot be set here.")] for k in unknown})
    out: dict = {}
    if data.get("names") is not None or data.get("name") is not None:
        out.update(_names(data.get("names") if data.get("names") is not None else data.get("name"), "name"))
    elif not partial:
        raise ValidationFailed(fields={"name": [_("This field is required.")]})
    for key in ("is_default", "active"):
        if key in data and data[key] is not None:
            if not isinstance(data[key], bool):
                raise ValidationFailed(fields={key: [_("Enter true or false.")]})
            out[key] = data[key]
    if data.get("order") is not None:
        if type(data["order"]) is not int or not 0 <= data["order"] <= 10000:
            raise ValidationFailed(fields={"order": [_("Enter a whole number from 0 to 10000.")]})
        out["order"] = data["order"]
    return out


def _set_default(pipeline: Pipeline) -> None:
    Pipeline.objects.exclude(pk=pipeline.pk).filter(is_default=True).update(is_default=False)


def _sync_stages(pipeline: Pipeline, rows: list[dict]) -> list:
    """Create, change and remove stages to match `rows`; (old, new) summaries for the audit."""
    current = {s.pk: s for s in pipeline.stages.all()}
    old = [[s.pk, s.name_en, s.type, s.probability, s.order, s.active] for s in current.values()]
    keep: set[int] = set()
    for row in rows:
        pk = row.pop("id")
        if pk is not None:
            if pk not in current:
                raise ValidationFailed(
                    fields={"stages": [_("Stage %(id)s is not a stage of this pipeline.") % {"id": pk}]}
                )
            stage = current[pk]
            for key, value in row.items():
                setattr(stage, key, value)
            stage.save()
            keep.add(pk)
        else:
            stage = Stage.objects.create(pipeline=pipeline, **row)
            keep.add(stage.pk)
    gone = [pk for pk in current if pk not in keep]
    in_use = set(
        Opportunity._base_manager.filter(stage_id__in=gone).values_list("stage_id", flat=True).distinct()
    )
    if in_use:
        names = ", ".join(current[pk].name_en for pk in sorted(in_use))
        raise ValidationFailed(
            fields={
                "stages": [
                    _(
                        "Stages with opportunities cannot be removed (%(names)s): deactivate them, or move their "
                        "opportunities to another stage first."
                    )
                    % {"names": names}
                ]
            }
        )
    changed = {
        s
        for s in OpportunityStageChange.objects.filter(to_stage_id__in=gone).values_list(
            "to_stage_id", flat=True
        )
    }
    changed |= {
        s
        for s in OpportunityStageChange.objects.filter(from_stage_id__in=gone).values_list(
            "from_stage_id", flat=True
        )
    }
    # a stage that appears in the history but holds no deal any more: kept, inactive (history stays readable)
    Stage.objects.filter(pk__in=changed).update(active=False)
    Stage.objects.filter(pk__in=[pk for pk in gone if pk not in changed]).delete()
    new = [
        [s.pk, s.name_en, s.type, s.probability, s.order, s.active]
        for s in pipeline.stages.order_by("order", "id")
    ]
    return [old, new]


def _check_live_shape(pipeline: Pipeline) -> None:
    live = set(pipeline.stages.filter(active=True).values_list("type", flat=True))
    if not {Stage.Type.OPEN, Stage.Type.WON, Stage.Type.LOST} <= live:
        raise ValidationFailed(
            fields={"stages": [_("A pipeline needs at least one open, one won and one lost stage.")]}
        )


@transaction.atomic
def pipeline_create(*, actor, data: dict) -> Pipeline:
    require_admin(actor)
    data = dict(data)
    fields = _pipeline_fields(data, partial=False)
    rows = _stage_rows(data.get("stages"))
    if not Pipeline.objects.filter(deleted_at__isnull=True).exists():
        fields["is_default"] = True
    pipeline = Pipeline(**fields)
    full_clean(pipeline)
    pipeline.save()
    for row in rows:
        row.pop("id")
        Stage.objects.create(pipeline=pipeline, **row)
    if pipeline.is_default:
        _set_default(pipeline)
    audit.record(
        actor=actor,
        verb="create",
        obj=pipeline,
        changes={
            **{k: (None, v) for k, v in fields.items()},
            "stages": (None, [[r["name_en"], r["type"], r["probability"]] for r in rows]),
        },
    )
    return pipeline


@transaction.atomic
def pipeline_update(*, actor, pipeline: Pipeline, data: dict, version: int | None) -> Pipeline:
    """Names, default, active, order; `stages` (when given) is the whole new list: stages with an
    `id` are changed, without one added, left out removed (refused while they hold deals)."""
    require_admin(actor)
    check_version(pipeline, version)
    data = dict(data)
    fields = _pipeline_fields(data, partial=True)
    if fields.get("active") is False and (fields.get("is_default", pipeline.is_default)):
        raise ValidationFailed(
            fields={"active": [_("The default pipeline stays active; make another one the default first.")]}
        )
    if fields.get("is_default") is False and pipeline.is_default:
        raise ValidationFailed(fields={"is_default": [_("Make another pipeline the default instead.")]})
    changes = dict(
        model_update(
            pipeline,
            fields=["name_en", "name_zh_hans", "name_zh_hant", "is_default", "active", "order"],
            data=fields,
            expected_version=version,
        )
    )
    if data.get("stages") is not None:
        old, new = _sync_stages(pipeline, _stage_rows(data["stages"]))
        _check_live_shape(pipeline)
        if old != new:
            changes["stages"] = (old, new)
            if len(changes) == 1:
                _bump(pipeline, timezone.now())
    if pipeline.is_default:
        _set_default(pipeline)
    if changes:
        audit.record(actor=actor, verb="update", obj=pipeline, changes=changes)
    return pipeline


@transaction.atomic
def pipeline_delete(*, actor, pipeline: Pipeline, version: int | None) -> None:
    """To the recycle bin; the default pipeline and one with open deals stay."""
    require_admin(actor)
    check_version(pipeline, version)
    if pipeline.is_default:
        raise ValidationFailed(
            fields={
                "is_default": [
                    _("The default pipeline cannot be deleted; make another one the default first.")
                ]
            }
        )
    open_deals = Opportunity.objects.filter(
        pipeline=pipeline, deleted_at__isnull=True, stage_type=Stage.Type.OPEN
    ).count()
    if open_deals:
        raise ValidationFailed(
            fields={
                "pipeline": [
                    _(
                        "%(n)d open opportunities are in this pipeline: close them or "
                        "move them to another pipeline first."
                    )
                    % {"n": open_deals}
                ]
            }
        )
    soft_delete(pipeline, actor=actor)  # the version was checked above, before the other refusals
    audit.record(actor=actor, verb="delete", obj=pipeline)


@transaction.atomic
def pipeline_restore(*, actor, pipeline: Pipeline) -> Pipeline:
    require_admin(actor)
    if pipeline.deleted_at is not None:
        restore(pipeline)
        audit.record(actor=actor, verb="restore", obj=pipeline)
    return pipeline


@transaction.atomic
def stage_delete(*, actor, stage: Stage, move_to=None) -> None:
    """Remove a stage; its deals go to `move_to` (a stage of the same pipeline) first, each with a
    stage change. Without `move_to`, a stage that holds deals is refused (deactivate it instead)."""
    require_admin(actor)
    pipeline = stage.pipeline
    deals = Opportunity._base_manager.filter(stage=stage)
    if deals.exists():
        if move_to in (None, ""):
            raise ValidationFailed(
                fields={
                    "move_to": [
                        _(
                            "This stage holds opportunities: choose the stage to move "
                            "them to, or deactivate the stage."
                        )
                    ]
                }
            )
        target = resolve_stage(pipeline.pk, move_to)
        if target.pk == stage.pk or target.type != stage.type:
            raise ValidationFailed(fields={"move_to": [_("Choose another stage of the same type.")]})
        now = timezone.now()
        OpportunityStageChange.objects.bulk_create(
            [
                OpportunityStageChange(
                    opportunity_id=pk,
                    from_stage=stage,
                    to_stage=target,
                    at=now,
                    actor=actor if getattr(actor, "pk", None) else None,
                    seconds_in_stage=_seconds_since(entered, now),
                    reason=_("Stage removed"),
                )
                for pk, entered in deals.values_list("pk", "stage_entered_at")
            ]
        )
        moved = list(deals.values_list("pk", flat=True))
        Opportunity._base_manager.filter(pk__in=moved).update(
            stage=target, stage_entered_at=now, updated_at=now
        )
        Opportunity._base_manager.filter(pk__in=moved, probability_manual=False).update(
            probability=target.probability
        )
    if (
        OpportunityStageChange.objects.filter(to_stage=stage).exists()
        or OpportunityStageChange.objects.filter(from_stage=stage).exists()
    ):
        Stage.objects.filter(pk=stage.pk).update(active=False)  # kept for the stage history
    else:
        stage.delete()
    _check_live_shape(pipeline)
    audit.record(
        actor=actor, verb="update", obj=pipeline, changes={"stages": ([stage.pk, stage.name_en], None)}
    )
