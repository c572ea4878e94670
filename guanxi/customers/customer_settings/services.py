"""Company-wide customer settings (one CustomerSettings row): administrators only, audited.

The dormancy thresholds per tier feed the dormancy job (engagement/dormancy); the duplicate
mode tells the duplicate check whether to warn or to block.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.core import cleaning
from guanxi.core.errors import PermissionDenied
from guanxi.core.services import model_update
from guanxi.org import rights

from ..models import CustomerSettings

MIN_DAYS, MAX_DAYS = 1, 3650
DAY_FIELDS = ("dormancy_days_a", "dormancy_days_b", "dormancy_days_c", "dormancy_days_other")
FIELDS = (*DAY_FIELDS, "duplicate_mode")


def days(value) -> int:
    """A whole number of days, 1–3650: an int (not a bool), or digits from a form."""
    if (
        isinstance(value, str)
        and value.strip().isascii()
        and value.strip().isdigit()
        and len(value.strip()) <= 6
    ):
        value = int(value.strip())
    if type(value) is not int:
        raise ValidationError(_("Enter a whole number."))
    if not MIN_DAYS <= value <= MAX_DAYS:
        raise ValidationError(
            _("Enter a number from %(min)d to %(max)d.") % {"min": MIN_DAYS, "max": MAX_DAYS}
        )
    return value


def _duplicate_mode(value):
    value = cleaning.choice(CustomerSettings.DuplicateMode.choices)(value)
    if not value:
        raise ValidationError(_("This field is required."))
    return value


CLEANERS = {**{f: days for f in DAY_FIELDS}, "duplicate_mode": _duplicate_mode}


def may_manage(actor) -> bool:
    return rights.has(actor, "manage_customer_settings")


def customer_settings_get() -> CustomerSettings:
    return CustomerSettings.load()


@transaction.atomic
def customer_settings_update(*, actor, data: dict, version: int | None) -> CustomerSettings:
    """Change some settings; `version` is the one the change started from (stale → 412)."""
    if not may_manage(actor):
        raise PermissionDenied()
    cleaned = cleaning.clean_payload(data, CLEANERS, partial=True)
    obj = CustomerSettings.objects.select_for_update().get(pk=CustomerSettings.load().pk)
    changes = model_update(obj, fields=list(FIELDS), data=cleaned, expected_version=version)
    if changes:
        audit.record(actor=actor, verb="update", obj=obj, changes=changes)
    return obj
