"""Sales targets (业绩目标) per user or department and period."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import TimeStamped, Versioned


class Target(TimeStamped, Versioned):
    """A sales target (业绩目标) for a user or a department, for a month or a quarter."""

    POLICY_OBJECT_TYPE = "target"

    class Kind(models.TextChoices):
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sales_targets",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sales_targets",
    )
    period = models.CharField(_("period"), max_length=7)  # "2026-11" or "2026-Q4"
    kind = models.CharField(max_length=7, choices=Kind.choices, editable=False)
    starts_on = models.DateField(editable=False)
    ends_on = models.DateField(editable=False)  # inclusive
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["period", "id"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, department__isnull=True)
                | Q(user__isnull=True, department__isnull=False),
                name="target_user_xor_department",
            ),
            models.UniqueConstraint(
                fields=["user", "period"], condition=Q(user__isnull=False), name="target_user_unique"
            ),
            models.UniqueConstraint(
                fields=["department", "period"],
                condition=Q(department__isnull=False),
                name="target_department_unique",
            ),
        ]
        indexes = [models.Index(fields=["starts_on", "ends_on"], name="target_period_idx")]

    def __str__(self) -> str:
        return f"{self.user or self.department} {self.period}"
