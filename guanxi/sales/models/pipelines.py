"""Pipelines and their stages as data, opportunities (商机) with their contacts and stage history, and
the exchange rates of the forecast."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import CustomerRecord, SoftDeletable, TimeStamped, Versioned
from guanxi.customers.models import Account, Contact, ContactRole
from guanxi.search.tokenizers import Terms

from .base import LIVE, localized
from .leads import Lead


class Pipeline(TimeStamped, Versioned, SoftDeletable):
    POLICY_OBJECT_TYPE = "pipeline"

    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=100, blank=True)
    name_zh_hant = models.CharField(_("name (Traditional Chinese)"), max_length=100, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self)


class Stage(models.Model):
    """A pipeline stage; configuration as data (frappe/crm's crm_deal_status)."""

    class Type(models.TextChoices):
        OPEN = "open", pgettext_lazy("stage type", "Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=100, blank=True)
    name_zh_hant = models.CharField(_("name (Traditional Chinese)"), max_length=100, blank=True)
    type = models.CharField(_("type"), max_length=5, choices=Type.choices, default=Type.OPEN)
    probability = models.PositiveSmallIntegerField(_("probability (%)"), validators=[MaxValueValidator(100)])
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["pipeline", "order", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self)


class Opportunity(CustomerRecord):
    """A deal (商机) with an account, moving through a pipeline's stages."""

    POLICY_OBJECT_TYPE = "opportunity"
    POLICY_VIA = ("account",)  # whoever may read the account reads its opportunities

    name = models.CharField(_("name"), max_length=200)
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="opportunities"
    )
    contacts = models.ManyToManyField(
        Contact,
        verbose_name=_("contacts"),
        through="OpportunityContact",
        related_name="opportunities",
        blank=True,
    )
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    # The amount in the base currency at the rate when it was saved: what forecasts sum in SQL.
    amount_base = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0"), editable=False)
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="opportunities"
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="opportunities"
    )
    stage_type = models.CharField(
        max_length=5, choices=Stage.Type.choices, default=Stage.Type.OPEN, editable=False
    )  # copied from the stage: open/won/lost filters without a join
    probability = models.PositiveSmallIntegerField(_("probability (%)"), validators=[MaxValueValidator(100)])
    probability_manual = models.BooleanField(default=False, editable=False)  # overridden, not from the stage
    expected_close = models.DateField(_("expected close date"), null=True, blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    competitors = models.JSONField(_("competitors"), default=list, blank=True)
    loss_reason = models.CharField(_("loss reason"), max_length=500, blank=True)
    win_reason = models.CharField(_("win reason"), max_length=500, blank=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    stage_entered_at = models.DateTimeField(_("in this stage since"), default=timezone.now, editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    lead = models.ForeignKey(
        Lead,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["-updated_at", "-id"], condition=LIVE, name="opp_updated_idx"),
            models.Index(
                fields=["owner", "-updated_at", "-id"], condition=LIVE, name="opp_owner_updated_idx"
            ),
            models.Index(fields=["account", "-updated_at", "-id"], condition=LIVE, name="opp_account_idx"),
            # the kanban: one pipeline's open cards per stage
            models.Index(
                fields=["pipeline", "stage", "-updated_at", "-id"], condition=LIVE, name="opp_board_idx"
            ),
            # forecasts: open by expected close, won by close date
            models.Index(
                fields=["stage_type", "expected_close"], condition=LIVE, name="opp_forecast_open_idx"
            ),
            models.Index(fields=["stage_type", "closed_at"], condition=LIVE, name="opp_forecast_closed_idx"),
            models.Index(
                fields=["owner", "stage_type", "expected_close"],
                condition=LIVE,
                name="opp_owner_forecast_idx",
            ),
            models.Index(fields=["expected_close", "id"], condition=LIVE, name="opp_close_idx"),
            models.Index(fields=["-amount_base", "-id"], condition=LIVE, name="opp_amount_idx"),
            models.Index(fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="opp_bin_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.stage_type == Stage.Type.OPEN

    @property
    def weighted_amount(self) -> Decimal:
        return (self.amount * self.probability / Decimal(100)).quantize(Decimal("0.01"))

    def search_terms(self) -> Terms:
        return Terms(text=[self.name, *[str(c) for c in self.competitors or []]], phones=[], emails=[])


class OpportunityContact(models.Model):
    """A contact's role in a deal (decision maker, influencer…)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="contact_roles")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="opportunity_roles")
    role = models.CharField(_("role"), max_length=20, blank=True, choices=ContactRole.choices)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["opportunity", "contact"], name="opp_contact_unique")]
        indexes = [models.Index(fields=["contact", "opportunity"], name="opp_contact_contact_idx")]


class OpportunityStageChange(models.Model):
    """Every stage move, with how long the deal sat in the stage it left."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, null=True, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    seconds_in_stage = models.PositiveBigIntegerField(null=True)  # time spent in from_stage
    amount = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    probability = models.PositiveSmallIntegerField(null=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["opportunity", "-at", "-id"], name="opp_stage_change_opp_idx"),
            models.Index(fields=["to_stage", "at"], name="opp_stage_change_to_idx"),  # funnel
        ]


class ExchangeRate(models.Model):
    """How many units of the base currency (settings.BASE_CURRENCY) one unit of `currency` buys."""

    currency = models.CharField(_("currency"), max_length=3, unique=True)
    rate = models.DecimalField(
        _("rate"), max_digits=18, decimal_places=8, validators=[MinValueValidator(Decimal("0.00000001"))]
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["currency"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")

    def __str__(self) -> str:
        return f"{self.currency} {self.rate}"
