"""Lifecycle stage and relationship level: set by hand, or moved by follow-ups and dormancy.

Automatic moves (documented in docs/architecture.md, "Customer health and lifecycle"):
- a follow-up with an account that is *at risk* makes it *active*; one with a *dormant* or
  *lost* account makes it *won back*; every follow-up makes the health *active* again;
- the dormancy job (engagement/dormancy.py) moves drifting customers to *at risk* and dormant
  ones to *dormant* (prospects and lost customers keep their stage; only their health changes).
Every change, by hand or automatic, is a StageChange row (the history on the 360° page) and,
by hand, an audit event too.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.core.errors import ValidationFailed
from guanxi.org.models import Action
from guanxi.policies import access

from .models import Account, Health, Lifecycle, RelationshipLevel, StageChange

FIELDS = {StageChange.Field.LIFECYCLE: Lifecycle, StageChange.Field.LEVEL: RelationshipLevel}
# What a follow-up does to the stage it finds (stages not listed stay as they are).
ON_FOLLOWUP = {Lifecycle.AT_RISK: Lifecycle.ACTIVE, Lifecycle.DORMANT: Lifecycle.WON_BACK, Lifecycle.LOST: Lifecycle.WON_BACK}


@transaction.atomic
def stage_set(*, actor, account: Account, field: str, value: str, reason: str = "",
              version: int | None = None) -> Account:
    """Set the lifecycle stage or relationship level by hand (needs update rights)."""
    access.require(actor, Action.UPDATE, account)
    if field not in FIELDS:
        raise ValidationFailed(fields={"field": [_("Choose lifecycle_stage or relationship_level.")]})
    if value not in FIELDS[field].values:
        raise ValidationFailed(fields={field: [_("Choose one of: %(choices)s.") % {"choices": ", ".join(FIELDS[field].values)}]})
    reason = " ".join(str(reason or "").split())[:200]
    if version is not None and version != account.version:
        from guanxi.core.errors import VersionConflict
        raise VersionConflict()
    old = getattr(account, field)
    if old == value:
        return account
    now = timezone.now()
    updated = Account._base_manager.filter(pk=account.pk, version=account.version).update(
        **{field: value}, version=account.version + 1, updated_at=now)
    if not updated:
        from guanxi.core.errors import VersionConflict
        raise VersionConflict()
    setattr(account, field, value)
    account.version += 1
    account.updated_at = now
    StageChange.objects.create(account=account, field=field, old=old, new=value, at=now, actor=actor, reason=reason)
    audit.record(actor=actor, verb="update", obj=account, changes={field: (old, value)})
    return account


def followup_logged(*, actor, account: Account, at) -> None:
    """A follow-up happened: the customer is active again (called inside the follow-up's transaction)."""
    updates = {}
    new_stage = ON_FOLLOWUP.get(account.lifecycle_stage)
    if new_stage:
        StageChange.objects.create(account=account, field=StageChange.Field.LIFECYCLE, old=account.lifecycle_stage,
                                   new=new_stage, at=timezone.now(), actor=actor, automatic=True,
                                   reason=_("A follow-up was logged."))
        updates["lifecycle_stage"] = new_stage
    if account.health != Health.ACTIVE:
        updates.update(health=Health.ACTIVE, health_since=timezone.now())
    if updates:
        Account._base_manager.filter(pk=account.pk).update(**updates)
        for key, value in updates.items():
            setattr(account, key, value)


def history(account: Account, *, limit: int = 50) -> list[StageChange]:
    return list(account.stage_changes.select_related("actor").order_by("-at", "-id")[:limit])
