"""Writes to opportunities (商机). The UI, the API, lead conversion and jobs all come through here
(the fields are cleaned by cleaning.py; pipelines and stages are services_admin.py).

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

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.core import cleaning as c
from guanxi.core.errors import ValidationFailed, VersionConflict
from guanxi.core.services import check_version, full_clean, model_update, restore, soft_delete
from guanxi.customers.models import Account, Contact
from guanxi.org.models import Action, User
from guanxi.policies import access
from guanxi.search import services as search

from ..models import Lead, Opportunity, OpportunityContact, OpportunityStageChange, Pipeline, Stage
from . import rates
from .cleaning import (
    clean,
    first_open_stage,
    resolve_account,
    resolve_contacts,
    resolve_pipeline,
    resolve_stage,
)

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


def seconds_since(moment, now) -> int | None:
    if moment is None:
        return None
    return max(0, int((now - moment).total_seconds()))


def _notify_closed(actor, opportunity: Opportunity) -> None:
    """Tell the owner and the collaborators (not the actor) that a deal was won or lost."""
    from guanxi.engagement.models import Notification
    from guanxi.engagement.tasks.services import notify_many
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
    cleaned = clean(dict(data), partial=False)
    account = resolve_account(actor, cleaned.pop("account"))
    pipeline = resolve_pipeline(cleaned.pop("pipeline", None))
    stage_value = cleaned.pop("stage", None)
    stage = (
        first_open_stage(pipeline) if stage_value in (None, "") else resolve_stage(pipeline.pk, stage_value)
    )
    contacts = resolve_contacts(actor, cleaned.pop("contacts", None))
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
    cleaned = clean(data, partial=True)
    values: dict = {
        k: v
        for k, v in cleaned.items()
        if k not in ("account", "pipeline", "stage", "contacts", "probability")
    }
    if "account" in cleaned:
        same = str(getattr(cleaned["account"], "pk", cleaned["account"])) == str(opportunity.account_id)
        values["account"] = opportunity.account if same else resolve_account(actor, cleaned["account"])
    pipeline = opportunity.pipeline
    if (
        cleaned.get("pipeline") not in (None, "")
        and access.record_id(cleaned["pipeline"]) != opportunity.pipeline_id
    ):
        pipeline = resolve_pipeline(cleaned["pipeline"])
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
    contacts = resolve_contacts(actor, cleaned["contacts"]) if "contacts" in cleaned else None
    now = timezone.now()
    old_stage, old_entered = opportunity.stage, opportunity.stage_entered_at
    moved = stage is not None and stage.pk != opportunity.stage_id
    if moved:
        probe = _Probe(opportunity, values)
        reason = (
            values.get("loss_reason", "") if stage.type == Stage.Type.LOST else values.get("win_reason", "")
        )
        stage_values = _stage_values(probe, stage, reason=reason, now=now)  # type: ignore[arg-type]  # moved
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
                bump_version(opportunity, now)
    if moved:
        OpportunityStageChange.objects.create(  # type: ignore[misc]  # moved: to a stage
            opportunity=opportunity,
            from_stage=old_stage,
            to_stage=stage,
            at=now,
            actor=actor if getattr(actor, "pk", None) else None,
            seconds_in_stage=seconds_since(old_entered, now),
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


def bump_version(record: Opportunity | Pipeline, now) -> None:
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
            seconds_in_stage=seconds_since(old_entered, now),
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
        from guanxi.engagement.tasks.services import notify

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
    old, new = _write_contacts(opportunity, resolve_contacts(actor, contacts))
    if old != new:
        bump_version(opportunity, timezone.now())
        audit.record(actor=actor, verb="update", obj=opportunity, changes={"contacts": (old, new)})
    return opportunity
