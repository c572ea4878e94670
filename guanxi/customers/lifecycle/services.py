"""Lifecycle stage and relationship level: set by hand, or moved by follow-ups and dormancy.

Automatic moves (documented in docs/architecture.md, "Customer health and lifecycle"):
- a follow-up with an account that is *at risk* makes it *active*; one with a *dormant* or
  *lost* account makes it *won back*; a recent follow-up makes the health *active* again;
- the dormancy job (engagement/dormancy/services.py) moves drifting customers to *at risk* and
  dormant ones to *dormant* (prospects and lost customers keep their stage; only their health
  changes).
Every change, by hand or automatic, is a StageChange row (the history on the 360° page) and,
by hand, an audit event too. Automatic changes keep the account's `version` and `updated_at`:
they are derived state, not an edit someone could conflict with.

Automatic rows store their reason as an English message id (gettext_noop) and are translated
when shown (`reason_text`), so a job's history reads in every viewer's language.
"""

from __future__ import annotations

import datetime as dt

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.audit import services as audit
from guanxi.core import cleaning
from guanxi.core.errors import ValidationFailed, VersionConflict
from guanxi.org.models import Action
from guanxi.policies import access

from ..models import Account, CustomerSettings, Health, Lifecycle, RelationshipLevel, StageChange

FIELDS: dict[str, type[models.TextChoices]] = {
    StageChange.Field.LIFECYCLE: Lifecycle,
    StageChange.Field.LEVEL: RelationshipLevel,
}
# What a follow-up does to the stage it finds (stages not listed stay as they are).
ON_FOLLOWUP: dict[str, str] = {
    Lifecycle.AT_RISK: Lifecycle.ACTIVE,
    Lifecycle.DORMANT: Lifecycle.WON_BACK,
    Lifecycle.LOST: Lifecycle.WON_BACK,
}
# What the dormancy job does to the stage when the health becomes drifting / dormant.
ON_DRIFTING_FROM = (Lifecycle.NEW, Lifecycle.ACTIVE, Lifecycle.WON_BACK)  # → at risk
ON_DORMANT_KEEP = (Lifecycle.PROSPECT, Lifecycle.LOST, Lifecycle.DORMANT)  # every other stage → dormant
TIERS = ("A", "B", "C")

REASON_FOLLOWUP = gettext_noop("A follow-up was logged.")
REASON_DRIFTING = gettext_noop("No contact for two thirds of the dormancy threshold.")
REASON_DORMANT = gettext_noop("No contact for longer than the dormancy threshold.")
AUTOMATIC_REASONS = (REASON_FOLLOWUP, REASON_DRIFTING, REASON_DORMANT)

_reason_cleaner = cleaning.text(200)


def reason_text(change: StageChange) -> str:
    """The reason as the viewer reads it: automatic reasons are translated."""
    return _(change.reason) if change.automatic and change.reason in AUTOMATIC_REASONS else change.reason


# --- thresholds -------------------------------------------------------------------------------


def thresholds(settings: CustomerSettings) -> dict[str, int]:
    """Days of silence after which a customer is dormant, per tier ("" = no or another tier)."""
    return {
        "A": settings.dormancy_days_a,
        "B": settings.dormancy_days_b,
        "C": settings.dormancy_days_c,
        "": settings.dormancy_days_other,
    }


def drifting_after(days: int) -> dt.timedelta:
    """Drifting after two thirds of the threshold (exactly, to the second)."""
    return dt.timedelta(seconds=days * 86400 * 2 // 3)


def health_for(*, tier: str, reference: dt.datetime, at: dt.datetime, settings: CustomerSettings) -> str:
    """The health the dormancy rule gives a customer whose last interaction was `reference`."""
    days: int = thresholds(settings).get(tier if tier in TIERS else "")  # type: ignore[assignment]  # all set
    if reference < at - dt.timedelta(days=days):
        return Health.DORMANT
    if reference < at - drifting_after(days):
        return Health.DRIFTING
    return Health.ACTIVE


def days_silent(account: Account, *, now: dt.datetime | None = None) -> int:
    reference = account.last_contact_at or account.created_at
    return max(0, ((now or timezone.now()) - reference).days)


# --- writes -----------------------------------------------------------------------------------


@transaction.atomic
def stage_set(
    *, actor, account: Account, field: str, value: str, reason: str = "", version: int | None = None
) -> Account:
    """Set the lifecycle stage or relationship level by hand (needs update rights)."""
    access.require(actor, Action.UPDATE, account)
    if not isinstance(field, str) or field not in FIELDS:
        raise ValidationFailed(
            fields={"field": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(FIELDS)}]}
        )
    choices = FIELDS[field].values
    if not isinstance(value, str) or value not in choices:
        raise ValidationFailed(
            fields={"value": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)}]}
        )
    cleaned = cleaning.clean_payload({"reason": reason}, {"reason": _reason_cleaner})
    reason = cleaned["reason"]
    if version is not None and version != account.version:
        raise VersionConflict()
    old = getattr(account, field)
    if old == value:
        return account
    now = timezone.now()
    updated = Account._base_manager.filter(
        pk=account.pk, version=account.version, deleted_at__isnull=True
    ).update(**{field: value}, version=account.version + 1, updated_at=now)
    if not updated:
        raise VersionConflict()
    setattr(account, field, value)
    account.version += 1
    account.updated_at = now
    StageChange.objects.create(
        account=account, field=field, old=old, new=value, at=now, actor=actor, reason=reason
    )
    audit.record(actor=actor, verb="update", obj=account, changes={field: (old, value)})
    return account


def followup_logged(*, actor, account: Account, at) -> None:
    """A follow-up happened at `at` (called inside the follow-up's transaction).

    The health is re-evaluated with the follow-up as the latest interaction: a recent one makes
    the customer active again and moves its stage (ON_FOLLOWUP); a follow-up entered long after
    the fact (older than the drifting point) changes nothing."""
    if account.health == Health.ACTIVE and account.lifecycle_stage not in ON_FOLLOWUP:
        return  # already active, in a stage a follow-up does not move: nothing to change or read
    now = timezone.now()
    reference = max(d for d in (at, account.last_contact_at) if d is not None)
    health = health_for(tier=account.tier, reference=reference, at=now, settings=CustomerSettings.load())
    if health != Health.ACTIVE:
        return
    updates: dict = {}
    new_stage = ON_FOLLOWUP.get(account.lifecycle_stage)
    if new_stage:
        StageChange.objects.create(
            account=account,
            field=StageChange.Field.LIFECYCLE,
            old=account.lifecycle_stage,
            new=new_stage,
            at=now,
            actor=actor,
            automatic=True,
            reason=REASON_FOLLOWUP,
        )
        updates["lifecycle_stage"] = new_stage
    if account.health != Health.ACTIVE:
        updates.update(health=Health.ACTIVE, health_since=now)
    if updates:
        Account._base_manager.filter(pk=account.pk).update(**updates)
        for key, value in updates.items():
            setattr(account, key, value)


# --- reads ------------------------------------------------------------------------------------


def history(account: Account, *, limit: int = 50) -> list[StageChange]:
    return list(account.stage_changes.select_related("actor").order_by("-at", "-id")[:limit])
