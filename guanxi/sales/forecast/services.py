"""Writes of sales targets (业绩目标).

Who may set a target: holders of the right manage_targets (superusers) for anyone; a department manager (Department.manager, a
director is the manager of the top sales department) for the users and departments inside the
subtrees they manage (materialized path prefix), never their own target. A user or department
the actor may not see (selectors.user_get / department_get) is a 404; one they see but do not
manage a 403."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.core import cleaning
from guanxi.core.errors import PermissionDenied, ValidationFailed, VersionConflict
from guanxi.core.services import check_version, model_update
from guanxi.org.models import Department, User
from guanxi.sales.models import Target

from . import periods, selectors, selectors_targets


def clean_amount(value, *, field: str = "amount") -> Decimal:
    """A target's amount (cleaning.money()); unlike an opportunity's it cannot be left empty."""
    return cleaning.money(value, field=field, required=True)


def _require_manage(actor, *, user=None, department=None) -> None:
    if not selectors_targets.may_manage(actor, user=user, department=department):
        raise PermissionDenied(
            _("You may set targets only for the people and departments you manage, and not your own.")
        )


def _resolve(actor, user, department) -> tuple[User | None, Department | None]:
    """The user (username) or department (id) named in input, through the actor's sight."""
    has_user, has_dept = user not in (None, ""), department not in (None, "")
    if has_user == has_dept:
        message = (
            _("Give either a user or a department, not both.")
            if has_user
            else _("Give a user or a department.")
        )
        raise ValidationFailed(message, fields={"user": [message], "department": [message]})
    if isinstance(user, User) or isinstance(department, Department):
        return (user if has_user else None), (department if has_dept else None)
    if has_user:
        return selectors.user_get(actor, user), None
    return None, selectors.department_get(actor, department)


@transaction.atomic
def target_set(*, actor, user=None, department=None, period, amount) -> tuple[Target, bool]:
    """Create or update the target of a user or department for a month or quarter.

    Returns (target, created). An existing target for the same user/department and period is
    updated (its version bumps); the audit records create or update with old → new amount."""
    user, department = _resolve(actor, user, department)
    _require_manage(actor, user=user, department=department)
    period = periods.parse(period, allow_year=False)
    amount = clean_amount(amount)
    who = {"user": user} if user else {"department": department}
    existing = Target.objects.select_for_update().filter(**who, period=period.code).first()
    if existing is None:
        target = Target(
            **who,
            period=period.code,
            kind=period.kind,
            starts_on=period.start,
            ends_on=period.end,
            amount=amount,
            created_by=actor,
        )
        try:
            with transaction.atomic():
                target.save()
        except IntegrityError:  # a concurrent first write won: update it instead
            existing = Target.objects.select_for_update().get(**who, period=period.code)
        else:
            audit.record(
                actor=actor,
                verb="create",
                obj=target,
                changes={"period": (None, period.code), "amount": (None, amount)},
            )
            return target, True
    existing.user, existing.department = user, department  # already read: no query for __str__
    changes = model_update(existing, fields=["amount"], data={"amount": amount})
    if changes:
        audit.record(actor=actor, verb="update", obj=existing, changes=changes)
    return existing, False


@transaction.atomic
def target_update(*, actor, target: Target, amount, version: int | None) -> Target:
    _require_manage(actor, user=target.user, department=target.department)
    amount = clean_amount(amount)
    changes = model_update(target, fields=["amount"], data={"amount": amount}, expected_version=version)
    if changes:
        audit.record(actor=actor, verb="update", obj=target, changes=changes)
    return target


@transaction.atomic
def target_delete(*, actor, target: Target, version: int | None) -> None:
    _require_manage(actor, user=target.user, department=target.department)
    check_version(target, version)
    deleted, _rows = Target.objects.filter(pk=target.pk, version=target.version).delete()
    if not deleted:
        raise VersionConflict()
    audit.record(actor=actor, verb="delete", obj=target, changes={"amount": (target.amount, None)})
